use async_graphql::SimpleObject;

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
