//! Leads, offers, jobs, and the counters behind contractors' response metrics.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn idx(name: &'static str, table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(*c);
    }
    i.to_owned()
}

fn fk(from: &'static str, col: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from, col).to(to, "id").on_delete(ForeignKeyAction::Restrict).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("leads")
                .col(ColumnDef::new("id").uuid().not_null().primary_key())
                .col(ColumnDef::new("status").string_len(16).not_null())
                .col(ColumnDef::new("customer_name").string_len(200).not_null())
                .col(ColumnDef::new("customer_phone").string_len(16).not_null())
                .col(ColumnDef::new("customer_email").string_len(254).null())
                .col(ColumnDef::new("address").string_len(300).not_null())
                .col(ColumnDef::new("suburb").string_len(100).not_null())
                .col(ColumnDef::new("state").string_len(8).not_null())
                .col(ColumnDef::new("postcode").string_len(4).not_null())
                .col(ColumnDef::new("latitude").double().null())
                .col(ColumnDef::new("longitude").double().null())
                .col(ColumnDef::new("damage_type").string_len(16).not_null())
                .col(ColumnDef::new("urgency").string_len(16).not_null())
                .col(ColumnDef::new("estimated_value_cents").big_integer().null())
                .col(ColumnDef::new("insurer_id").uuid().null())
                .col(ColumnDef::new("claim_number").string_len(100).null())
                .col(ColumnDef::new("source").string_len(16).not_null())
                .col(ColumnDef::new("source_partner_id").uuid().null())
                .col(ColumnDef::new("description").text().not_null())
                .col(ColumnDef::new("duplicate_of").uuid().null())
                .col(ColumnDef::new("assigned_contractor_id").uuid().null())
                .col(ColumnDef::new("routing").json().null())
                .col(ColumnDef::new("version").big_integer().not_null())
                .col(ColumnDef::new("created_at").timestamp_with_time_zone().not_null())
                .col(ColumnDef::new("updated_at").timestamp_with_time_zone().not_null())
                .col(ColumnDef::new("first_offered_at").timestamp_with_time_zone().null())
                .col(ColumnDef::new("assigned_at").timestamp_with_time_zone().null())
                .col(ColumnDef::new("completed_at").timestamp_with_time_zone().null())
                .foreign_key(&mut fk("leads", "insurer_id", "partners"))
                .foreign_key(&mut fk("leads", "source_partner_id", "partners"))
                .foreign_key(&mut fk("leads", "assigned_contractor_id", "contractors"))
                .to_owned(),
        )
        .await?;
        // One claim number per insurer (NULLs never collide, on both databases).
        m.create_index(idx("uq_leads_insurer_claim", "leads", &["insurer_id", "claim_number"]).unique().to_owned())
            .await?;
        m.create_index(idx(
            "idx_leads_duplicate_key",
            "leads",
            &["customer_phone", "postcode", "damage_type", "created_at"],
        ))
        .await?;
        m.create_index(idx("idx_leads_status", "leads", &["status"])).await?;
        m.create_index(idx("idx_leads_source_partner", "leads", &["source_partner_id"])).await?;

        m.create_table(
            Table::create()
                .table("offers")
                .col(ColumnDef::new("id").uuid().not_null().primary_key())
                .col(ColumnDef::new("lead_id").uuid().not_null())
                .col(ColumnDef::new("contractor_id").uuid().not_null())
                .col(ColumnDef::new("status").string_len(16).not_null())
                .col(ColumnDef::new("rank").integer().not_null())
                .col(ColumnDef::new("score").double().not_null())
                .col(ColumnDef::new("terms").json().not_null())
                .col(ColumnDef::new("distance_km").double().null())
                .col(ColumnDef::new("created_at").timestamp_with_time_zone().not_null())
                .col(ColumnDef::new("expires_at").timestamp_with_time_zone().not_null())
                .col(ColumnDef::new("responded_at").timestamp_with_time_zone().null())
                .col(ColumnDef::new("decline_reason").string_len(500).null())
                .foreign_key(&mut fk("offers", "lead_id", "leads"))
                .foreign_key(&mut fk("offers", "contractor_id", "contractors"))
                .to_owned(),
        )
        .await?;
        // A contractor is offered a lead at most once.
        m.create_index(idx("uq_offers_lead_contractor", "offers", &["lead_id", "contractor_id"]).unique().to_owned())
            .await?;
        m.create_index(idx("idx_offers_status_expiry", "offers", &["status", "expires_at"])).await?;
        m.create_index(idx("idx_offers_contractor", "offers", &["contractor_id", "created_at"])).await?;

        m.create_table(
            Table::create()
                .table("jobs")
                .col(ColumnDef::new("id").uuid().not_null().primary_key())
                .col(ColumnDef::new("lead_id").uuid().not_null())
                .col(ColumnDef::new("contractor_id").uuid().not_null())
                .col(ColumnDef::new("offer_id").uuid().null())
                .col(ColumnDef::new("status").string_len(24).not_null())
                .col(ColumnDef::new("created_at").timestamp_with_time_zone().not_null())
                .col(ColumnDef::new("updated_at").timestamp_with_time_zone().not_null())
                .foreign_key(&mut fk("jobs", "lead_id", "leads"))
                .foreign_key(&mut fk("jobs", "contractor_id", "contractors"))
                .to_owned(),
        )
        .await?;
        m.create_index(idx("idx_jobs_contractor", "jobs", &["contractor_id"])).await?;

        for def in [
            ColumnDef::new("offers_decided").integer().not_null().default(0).to_owned(),
            ColumnDef::new("offers_accepted").integer().not_null().default(0).to_owned(),
            ColumnDef::new("responses").integer().not_null().default(0).to_owned(),
            ColumnDef::new("response_secs_total").big_integer().not_null().default(0).to_owned(),
        ] {
            // SQLite adds one column per ALTER TABLE.
            m.alter_table(Table::alter().table("contractors").add_column(def).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for c in ["offers_decided", "offers_accepted", "responses", "response_secs_total"] {
            m.alter_table(Table::alter().table("contractors").drop_column(c).to_owned()).await?;
        }
        for t in ["jobs", "offers", "leads"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
