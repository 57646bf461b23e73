//! DataLoaders: one query per relation per request, however many contractors a page holds.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use entities::{
    DamageType, api_key, attachment, certification, claim, contractor, job, job_event, lead, lead_return, offer,
    partner, payout,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use crate::store;

pub struct SpecialtiesLoader(DatabaseConnection);
pub struct ServicePostcodesLoader(DatabaseConnection);
pub struct CertificationsLoader(DatabaseConnection);
pub struct ApiKeysLoader(DatabaseConnection);
pub struct ContractorsLoader(DatabaseConnection);
pub struct OffersByLeadLoader(DatabaseConnection);
pub struct LeadsLoader(DatabaseConnection);
pub struct PartnersLoader(DatabaseConnection);
pub struct JobByLeadLoader(DatabaseConnection);
pub struct ClaimByLeadLoader(DatabaseConnection);
pub struct PayoutByJobLoader(DatabaseConnection);
pub struct ReturnByJobLoader(DatabaseConnection);
pub struct AttachmentsByJobLoader(DatabaseConnection);
pub struct EventsByJobLoader(DatabaseConnection);

/// The loaders of one request.
pub struct Loaders {
    pub specialties: DataLoader<SpecialtiesLoader>,
    pub service_postcodes: DataLoader<ServicePostcodesLoader>,
    pub certifications: DataLoader<CertificationsLoader>,
    pub api_keys: DataLoader<ApiKeysLoader>,
    pub contractors: DataLoader<ContractorsLoader>,
    pub offers_by_lead: DataLoader<OffersByLeadLoader>,
    pub leads: DataLoader<LeadsLoader>,
    pub partners: DataLoader<PartnersLoader>,
    pub job_by_lead: DataLoader<JobByLeadLoader>,
    pub claim_by_lead: DataLoader<ClaimByLeadLoader>,
    pub payout_by_job: DataLoader<PayoutByJobLoader>,
    pub return_by_job: DataLoader<ReturnByJobLoader>,
    pub attachments_by_job: DataLoader<AttachmentsByJobLoader>,
    pub events_by_job: DataLoader<EventsByJobLoader>,
}

/// A request's loaders, built on first use: an idle WebSocket subscription never pays for them.
pub struct LazyLoaders {
    db: DatabaseConnection,
    cell: std::sync::OnceLock<Loaders>,
}

impl LazyLoaders {
    pub fn get(&self) -> &Loaders {
        self.cell.get_or_init(|| build(&self.db))
    }
}

/// Fresh loaders for a request (or a WebSocket connection), so nothing is cached across them.
pub fn request_loaders(db: &DatabaseConnection) -> LazyLoaders {
    LazyLoaders { db: db.clone(), cell: std::sync::OnceLock::new() }
}

fn build(db: &DatabaseConnection) -> Loaders {
    Loaders {
        specialties: DataLoader::new(SpecialtiesLoader(db.clone()), tokio::spawn),
        service_postcodes: DataLoader::new(ServicePostcodesLoader(db.clone()), tokio::spawn),
        certifications: DataLoader::new(CertificationsLoader(db.clone()), tokio::spawn),
        api_keys: DataLoader::new(ApiKeysLoader(db.clone()), tokio::spawn),
        contractors: DataLoader::new(ContractorsLoader(db.clone()), tokio::spawn),
        offers_by_lead: DataLoader::new(OffersByLeadLoader(db.clone()), tokio::spawn),
        leads: DataLoader::new(LeadsLoader(db.clone()), tokio::spawn),
        partners: DataLoader::new(PartnersLoader(db.clone()), tokio::spawn),
        job_by_lead: DataLoader::new(JobByLeadLoader(db.clone()), tokio::spawn),
        claim_by_lead: DataLoader::new(ClaimByLeadLoader(db.clone()), tokio::spawn),
        payout_by_job: DataLoader::new(PayoutByJobLoader(db.clone()), tokio::spawn),
        return_by_job: DataLoader::new(ReturnByJobLoader(db.clone()), tokio::spawn),
        attachments_by_job: DataLoader::new(AttachmentsByJobLoader(db.clone()), tokio::spawn),
        events_by_job: DataLoader::new(EventsByJobLoader(db.clone()), tokio::spawn),
    }
}

