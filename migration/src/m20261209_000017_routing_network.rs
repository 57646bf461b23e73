//! Routing reads the network from memory (`services::routing::network`) and keeps it current from
//! what changed since it last looked. Every change to what routing knows of a contractor stamps
//! `contractors.routing_changed_us` (microseconds since 1970 on the database's clock, so the
//! servers' own clocks do not matter): a change to one of the row's columns routing reads, and
//! any change to its specialties, listed postcodes or certifications. Triggers set it, so no writer — the server, a bulk load,
//! an operator's SQL — can forget. The map cells of migration 14 move into memory with the rest,
//! and offers get an index by creation time (a run reads those of the last few seconds).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables whose rows belong to a contractor and change what routing knows of it.
const CHILDREN: [&str; 3] = ["contractor_specialties", "contractor_service_postcodes", "certifications"];

/// The columns of `contractors` that routing reads: only a change to one of them stamps the row
/// (a score's bookkeeping, a Stripe sync or `updated_at` alone does not).
const ROUTED: [&str; 13] = [
    "company_name",
    "status",
    "paused_until",
    "base_postcode",
    "base_latitude",
    "base_longitude",
    "service_radius_km",
    "active_jobs",
    "max_active_jobs",
    "daily_lead_cap",
    "performance_score",
    "avg_response_secs",
    "avg_rating",
];

/// `OLD.a IS DISTINCT FROM NEW.a OR …` in the given spelling of "is distinct from".
fn changed(distinct: &str) -> String {
    ROUTED.iter().map(|c| format!("OLD.{c} {distinct} NEW.{c}")).collect::<Vec<_>>().join(" OR ")
}

/// The database clock in microseconds, as SQLite can say it inside a trigger.
const SQLITE_NOW: &str = "CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)";

fn postgres_up() -> Vec<String> {
    let mut sql = vec![
        "CREATE FUNCTION nrp_routing_now() RETURNS bigint LANGUAGE sql VOLATILE AS \
         $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint $$"
            .to_string(),
        "CREATE FUNCTION nrp_contractor_stamp() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN NEW.routing_changed_us := nrp_routing_now(); RETURN NEW; END $$"
            .to_string(),
        "CREATE TRIGGER contractors_routing_stamp_insert BEFORE INSERT ON contractors \
         FOR EACH ROW EXECUTE FUNCTION nrp_contractor_stamp()"
            .to_string(),
        format!(
            "CREATE TRIGGER contractors_routing_stamp BEFORE UPDATE ON contractors \
             FOR EACH ROW WHEN ({} OR OLD.routing_changed_us IS DISTINCT FROM NEW.routing_changed_us) \
             EXECUTE FUNCTION nrp_contractor_stamp()",
            changed("IS DISTINCT FROM")
        ),
        "CREATE FUNCTION nrp_contractor_child_stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
           IF TG_OP <> 'INSERT' THEN UPDATE contractors SET routing_changed_us = nrp_routing_now() WHERE id = OLD.contractor_id; END IF; \
           IF TG_OP <> 'DELETE' THEN UPDATE contractors SET routing_changed_us = nrp_routing_now() WHERE id = NEW.contractor_id; END IF; \
           RETURN NULL; END $$"
            .to_string(),
    ];
    for t in CHILDREN {
        sql.push(format!(
            "CREATE TRIGGER {t}_routing_stamp AFTER INSERT OR UPDATE OR DELETE ON {t} \
             FOR EACH ROW EXECUTE FUNCTION nrp_contractor_child_stamp()"
        ));
    }
    sql
}

fn sqlite_up() -> Vec<String> {
    let stamp = |id: &str| format!("UPDATE contractors SET routing_changed_us = {SQLITE_NOW} WHERE id = {id};");
    let mut sql = vec![
        format!("CREATE TRIGGER contractors_routing_insert AFTER INSERT ON contractors BEGIN {} END", stamp("NEW.id")),
        // Not when the stamp itself changed: that is this trigger's own update, or a child's.
        format!(
            "CREATE TRIGGER contractors_routing_update AFTER UPDATE ON contractors \
             WHEN NEW.routing_changed_us IS OLD.routing_changed_us AND ({}) BEGIN {} END",
            changed("IS NOT"),
            stamp("NEW.id")
        ),
    ];
    for t in CHILDREN {
        sql.push(format!(
            "CREATE TRIGGER {t}_routing_insert AFTER INSERT ON {t} BEGIN {} END",
            stamp("NEW.contractor_id")
        ));
        sql.push(format!(
            "CREATE TRIGGER {t}_routing_update AFTER UPDATE ON {t} BEGIN {} {} END",
            stamp("OLD.contractor_id"),
            stamp("NEW.contractor_id")
        ));
        sql.push(format!(
            "CREATE TRIGGER {t}_routing_delete AFTER DELETE ON {t} BEGIN {} END",
            stamp("OLD.contractor_id")
        ));
    }
    sql
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("contractors")
                .add_column(ColumnDef::new("routing_changed_us").big_integer().not_null().default(0))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_contractors_routing_changed")
                .table("contractors")
                .col("routing_changed_us")
                .to_owned(),
        )
        .await?;
        // Each run reads the offers of the last few seconds.
        m.create_index(
            Index::create()
                .name("idx_offers_created")
                .table("offers")
                .col("created_at")
                .col("contractor_id")
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        let sql = match db.get_database_backend() {
            DbBackend::Postgres => postgres_up(),
            _ => sqlite_up(),
        };
        for s in sql {
            db.execute_unprepared(&s).await?;
        }
        m.drop_table(Table::drop().table("contractor_cells").to_owned()).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let postgres = db.get_database_backend() == DbBackend::Postgres;
        let mut sql = Vec::new();
        if postgres {
            sql.push("DROP TRIGGER contractors_routing_stamp ON contractors".to_string());
            sql.push("DROP TRIGGER contractors_routing_stamp_insert ON contractors".to_string());
            for t in CHILDREN {
                sql.push(format!("DROP TRIGGER {t}_routing_stamp ON {t}"));
            }
            sql.push("DROP FUNCTION nrp_contractor_child_stamp()".into());
            sql.push("DROP FUNCTION nrp_contractor_stamp()".into());
            sql.push("DROP FUNCTION nrp_routing_now()".into());
        } else {
            sql.push("DROP TRIGGER contractors_routing_insert".into());
            sql.push("DROP TRIGGER contractors_routing_update".into());
            for t in CHILDREN {
                for op in ["insert", "update", "delete"] {
                    sql.push(format!("DROP TRIGGER {t}_routing_{op}"));
                }
            }
        }
        for s in sql {
            db.execute_unprepared(&s).await?;
        }
        m.drop_index(Index::drop().name("idx_offers_created").table("offers").to_owned()).await?;
        m.drop_index(Index::drop().name("idx_contractors_routing_changed").table("contractors").to_owned()).await?;
        m.alter_table(Table::alter().table("contractors").drop_column("routing_changed_us").to_owned()).await?;
        // The map cells come back empty; contractors are placed again at the next start.
        m.create_table(
            Table::create()
                .table("contractor_cells")
                .col(ColumnDef::new("cell").integer().not_null())
                .col(ColumnDef::new("contractor_id").uuid().not_null())
                .primary_key(Index::create().col("cell").col("contractor_id"))
                .to_owned(),
        )
        .await?;
        db.execute_unprepared("UPDATE contractors SET placed_radius_km = NULL").await?;
        Ok(())
    }
}
