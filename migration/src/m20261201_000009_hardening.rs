//! Hardening: refresh tokens remember whether they were retired by rotation (for the reuse grace
//! window); API keys can carry a rate budget of their own; a job's timeline keeps how each
//! actor is shown outside NRP.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("refresh_tokens")
                .add_column(ColumnDef::new("rotated_at").timestamp_with_time_zone().null())
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("refresh_tokens")
                .add_column(ColumnDef::new("grace_used_at").timestamp_with_time_zone().null())
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("api_keys")
                .add_column(ColumnDef::new("rate_limit_per_minute").integer().null())
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("job_events")
                .add_column(ColumnDef::new("actor_public").string_len(300).null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("job_events").drop_column("actor_public").to_owned()).await?;
        m.alter_table(Table::alter().table("api_keys").drop_column("rate_limit_per_minute").to_owned()).await?;
        m.alter_table(Table::alter().table("refresh_tokens").drop_column("grace_used_at").to_owned()).await?;
        m.alter_table(Table::alter().table("refresh_tokens").drop_column("rotated_at").to_owned()).await
    }
}
