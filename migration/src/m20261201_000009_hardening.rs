//! Hardening: refresh tokens remember whether they were retired by rotation and whether their
//! one grace redemption was used; API keys can carry a rate budget of their own; a job's timeline
//! keeps how each actor is shown outside NRP; a claim keeps the instant its decision date ends on
//! the property's clock; partner webhook secrets are stored sealed (longer).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, column): SQLite adds one column per `ALTER TABLE`, so each is its own statement.
fn columns() -> Vec<(&'static str, ColumnDef)> {
    vec![
        ("refresh_tokens", ColumnDef::new("rotated_at").timestamp_with_time_zone().null().to_owned()),
        ("refresh_tokens", ColumnDef::new("grace_used_at").timestamp_with_time_zone().null().to_owned()),
        ("api_keys", ColumnDef::new("rate_limit_per_minute").integer().null().to_owned()),
        ("job_events", ColumnDef::new("actor_public").string_len(300).null().to_owned()),
        ("claims", ColumnDef::new("decision_due_at").timestamp_with_time_zone().null().to_owned()),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, mut col) in columns() {
            m.alter_table(Table::alter().table(table).add_column(&mut col).to_owned()).await?;
        }
        // Sealed webhook secrets are longer than plain ones. (SQLite does not enforce lengths.)
        if m.get_database_backend() == sea_orm_migration::sea_orm::DatabaseBackend::Postgres {
            m.alter_table(
                Table::alter()
                    .table("partners")
                    .modify_column(ColumnDef::new("webhook_secret").string_len(500).null())
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, col) in columns().into_iter().rev() {
            let name = col.get_column_name();
            m.alter_table(Table::alter().table(table).drop_column(Alias::new(name)).to_owned()).await?;
        }
        Ok(())
    }
}
