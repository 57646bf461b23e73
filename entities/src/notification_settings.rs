use sea_orm::entity::prelude::*;

/// One login's alert settings: its verified contacts, its quiet hours (in its own time zone) and
/// which events reach it on which channels.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// E.164; receives nothing until `phone_verified_at` is set.
    pub phone: Option<String>,
    pub phone_verified_at: Option<DateTimeUtc>,
    /// When the login's email was proven (a code sent to it came back).
    pub email_verified_at: Option<DateTimeUtc>,
    /// IANA zone for quiet hours; none = NRP's zone.
    pub time_zone: Option<String>,
    /// Quiet hours as minutes after local midnight, start inclusive, end exclusive (may wrap).
    pub quiet_start_minute: Option<i32>,
    pub quiet_end_minute: Option<i32>,
    /// JSON: `{ "<EVENT>": ["PUSH", "SMS", …] }`; an event not named takes its default.
    pub choices: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
