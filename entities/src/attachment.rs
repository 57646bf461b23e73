use sea_orm::entity::prelude::*;

use crate::AttachmentKind;

/// A photo or report on a job. The bytes are in the attachment store under `storage_key`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "attachments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub job_id: Uuid,
    pub kind: AttachmentKind,
    pub filename: String,
    /// The type found in the file's own bytes, not the one the client claimed.
    pub content_type: String,
    pub size_bytes: i64,
    /// Lower-case hex SHA-256 of the bytes.
    pub sha256: String,
    pub storage_key: String,
    pub uploaded_by: String,
    /// The phone's own key for this item, so a resend finds the first copy (unique per job).
    pub client_key: Option<String>,
    /// When the person took it on site, by the phone's clock (it may reach the server later).
    pub captured_at: Option<DateTimeUtc>,
    /// Where it was taken, when the person allowed the phone to say (WGS 84 degrees, metres).
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
