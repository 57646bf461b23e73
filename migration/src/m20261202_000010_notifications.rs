//! Notifications: one outbox for every channel (push, SMS, email), written in the same
//! transaction as the change that causes it and kept as the delivery log; each user's alert
//! settings and verified contacts; one-time codes that verify a phone or an email; and the
//! addresses that opted out (Spam Act), honoured for every message that is not a login's own;
//! each device's Web Push subscription; when an offer was first opened.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("notifications")
                .col(ColumnDef::new("id").uuid().not_null().primary_key())
                .col(ColumnDef::new("channel").string_len(8).not_null())
                .col(ColumnDef::new("template").string_len(40).not_null())
                .col(ColumnDef::new("audience").string_len(16).not_null())
                .col(ColumnDef::new("user_id").uuid().null())
                .col(ColumnDef::new("lead_id").uuid().null())
                .col(ColumnDef::new("job_id").uuid().null())
                .col(ColumnDef::new("offer_id").uuid().null())
                .col(ColumnDef::new("destination").string_len(2000).not_null())
                .col(ColumnDef::new("subject").string_len(200).null())
                .col(ColumnDef::new("body_text").text().not_null())
                .col(ColumnDef::new("body_html").text().null())
                .col(ColumnDef::new("data").text().null())
                .col(ColumnDef::new("status").string_len(16).not_null())
                .col(ColumnDef::new("attempts").integer().not_null())
                .col(ColumnDef::new("next_attempt_at").timestamp_with_time_zone().not_null())
                .col(ColumnDef::new("last_error").string_len(500).null())
                .col(ColumnDef::new("provider_ref").string_len(200).null())
                .col(ColumnDef::new("dedupe_key").string_len(200).null().unique_key())
                .col(ColumnDef::new("resent_from").uuid().null())
                .col(ColumnDef::new("created_at").timestamp_with_time_zone().not_null())
                .col(ColumnDef::new("sent_at").timestamp_with_time_zone().null())
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("idx_notifications_due", &["status", "next_attempt_at"][..]),
            ("idx_notifications_user", &["user_id"][..]),
            ("idx_notifications_lead", &["lead_id"][..]),
            ("idx_notifications_offer", &["offer_id"][..]),
        ] {
            let mut idx = Index::create();
            idx.name(name).table("notifications");
            for c in cols {
                idx.col(*c);
            }
            m.create_index(idx.to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table("notification_settings")
                .col(ColumnDef::new("user_id").uuid().not_null().primary_key())
                .col(ColumnDef::new("phone").string_len(20).null())
                .col(ColumnDef::new("phone_verified_at").timestamp_with_time_zone().null())
                .col(ColumnDef::new("email_verified_at").timestamp_with_time_zone().null())
                .col(ColumnDef::new("time_zone").string_len(40).null())
                .col(ColumnDef::new("quiet_start_minute").integer().null())
                .col(ColumnDef::new("quiet_end_minute").integer().null())
                .col(ColumnDef::new("choices").text().not_null())
                .col(ColumnDef::new("updated_at").timestamp_with_time_zone().not_null())
                .foreign_key(
                    ForeignKey::create()
                        .from("notification_settings", "user_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("contact_verifications")
                .col(ColumnDef::new("id").uuid().not_null().primary_key())
                .col(ColumnDef::new("user_id").uuid().not_null())
                .col(ColumnDef::new("channel").string_len(8).not_null())
                .col(ColumnDef::new("destination").string_len(320).not_null())
                .col(ColumnDef::new("code_hash").string_len(64).not_null())
                .col(ColumnDef::new("attempts").integer().not_null())
                .col(ColumnDef::new("expires_at").timestamp_with_time_zone().not_null())
                .col(ColumnDef::new("used_at").timestamp_with_time_zone().null())
                .col(ColumnDef::new("created_at").timestamp_with_time_zone().not_null())
                .foreign_key(
                    ForeignKey::create()
                        .from("contact_verifications", "user_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_contact_verifications_user")
                .table("contact_verifications")
                .col("user_id")
                .col("channel")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("opt_outs")
                .col(ColumnDef::new("id").uuid().not_null().primary_key())
                .col(ColumnDef::new("channel").string_len(8).not_null())
                .col(ColumnDef::new("destination").string_len(320).not_null())
                .col(ColumnDef::new("via").string_len(16).not_null())
                .col(ColumnDef::new("lead_id").uuid().null())
                .col(ColumnDef::new("created_at").timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_opt_outs_destination")
                .table("opt_outs")
                .col("channel")
                .col("destination")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("push_subscriptions")
                .col(ColumnDef::new("id").uuid().not_null().primary_key())
                .col(ColumnDef::new("user_id").uuid().not_null())
                .col(ColumnDef::new("endpoint").string_len(2000).not_null().unique_key())
                .col(ColumnDef::new("p256dh").string_len(100).not_null())
                .col(ColumnDef::new("auth").string_len(40).not_null())
                .col(ColumnDef::new("label").string_len(100).null())
                .col(ColumnDef::new("created_at").timestamp_with_time_zone().not_null())
                .col(ColumnDef::new("last_sent_at").timestamp_with_time_zone().null())
                .foreign_key(
                    ForeignKey::create()
                        .from("push_subscriptions", "user_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("idx_push_subscriptions_user").table("push_subscriptions").col("user_id").to_owned(),
        )
        .await?;
        // When a contractor first opened an offer (an unopened urgent offer is followed by an SMS).
        m.alter_table(
            Table::alter()
                .table("offers")
                .add_column(ColumnDef::new("seen_at").timestamp_with_time_zone().null())
                .to_owned(),
        )
        .await?;
        // The customer's own rating comment next to the score it already had, and who gave the
        // score (the customer's own word replaces one recorded on their behalf).
        m.alter_table(
            Table::alter().table("jobs").add_column(ColumnDef::new("satisfaction_comment").text().null()).to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter().table("jobs").add_column(ColumnDef::new("satisfaction_by").string_len(16).null()).to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("jobs").drop_column("satisfaction_by").to_owned()).await?;
        m.alter_table(Table::alter().table("jobs").drop_column("satisfaction_comment").to_owned()).await?;
        m.alter_table(Table::alter().table("offers").drop_column("seen_at").to_owned()).await?;
        for t in ["push_subscriptions", "opt_outs", "contact_verifications", "notification_settings", "notifications"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
