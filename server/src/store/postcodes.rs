use std::collections::HashMap;

use entities::{postcode_centroid, postcode_locality};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, Set, Statement};

/// One locality row of the reference data.
#[derive(Debug, Clone, PartialEq)]
pub struct Locality {
    pub postcode: String,
    pub suburb: String,
    pub state: String,
    pub latitude: f64,
    pub longitude: f64,
}

/// Inserts or updates localities (keyed by postcode, suburb and state), in chunks that stay
/// under both databases' bind-parameter limits.
pub async fn upsert_localities(db: &impl ConnectionTrait, rows: &[Locality]) -> Result<(), DbErr> {
    for chunk in rows.chunks(500) {
        let models = chunk.iter().map(|r| postcode_locality::ActiveModel {
            postcode: Set(r.postcode.clone()),
            suburb: Set(r.suburb.clone()),
            state: Set(r.state.clone()),
            latitude: Set(r.latitude),
            longitude: Set(r.longitude),
        });
        postcode_locality::Entity::insert_many(models)
            .on_conflict(
                OnConflict::columns([
                    postcode_locality::Column::Postcode,
                    postcode_locality::Column::Suburb,
                    postcode_locality::Column::State,
                ])
                .update_columns([postcode_locality::Column::Latitude, postcode_locality::Column::Longitude])
                .to_owned(),
            )
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Rebuilds every postcode centroid as the mean of its localities, and places the contractors
/// again on the map they draw.
pub async fn rebuild_centroids(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    db.execute_raw(Statement::from_string(backend, "DELETE FROM postcode_centroids")).await?;
    db.execute_raw(Statement::from_string(
        backend,
        "INSERT INTO postcode_centroids (postcode, state, latitude, longitude) \
         SELECT postcode, MIN(state), AVG(latitude), AVG(longitude) FROM postcode_localities GROUP BY postcode",
    ))
    .await?;
    // Every contractor's base point and map cells follow its postcode's new centre.
    super::contractors::unplace_all(db).await?;
    super::contractors::place_unplaced(db).await?;
    Ok(())
}

pub async fn centroid(db: &impl ConnectionTrait, postcode: &str) -> Result<Option<postcode_centroid::Model>, DbErr> {
    postcode_centroid::Entity::find_by_id(postcode.to_string()).one(db).await
}

pub async fn locality_count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    postcode_locality::Entity::find().count(db).await
}

pub async fn centroid_count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    postcode_centroid::Entity::find().count(db).await
}

/// Centroids of the given postcodes, as (latitude, longitude).
pub async fn centroids(db: &impl ConnectionTrait, postcodes: &[String]) -> Result<HashMap<String, (f64, f64)>, DbErr> {
    let rows = postcode_centroid::Entity::find()
        .filter(postcode_centroid::Column::Postcode.is_in(postcodes.iter().cloned()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.postcode, (r.latitude, r.longitude))).collect())
}

/// Postcodes whose centre lies in a box of latitudes and longitudes, with their centres.
pub async fn within_box(
    db: &impl ConnectionTrait,
    (lat_min, lat_max): (f64, f64),
    (lon_min, lon_max): (f64, f64),
) -> Result<Vec<(String, f64, f64)>, DbErr> {
    let rows = postcode_centroid::Entity::find()
        .filter(postcode_centroid::Column::Latitude.between(lat_min, lat_max))
        .filter(postcode_centroid::Column::Longitude.between(lon_min, lon_max))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.postcode, r.latitude, r.longitude)).collect())
}
