use async_graphql::{Context, ID, InputObject, Object, Result};

use crate::domain::{AtField, Email, Password, optional_text};
use crate::error::ServiceError;
use crate::graphql::IntoGql;
use crate::graphql::ids::parse_id;
use crate::graphql::types::auth::{AuthPayload, LoginResult, SecondFactorChallenge, SecondFactorEnrolment};
use crate::graphql::types::enums::Role;
use crate::graphql::types::user::User;
use crate::graphql::types::{app, meta};
use crate::services::{self, auth::Session, users::NewAccount};

#[derive(Default)]
pub struct AuthMutation;

/// A staff login to invite.
#[derive(InputObject)]
pub struct InviteUserInput {
    pub email: String,
    /// Admins: the contractor company (or give `partnerId`). Owners invite to their own.
    pub contractor_id: Option<async_graphql::ID>,
    pub partner_id: Option<async_graphql::ID>,
}

/// A login for an admin, a contractor company or a partner (admins only).
#[derive(InputObject)]
pub struct CreateUserInput {
    pub email: String,
    pub password: String,
    pub role: Role,
    /// Required for `CONTRACTOR` users.
    pub contractor_id: Option<async_graphql::ID>,
    /// Required for `PARTNER` users.
    pub partner_id: Option<async_graphql::ID>,
}

fn payload(s: Session) -> AuthPayload {
    AuthPayload {
        access_token: s.access_token,
        refresh_token: s.refresh_token,
        expires_in: s.expires_in_secs,
        user: User(s.user),
    }
}

#[Object]
impl AuthMutation {
    /// Logs in. Attempts are rate limited per client address and per email from one address
    /// (`RATE_LIMITED`, with `extensions.retryAfterSeconds`); wrong passwords from elsewhere never
    /// lock a user out.
    /// A login with a second factor gets a `SecondFactorChallenge` instead of a session.
    async fn login(&self, ctx: &Context<'_>, email: String, password: String) -> Result<LoginResult> {
        Ok(match services::auth::login(app(ctx), meta(ctx), &email, password).await.gql()? {
            services::auth::LoginOutcome::Session(s) => LoginResult::Session(payload(s)),
            services::auth::LoginOutcome::SecondFactor { challenge, expires_in_secs } => {
                LoginResult::SecondFactor(SecondFactorChallenge { challenge, expires_in: expires_in_secs })
            }
        })
    }

    /// Completes a sign-in that asked for the second factor: six digits from the authenticator
    /// app, or one of the recovery codes. A wrong code is `BAD_USER_INPUT` on `code` (five tries
    /// per challenge, and sign-in attempts are limited per login); a code is accepted once. An
    /// expired or spent challenge is `UNAUTHENTICATED`: sign in again.
    async fn verify_second_factor(&self, ctx: &Context<'_>, challenge: String, code: String) -> Result<AuthPayload> {
        services::second_factor::verify(app(ctx), meta(ctx), &challenge, &code).await.gql().map(payload)
    }

    /// Starts setting up a second factor (TOTP): a new key, in force once confirmed. `CONFLICT`
    /// while one is on.
    async fn enrol_second_factor(&self, ctx: &Context<'_>) -> Result<SecondFactorEnrolment> {
        let e = services::second_factor::enrol(app(ctx), meta(ctx)).await.gql()?;
        Ok(SecondFactorEnrolment { secret: e.secret, uri: e.uri, qr_svg: e.qr_svg })
    }

    /// Confirms the second factor being set up with a first code. Returns ten recovery codes,
    /// shown this once: each signs in once in place of a code.
    async fn confirm_second_factor(&self, ctx: &Context<'_>, code: String) -> Result<Vec<String>> {
        services::second_factor::confirm(app(ctx), meta(ctx), &code).await.gql()
    }

    /// Replaces the recovery codes (a current code as proof). Returns the new ones, shown once.
    async fn replace_recovery_codes(&self, ctx: &Context<'_>, code: String) -> Result<Vec<String>> {
        services::second_factor::new_recovery(app(ctx), meta(ctx), &code).await.gql()
    }

