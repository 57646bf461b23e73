use sea_orm::entity::prelude::*;

use crate::{CompanyRole, Role};

/// A person who logs in: an NRP admin, a contractor company's user or a partner's user.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub contractor_id: Option<Uuid>,
    pub partner_id: Option<Uuid>,
    pub disabled: bool,
    pub created_at: DateTimeUtc,
    pub last_login_at: Option<DateTimeUtc>,
    /// Within its company (contractor or partner): the owner, or staff the owner invited.
    pub company_role: CompanyRole,
    /// Invited and not yet accepted: no password works until the invitation sets one.
    pub invite_pending: bool,
    /// Switched off by NRP (not the company's owner): only NRP switches it on again.
    pub disabled_by_nrp: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
