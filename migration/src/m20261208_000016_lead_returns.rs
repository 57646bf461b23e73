//! Lead returns: a contractor that won a lead with bad contact details, a duplicate, or work not
//! as described hands it back within 24 hours with a reason; an admin upholds (the job is
//! cancelled, the lead routed again, and the job counts in no term of the contractor's score) or
//! rejects it, once. One return per job.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("lead_returns")
                .col(ColumnDef::new("id").uuid().not_null().primary_key())
                .col(ColumnDef::new("job_id").uuid().not_null().unique_key())
                .col(ColumnDef::new("lead_id").uuid().not_null())
                .col(ColumnDef::new("contractor_id").uuid().not_null())
                .col(ColumnDef::new("reason").string_len(16).not_null())
                .col(ColumnDef::new("note").string_len(1000).not_null())
                .col(ColumnDef::new("status").string_len(16).not_null())
                .col(ColumnDef::new("created_at").timestamp_with_time_zone().not_null())
                .col(ColumnDef::new("decided_at").timestamp_with_time_zone().null())
                .col(ColumnDef::new("decided_by").uuid().null())
                .col(ColumnDef::new("decision_note").string_len(1000).null())
                .foreign_key(ForeignKey::create().from("lead_returns", "job_id").to("jobs", "id"))
                .foreign_key(ForeignKey::create().from("lead_returns", "lead_id").to("leads", "id"))
                .foreign_key(ForeignKey::create().from("lead_returns", "contractor_id").to("contractors", "id"))
                .to_owned(),
        )
        .await?;
        // The admins' queue (pending first, oldest first) and a contractor's own returns.
        m.create_index(
            Index::create()
                .name("idx_lead_returns_status_created")
                .table("lead_returns")
                .col("status")
                .col("created_at")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_lead_returns_contractor")
                .table("lead_returns")
                .col("contractor_id")
                .col("created_at")
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("lead_returns").to_owned()).await?;
        Ok(())
    }
}
