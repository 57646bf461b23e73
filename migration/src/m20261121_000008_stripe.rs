//! Stripe Connect: the contractor's onboarding state, the transfer bookkeeping of each payout
//! (idempotency key, lease, batch, reversal), payout batches, and the Stripe events already
//! applied (de-duplication by event id).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// SQLite adds one column per `ALTER TABLE`, so each column is its own statement.
async fn add_column(m: &SchemaManager<'_>, table: &'static str, col: &mut ColumnDef) -> Result<(), DbErr> {
    m.alter_table(Table::alter().table(table).add_column(col).to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_column(m, "contractors", ColumnDef::new("stripe_payouts_enabled").boolean().not_null().default(false))
            .await?;
        add_column(m, "contractors", ColumnDef::new("stripe_details_submitted").boolean().not_null().default(false))
            .await?;
        add_column(m, "contractors", ColumnDef::new("stripe_requirements").string_len(1000).null()).await?;
        add_column(m, "contractors", ColumnDef::new("stripe_payout_failure").string_len(500).null()).await?;
        add_column(m, "contractors", ColumnDef::new("stripe_synced_at").timestamp_with_time_zone().null()).await?;

        add_column(m, "payouts", ColumnDef::new("idempotency_key").string_len(100).null()).await?;
        add_column(m, "payouts", ColumnDef::new("lease_until").timestamp_with_time_zone().null()).await?;
        add_column(m, "payouts", ColumnDef::new("batch_id").uuid().null()).await?;
        add_column(m, "payouts", ColumnDef::new("reversed_cents").big_integer().not_null().default(0)).await?;
        add_column(m, "payouts", ColumnDef::new("reversal_id").string_len(100).null()).await?;

        m.create_table(
            Table::create()
                .table("payout_batches")
                .col(ColumnDef::new("id").uuid().not_null().primary_key())
                .col(ColumnDef::new("trigger").string_len(16).not_null())
                .col(ColumnDef::new("started_by").string_len(200).not_null())
                .col(ColumnDef::new("started_at").timestamp_with_time_zone().not_null())
                .col(ColumnDef::new("finished_at").timestamp_with_time_zone().null())
                .col(ColumnDef::new("considered").integer().not_null())
                .col(ColumnDef::new("paid").integer().not_null())
                .col(ColumnDef::new("failed").integer().not_null())
                .col(ColumnDef::new("skipped").integer().not_null())
                .col(ColumnDef::new("unresolved").integer().not_null())
                .col(ColumnDef::new("paid_cents").big_integer().not_null())
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("stripe_events")
                .col(ColumnDef::new("id").string_len(100).not_null().primary_key())
                .col(ColumnDef::new("event_type").string_len(100).not_null())
                .col(ColumnDef::new("created").timestamp_with_time_zone().not_null())
                .col(ColumnDef::new("received_at").timestamp_with_time_zone().not_null())
                .col(ColumnDef::new("outcome").string_len(500).not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("idx_payouts_batch").table("payouts").col("batch_id").to_owned()).await?;
        m.create_index(
            Index::create().name("idx_contractors_stripe").table("contractors").col("stripe_account_id").to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("stripe_events").to_owned()).await?;
        m.drop_table(Table::drop().table("payout_batches").to_owned()).await?;
        m.drop_index(Index::drop().name("idx_payouts_batch").table("payouts").to_owned()).await?;
        m.drop_index(Index::drop().name("idx_contractors_stripe").table("contractors").to_owned()).await?;
        for col in ["idempotency_key", "lease_until", "batch_id", "reversed_cents", "reversal_id"] {
            m.alter_table(Table::alter().table("payouts").drop_column(col).to_owned()).await?;
        }
        for col in [
            "stripe_payouts_enabled",
            "stripe_details_submitted",
            "stripe_requirements",
            "stripe_payout_failure",
            "stripe_synced_at",
        ] {
            m.alter_table(Table::alter().table("contractors").drop_column(col).to_owned()).await?;
        }
        Ok(())
    }
}
