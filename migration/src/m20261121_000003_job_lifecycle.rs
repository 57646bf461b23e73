//! The job lifecycle: amounts, dates, service levels, rating, and the timeline.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for def in [
            ColumnDef::new("quote_cents").big_integer().null().to_owned(),
            ColumnDef::new("approved_cents").big_integer().null().to_owned(),
            ColumnDef::new("scheduled_for").timestamp_with_time_zone().null().to_owned(),
            ColumnDef::new("contacted_at").timestamp_with_time_zone().null().to_owned(),
            ColumnDef::new("started_at").timestamp_with_time_zone().null().to_owned(),
            ColumnDef::new("completed_at").timestamp_with_time_zone().null().to_owned(),
            ColumnDef::new("cancelled_reason").string_len(500).null().to_owned(),
            ColumnDef::new("satisfaction").integer().null().to_owned(),
            ColumnDef::new("contact_due_at").timestamp_with_time_zone().null().to_owned(),
            ColumnDef::new("stage_entered_at").timestamp_with_time_zone().null().to_owned(),
            ColumnDef::new("overdue_flagged_at").timestamp_with_time_zone().null().to_owned(),
        ] {
            m.alter_table(Table::alter().table("jobs").add_column(def).to_owned()).await?;
        }
        // One job per lead that is not cancelled: a cancelled job sends the lead back to the queue.
        m.get_connection()
            .execute_unprepared("CREATE UNIQUE INDEX uq_jobs_live_lead ON jobs (lead_id) WHERE status <> 'CANCELLED'")
            .await?;
        m.create_index(Index::create().name("idx_jobs_lead").table("jobs").col("lead_id").to_owned()).await?;
        m.create_index(Index::create().name("idx_jobs_status").table("jobs").col("status").to_owned()).await?;

        m.create_table(
            Table::create()
                .table("job_events")
                .col(ColumnDef::new("id").uuid().not_null().primary_key())
                .col(ColumnDef::new("job_id").uuid().not_null())
                .col(ColumnDef::new("kind").string_len(16).not_null())
                .col(ColumnDef::new("from_status").string_len(24).null())
                .col(ColumnDef::new("to_status").string_len(24).null())
                .col(ColumnDef::new("actor_kind").string_len(16).not_null())
                .col(ColumnDef::new("actor_id").uuid().null())
                .col(ColumnDef::new("actor_label").string_len(300).not_null())
                .col(ColumnDef::new("note").text().null())
                .col(ColumnDef::new("created_at").timestamp_with_time_zone().not_null())
                .foreign_key(
                    ForeignKey::create()
                        .from("job_events", "job_id")
                        .to("jobs", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("idx_job_events_job").table("job_events").col("job_id").to_owned()).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("job_events").to_owned()).await?;
        m.get_connection().execute_unprepared("DROP INDEX uq_jobs_live_lead").await?;
        for c in [
            "quote_cents",
            "approved_cents",
            "scheduled_for",
            "contacted_at",
            "started_at",
            "completed_at",
            "cancelled_reason",
            "satisfaction",
            "contact_due_at",
            "stage_entered_at",
            "overdue_flagged_at",
        ] {
            m.alter_table(Table::alter().table("jobs").drop_column(c).to_owned()).await?;
        }
        Ok(())
    }
}
