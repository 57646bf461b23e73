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
/// AUD cents, a string of digits on the wire.
pub type Money = crate::ui::Cents;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/auth.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct Register;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/auth.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct RequestPasswordReset;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/auth.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct ResetPassword;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/auth.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct VerifyEmail;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/auth.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct ResendEmailVerification;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/auth.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct ChangePassword;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/auth.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct MySessions;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/auth.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct EndSession;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/auth.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct EndOtherSessions;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/auth.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct ChangeEmail;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/auth.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct SecondFactorStatus;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/auth.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct EnrolSecondFactor;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/auth.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct ConfirmSecondFactor;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/auth.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct TurnOffSecondFactor;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/auth.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct ReplaceRecoveryCodes;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/offers.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct LeadOffers;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/offers.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct AcceptOffer;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/offers.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct DeclineOffer;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/jobs.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct MyJobs;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/jobs.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct JobDetail;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/jobs.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct AdvanceJob;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/jobs.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct AddJobNote;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/admin.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct Contractors;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/admin.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct VerifyContractor;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/admin.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct SuspendContractor;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/admin.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct ReinstateContractor;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/admin.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct AuditLog;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/contractor.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct MyProfile;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/contractor.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct UpdateProfile;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/contractor.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct PauseMe;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/contractor.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct ResumeMe;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/contractor.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct AddCertification;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/contractor.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct RemoveCertification;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/contractor.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct MyPayouts;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/contractor.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct StripeLink;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/ops.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct Leads;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/ops.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct LeadUpdates;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/ops.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct LeadDetail;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/ops.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct AssignLead;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/ops.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct RerouteLead;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/ops.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct ReleaseDuplicate;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/ops.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct CancelLead;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/ops.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct AdminPayouts;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/ops.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct RunPayoutBatch;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/ops.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct HoldPayout;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/ops.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct ReleasePayout;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/ops.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct RetryPayout;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/ops.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct ReversePayout;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/ops.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct Partners;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/ops.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct CreatePartner;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/ops.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct CreateApiKey;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/ops.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct RevokeApiKey;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/ops.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct AdminJobs;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/ops.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct AdminClaims;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/ops.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct Dashboard;

/// Sent as written: its `None`s are `null`s, which clear the commission override and the cap.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/admin.graphql",
    response_derives = "Clone",
    variables_derives = "Clone"
)]
pub struct AdminUpdateTerms;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/alerts.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct WebPushPublicKey;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/alerts.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct RegisterPushSubscription;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/alerts.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct RemovePushSubscription;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/alerts.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct MarkOfferSeen;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/admin.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct AdminNotifications;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/admin.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct ResendNotification;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/alerts.graphql",
    response_derives = "Clone, Serialize",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct MyAlertSettings;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/alerts.graphql",
    response_derives = "Clone, Serialize",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct UpdateAlertSettings;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/alerts.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct RequestCode;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/alerts.graphql",
    response_derives = "Clone, Serialize",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct ConfirmCode;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/team.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct Users;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/team.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct InviteUser;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/team.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct ResendInvitation;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/team.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct DisableUser;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/team.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct EnableUser;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/team.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct AcceptInvitation;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/team.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct ResetSecondFactor;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/team.graphql",
    response_derives = "Clone",
    variables_derives = "Clone",
    skip_serializing_none
)]
pub struct EndUserSessions;