    /// Turns the caller's second factor off (a current code or a recovery code as proof).
    /// `CONFLICT` where NRP requires one.
    async fn turn_off_second_factor(&self, ctx: &Context<'_>, code: String) -> Result<bool> {
        services::second_factor::turn_off(app(ctx), meta(ctx), &code).await.gql().map(|()| true)
    }

    /// Admin: removes another login's second factor (a lost phone): its sessions end everywhere
    /// and it is told by email. Audited.
    async fn reset_second_factor(&self, ctx: &Context<'_>, user_id: ID, reason: Option<String>) -> Result<bool> {
        let id = parse_id(&user_id, "userId").gql()?;
        let reason = optional_text(reason.as_deref(), "reason", 500).at("reason").map_err(ServiceError::from).gql()?;
        services::second_factor::reset(app(ctx), meta(ctx), id, reason).await.gql().map(|()| true)
    }

    /// Trades a refresh token for a new pair. Each refresh token works once; presenting a used one
    /// again ends every session of that login, unless it comes within a few seconds of its
    /// rotation (two tabs, or a retry after a lost answer), which gets a session of its own.
    async fn refresh_token(&self, ctx: &Context<'_>, refresh_token: String) -> Result<AuthPayload> {
        services::auth::refresh(app(ctx), meta(ctx), &refresh_token).await.gql().map(payload)
    }

    /// Ends the session the refresh token belongs to.
    async fn logout(&self, ctx: &Context<'_>, refresh_token: String) -> Result<bool> {
        services::auth::logout(app(ctx), meta(ctx), &refresh_token).await.gql()
    }

    /// Asks for a password-reset link by email. Always `true`, whether or not the address has a
    /// login (nothing tells a stranger who is registered); where it has one, the email carries a
    /// link that works once, for 30 minutes, until a newer one is asked for. `RATE_LIMITED` per
    /// client address; at most five emails an hour go to one address.
    async fn request_password_reset(&self, ctx: &Context<'_>, email: String) -> Result<bool> {
        services::accounts::request_password_reset(app(ctx), meta(ctx), &email).await.gql().map(|()| true)
    }

    /// Sets a new password with the token of a reset link. The password rules apply (field
    /// `password`); a bad, used, replaced or expired token is `BAD_USER_INPUT` on `token`. Every
    /// session of the login ends, on every instance.
    async fn reset_password(&self, ctx: &Context<'_>, token: String, password: String) -> Result<bool> {
        services::accounts::reset_password(app(ctx), meta(ctx), &token, &password).await.gql().map(|()| true)
    }

    /// Changes the signed-in person's password. A wrong current password is `BAD_USER_INPUT` on
    /// `currentPassword` (and counts like a failed sign-in); the new one must meet the rules
    /// (`newPassword`). The person's other sessions end; this one stays.
    async fn change_password(&self, ctx: &Context<'_>, current_password: String, new_password: String) -> Result<bool> {
        services::accounts::change_password(app(ctx), meta(ctx), &current_password, &new_password)
            .await
            .gql()
            .map(|()| true)
    }

    /// Confirms a login's email with the token of the link sent to it. Returns the address.
    async fn verify_email(&self, ctx: &Context<'_>, token: String) -> Result<String> {
        services::accounts::verify_email(app(ctx), meta(ctx), &token).await.gql()
    }

    /// Moves the signed-in person's login to a new email address, the password as proof
    /// (`BAD_USER_INPUT` on `password`; `CONFLICT` on `email` for an address with a login). A link
    /// goes to the new address; the login moves when it is opened (`verifyEmail`), and the old
    /// address is told.
    async fn change_email(&self, ctx: &Context<'_>, password: String, email: String) -> Result<bool> {
        services::accounts::change_email(app(ctx), meta(ctx), &password, &email).await.gql().map(|()| true)
    }

    /// Sends the signed-in person a new link to confirm their email (five an hour).
    async fn resend_email_verification(&self, ctx: &Context<'_>) -> Result<bool> {
        services::accounts::resend_verification(app(ctx), meta(ctx)).await.gql().map(|()| true)
    }

    /// Ends one session (the caller's own, or anyone's for an admin): its tokens stop working
    /// and its WebSockets close on every instance. `NOT_FOUND` for a session that is not live or
    /// not the caller's.
    async fn end_session(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let id = parse_id(&id, "id").gql()?;
        services::accounts::end_session(app(ctx), meta(ctx), id).await.gql().map(|()| true)
    }

