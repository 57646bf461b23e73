//! `seed-demo`: a realistic small network and about 90 days of its history
//! ([`super::demo_history`]), so the product can be tried at once. Idempotent: a database that
//! already holds the demo admin is left as it is.

use chrono::{Duration, NaiveDate, Utc};
use entities::{ContractorStatus, DamageType, PartnerKind, Role};
use sea_orm::TransactionTrait;
use serde_json::json;

use crate::auth::{RequestMeta, hash_password, sha256_hex};
use crate::context::AppContext;
use crate::error::{ServiceError, ServiceResult};
use crate::store::{self, contractors::NewContractor, partners::NewApiKey, postcodes::Locality, users::NewUser};

pub const DEMO_ADMIN_EMAIL: &str = "admin@nrp.example";
pub const DEMO_ADMIN_PASSWORD: &str = "demo-admin-2026";
pub const DEMO_CONTRACTOR_PASSWORD: &str = "demo-contractor-2026";
pub const DEMO_PARTNER_EMAIL: &str = "claims@harbourmutual.example";
pub const DEMO_PARTNER_PASSWORD: &str = "demo-partner-2026";
/// A fixed key so the README can show it; it only ever exists in demo databases.
pub const DEMO_API_KEY: &str = "nrp_demo_harbour_mutual_0123456789abcdefghijklmnop";
/// The demo contractor the README signs in as; it has a live offer waiting.
pub const DEMO_CONTRACTOR_EMAIL: &str = "mia@harbourcity.example";
/// Where the demo insurer's webhooks go: an address that never answers, so its deliveries fail
/// the way a partner's broken endpoint does.
const DEMO_WEBHOOK_URL: &str = "https://hooks.harbourmutual.example/nrp";

/// Centroids of the postcodes the demo uses (from the public postcode list), so the demo works
/// without importing the full file.
const DEMO_POSTCODES: &[(&str, &str, &str, f64, f64)] = &[
    ("2000", "Sydney", "NSW", -33.860, 151.210),
    ("2010", "Darlinghurst", "NSW", -33.880, 151.220),
    ("2017", "Waterloo", "NSW", -33.900, 151.210),
    ("2035", "Maroubra", "NSW", -33.950, 151.240),
    ("2067", "Chatswood", "NSW", -33.800, 151.190),
    ("2150", "Parramatta", "NSW", -33.820, 151.010),
    ("2170", "Liverpool", "NSW", -33.950, 150.910),
    ("2200", "Bankstown", "NSW", -33.920, 151.030),
    ("2560", "Campbelltown", "NSW", -34.080, 150.830),
    ("2750", "Penrith", "NSW", -33.740, 150.650),
    ("3000", "Melbourne", "VIC", -37.810, 144.970),
    ("3053", "Carlton", "VIC", -37.780, 144.970),
    ("3121", "Richmond", "VIC", -37.830, 145.010),
    ("3150", "Glen Waverley", "VIC", -37.880, 145.170),
    ("3168", "Clayton", "VIC", -37.930, 145.120),
    ("3199", "Frankston", "VIC", -38.150, 145.120),
    ("3030", "Werribee", "VIC", -37.970, 144.580),
    ("4000", "Brisbane", "QLD", -27.470, 153.030),
    ("4006", "Bowen Hills", "QLD", -27.440, 153.040),
    ("4101", "South Brisbane", "QLD", -27.490, 153.020),
    ("4120", "Greenslopes", "QLD", -27.510, 153.050),
    ("4217", "Surfers Paradise", "QLD", -28.010, 153.390),
    ("4300", "Springfield", "QLD", -27.670, 152.890),
    ("4500", "Strathpine", "QLD", -27.290, 152.960),
    ("6000", "Perth", "WA", -31.920, 115.910),
    ("6050", "Mount Lawley", "WA", -31.910, 115.860),
    ("6100", "Victoria Park", "WA", -31.960, 115.900),
    ("6155", "Canning Vale", "WA", -32.060, 115.920),
    ("6160", "Fremantle", "WA", -32.040, 115.760),
    ("5000", "Adelaide", "SA", -34.930, 138.600),
];

struct DemoContractor {
    company: &'static str,
    abn: &'static str,
    contact: &'static str,
    email: &'static str,
    phone: &'static str,
    postcode: &'static str,
    radius: i32,
    specialties: &'static [DamageType],
    extra_postcodes: &'static [&'static str],
    status: ContractorStatus,
}

