//! Field capture: a photo or note taken on site without signal waits on the phone and is sent
//! later, perhaps more than once (an answer lost on a bad link). Each carries the phone's own key
//! (`client_key`, unique per job) so a resend finds the first copy instead of adding a second, the
//! time it was taken (`captured_at`, beside the server's `created_at`) and, where the person
//! allowed it, where (`latitude`, `longitude`, `accuracy_m`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 2] = ["attachments", "job_events"];

fn columns() -> Vec<ColumnDef> {
    vec![
        ColumnDef::new("client_key").string_len(64).null().to_owned(),
        ColumnDef::new("captured_at").timestamp_with_time_zone().null().to_owned(),
        ColumnDef::new("latitude").double().null().to_owned(),
        ColumnDef::new("longitude").double().null().to_owned(),
        ColumnDef::new("accuracy_m").double().null().to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            for mut col in columns() {
                m.alter_table(Table::alter().table(table).add_column(&mut col).to_owned()).await?;
            }
            // NULL keys (everything sent without one) never clash: both databases treat NULLs as
            // distinct in a unique index.
            m.create_index(
                Index::create()
                    .name(format!("idx_{table}_client_key"))
                    .table(table)
                    .col("job_id")
                    .col("client_key")
                    .unique()
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            m.drop_index(Index::drop().name(format!("idx_{table}_client_key")).table(table).to_owned()).await?;
            for col in columns().into_iter().rev() {
                let name = col.get_column_name();
                m.alter_table(Table::alter().table(table).drop_column(Alias::new(name)).to_owned()).await?;
            }
        }
        Ok(())
    }
}
