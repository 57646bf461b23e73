use async_graphql::{Context, ID, InputObject, Object, Result};

use crate::error::ServiceError;
use crate::graphql::IntoGql;
use crate::graphql::ids::parse_id;
use crate::graphql::types::enums::NotificationChannel;
use crate::graphql::types::notification::{Notification, NotificationEvent, NotificationSettings, PushSubscription};
use crate::graphql::types::{app, meta};
use crate::services;
use crate::services::notifications::{devices, settings};

#[derive(Default)]
pub struct NotificationMutation;

/// A browser's push subscription, as `PushSubscription.toJSON()` gives it.
#[derive(InputObject)]
pub struct PushSubscriptionInput {
    pub endpoint: String,
    /// `keys.p256dh`, base64url.
    #[graphql(name = "p256dh")]
    pub p256dh: String,
    /// `keys.auth`, base64url.
    pub auth: String,
    /// What to call the device ("Pixel 8").
    pub label: Option<String>,
}

/// Quiet hours, `HH:MM` (24-hour) on your clock.
#[derive(InputObject)]
pub struct QuietHoursInput {
    pub start: String,
    pub end: String,
}

/// The channels for one kind of alert.
#[derive(InputObject)]
pub struct NotificationChoiceInput {
    pub event: NotificationEvent,
    pub channels: Vec<NotificationChannel>,
}

/// Changes to your alert settings; what you leave out stays as it is.
#[derive(InputObject, Default)]
pub struct NotificationSettingsInput {
    /// A mobile number (`0412 345 678`, `+61…`); it gets nothing until verified. Empty removes it.
    pub phone: Option<String>,
    /// An IANA zone (`Australia/Perth`); empty goes back to NRP's.
    pub time_zone: Option<String>,
    pub quiet_hours: Option<QuietHoursInput>,
    /// Turns quiet hours off.
    #[graphql(default)]
    pub clear_quiet_hours: bool,
    pub choices: Option<Vec<NotificationChoiceInput>>,
}

#[Object]
impl NotificationMutation {
    /// Admin: sends a notification again (a dead letter, most often) as a new log entry that
    /// names the original. `CONFLICT` while the original is still pending, or when its channel
    /// is not configured.
    async fn resend_notification(&self, ctx: &Context<'_>, id: ID) -> Result<Notification> {
        let id = parse_id(&id, "id").gql()?;
        services::notifications::resend(app(ctx), meta(ctx), id).await.gql().map(Notification)
    }

    /// Turns push alerts on for this device (after the user allowed notifications). Registering
    /// the same endpoint again refreshes it; a login keeps its ten newest devices.
    async fn register_push_subscription(
        &self,
        ctx: &Context<'_>,
        input: PushSubscriptionInput,
    ) -> Result<PushSubscription> {
        let d =
            devices::NewDevice { endpoint: input.endpoint, p256dh: input.p256dh, auth: input.auth, label: input.label };
        devices::register(app(ctx), meta(ctx), d).await.gql().map(PushSubscription)
    }

    /// Turns push alerts off for one of your devices (by id, or by endpoint on sign-out).
    /// Whether one was removed.
    async fn remove_push_subscription(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        endpoint: Option<String>,
    ) -> Result<bool> {
        let id = id.as_ref().map(|i| parse_id(i, "id")).transpose().gql()?;
        devices::remove(app(ctx), meta(ctx), id, endpoint).await.gql()
    }

    /// Changes your alert settings.
    async fn update_notification_settings(
        &self,
        ctx: &Context<'_>,
        input: NotificationSettingsInput,
    ) -> Result<NotificationSettings> {
        if input.clear_quiet_hours && input.quiet_hours.is_some() {
            return Err(ServiceError::validation("input.clearQuietHours", "either set quiet hours or clear them"))
                .gql();
        }
        let u = settings::SettingsUpdate {
            phone: input.phone,
            time_zone: input.time_zone,
            quiet_hours: if input.clear_quiet_hours {
                Some(None)
            } else {
                input.quiet_hours.map(|q| Some((q.start, q.end)))
            },
            choices: input.choices.map(|cs| {
                cs.into_iter().map(|c| (c.event.into(), c.channels.into_iter().map(Into::into).collect())).collect()
            }),
        };
        settings::update(app(ctx), meta(ctx), u).await.gql().map(NotificationSettings)
    }

    /// Sends a six-digit code to your phone (`SMS`) or login email (`EMAIL`); returns where it
    /// went, masked. At most five an hour.
    async fn request_contact_verification(&self, ctx: &Context<'_>, channel: NotificationChannel) -> Result<String> {
        settings::request_verification(app(ctx), meta(ctx), channel.into()).await.gql()
    }

    /// Proves your phone or email with the code sent to it.
    async fn confirm_contact_verification(
        &self,
        ctx: &Context<'_>,
        channel: NotificationChannel,
        code: String,
    ) -> Result<NotificationSettings> {
        settings::confirm_verification(app(ctx), meta(ctx), channel.into(), &code).await.gql().map(NotificationSettings)
    }

    /// Notes that you opened an offer (contractors): an urgent offer opened in time is not
    /// followed by an SMS. Whether this was the first time.
    async fn mark_offer_seen(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let id = parse_id(&id, "id").gql()?;
        services::offers::mark_seen(app(ctx), meta(ctx), id).await.gql()
    }
}
