use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::{Abn, AtField, Email, FieldErrors, Password, Phone, Postcode, bounded_int, required_text};
use crate::error::ServiceError;
use crate::graphql::IntoGql;
use crate::graphql::ids::parse_id;
use crate::graphql::types::contractor::{Certification, Contractor};
use crate::graphql::types::enums::DamageType;
use crate::graphql::types::{app, meta};
use crate::services::{
    self,
    contractors::{NewCertification, ProfileUpdate, Registration},
};

#[derive(Default)]
pub struct ContractorMutation;

/// A contractor company signing up. It starts `PENDING` and gets no offers until verified.
#[derive(InputObject)]
pub struct RegisterContractorInput {
    pub company_name: String,
    /// 11 digits; spaces allowed (`51 824 753 556`).
    pub abn: String,
    pub contact_name: String,
    /// Also the login.
    pub email: String,
    /// Australian, e.g. `0412 345 678`.
    pub phone: String,
    /// At least 10 characters.
    pub password: String,
    /// 4 digits.
    pub base_postcode: String,
    /// 1 to 500; default 50.
    pub service_radius_km: Option<i32>,
    /// Postcodes served whatever their distance; default none.
    pub service_postcodes: Option<Vec<String>>,
    /// At least one.
    pub specialties: Vec<DamageType>,
    /// 1 to 1000; default 5.
    pub max_active_jobs: Option<i32>,
}

/// Profile changes; omitted fields stay as they are, `null` clears a nullable one.
#[derive(InputObject, Default)]
pub struct UpdateContractorInput {
    /// Admins only.
    pub company_name: Option<String>,
    /// Admins only.
    pub abn: Option<String>,
    pub contact_name: Option<String>,
    pub phone: Option<String>,
    pub base_postcode: Option<String>,
    pub service_radius_km: Option<i32>,
    /// Replaces the whole list.
    pub service_postcodes: Option<Vec<String>>,
    /// Replaces the whole list; at least one.
    pub specialties: Option<Vec<DamageType>>,
    pub max_active_jobs: Option<i32>,
    /// Most new offers a day; `null` for no cap.
    pub daily_lead_cap: MaybeUndefined<i32>,
    /// Admins only; basis points, `null` for the network default.
    pub commission_bps: MaybeUndefined<i32>,
}

/// A licence or certificate.
#[derive(InputObject)]
pub struct CertificationInput {
    pub kind: String,
    pub number: String,
    pub issuer: String,
    pub expires_on: Option<NaiveDate>,
}

fn postcodes(list: &[String], field: &str, errors: &mut FieldErrors) -> Option<Vec<Postcode>> {
    if list.len() > 500 {
        errors.push(field, "at most 500 service postcodes");
        return None;
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, p) in list.iter().enumerate() {
        out.push(errors.check(Postcode::parse(p).at(&format!("{field}[{i}]")))?);
    }
    Some(out)
}

impl RegisterContractorInput {
    fn parse(self) -> Result<Registration, ServiceError> {
        let mut e = FieldErrors::default();
        let company_name = e.check(required_text(&self.company_name, "company name", 200).at("input.companyName"));
        let abn = e.check(Abn::parse(&self.abn).at("input.abn"));
        let contact_name = e.check(required_text(&self.contact_name, "contact name", 200).at("input.contactName"));
        let email = e.check(Email::parse(&self.email).at("input.email"));
        let phone = e.check(Phone::parse(&self.phone).at("input.phone"));
        let password = e.check(Password::parse(&self.password).at("input.password"));
        let base_postcode = e.check(Postcode::parse(&self.base_postcode).at("input.basePostcode"));
        let radius = e.check(
            bounded_int(self.service_radius_km.unwrap_or(50), "service radius (km)", 1, 500)
                .at("input.serviceRadiusKm"),
        );
        let service_postcodes =
            postcodes(&self.service_postcodes.unwrap_or_default(), "input.servicePostcodes", &mut e);
        if self.specialties.is_empty() {
            e.push("input.specialties", "choose at least one specialty");
        }
        let max_jobs = e.check(
            bounded_int(self.max_active_jobs.unwrap_or(5), "maximum active jobs", 1, 1000).at("input.maxActiveJobs"),
        );
        match (
            e.finish(),
            company_name,
            abn,
            contact_name,
            email,
            phone,
            password,
            base_postcode,
            radius,
            service_postcodes,
            max_jobs,
        ) {
            (
                Ok(()),
                Some(company_name),
                Some(abn),
                Some(contact_name),
                Some(email),
                Some(phone),
                Some(password),
                Some(base_postcode),
                Some(service_radius_km),
                Some(service_postcodes),
                Some(max_active_jobs),
            ) => Ok(Registration {
                company_name,
                abn,
                contact_name,
                email,
                phone,
                password,
                base_postcode,
                service_radius_km,
                service_postcodes,
                specialties: self.specialties.into_iter().map(Into::into).collect(),
                max_active_jobs,
            }),
            (Err(list), ..) => Err(ServiceError::InvalidInput(list)),
            _ => Err(ServiceError::Internal(anyhow::anyhow!("registration parse produced no value and no error"))),
        }
    }
}