use DamageType::{Fire, Mould, Storm, Water};

const CONTRACTORS: &[DemoContractor] = &[
    DemoContractor {
        company: "Harbour City Restorations",
        abn: "91526018159",
        contact: "Mia Nguyen",
        email: "mia@harbourcity.example",
        phone: "0412 000 101",
        postcode: "2000",
        radius: 40,
        specialties: &[Water, Mould],
        extra_postcodes: &[],
        status: ContractorStatus::Active,
    },
    DemoContractor {
        company: "Western Sydney Fire & Flood",
        abn: "52083016613",
        contact: "Jack Thompson",
        email: "jack@wsff.example",
        phone: "0412 000 102",
        postcode: "2150",
        radius: 60,
        specialties: &[Fire, Water, Storm],
        extra_postcodes: &["2750"],
        status: ContractorStatus::Active,
    },
    DemoContractor {
        company: "Eastern Suburbs Dry-Out",
        abn: "60186091390",
        contact: "Olivia Smith",
        email: "olivia@esdryout.example",
        phone: "0412 000 103",
        postcode: "2035",
        radius: 25,
        specialties: &[Water],
        extra_postcodes: &[],
        status: ContractorStatus::Active,
    },
    DemoContractor {
        company: "Macarthur Mould Specialists",
        abn: "78996030824",
        contact: "Liam Brown",
        email: "liam@macarthurmould.example",
        phone: "0412 000 104",
        postcode: "2560",
        radius: 50,
        specialties: &[Mould],
        extra_postcodes: &["2170"],
        status: ContractorStatus::Pending,
    },
    DemoContractor {
        company: "Yarra Restoration Group",
        abn: "38628194821",
        contact: "Charlotte Wilson",
        email: "charlotte@yarraresto.example",
        phone: "0412 000 105",
        postcode: "3121",
        radius: 45,
        specialties: &[Water, Fire, Mould],
        extra_postcodes: &[],
        status: ContractorStatus::Active,
    },
    DemoContractor {
        company: "Bayside Storm Response",
        abn: "34993518190",
        contact: "Noah Taylor",
        email: "noah@baysidestorm.example",
        phone: "0412 000 106",
        postcode: "3199",
        radius: 60,
        specialties: &[Storm, Water],
        extra_postcodes: &[],
        status: ContractorStatus::Active,
    },
    DemoContractor {
        company: "Westgate Fire Recovery",
        abn: "37937865797",
        contact: "Amelia Martin",
        email: "amelia@westgatefire.example",
        phone: "0412 000 107",
        postcode: "3030",
        radius: 50,
        specialties: &[Fire],
        extra_postcodes: &[],
        status: ContractorStatus::Suspended,
    },
    DemoContractor {
        company: "River City Flood Crew",
        abn: "69543231948",
        contact: "William Lee",
        email: "william@rivercityflood.example",
        phone: "0412 000 108",
        postcode: "4101",
        radius: 50,
        specialties: &[Water, Storm],
        extra_postcodes: &["4300"],
        status: ContractorStatus::Active,
    },
    DemoContractor {
        company: "Sunshine Mould & Water",
        abn: "36757491186",
        contact: "Isla White",
        email: "isla@sunshinemould.example",
        phone: "0412 000 109",
        postcode: "4500",
        radius: 40,
        specialties: &[Mould, Water],
        extra_postcodes: &[],
        status: ContractorStatus::Active,
    },
    DemoContractor {
        company: "Gold Coast Storm Repairs",
        abn: "48252760189",
        contact: "Lucas Harris",
        email: "lucas@gcstorm.example",
        phone: "0412 000 110",
        postcode: "4217",
        radius: 80,
        specialties: &[Storm, Fire],
        extra_postcodes: &[],
        status: ContractorStatus::Pending,
    },
    DemoContractor {
        company: "Swan River Restorations",
        abn: "53555979711",
        contact: "Grace Walker",
        email: "grace@swanriver.example",
        phone: "0412 000 111",
        postcode: "6000",
        radius: 50,
        specialties: &[Water, Fire, Mould, Storm],
        extra_postcodes: &[],
        status: ContractorStatus::Active,
    },
    DemoContractor {
        company: "Fremantle Fire & Smoke",
        abn: "42471049746",
        contact: "Henry King",
        email: "henry@freofire.example",
        phone: "0412 000 112",
        postcode: "6160",
        radius: 35,
        specialties: &[Fire],
        extra_postcodes: &["6155"],
        status: ContractorStatus::Active,
    },
    DemoContractor {
        company: "Adelaide Hills Recovery",
        abn: "73507529170",
        contact: "Zoe Wright",
        email: "zoe@ahrecovery.example",
        phone: "0412 000 113",
        postcode: "5000",
        radius: 60,
        specialties: &[Water, Storm, Fire],
        extra_postcodes: &[],
        status: ContractorStatus::Active,
    },
];

