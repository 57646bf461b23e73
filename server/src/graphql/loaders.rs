//! DataLoaders: one query per relation per request, however many contractors a page holds.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use entities::{DamageType, api_key, certification, contractor, offer};
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use crate::store;

pub struct SpecialtiesLoader(DatabaseConnection);
pub struct ServicePostcodesLoader(DatabaseConnection);
pub struct CertificationsLoader(DatabaseConnection);
pub struct ApiKeysLoader(DatabaseConnection);
pub struct ContractorsLoader(DatabaseConnection);
pub struct OffersByLeadLoader(DatabaseConnection);

/// The loaders of one request.
pub struct Loaders {
    pub specialties: DataLoader<SpecialtiesLoader>,
    pub service_postcodes: DataLoader<ServicePostcodesLoader>,
    pub certifications: DataLoader<CertificationsLoader>,
    pub api_keys: DataLoader<ApiKeysLoader>,
    pub contractors: DataLoader<ContractorsLoader>,
    pub offers_by_lead: DataLoader<OffersByLeadLoader>,
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

/// Maps a loader failure to an internal service error.
pub fn loader_error(e: Arc<DbErr>) -> crate::error::ServiceError {
    crate::error::ServiceError::Internal(anyhow::anyhow!("loading a relation: {e}"))
}
