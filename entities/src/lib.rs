//! sea-orm entities and their active enums: the database's shape, nothing else.
//!
//! Business rules live in `nrp-server`'s services; this crate only describes tables.

pub mod account_link;
pub mod api_key;
pub mod attachment;
pub mod audit_entry;
pub mod certification;
pub mod claim;
pub mod contact_verification;
pub mod contractor;
pub mod contractor_score;
pub mod contractor_service_postcode;
pub mod contractor_specialty;
pub mod enums;
pub mod job;
pub mod job_event;
pub mod job_type_median;
pub mod lead;
pub mod lead_return;
pub mod login_challenge;
pub mod notification;
pub mod notification_settings;
pub mod offer;
pub mod opt_out;
pub mod partner;
pub mod payout;
pub mod payout_batch;
pub mod postcode_centroid;
pub mod postcode_locality;
pub mod push_subscription;
pub mod recovery_code;
pub mod refresh_token;
pub mod search_document;
pub mod second_factor;
pub mod session;
pub mod stripe_event;
pub mod user;
pub mod webhook_attempt;
pub mod webhook_delivery;

pub use enums::*;
