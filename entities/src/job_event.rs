use sea_orm::entity::prelude::*;

use crate::{ActorKind, JobEventKind, JobStatus};

/// One entry of a job's timeline: a transition, a note or a rating, with who and when.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "job_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub job_id: Uuid,
    pub kind: JobEventKind,
    pub from_status: Option<JobStatus>,
    pub to_status: Option<JobStatus>,
    pub actor_kind: ActorKind,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    /// The actor as outsiders see it (role and company); the label above is for NRP only.
    pub actor_public: Option<String>,
    pub note: Option<String>,
    /// The phone's own key for this item, so a resend finds the first copy (unique per job).
    pub client_key: Option<String>,
    /// When the person took it on site, by the phone's clock (it may reach the server later).
    pub captured_at: Option<DateTimeUtc>,
    /// Where it was taken, when the person allowed the phone to say (WGS 84 degrees, metres).
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::job::Entity",
        from = "Column::JobId",
        to = "super::job::Column::Id",
        on_delete = "Cascade"
    )]
    Job,
}

impl Related<super::job::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Job.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
