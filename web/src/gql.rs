//! Every GraphQL operation the app sends, generated at build time from the `.graphql` files in
//! `web/graphql/` and checked against the server's `schema.graphql`: a schema change that breaks
//! an operation breaks the build. `None` in variables is left out (not sent as `null`): in this
//! API an explicit `null` clears a field, which the app never means by "not given".
#![allow(clippy::upper_case_acronyms)]

use graphql_client::GraphQLQuery;

/// RFC 3339 timestamps, as the server sends them.
pub type DateTime = String;
/// `YYYY-MM-DD`.
pub type NaiveDate = String;
/// Free-form JSON (audit changes).
pub type JSON = serde_json::Value;
/// A multipart upload's file: `null` in the variables, the bytes in the form's part.
pub type Upload = ();
/// AUD cents, a string of digits on the wire.
pub type Money = crate::ui::Cents;

/// The operations of one `web/graphql/` file, each a type whose variables leave `None` out
/// (`with "Clone, Serialize"` for responses the page keeps as JSON).
macro_rules! operations {
    ($file:tt: $($name:ident),+ $(,)?) => {
        operations!($file with "Clone": $($name),+);
    };
    ($file:tt with $derives:tt: $($name:ident),+ $(,)?) => {
        $(
            #[derive(GraphQLQuery)]
            #[graphql(
                schema_path = "../schema.graphql",
                query_path = $file,
                response_derives = $derives,
                variables_derives = "Clone",
                skip_serializing_none
            )]
            pub struct $name;
        )+
    };
}

operations!("graphql/auth.graphql": Register, RequestPasswordReset, ResetPassword, VerifyEmail, ResendEmailVerification, ChangePassword, MySessions, EndSession, EndOtherSessions, ChangeEmail, SecondFactorStatus, EnrolSecondFactor, ConfirmSecondFactor, TurnOffSecondFactor, ReplaceRecoveryCodes);
operations!("graphql/offers.graphql": LeadOffers, AcceptOffer, DeclineOffer);
operations!("graphql/jobs.graphql" with "Clone, PartialEq": MyJobs, JobDetail, AdvanceJob, AddJobNote, UploadAttachment, ReturnLead, MissedLeads);
operations!("graphql/admin.graphql": Contractors, VerifyContractor, SuspendContractor, ReinstateContractor, AuditLog, AdminNotifications, ResendNotification);
operations!("graphql/contractor.graphql": MyProfile, UpdateProfile, PauseMe, ResumeMe, AddCertification, RemoveCertification, MyPayouts, StripeLink);
operations!("graphql/ops.graphql": Leads, LeadUpdates, LeadDetail, AssignLead, RerouteLead, ReleaseDuplicate, CancelLead, AdminPayouts, RunPayoutBatch, HoldPayout, ReleasePayout, RetryPayout, ReversePayout, Partners, CreatePartner, CreateApiKey, RevokeApiKey, AdminJobs, AdminClaims, Dashboard, JobUpdates);
operations!("graphql/alerts.graphql": WebPushPublicKey, RegisterPushSubscription, RemovePushSubscription, MarkOfferSeen, RequestCode);
operations!("graphql/alerts.graphql" with "Clone, Serialize, PartialEq": MyAlertSettings, UpdateAlertSettings, ConfirmCode);
operations!("graphql/team.graphql": Users, InviteUser, ResendInvitation, DisableUser, EnableUser, AcceptInvitation, ResetSecondFactor, EndUserSessions);
operations!("graphql/admin_job.graphql" with "Clone, PartialEq": AdminJob, AdminAdvanceJob, CancelJob, RateJob, LodgeClaim, UpdateClaim, CreateLead, DecideLeadReturn);
operations!("graphql/admin_job.graphql" with "Clone, PartialEq, Serialize": AdminClaim);
operations!("graphql/partner.graphql": PartnerPage, Deliveries, SetWebhook, Redeliver);
operations!("graphql/search.graphql": Search);
operations!("graphql/portal.graphql" with "Clone, PartialEq": PortalJobs, PortalLeads);

/// The same GraphQL value as another operation's generated type (each operation has its own copy
/// of an enum, input or fragment): `JobStatus` of the job's query as the `JobStatus` of the move.
pub fn retype<A: serde::Serialize, B: serde::de::DeserializeOwned>(a: &A) -> Option<B> {
    serde_json::to_value(a).ok().and_then(|v| serde_json::from_value(v).ok())
}

/// Sent as written: its `None`s are `null`s, which clear the commission override and the cap.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/admin.graphql",
    response_derives = "Clone",
    variables_derives = "Clone"
)]
pub struct AdminUpdateTerms;
