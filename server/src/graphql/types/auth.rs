use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::graphql::ids::to_id;
use crate::services::accounts::SessionView;

use super::user::User;

/// Tokens for a session. Send `accessToken` as `Authorization: Bearer …`; before it expires, trade
/// `refreshToken` for a new pair with `refreshToken`. Each refresh token works once.
#[derive(SimpleObject)]
pub struct AuthPayload {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds until `accessToken` expires.
    pub expires_in: u64,
    pub user: User,
}

/// The answer to a sign-up: the same whether or not the address already had a login.
#[derive(SimpleObject)]
pub struct SignUpReceipt {
    /// The address the next step was sent to.
    pub email: String,
    /// What happens next, fit to show.
    pub message: String,
}

/// One signed-in device of a login: every refresh-token family is a session.
pub struct Session(pub SessionView);

#[Object]
impl Session {
    async fn id(&self) -> ID {
        to_id(self.0.session.id)
    }
    /// The browser or app it was opened from (its `User-Agent`), if it said.
    async fn user_agent(&self) -> Option<&str> {
        self.0.session.user_agent.as_deref()
    }
    /// The client address it was last used from.
    async fn ip_address(&self) -> Option<&str> {
        self.0.session.ip_address.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.session.created_at
    }
    /// The last sign-in or token refresh.
    async fn last_used_at(&self) -> DateTime<Utc> {
        self.0.session.last_used_at
    }
    /// Whether this is the session the request came from.
    async fn current(&self) -> bool {
        self.0.current
    }
}
