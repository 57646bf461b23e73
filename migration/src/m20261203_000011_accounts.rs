//! Accounts people run themselves: single-use links sent by email (password reset, email
//! verification, staff invitations), stored only as hashes; and each login's sessions (one per
//! refresh-token family) with the device and address it was opened from, and whether it passed
//! a second factor; each login's TOTP second factor (its secret sealed), its single-use recovery
//! codes (hashed) and the short-lived challenges a sign-in with a second factor goes through;
//! each login's place in its company (owner or staff) and whether its invitation is pending.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("account_links")
                .col(ColumnDef::new("id").uuid().not_null().primary_key())
                .col(ColumnDef::new("user_id").uuid().not_null())
                .col(ColumnDef::new("purpose").string_len(16).not_null())
                .col(ColumnDef::new("token_hash").string_len(64).not_null().unique_key())
                .col(ColumnDef::new("email").string_len(254).not_null())
                .col(ColumnDef::new("created_at").timestamp_with_time_zone().not_null())
                .col(ColumnDef::new("expires_at").timestamp_with_time_zone().not_null())
                .col(ColumnDef::new("used_at").timestamp_with_time_zone().null())
                .foreign_key(
                    ForeignKey::create()
                        .from("account_links", "user_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_account_links_user")
                .table("account_links")
                .col("user_id")
                .col("purpose")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("sessions")
                .col(ColumnDef::new("id").uuid().not_null().primary_key())
                .col(ColumnDef::new("user_id").uuid().not_null())
                .col(ColumnDef::new("user_agent").string_len(300).null())
                .col(ColumnDef::new("ip_address").string_len(64).null())
                .col(ColumnDef::new("created_at").timestamp_with_time_zone().not_null())
                .col(ColumnDef::new("last_used_at").timestamp_with_time_zone().not_null())
                .col(ColumnDef::new("second_factor_at").timestamp_with_time_zone().null())
                .foreign_key(
                    ForeignKey::create()
                        .from("sessions", "user_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("idx_sessions_user").table("sessions").col("user_id").to_owned()).await?;
        m.create_table(
            Table::create()
                .table("second_factors")
                .col(ColumnDef::new("user_id").uuid().not_null().primary_key())
                .col(ColumnDef::new("secret").string_len(200).not_null())
                .col(ColumnDef::new("confirmed_at").timestamp_with_time_zone().null())
                .col(ColumnDef::new("last_step").big_integer().null())
                .col(ColumnDef::new("created_at").timestamp_with_time_zone().not_null())
                .foreign_key(
                    ForeignKey::create()
                        .from("second_factors", "user_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("recovery_codes")
                .col(ColumnDef::new("id").uuid().not_null().primary_key())
                .col(ColumnDef::new("user_id").uuid().not_null())
                .col(ColumnDef::new("code_hash").string_len(64).not_null())
                .col(ColumnDef::new("used_at").timestamp_with_time_zone().null())
                .foreign_key(
                    ForeignKey::create()
                        .from("recovery_codes", "user_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("idx_recovery_codes_user").table("recovery_codes").col("user_id").to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("login_challenges")
                .col(ColumnDef::new("id").uuid().not_null().primary_key())
                .col(ColumnDef::new("user_id").uuid().not_null())
                .col(ColumnDef::new("token_hash").string_len(64).not_null().unique_key())
                .col(ColumnDef::new("attempts").integer().not_null())
                .col(ColumnDef::new("created_at").timestamp_with_time_zone().not_null())
                .col(ColumnDef::new("expires_at").timestamp_with_time_zone().not_null())
                .col(ColumnDef::new("used_at").timestamp_with_time_zone().null())
                .foreign_key(
                    ForeignKey::create()
                        .from("login_challenges", "user_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // A company's logins: its owner (every login so far) and the staff it invites, who
        // set their password from the invitation.
        m.alter_table(
            Table::alter()
                .table("users")
                .add_column(ColumnDef::new("company_role").string_len(8).not_null().default("OWNER"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("users")
                .add_column(ColumnDef::new("invite_pending").boolean().not_null().default(false))
                .to_owned(),
        )
        .await?;
        // Whether NRP (not the company's owner) switched the login off: only NRP switches it on.
        m.alter_table(
            Table::alter()
                .table("users")
                .add_column(ColumnDef::new("disabled_by_nrp").boolean().not_null().default(false))
                .to_owned(),
        )
        .await?;
        // Ending every session of a login looks its tokens up by user.
        m.create_index(
            Index::create().name("idx_refresh_tokens_user").table("refresh_tokens").col("user_id").to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("users").drop_column("disabled_by_nrp").to_owned()).await?;
        m.alter_table(Table::alter().table("users").drop_column("invite_pending").to_owned()).await?;
        m.alter_table(Table::alter().table("users").drop_column("company_role").to_owned()).await?;
        m.drop_index(Index::drop().name("idx_refresh_tokens_user").table("refresh_tokens").to_owned()).await?;
        for t in ["login_challenges", "recovery_codes", "second_factors", "sessions", "account_links"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
