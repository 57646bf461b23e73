//! Photos and reports on jobs. The type is decided by the file's own first bytes (never by the
//! name or the client's claim), the size is capped, the SHA-256 is kept, and a rejected upload
//! stores nothing.

use bytes::Bytes;
use entities::{AttachmentKind, attachment};
use sea_orm::TransactionTrait;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::access::records::works_job;
use crate::auth::RequestMeta;
use crate::context::AppContext;
use crate::domain::capture::CaptureInput;
use crate::error::{ServiceError, ServiceResult};
use crate::store::{self, attachments::NewAttachment};

/// The types a job accepts, recognised by their leading bytes.
pub fn sniff(bytes: &[u8]) -> Option<(&'static str, AttachmentKind)> {
    let starts = |sig: &[u8]| bytes.len() >= sig.len() && &bytes[..sig.len()] == sig;
    if starts(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", AttachmentKind::Photo))
    } else if starts(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some(("image/png", AttachmentKind::Photo))
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(("image/webp", AttachmentKind::Photo))
    } else if bytes.len() >= 12
        && &bytes[4..8] == b"ftyp"
        && matches!(&bytes[8..12], b"heic" | b"heix" | b"mif1" | b"msf1" | b"hevc")
    {
        Some(("image/heic", AttachmentKind::Photo))
    } else if starts(b"%PDF-") {
        Some(("application/pdf", AttachmentKind::Report))
    } else {
        None
    }
}

/// Keeps the last path segment of a client filename, without control characters, at most 200 chars.
pub fn clean_filename(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last.chars().filter(|c| !c.is_control()).take(200).collect();
    let cleaned = cleaned.trim().to_string();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." { "upload".into() } else { cleaned }
}

/// Stores a file on a job (its contractor or an admin).
#[tracing::instrument(skip_all, fields(job_id = %job_id, size = bytes.len()))]
pub async fn upload(
    ctx: &AppContext,
    meta: &RequestMeta,
    job_id: Uuid,
    filename: &str,
    bytes: Bytes,
    capture: Option<CaptureInput>,
) -> ServiceResult<attachment::Model> {
    let (job, role) = super::jobs::get(ctx, meta, job_id).await?;
    if !works_job(role) {
        return Err(ServiceError::Forbidden("only the contractor or an NRP admin adds files to a job".into()));
    }
    let capture = capture.map(|c| c.check(job.created_at)).transpose()?;
    let max = ctx.config.attachment_max_bytes;
    if bytes.is_empty() {
        return Err(ServiceError::validation("file", "the file is empty"));
    }
    if bytes.len() > max {
        return Err(ServiceError::validation("file", format!("the file is {} bytes; the limit is {max}", bytes.len())));
    }
    let (content_type, kind) = sniff(&bytes).ok_or_else(|| {
        ServiceError::validation("file", "only JPEG, PNG, WebP and HEIC photos and PDF reports are accepted")
    })?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    // A resend from the phone (its first answer was lost) finds the first copy.
    let client_key = capture.as_ref().map(|c| c.client_key.clone());
    if let Some(k) = &client_key
        && let Some(first) = store::attachments::by_client_key(&ctx.db, job.id, k).await?
    {
        return same_file(first, &sha256);
    }
    let id = Uuid::now_v7();
    let key = format!("{}/{}", job.id, id);
    let size = bytes.len() as i64;
    ctx.attachments
        .put(&key, bytes)
        .await
        .map_err(|e| ServiceError::Internal(anyhow::Error::new(e).context("storing an attachment")))?;
    let (_, _, who) = meta.principal.audit_actor();
    let recorded = async {
        let txn = ctx.db.begin().await?;
        let a = store::attachments::insert(
            &txn,
            NewAttachment {
                id,
                job_id: job.id,
                kind,
                filename: clean_filename(filename),
                content_type: content_type.into(),
                size_bytes: size,
                sha256: sha256.clone(),
                storage_key: key.clone(),
                uploaded_by: who,
                capture,
            },
        )
        .await?;
        super::audit::record(
            &txn,
            meta,
            "job.attachment_added",
            "job",
            Some(job.id),
            json!({ "attachmentId": a.id, "sha256": a.sha256, "size": size }),
        )
        .await?;
        txn.commit().await?;
        Ok::<_, ServiceError>(a)
    }
    .await;
    if recorded.is_err() {
        // Nothing half-done: the row failed, so the bytes go too.
        let _ = ctx.attachments.delete(&key).await;
        // Two copies of one resend raced and the other one's row is in: answer with it.
        if let Some(k) = &client_key
            && let Some(first) = store::attachments::by_client_key(&ctx.db, job.id, k).await?
        {
            return same_file(first, &sha256);
        }
    }
    recorded
}

/// The first upload under a key is the answer to every resend of the same bytes; other bytes under
/// that key are refused (the phone reused a key).
fn same_file(first: attachment::Model, sha256: &str) -> ServiceResult<attachment::Model> {
    if first.sha256 == sha256 {
        Ok(first)
    } else {
        Err(ServiceError::conflict_on("capture.clientKey", "this key was already used for another file on this job"))
    }
}

/// An attachment and its bytes, for someone who may see the job.
pub async fn download(ctx: &AppContext, meta: &RequestMeta, id: Uuid) -> ServiceResult<(attachment::Model, Bytes)> {
    let a = store::attachments::find(&ctx.db, id).await?.ok_or_else(|| ServiceError::not_found("attachment"))?;
    super::jobs::get(ctx, meta, a.job_id).await.map_err(|e| match e {
        ServiceError::NotFound(_) => ServiceError::not_found("attachment"),
        other => other,
    })?;
    let bytes = ctx
        .attachments
        .get(&a.storage_key)
        .await
        .map_err(|e| ServiceError::Internal(anyhow::Error::new(e).context("reading an attachment")))?;
    Ok((a, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_recognised_by_their_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]).map(|t| t.0), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest").map(|t| t.0), Some("image/png"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 ").map(|t| t.0), Some("image/webp"));
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0").map(|t| t.0), Some("image/heic"));
        assert_eq!(sniff(b"%PDF-1.7\n").map(|t| t.1), Some(AttachmentKind::Report));
        assert_eq!(sniff(b"<html><script>"), None);
        assert_eq!(sniff(b"MZ\x90\0"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn filenames_lose_their_paths_and_control_characters() {
        assert_eq!(clean_filename("C:\\\\Users\\\\me\\\\kitchen.jpg"), "kitchen.jpg");
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("a\u{0}b.png"), "ab.png");
        assert_eq!(clean_filename(".."), "upload");
        assert_eq!(clean_filename(""), "upload");
    }
}
