//! Users, tokens, contractors, partners, API keys, the audit log and postcode reference data.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn id(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().primary_key().to_owned()
}

fn uuid(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().to_owned()
}

fn text(name: &'static str, len: u32) -> ColumnDef {
    ColumnDef::new(name).string_len(len).not_null().to_owned()
}

fn opt_text(name: &'static str, len: u32) -> ColumnDef {
    ColumnDef::new(name).string_len(len).null().to_owned()
}

fn ts(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).timestamp_with_time_zone().not_null().to_owned()
}

fn opt_ts(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).timestamp_with_time_zone().null().to_owned()
}

fn int(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).integer().not_null().to_owned()
}

fn opt_int(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).integer().null().to_owned()
}

fn fk(from_table: &'static str, from_col: &'static str, to_table: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from_table, from_col).to(to_table, "id").on_delete(ForeignKeyAction::Cascade).to_owned()
}

fn index(name: &'static str, table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(table);
    for c in cols {
        idx.col(*c);
    }
    idx.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("contractors")
                .col(id("id"))
                .col(text("company_name", 200))
                .col(text("abn", 11).unique_key().to_owned())
                .col(text("contact_name", 200))
                .col(text("email", 254))
                .col(text("phone", 16))
                .col(text("base_postcode", 4))
                .col(int("service_radius_km"))
                .col(int("max_active_jobs"))
                .col(opt_int("daily_lead_cap"))
                .col(opt_int("commission_bps"))
                .col(opt_text("stripe_account_id", 64))
                .col(text("status", 16))
                .col(opt_text("status_reason", 500))
                .col(opt_ts("paused_until"))
                .col(ColumnDef::new("performance_score").double().not_null())
                .col(ColumnDef::new("avg_response_secs").big_integer().null())
                .col(ColumnDef::new("acceptance_rate").double().null())
                .col(ColumnDef::new("avg_rating").double().null())
                .col(int("rating_count"))
                .col(int("active_jobs"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(opt_ts("verified_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_contractors_status", "contractors", &["status"])).await?;

        m.create_table(
            Table::create()
                .table("contractor_specialties")
                .col(uuid("contractor_id"))
                .col(text("damage_type", 16))
                .primary_key(Index::create().col("contractor_id").col("damage_type"))
                .foreign_key(&mut fk("contractor_specialties", "contractor_id", "contractors"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_specialties_type", "contractor_specialties", &["damage_type"])).await?;

        m.create_table(
            Table::create()
                .table("contractor_service_postcodes")
                .col(uuid("contractor_id"))
                .col(text("postcode", 4))
                .primary_key(Index::create().col("contractor_id").col("postcode"))
                .foreign_key(&mut fk("contractor_service_postcodes", "contractor_id", "contractors"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_service_postcodes_postcode", "contractor_service_postcodes", &["postcode"])).await?;

        m.create_table(
            Table::create()
                .table("certifications")
                .col(id("id"))
                .col(uuid("contractor_id"))
                .col(text("kind", 100))
                .col(text("number", 100))
                .col(text("issuer", 200))
                .col(ColumnDef::new("expires_on").date().null())
                .col(ts("created_at"))
                .foreign_key(&mut fk("certifications", "contractor_id", "contractors"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_certifications_contractor", "certifications", &["contractor_id"])).await?;

        m.create_table(
            Table::create()
                .table("partners")
                .col(id("id"))
                .col(text("name", 200).unique_key().to_owned())
                .col(text("kind", 16))
                .col(opt_text("webhook_url", 2000))
                .col(ColumnDef::new("active").boolean().not_null())
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("users")
                .col(id("id"))
                .col(text("email", 254).unique_key().to_owned())
                .col(text("password_hash", 200))
                .col(text("role", 16))
                .col(ColumnDef::new("contractor_id").uuid().null())
                .col(ColumnDef::new("partner_id").uuid().null())
                .col(ColumnDef::new("disabled").boolean().not_null())
                .col(ts("created_at"))
                .col(opt_ts("last_login_at"))
                .foreign_key(&mut fk("users", "contractor_id", "contractors"))
                .foreign_key(&mut fk("users", "partner_id", "partners"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_users_contractor", "users", &["contractor_id"])).await?;

        m.create_table(
            Table::create()
                .table("refresh_tokens")
                .col(id("id"))
                .col(uuid("user_id"))
                .col(uuid("family_id"))
                .col(text("token_hash", 64).unique_key().to_owned())
                .col(ts("created_at"))
                .col(ts("expires_at"))
                .col(opt_ts("revoked_at"))
                .foreign_key(&mut fk("refresh_tokens", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_refresh_tokens_family", "refresh_tokens", &["family_id"])).await?;

        m.create_table(
            Table::create()
                .table("api_keys")
                .col(id("id"))
                .col(uuid("partner_id"))
                .col(text("label", 200))
                .col(text("prefix", 32))
                .col(text("key_hash", 64).unique_key().to_owned())
                .col(ts("created_at"))
                .col(opt_ts("expires_at"))
                .col(opt_ts("revoked_at"))
                .col(opt_ts("last_used_at"))
                .foreign_key(&mut fk("api_keys", "partner_id", "partners"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_api_keys_partner", "api_keys", &["partner_id"])).await?;

        m.create_table(
            Table::create()
                .table("audit_log")
                .col(id("id"))
                .col(text("actor_kind", 16))
                .col(ColumnDef::new("actor_id").uuid().null())
                .col(text("actor_label", 300))
                .col(text("action", 100))
                .col(text("entity_type", 50))
                .col(ColumnDef::new("entity_id").uuid().null())
                .col(ColumnDef::new("changes").json().not_null())
                .col(opt_text("request_id", 100))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("idx_audit_entity", "audit_log", &["entity_type", "entity_id"])).await?;
        m.create_index(index("idx_audit_actor", "audit_log", &["actor_id"])).await?;

        m.create_table(
            Table::create()
                .table("postcode_localities")
                .col(text("postcode", 4))
                .col(text("suburb", 100))
                .col(text("state", 8))
                .col(ColumnDef::new("latitude").double().not_null())
                .col(ColumnDef::new("longitude").double().not_null())
                .primary_key(Index::create().col("postcode").col("suburb").col("state"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("postcode_centroids")
                .col(ColumnDef::new("postcode").string_len(4).not_null().primary_key())
                .col(text("state", 8))
                .col(ColumnDef::new("latitude").double().not_null())
                .col(ColumnDef::new("longitude").double().not_null())
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "postcode_centroids",
            "postcode_localities",
            "audit_log",
            "api_keys",
            "refresh_tokens",
            "users",
            "partners",
            "certifications",
            "contractor_service_postcodes",
            "contractor_specialties",
            "contractors",
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
