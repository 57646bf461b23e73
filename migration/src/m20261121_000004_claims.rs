//! Insurance claims: one per lead, the insurer's record of the loss.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("claims")
                .col(ColumnDef::new("id").uuid().not_null().primary_key())
                .col(ColumnDef::new("lead_id").uuid().not_null().unique_key())
                .col(ColumnDef::new("insurer_id").uuid().not_null())
                .col(ColumnDef::new("claim_number").string_len(100).not_null())
                .col(ColumnDef::new("status").string_len(24).not_null())
                .col(ColumnDef::new("claimed_cents").big_integer().not_null())
                .col(ColumnDef::new("approved_cents").big_integer().null())
                .col(ColumnDef::new("excess_cents").big_integer().not_null())
                .col(ColumnDef::new("decision_note").string_len(2000).null())
                .col(ColumnDef::new("lodged_at").timestamp_with_time_zone().not_null())
                .col(ColumnDef::new("decision_due_on").date().not_null())
                .col(ColumnDef::new("decided_at").timestamp_with_time_zone().null())
                .col(ColumnDef::new("settled_at").timestamp_with_time_zone().null())
                .col(ColumnDef::new("created_at").timestamp_with_time_zone().not_null())
                .col(ColumnDef::new("updated_at").timestamp_with_time_zone().not_null())
                .foreign_key(ForeignKey::create().from("claims", "lead_id").to("leads", "id"))
                .foreign_key(ForeignKey::create().from("claims", "insurer_id").to("partners", "id"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("idx_claims_insurer").table("claims").col("insurer_id").to_owned()).await?;
        m.create_index(
            Index::create()
                .name("idx_claims_status_due")
                .table("claims")
                .col("status")
                .col("decision_due_on")
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("claims").to_owned()).await
    }
}
