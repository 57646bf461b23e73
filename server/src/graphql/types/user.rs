use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entities::user;

use super::contractor::Contractor;
use super::enums::{CompanyRole, Role, UserStatus};
use super::partner::Partner;
use super::{app, meta};
use crate::graphql::IntoGql;
use crate::graphql::ids::to_id;
use crate::services;

/// A person who logs in.
pub struct User(pub user::Model);

#[Object]
impl User {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// The id of the company a contractor user works for (readable in the login payload, before
    /// the caller holds a token).
    async fn contractor_id(&self) -> Option<ID> {
        self.0.contractor_id.map(to_id)
    }
    /// The company a contractor user works for.
    async fn contractor(&self, ctx: &Context<'_>) -> Result<Option<Contractor>> {
        let Some(id) = self.0.contractor_id else { return Ok(None) };
        services::contractors::get(app(ctx), meta(ctx), id).await.gql().map(|c| Some(Contractor(c)))
    }
    /// The partner a partner user works for.
    async fn partner(&self, ctx: &Context<'_>) -> Result<Option<Partner>> {
        let Some(id) = self.0.partner_id else { return Ok(None) };
        services::partners::get(app(ctx), meta(ctx), id).await.gql().map(|p| Some(Partner(p)))
    }
    /// Whether the login's email address is proven (a link or code sent to it came back). A
    /// contractor company is verified by NRP only once its signing-up login has confirmed.
    async fn email_verified(&self, ctx: &Context<'_>) -> Result<bool> {
        services::notifications::settings::email_proven(&app(ctx).db, self.0.id).await.gql()
    }
    /// Owner or staff of its company (admins are owners of nothing; `OWNER`).
    async fn company_role(&self) -> CompanyRole {
        self.0.company_role.into()
    }
    async fn status(&self) -> UserStatus {
        services::users::Standing::of(&self.0).into()
    }
    /// A disabled login cannot sign in, and its tokens and sockets stop working.
    async fn disabled(&self) -> bool {
        self.0.disabled
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn last_login_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_login_at
    }
}
