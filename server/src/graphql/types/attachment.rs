use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use entities::attachment;

use crate::graphql::ids::to_id;

/// A photo or report on a job.
pub struct Attachment(pub attachment::Model);

#[Object]
impl Attachment {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// `PHOTO` or `REPORT`.
    async fn kind(&self) -> &str {
        match self.0.kind {
            entities::AttachmentKind::Photo => "PHOTO",
            entities::AttachmentKind::Report => "REPORT",
        }
    }
    async fn filename(&self) -> &str {
        &self.0.filename
    }
    /// Decided from the file's own bytes.
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }
    async fn size_bytes(&self) -> i64 {
        self.0.size_bytes
    }
    /// Lower-case hex SHA-256, to check a download against.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }
    /// Who uploaded it: the person for NRP; the role for anyone else (never a staff email).
    async fn uploaded_by(&self, ctx: &async_graphql::Context<'_>) -> &str {
        if crate::access::sees_people(&super::meta(ctx).principal) {
            return self.0.uploaded_by.as_str();
        }
        crate::access::public_role(&self.0.uploaded_by)
    }
    /// Download with the same `Authorization` header as the API.
    async fn url(&self) -> String {
        format!("/attachments/{}", self.0.id)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was taken on site, by the phone's clock; null when it was sent as it was taken
    /// (`createdAt` is when the server got it).
    async fn captured_at(&self) -> Option<DateTime<Utc>> {
        self.0.captured_at
    }
    /// Where it was taken, when the person allowed the phone to tell (NRP and the contractor
    /// only; null for partners).
    async fn position(&self, ctx: &async_graphql::Context<'_>) -> Option<super::Position> {
        super::Position::seen_by(ctx, self.0.latitude, self.0.longitude, self.0.accuracy_m)
    }
}