impl UpdateContractorInput {
    fn parse(self) -> Result<ProfileUpdate, ServiceError> {
        let mut e = FieldErrors::default();
        let mut u = ProfileUpdate::default();
        if let Some(v) = &self.company_name {
            u.company_name = e.check(required_text(v, "company name", 200).at("input.companyName"));
        }
        if let Some(v) = &self.abn {
            u.abn = e.check(Abn::parse(v).at("input.abn"));
        }
        if let Some(v) = &self.contact_name {
            u.contact_name = e.check(required_text(v, "contact name", 200).at("input.contactName"));
        }
        if let Some(v) = &self.phone {
            u.phone = e.check(Phone::parse(v).at("input.phone"));
        }
        if let Some(v) = &self.base_postcode {
            u.base_postcode = e.check(Postcode::parse(v).at("input.basePostcode"));
        }
        if let Some(v) = self.service_radius_km {
            u.service_radius_km = e.check(bounded_int(v, "service radius (km)", 1, 500).at("input.serviceRadiusKm"));
        }
        if let Some(list) = &self.service_postcodes {
            u.service_postcodes = postcodes(list, "input.servicePostcodes", &mut e);
        }
        if let Some(list) = self.specialties {
            if list.is_empty() {
                e.push("input.specialties", "choose at least one specialty");
            }
            u.specialties = Some(list.into_iter().map(Into::into).collect());
        }
        if let Some(v) = self.max_active_jobs {
            u.max_active_jobs = e.check(bounded_int(v, "maximum active jobs", 1, 1000).at("input.maxActiveJobs"));
        }
        match self.daily_lead_cap {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => u.daily_lead_cap = Some(None),
            MaybeUndefined::Value(v) => {
                u.daily_lead_cap = e.check(bounded_int(v, "daily lead cap", 1, 1000).at("input.dailyLeadCap")).map(Some)
            }
        }
        match self.commission_bps {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => u.commission_bps = Some(None),
            MaybeUndefined::Value(v) => {
                u.commission_bps =
                    e.check(bounded_int(v, "commission (basis points)", 0, 10_000).at("input.commissionBps")).map(Some)
            }
        }
        e.finish().map_err(ServiceError::InvalidInput)?;
        Ok(u)
    }
}

impl CertificationInput {
    fn parse(self) -> Result<NewCertification, ServiceError> {
        let mut e = FieldErrors::default();
        let kind = e.check(required_text(&self.kind, "kind", 100).at("input.kind"));
        let number = e.check(required_text(&self.number, "number", 100).at("input.number"));
        let issuer = e.check(required_text(&self.issuer, "issuer", 200).at("input.issuer"));
        e.finish().map_err(ServiceError::InvalidInput)?;
        match (kind, number, issuer) {
            (Some(kind), Some(number), Some(issuer)) => {
                Ok(NewCertification { kind, number, issuer, expires_on: self.expires_on })
            }
            _ => Err(ServiceError::Internal(anyhow::anyhow!("certification parse produced no value and no error"))),
        }
    }
}