impl Loader<Uuid> for SpecialtiesLoader {
    type Value = Vec<DamageType>;
    type Error = Arc<DbErr>;
    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        store::contractors::specialties_of(&self.0, keys).await.map_err(Arc::new)
    }
}

impl Loader<Uuid> for ServicePostcodesLoader {
    type Value = Vec<String>;
    type Error = Arc<DbErr>;
    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        store::contractors::service_postcodes_of(&self.0, keys).await.map_err(Arc::new)
    }
}

impl Loader<Uuid> for CertificationsLoader {
    type Value = Vec<certification::Model>;
    type Error = Arc<DbErr>;
    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        store::contractors::certifications_of(&self.0, keys).await.map_err(Arc::new)
    }
}

impl Loader<Uuid> for ApiKeysLoader {
    type Value = Vec<api_key::Model>;
    type Error = Arc<DbErr>;
    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        store::partners::api_keys_of(&self.0, keys).await.map_err(Arc::new)
    }
}

impl Loader<Uuid> for ContractorsLoader {
    type Value = contractor::Model;
    type Error = Arc<DbErr>;
    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = store::contractors::find_many(&self.0, keys).await.map_err(Arc::new)?;
        Ok(rows.into_iter().map(|c| (c.id, c)).collect())
    }
}

impl Loader<Uuid> for OffersByLeadLoader {
    type Value = Vec<offer::Model>;
    type Error = Arc<DbErr>;
    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        store::offers::for_leads(&self.0, keys).await.map_err(Arc::new)
    }
}

/// One row per key, by a key column.
macro_rules! one_by {
    ($loader:ident, $entity:ident, $col:ident, $key:ident) => {
        impl Loader<Uuid> for $loader {
            type Value = $entity::Model;
            type Error = Arc<DbErr>;
            async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
                let rows = $entity::Entity::find()
                    .filter($entity::Column::$col.is_in(keys.iter().copied()))
                    .order_by_asc($entity::Column::Id)
                    .all(&self.0)
                    .await
                    .map_err(Arc::new)?;
                // Ordered by id (time), so the latest row per key wins.
                Ok(rows.into_iter().map(|r| (r.$key, r)).collect())
            }
        }
    };
}

/// Every row per key, oldest first.
macro_rules! many_by {
    ($loader:ident, $entity:ident, $col:ident, $key:ident) => {
        impl Loader<Uuid> for $loader {
            type Value = Vec<$entity::Model>;
            type Error = Arc<DbErr>;
            async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
                let rows = $entity::Entity::find()
                    .filter($entity::Column::$col.is_in(keys.iter().copied()))
                    .order_by_asc($entity::Column::Id)
                    .all(&self.0)
                    .await
                    .map_err(Arc::new)?;
                let mut map: HashMap<Uuid, Self::Value> = HashMap::new();
                for r in rows {
                    map.entry(r.$key).or_default().push(r);
                }
                Ok(map)
            }
        }
    };
}

one_by!(LeadsLoader, lead, Id, id);
one_by!(PartnersLoader, partner, Id, id);
one_by!(JobByLeadLoader, job, LeadId, lead_id);
one_by!(ClaimByLeadLoader, claim, LeadId, lead_id);
one_by!(PayoutByJobLoader, payout, JobId, job_id);
one_by!(ReturnByJobLoader, lead_return, JobId, job_id);
many_by!(AttachmentsByJobLoader, attachment, JobId, job_id);
many_by!(EventsByJobLoader, job_event, JobId, job_id);

/// Maps a loader failure to an internal service error.
pub fn loader_error(e: Arc<DbErr>) -> crate::error::ServiceError {
    crate::error::ServiceError::Internal(anyhow::anyhow!("loading a relation: {e}"))
}
