use async_graphql::{ID, Object, SimpleObject, Union};
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

/// A sign-in whose password was right and that now needs the login's second factor: send
/// `challenge` with a code to `verifySecondFactor` within `expiresIn` seconds.
#[derive(SimpleObject)]
pub struct SecondFactorChallenge {
    pub challenge: String,
    pub expires_in: u64,
}

/// What `login` gives: a session, or a challenge for the second factor.
#[derive(Union)]
pub enum LoginResult {
    Session(AuthPayload),
    SecondFactor(SecondFactorChallenge),
}

/// A second factor being set up: scan `qrSvg` (or type `secret`) into an authenticator app,
/// then confirm with a first code.
#[derive(SimpleObject)]
pub struct SecondFactorEnrolment {
    /// The key in base32.
    pub secret: String,
    /// The `otpauth://` address the QR code holds.
    pub uri: String,
    /// The QR code as an SVG document.
    pub qr_svg: String,
}

/// The signed-in person's second factor.
#[derive(SimpleObject)]
pub struct SecondFactorStatus {
    /// Whether sign-in asks for a code.
    pub on: bool,
    /// Unused recovery codes.
    pub recovery_codes_left: u64,
    /// Whether NRP requires one for this login (admins, in production).
    pub required: bool,
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
