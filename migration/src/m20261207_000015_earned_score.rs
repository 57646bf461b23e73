//! The earned performance score. `contractors.performance_score` stays what routing reads; it is
//! now computed from the contractor's record (see the server's `services::scoring`), with an
//! admin's adjustment and its reason kept beside it. `contractor_scores` keeps one row per
//! contractor and local day (the day's last computation, its terms as JSON) for the trend the
//! contractor sees; `job_type_medians` the network's median time to complete a job of each damage
//! type over the window, which the cycle-time term measures against. Response averages restart,
//! counted in business hours from here on.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn columns() -> Vec<ColumnDef> {
    vec![
        ColumnDef::new("score_adjustment").double().not_null().default(0.0).to_owned(),
        ColumnDef::new("score_adjustment_reason").string_len(500).null().to_owned(),
        ColumnDef::new("score_adjusted_at").timestamp_with_time_zone().null().to_owned(),
        ColumnDef::new("score_computed_at").timestamp_with_time_zone().null().to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for mut col in columns() {
            m.alter_table(Table::alter().table("contractors").add_column(&mut col).to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table("contractor_scores")
                .col(ColumnDef::new("contractor_id").uuid().not_null())
                .col(ColumnDef::new("day").date().not_null())
                .col(ColumnDef::new("score").double().not_null())
                .col(ColumnDef::new("terms").text().not_null())
                .col(ColumnDef::new("computed_at").timestamp_with_time_zone().not_null())
                .primary_key(Index::create().col("contractor_id").col("day"))
                .foreign_key(
                    ForeignKey::create()
                        .from("contractor_scores", "contractor_id")
                        .to("contractors", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("job_type_medians")
                .col(ColumnDef::new("damage_type").string_len(16).not_null().primary_key())
                .col(ColumnDef::new("median_secs").big_integer().not_null())
                .col(ColumnDef::new("jobs").integer().not_null())
                .col(ColumnDef::new("computed_at").timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;
        // Response times now count business hours only: the wall-clock averages kept so far
        // would mix two units, so every company's average starts again from its next answer.
        m.get_connection()
            .execute_unprepared(
                "UPDATE contractors SET responses = 0, response_secs_total = 0, avg_response_secs = NULL",
            )
            .await?;
        // The sweep finds the scores left longest without a computation.
        m.create_index(
            Index::create()
                .name("idx_contractors_score_computed_at")
                .table("contractors")
                .col("score_computed_at")
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("idx_contractors_score_computed_at").table("contractors").to_owned()).await?;
        m.drop_table(Table::drop().table("job_type_medians").to_owned()).await?;
        m.drop_table(Table::drop().table("contractor_scores").to_owned()).await?;
        for col in columns().into_iter().rev() {
            let name = col.get_column_name();
            m.alter_table(Table::alter().table("contractors").drop_column(Alias::new(name)).to_owned()).await?;
        }
        Ok(())
    }
}