#[Object]
impl ContractorMutation {
    /// Public sign-up. Every field is checked and all problems are reported at once
    /// (`extensions.fieldErrors`); an ABN already registered is a `CONFLICT` on `input.abn`. The
    /// answer is the same for an address that already has a login (its owner is told by email
    /// that someone tried) as for a new one (which gets a link to confirm it): sign in with the
    /// new password, and confirm the email before NRP can verify the company.
    async fn register_contractor(
        &self,
        ctx: &Context<'_>,
        input: RegisterContractorInput,
    ) -> Result<crate::graphql::types::auth::SignUpReceipt> {
        let r = input.parse().gql()?;
        let email = r.email.as_str().to_string();
        services::contractors::register(app(ctx), meta(ctx), r).await.gql()?;
        Ok(crate::graphql::types::auth::SignUpReceipt {
            message: format!(
                "Thanks. We've emailed {email}: open the link in it to confirm your address, then NRP checks \
                 your company. If that address already has a login, the email says so instead."
            ),
            email,
        })
    }

    /// Admin: `PENDING → ACTIVE`.
    async fn verify_contractor(&self, ctx: &Context<'_>, id: ID) -> Result<Contractor> {
        let id = parse_id(&id, "id").gql()?;
        services::contractors::verify(app(ctx), meta(ctx), id).await.gql().map(Contractor)
    }

    /// Admin: stops all offers to the contractor.
    async fn suspend_contractor(&self, ctx: &Context<'_>, id: ID, reason: Option<String>) -> Result<Contractor> {
        let id = parse_id(&id, "id").gql()?;
        let reason = crate::domain::optional_text(reason.as_deref(), "reason", 500)
            .at("reason")
            .map_err(ServiceError::from)
            .gql()?;
        services::contractors::suspend(app(ctx), meta(ctx), id, reason).await.gql().map(Contractor)
    }

    /// Admin: adjusts the contractor's earned performance score by `adjustment` (−0.5 to 0.5,
    /// added to what it earned; 0 takes an adjustment away), with a reason the contractor sees in
    /// its score breakdown. Audited; the score is recomputed at once.
    async fn adjust_contractor_score(
        &self,
        ctx: &Context<'_>,
        id: ID,
        adjustment: f64,
        reason: String,
    ) -> Result<Contractor> {
        let id = parse_id(&id, "id").gql()?;
        services::scoring::adjust(app(ctx), meta(ctx), id, adjustment, &reason).await.gql().map(Contractor)
    }

    /// Admin: `SUSPENDED → ACTIVE`.
    async fn reinstate_contractor(&self, ctx: &Context<'_>, id: ID) -> Result<Contractor> {
        let id = parse_id(&id, "id").gql()?;
        services::contractors::reinstate(app(ctx), meta(ctx), id).await.gql().map(Contractor)
    }

    /// Edits a profile, service area and specialties (own company, or any for admins).
    async fn update_contractor(&self, ctx: &Context<'_>, id: ID, input: UpdateContractorInput) -> Result<Contractor> {
        let id = parse_id(&id, "id").gql()?;
        let u = input.parse().gql()?;
        services::contractors::update_profile(app(ctx), meta(ctx), id, u).await.gql().map(Contractor)
    }

    /// Stops offers until `until` (at most a year ahead); they resume by themselves after it.
    async fn pause_contractor(&self, ctx: &Context<'_>, id: ID, until: DateTime<Utc>) -> Result<Contractor> {
        let id = parse_id(&id, "id").gql()?;
        services::contractors::pause(app(ctx), meta(ctx), id, until).await.gql().map(Contractor)
    }

    /// Ends a pause now.
    async fn resume_contractor(&self, ctx: &Context<'_>, id: ID) -> Result<Contractor> {
        let id = parse_id(&id, "id").gql()?;
        services::contractors::resume(app(ctx), meta(ctx), id).await.gql().map(Contractor)
    }

    async fn add_certification(
        &self,
        ctx: &Context<'_>,
        contractor_id: ID,
        input: CertificationInput,
    ) -> Result<Certification> {
        let id = parse_id(&contractor_id, "contractorId").gql()?;
        let c = input.parse().gql()?;
        services::contractors::add_certification(app(ctx), meta(ctx), id, c).await.gql().map(Certification)
    }

    /// Returns the contractor the certification belonged to.
    async fn remove_certification(&self, ctx: &Context<'_>, id: ID) -> Result<Contractor> {
        let id = parse_id(&id, "id").gql()?;
        let app = app(ctx);
        let meta = meta(ctx);
        let contractor_id = services::contractors::remove_certification(app, meta, id).await.gql()?;
        services::contractors::get(app, meta, contractor_id).await.gql().map(Contractor)
    }
}
