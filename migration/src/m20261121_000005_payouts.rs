//! The payout ledger: one entry per completed job with an approved amount.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("payouts")
                .col(ColumnDef::new("id").uuid().not_null().primary_key())
                .col(ColumnDef::new("job_id").uuid().not_null().unique_key())
                .col(ColumnDef::new("contractor_id").uuid().not_null())
                .col(ColumnDef::new("gross_cents").big_integer().not_null())
                .col(ColumnDef::new("commission_bps").integer().not_null())
                .col(ColumnDef::new("commission_cents").big_integer().not_null())
                .col(ColumnDef::new("payout_cents").big_integer().not_null())
                .col(ColumnDef::new("status").string_len(16).not_null())
                .col(ColumnDef::new("status_reason").string_len(500).null())
                .col(ColumnDef::new("transfer_id").string_len(100).null())
                .col(ColumnDef::new("attempts").integer().not_null())
                .col(ColumnDef::new("created_at").timestamp_with_time_zone().not_null())
                .col(ColumnDef::new("updated_at").timestamp_with_time_zone().not_null())
                .col(ColumnDef::new("paid_at").timestamp_with_time_zone().null())
                .foreign_key(ForeignKey::create().from("payouts", "job_id").to("jobs", "id"))
                .foreign_key(ForeignKey::create().from("payouts", "contractor_id").to("contractors", "id"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("idx_payouts_contractor").table("payouts").col("contractor_id").to_owned())
            .await?;
        m.create_index(Index::create().name("idx_payouts_status").table("payouts").col("status").to_owned()).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("payouts").to_owned()).await
    }
}
