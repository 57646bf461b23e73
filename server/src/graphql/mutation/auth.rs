use async_graphql::{Context, ID, InputObject, Object, Result};

use crate::domain::{AtField, Email, Password, optional_text};
use crate::error::ServiceError;
use crate::graphql::IntoGql;
use crate::graphql::ids::parse_id;
use crate::graphql::types::auth::AuthPayload;
use crate::graphql::types::enums::Role;
use crate::graphql::types::user::User;
use crate::graphql::types::{app, meta};
use crate::services::{self, auth::Session, users::NewAccount};

#[derive(Default)]
pub struct AuthMutation;

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
    async fn login(&self, ctx: &Context<'_>, email: String, password: String) -> Result<AuthPayload> {
        services::auth::login(app(ctx), meta(ctx), &email, password).await.gql().map(payload)
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

    /// Admin: disables a login. Its refresh tokens are revoked, its access token stops working on
    /// the next request, and its open WebSockets close (4403) on every instance.
    async fn disable_user(&self, ctx: &Context<'_>, id: ID, reason: Option<String>) -> Result<User> {
        let id = parse_id(&id, "id").gql()?;
        let reason = optional_text(reason.as_deref(), "reason", 500).at("reason").map_err(ServiceError::from).gql()?;
        services::users::set_disabled(app(ctx), meta(ctx), id, true, reason).await.gql().map(User)
    }

    /// Admin: lets a disabled login sign in again.
    async fn enable_user(&self, ctx: &Context<'_>, id: ID) -> Result<User> {
        let id = parse_id(&id, "id").gql()?;
        services::users::set_disabled(app(ctx), meta(ctx), id, false, None).await.gql().map(User)
    }
}
