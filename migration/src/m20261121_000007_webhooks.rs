//! Partner webhooks: each partner's signing secret, a durable outbox of deliveries (written in
//! the same transaction as the change it reports), and a log of every attempt.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("partners")
                .add_column(ColumnDef::new("webhook_secret").string_len(100).null())
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("webhook_deliveries")
                .col(ColumnDef::new("id").uuid().not_null().primary_key())
                .col(ColumnDef::new("partner_id").uuid().not_null())
                .col(ColumnDef::new("event_type").string_len(50).not_null())
                .col(ColumnDef::new("payload").text().not_null())
                .col(ColumnDef::new("status").string_len(16).not_null())
                .col(ColumnDef::new("attempts").integer().not_null())
                .col(ColumnDef::new("next_attempt_at").timestamp_with_time_zone().not_null())
                .col(ColumnDef::new("last_status_code").integer().null())
                .col(ColumnDef::new("last_error").string_len(500).null())
                .col(ColumnDef::new("created_at").timestamp_with_time_zone().not_null())
                .col(ColumnDef::new("delivered_at").timestamp_with_time_zone().null())
                .foreign_key(ForeignKey::create().from("webhook_deliveries", "partner_id").to("partners", "id"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_webhook_due")
                .table("webhook_deliveries")
                .col("status")
                .col("next_attempt_at")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("idx_webhook_partner").table("webhook_deliveries").col("partner_id").to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("webhook_attempts")
                .col(ColumnDef::new("id").uuid().not_null().primary_key())
                .col(ColumnDef::new("delivery_id").uuid().not_null())
                .col(ColumnDef::new("attempt").integer().not_null())
                .col(ColumnDef::new("status_code").integer().null())
                .col(ColumnDef::new("error").string_len(500).null())
                .col(ColumnDef::new("duration_ms").big_integer().not_null())
                .col(ColumnDef::new("at").timestamp_with_time_zone().not_null())
                .foreign_key(
                    ForeignKey::create()
                        .from("webhook_attempts", "delivery_id")
                        .to("webhook_deliveries", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_webhook_attempts_delivery")
                .table("webhook_attempts")
                .col("delivery_id")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("webhook_attempts").to_owned()).await?;
        m.drop_table(Table::drop().table("webhook_deliveries").to_owned()).await?;
        m.alter_table(Table::alter().table("partners").drop_column("webhook_secret").to_owned()).await
    }
}
