use async_graphql::{Context, ID, Object, Result};

use crate::graphql::IntoGql;
use crate::graphql::ids::parse_id;
use crate::graphql::types::notification::Notification;
use crate::graphql::types::{app, meta};
use crate::services;

#[derive(Default)]
pub struct NotificationMutation;

#[Object]
impl NotificationMutation {
    /// Admin: sends a notification again (a dead letter, most often) as a new log entry that
    /// names the original. `CONFLICT` while the original is still pending, or when its channel
    /// is not configured.
    async fn resend_notification(&self, ctx: &Context<'_>, id: ID) -> Result<Notification> {
        let id = parse_id(&id, "id").gql()?;
        services::notifications::resend(app(ctx), meta(ctx), id).await.gql().map(Notification)
    }
}
