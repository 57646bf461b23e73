//! The search index: one document per lead, job, claim and contractor with the text people
//! search by (names, phone numbers, emails, addresses, claim numbers, company names) and the
//! columns that scope it to the caller. PostgreSQL matches words with a `tsvector` and parts of
//! words and phone numbers with trigram indexes (`pg_trgm`); SQLite matches them with an FTS5
//! table using the trigram tokenizer, its rows keyed by the document's `seq`.
//!
//! The server writes the documents itself (one definition of their text, in Rust) in the same
//! transaction as the change they describe, and fills an empty index at start-up.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("search_documents")
                .col(ColumnDef::new("seq").big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new("kind").string_len(16).not_null())
                .col(ColumnDef::new("entity_id").uuid().not_null())
                .col(ColumnDef::new("lead_id").uuid().null())
                .col(ColumnDef::new("insurer_id").uuid().null())
                .col(ColumnDef::new("source_partner_id").uuid().null())
                .col(ColumnDef::new("contractor_id").uuid().null())
                .col(ColumnDef::new("body").text().not_null())
                .col(ColumnDef::new("digits").text().not_null())
                .col(ColumnDef::new("created_at").timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_search_documents_entity")
                .table("search_documents")
                .col("kind")
                .col("entity_id")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_search_documents_newest")
                .table("search_documents")
                .col("created_at")
                .col("seq")
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        match db.get_database_backend() {
            DbBackend::Postgres => {
                for sql in [
                    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                    "ALTER TABLE search_documents ADD COLUMN words tsvector \
                     GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED",
                    "CREATE INDEX idx_search_documents_words ON search_documents USING gin (words)",
                    "CREATE INDEX idx_search_documents_body_trgm ON search_documents USING gin (body gin_trgm_ops)",
                    "CREATE INDEX idx_search_documents_digits_trgm ON search_documents USING gin (digits gin_trgm_ops)",
                    "CREATE INDEX idx_search_documents_insurer ON search_documents (insurer_id)",
                    "CREATE INDEX idx_search_documents_source ON search_documents (source_partner_id)",
                    "CREATE INDEX idx_search_documents_contractor ON search_documents (contractor_id)",
                ] {
                    db.execute_unprepared(sql).await?;
                }
            }
            _ => {
                db.execute_unprepared(
                    "CREATE VIRTUAL TABLE search_fts USING fts5(body, digits, content='', contentless_delete=1, tokenize='trigram')",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            db.execute_unprepared("DROP TABLE IF EXISTS search_fts").await?;
        }
        m.drop_table(Table::drop().table("search_documents").to_owned()).await
    }
}