/// What the seed did, for the CLI to print.
#[derive(Debug)]
pub struct SeedReport {
    pub already_seeded: bool,
    pub contractors: usize,
    pub postcodes: usize,
    pub history: super::demo_history::History,
}

/// Loads the demo data set in one transaction.
#[tracing::instrument(skip_all)]
pub async fn seed(ctx: &AppContext) -> ServiceResult<SeedReport> {
    if store::users::email_taken(&ctx.db, DEMO_ADMIN_EMAIL).await? {
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        let told = entities::audit_entry::Entity::find()
            .filter(entities::audit_entry::Column::Action.eq(super::demo_history::TOLD))
            .count(&ctx.db)
            .await?;
        if told == 0 {
            return Err(ServiceError::conflict(
                "an earlier seed-demo stopped part-way through the demo's history; seed an empty database",
            ));
        }
        return Ok(SeedReport { already_seeded: true, contractors: 0, postcodes: 0, history: Default::default() });
    }
    let meta = RequestMeta::system();
    let admin_hash = hash_password(DEMO_ADMIN_PASSWORD.into()).await?;
    let contractor_hash = hash_password(DEMO_CONTRACTOR_PASSWORD.into()).await?;
    let partner_hash = hash_password(DEMO_PARTNER_PASSWORD.into()).await?;
    let txn = ctx.db.begin().await?;

    let localities: Vec<Locality> = DEMO_POSTCODES
        .iter()
        .map(|(p, s, st, lat, lon)| Locality {
            postcode: p.to_string(),
            suburb: s.to_string(),
            state: st.to_string(),
            latitude: *lat,
            longitude: *lon,
        })
        .collect();
    store::postcodes::upsert_localities(&txn, &localities).await?;
    store::postcodes::rebuild_centroids(&txn).await?;

    let admin = store::users::insert(
        &txn,
        NewUser {
            email: DEMO_ADMIN_EMAIL.into(),
            password_hash: admin_hash,
            role: Role::Admin,
            contractor_id: None,
            partner_id: None,
            company_role: entities::CompanyRole::Owner,
            invite_pending: false,
        },
    )
    .await?;

    let partner = store::partners::insert(&txn, "Harbour Mutual Insurance".into(), PartnerKind::Insurer, None).await?;
    let secret = format!("whsec_{}", crate::auth::new_refresh_token());
    let sealed =
        ctx.config.secret_box.seal(partner.id, &secret).map_err(|m| ServiceError::Internal(anyhow::anyhow!(m)))?;
    let mut am: entities::partner::ActiveModel = partner.clone().into();
    am.webhook_url = sea_orm::Set(Some(DEMO_WEBHOOK_URL.into()));
    am.webhook_secret = sea_orm::Set(Some(sealed));
    sea_orm::ActiveModelTrait::update(am, &txn).await?;
    let insurer_key = store::partners::insert_api_key(
        &txn,
        NewApiKey {
            partner_id: partner.id,
            label: "demo integration".into(),
            prefix: DEMO_API_KEY.chars().take(12).collect(),
            key_hash: sha256_hex(DEMO_API_KEY),
            expires_at: None,
        },
    )
    .await?;
    store::users::insert(
        &txn,
        NewUser {
            email: DEMO_PARTNER_EMAIL.into(),
            password_hash: partner_hash,
            role: Role::Partner,
            contractor_id: None,
            partner_id: Some(partner.id),
            company_role: entities::CompanyRole::Owner,
            invite_pending: false,
        },
    )
    .await?;
    let source = store::partners::insert(&txn, "StormWatch Leads".into(), PartnerKind::LeadSource, None).await?;
    // Its key is never shown: the lead source's leads arrive through the story.
    let (source_secret, source_prefix) = crate::auth::new_api_key();
    let source_key = store::partners::insert_api_key(
        &txn,
        NewApiKey {
            partner_id: source.id,
            label: "lead feed".into(),
            prefix: source_prefix,
            key_hash: sha256_hex(&source_secret),
            expires_at: None,
        },
    )
    .await?;

    let mut logins = std::collections::HashMap::new();
    let mut demo_contractor = None;
    for d in CONTRACTORS {
        let c = store::contractors::insert(
            &txn,
            NewContractor {
                company_name: d.company.into(),
                abn: d.abn.into(),
                contact_name: d.contact.into(),
                email: d.email.into(),
                phone: crate::domain::Phone::parse(d.phone).map(|p| p.into_inner()).unwrap_or_default(),
                base_postcode: d.postcode.into(),
                service_radius_km: d.radius,
                max_active_jobs: 5,
                daily_lead_cap: None,
                status: d.status,
            },
        )
        .await?;
        let mut am: entities::contractor::ActiveModel = c.clone().into();
        if d.status == ContractorStatus::Suspended {
            am.status_reason = sea_orm::Set(Some("insurance certificate lapsed".into()));
        }
        if d.status == ContractorStatus::Active {
            // In the network since before the story begins. (Not onboarded with Stripe: a made-up
            // account would break the onboarding link against a real Stripe test account.)
            am.verified_at = sea_orm::Set(Some(Utc::now() - Duration::days(120)));
        }
        if d.status != ContractorStatus::Pending {
            am.created_at = sea_orm::Set(Utc::now() - Duration::days(130));
        }
        store::contractors::save(&txn, am).await?;
        store::contractors::replace_specialties(&txn, c.id, d.specialties).await?;
        let extra: Vec<String> = d.extra_postcodes.iter().map(|p| p.to_string()).collect();
        store::contractors::replace_service_postcodes(&txn, c.id, &extra).await?;
        store::contractors::insert_certification(
            &txn,
            store::contractors::NewCertification {
                contractor_id: c.id,
                kind: "IICRC WRT".into(),
                number: format!("WRT-{}", &d.abn[5..]),
                issuer: "IICRC".into(),
                expires_on: Some(
                    (Utc::now() + Duration::days(if d.status == ContractorStatus::Suspended { -30 } else { 400 }))
                        .date_naive(),
                )
                .or(NaiveDate::from_ymd_opt(2027, 12, 31)),
            },
        )
        .await?;
        let login = store::users::insert(
            &txn,
            NewUser {
                email: d.email.into(),
                password_hash: contractor_hash.clone(),
                role: Role::Contractor,
                contractor_id: Some(c.id),
                partner_id: None,
                company_role: entities::CompanyRole::Owner,
                invite_pending: false,
            },
        )
        .await?;
        logins.insert(c.id, (login.id, d.email.to_string()));
        if d.email == DEMO_CONTRACTOR_EMAIL {
            demo_contractor = Some(c.id);
        }
    }
    super::audit::record(
        &txn,
        &meta,
        "demo.seeded",
        "system",
        Some(admin.id),
        json!({ "contractors": CONTRACTORS.len(), "postcodes": DEMO_POSTCODES.len() }),
    )
    .await?;
    txn.commit().await?;
    let cast = super::demo_history::Cast {
        admin: (admin.id, DEMO_ADMIN_EMAIL.into()),
        insurer: (partner.id, insurer_key.id),
        lead_source: (source.id, source_key.id),
        contractors: logins,
        demo_contractor: demo_contractor
            .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("no demo contractor")))?,
    };
    let history = super::demo_history::tell(ctx, &cast).await?;
    // The scores are earned from the story just told, as they would be in production.
    let now = Utc::now();
    let txn = ctx.db.begin().await?;
    super::scoring::refresh_medians(&txn, &ctx.config, now).await?;
    for id in cast.contractors.keys() {
        super::scoring::rescore(&txn, &ctx.config, *id, now).await?;
    }
    txn.commit().await?;
    Ok(SeedReport { already_seeded: false, contractors: CONTRACTORS.len(), postcodes: DEMO_POSTCODES.len(), history })
}