    /// Ends every session of the caller except the one it is using ("sign out everywhere
    /// else"). Returns how many ended.
    async fn end_other_sessions(&self, ctx: &Context<'_>) -> Result<i32> {
        let n = services::accounts::end_other_sessions(app(ctx), meta(ctx), None).await.gql()?;
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }

    /// Admin: ends every session of a login. Returns how many ended.
    async fn end_user_sessions(&self, ctx: &Context<'_>, user_id: ID) -> Result<i32> {
        let id = parse_id(&user_id, "userId").gql()?;
        let n = services::accounts::end_other_sessions(app(ctx), meta(ctx), Some(id)).await.gql()?;
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }

    /// Admin: creates a login.
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> Result<User> {
        let meta = meta(ctx);
        meta.principal.require_admin().gql()?;
        let account = (|| -> Result<NewAccount, ServiceError> {
            Ok(NewAccount {
                email: Email::parse(&input.email).at("input.email")?,
                password: Password::parse(&input.password).at("input.password")?,
                role: input.role.into(),
                contractor_id: input.contractor_id.as_ref().map(|i| parse_id(i, "input.contractorId")).transpose()?,
                partner_id: input.partner_id.as_ref().map(|i| parse_id(i, "input.partnerId")).transpose()?,
            })
        })()
        .gql()?;
        services::users::create(app(ctx), meta, account).await.gql().map(User)
    }

    /// Invites a staff login by email: an admin names the company (`contractorId` or
    /// `partnerId`), a company's owner invites to its own. The email's link (seven days, once)
    /// sets the password. Staff accept offers and work jobs but see no payouts or bank details
    /// and change neither the company nor its staff. `CONFLICT` on `input.email` for an address
    /// that already has a login.
    async fn invite_user(&self, ctx: &Context<'_>, input: InviteUserInput) -> Result<User> {
        let inv = (|| -> Result<services::users::Invitation, ServiceError> {
            Ok(services::users::Invitation {
                email: Email::parse(&input.email).at("input.email")?,
                contractor_id: input.contractor_id.as_ref().map(|i| parse_id(i, "input.contractorId")).transpose()?,
                partner_id: input.partner_id.as_ref().map(|i| parse_id(i, "input.partnerId")).transpose()?,
            })
        })()
        .gql()?;
        services::users::invite(app(ctx), meta(ctx), inv).await.gql().map(User)
    }

    /// Sends a pending invitation again, with a new link (the old one stops working). Admins, or
    /// the company's owner.
    async fn resend_invitation(&self, ctx: &Context<'_>, user_id: ID) -> Result<User> {
        let id = parse_id(&user_id, "userId").gql()?;
        services::users::resend_invite(app(ctx), meta(ctx), id).await.gql().map(User)
    }

    /// Accepts an invitation with the token of its link, choosing the password (the password
    /// rules apply, on `password`). Returns the login's email; sign in with it.
    async fn accept_invitation(&self, ctx: &Context<'_>, token: String, password: String) -> Result<String> {
        services::users::accept_invite(app(ctx), meta(ctx), &token, &password).await.gql()
    }

    /// Disables a login (admins any; a company's owner its own staff). Its refresh tokens are revoked, its access token stops working on
    /// the next request, and its open WebSockets close (4403) on every instance.
    async fn disable_user(&self, ctx: &Context<'_>, id: ID, reason: Option<String>) -> Result<User> {
        let id = parse_id(&id, "id").gql()?;
        let reason = optional_text(reason.as_deref(), "reason", 500).at("reason").map_err(ServiceError::from).gql()?;
        services::users::set_disabled(app(ctx), meta(ctx), id, true, reason).await.gql().map(User)
    }

    /// Lets a disabled login sign in again (admins any; a company's owner its own staff).
    async fn enable_user(&self, ctx: &Context<'_>, id: ID) -> Result<User> {
        let id = parse_id(&id, "id").gql()?;
        services::users::set_disabled(app(ctx), meta(ctx), id, false, None).await.gql().map(User)
    }
}
