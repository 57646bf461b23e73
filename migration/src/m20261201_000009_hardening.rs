//! Hardening: refresh tokens remember whether they were retired by rotation (for the reuse grace
//! window).

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
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("refresh_tokens").drop_column("rotated_at").to_owned()).await
    }
}
