//! Photos and reports attached to jobs. The bytes live in the attachment store; the row keeps
//! what they are and their SHA-256.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("attachments")
                .col(ColumnDef::new("id").uuid().not_null().primary_key())
                .col(ColumnDef::new("job_id").uuid().not_null())
                .col(ColumnDef::new("kind").string_len(16).not_null())
                .col(ColumnDef::new("filename").string_len(200).not_null())
                .col(ColumnDef::new("content_type").string_len(100).not_null())
                .col(ColumnDef::new("size_bytes").big_integer().not_null())
                .col(ColumnDef::new("sha256").string_len(64).not_null())
                .col(ColumnDef::new("storage_key").string_len(300).not_null())
                .col(ColumnDef::new("uploaded_by").string_len(300).not_null())
                .col(ColumnDef::new("created_at").timestamp_with_time_zone().not_null())
                .foreign_key(ForeignKey::create().from("attachments", "job_id").to("jobs", "id"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("idx_attachments_job").table("attachments").col("job_id").to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("attachments").to_owned()).await
    }
}
