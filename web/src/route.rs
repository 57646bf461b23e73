//! Every page of the three apps as one typed value: the shells match on it, links are made from
//! it, and pages read their parameters (an id, a token, a search) from it. A path string is
//! written in one place only, here, in [`Route::parse`] and [`Route::href`]; the server's links
//! (emails, push alerts) open the same paths.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// What a path segment or query value escapes: everything but RFC 3986's unreserved characters
/// (an id such as `01a2-…` stays as it is).
const ESCAPED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Which bundle a page is in (and which one is running).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// Contractors on their phones, and sign-in and sign-up for everyone (`/`).
    Contractor,
    /// NRP's admins and insurer users (`/admin`).
    Admin,
    /// Sign-in and security, a company's team, and the pages emailed links open (`/account`).
    Account,
}

/// A page, with what it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `/`: sends each role to its start page.
    Home,
    Login,
    Signup,
    /// The live offer inbox.
    Offers,
    /// The inbox, opened by an alert about this offer.
    Offer(String),
    /// The contractor's jobs; `accepted` is the job an offer just became, shown first.
    Jobs {
        accepted: Option<String>,
    },
    Job(String),
    Payouts,
    Profile,
    Dashboard,
    Leads,
    /// A lead taken by phone.
    NewLead,
    Lead(String),
    /// The contractors, `search` filled in (from a search result).
    Contractors {
        search: Option<String>,
    },
    AdminJobs,
    AdminJob(String),
    /// An insurer user's own leads and jobs.
    Portal,
    Claims,
    Claim(String),
    AdminPayouts,
    Partners,
    Partner(String),
    /// An insurer user's own webhook and deliveries.
    OwnPartner,
    Audit,
    Search {
        q: String,
    },
    Users,
    Notifications,
    Account,
    ForgotPassword,
    ResetPassword {
        token: String,
    },
    VerifyEmail {
        token: String,
    },
    AcceptInvite {
        token: String,
    },
    /// Nothing lives at this path.
    NotFound,
}

/// A query parameter's value, decoded (`+` is a space, as forms send it).
fn param(query: &str, name: &str) -> Option<String> {
    query.split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| {
        let v = v.replace('+', " ");
        percent_decode_str(&v).decode_utf8_lossy().into_owned()
    })
}

fn encoded(v: &str) -> String {
    utf8_percent_encode(v, ESCAPED).to_string()
}

impl Route {
    /// The page at `url` (a path, with or without its query string).
    pub fn parse(url: &str) -> Route {
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let token = || param(query, "token").unwrap_or_default();
        let id = |s: &str| s.to_string();
        match segments.as_slice() {
            [] => Route::Home,
            ["login"] => Route::Login,
            ["signup"] => Route::Signup,
            ["offers"] => Route::Offers,
            ["offers", o] => Route::Offer(id(o)),
            ["jobs"] => Route::Jobs { accepted: param(query, "new").filter(|v| !v.is_empty()) },
            ["jobs", j] => Route::Job(id(j)),
            ["payouts"] => Route::Payouts,
            ["profile"] => Route::Profile,
            ["admin"] => Route::Dashboard,
            ["admin", "leads"] => Route::Leads,
            ["admin", "leads", "new"] => Route::NewLead,
            ["admin", "leads", l] => Route::Lead(id(l)),
            ["admin", "contractors"] => Route::Contractors { search: param(query, "search").filter(|v| !v.is_empty()) },
            ["admin", "jobs"] => Route::AdminJobs,
            ["admin", "jobs", j] => Route::AdminJob(id(j)),
            ["admin", "portal"] => Route::Portal,
            ["admin", "claims"] => Route::Claims,
            ["admin", "claims", c] => Route::Claim(id(c)),
            ["admin", "payouts"] => Route::AdminPayouts,
            ["admin", "partners"] => Route::Partners,
            ["admin", "partners", "me"] => Route::OwnPartner,
            ["admin", "partners", p] => Route::Partner(id(p)),
            ["admin", "audit"] => Route::Audit,
            ["admin", "search"] => Route::Search { q: param(query, "q").unwrap_or_default().trim().to_string() },
            ["admin", "users"] => Route::Users,
            ["admin", "notifications"] => Route::Notifications,
            ["account"] => Route::Account,
            ["account", "forgot-password"] => Route::ForgotPassword,
            ["account", "reset-password"] => Route::ResetPassword { token: token() },
            ["account", "verify-email"] => Route::VerifyEmail { token: token() },
            ["account", "accept-invite"] => Route::AcceptInvite { token: token() },
            _ => Route::NotFound,
        }
    }

    /// The page's address, for a link or the history.
    pub fn href(&self) -> String {
        match self {
            Route::Home | Route::NotFound => "/".into(),
            Route::Login => "/login".into(),
            Route::Signup => "/signup".into(),
            Route::Offers => "/offers".into(),
            Route::Offer(o) => format!("/offers/{}", encoded(o)),
            Route::Jobs { accepted: None } => "/jobs".into(),
            Route::Jobs { accepted: Some(j) } => format!("/jobs?new={}", encoded(j)),
            Route::Job(j) => format!("/jobs/{}", encoded(j)),
            Route::Payouts => "/payouts".into(),
            Route::Profile => "/profile".into(),
            Route::Dashboard => "/admin".into(),
            Route::Leads => "/admin/leads".into(),
            Route::NewLead => "/admin/leads/new".into(),
            Route::Lead(l) => format!("/admin/leads/{}", encoded(l)),
            Route::Contractors { search: None } => "/admin/contractors".into(),
            Route::Contractors { search: Some(s) } => format!("/admin/contractors?search={}", encoded(s)),
            Route::AdminJobs => "/admin/jobs".into(),
            Route::AdminJob(j) => format!("/admin/jobs/{}", encoded(j)),
            Route::Portal => "/admin/portal".into(),
            Route::Claims => "/admin/claims".into(),
            Route::Claim(c) => format!("/admin/claims/{}", encoded(c)),
            Route::AdminPayouts => "/admin/payouts".into(),
            Route::Partners => "/admin/partners".into(),
            Route::Partner(p) => format!("/admin/partners/{}", encoded(p)),
            Route::OwnPartner => "/admin/partners/me".into(),
            Route::Audit => "/admin/audit".into(),
            Route::Search { q } => format!("/admin/search?q={}", encoded(q)),
            Route::Users => "/admin/users".into(),
            Route::Notifications => "/admin/notifications".into(),
            Route::Account => "/account".into(),
            Route::ForgotPassword => "/account/forgot-password".into(),
            Route::ResetPassword { token } => format!("/account/reset-password?token={}", encoded(token)),
            Route::VerifyEmail { token } => format!("/account/verify-email?token={}", encoded(token)),
            Route::AcceptInvite { token } => format!("/account/accept-invite?token={}", encoded(token)),
        }
    }

    /// The bundle that draws this page.
    pub fn app(&self) -> Which {
        let href = self.href();
        if href == "/admin" || href.starts_with("/admin/") {
            Which::Admin
        } else if href == "/account" || href.starts_with("/account/") {
            Which::Account
        } else {
            Which::Contractor
        }
    }

    /// Whether a link to `self` marks the page at `here` as where you are: the same page, or one
    /// inside its section (a job is inside "Jobs"); the start pages mark only themselves.
    pub fn contains(&self, here: &Route) -> bool {
        let (mine, theirs) = (self.href(), here.href());
        let path = |h: &str| h.split('?').next().unwrap_or_default().to_string();
        let (mine, theirs) = (path(&mine), path(&theirs));
        mine == theirs
            || !matches!(self, Route::Home | Route::Dashboard | Route::NotFound)
                && theirs.starts_with(&format!("{mine}/"))
    }
}

impl From<Route> for String {
    fn from(r: Route) -> String {
        r.href()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every() -> Vec<Route> {
        let s = |v: &str| v.to_string();
        vec![
            Route::Home,
            Route::Login,
            Route::Signup,
            Route::Offers,
            Route::Offer(s("7f3c")),
            Route::Jobs { accepted: None },
            Route::Jobs { accepted: Some(s("42")) },
            Route::Job(s("42")),
            Route::Payouts,
            Route::Profile,
            Route::Dashboard,
            Route::Leads,
            Route::NewLead,
            Route::Lead(s("9")),
            Route::Contractors { search: None },
            Route::Contractors { search: Some(s("Smith & Sons Pty/Ltd")) },
            Route::AdminJobs,
            Route::AdminJob(s("3")),
            Route::Portal,
            Route::Claims,
            Route::Claim(s("5")),
            Route::AdminPayouts,
            Route::Partners,
            Route::Partner(s("11")),
            Route::OwnPartner,
            Route::Audit,
            Route::Search { q: s("0412 345 678 + Ñandú?&=#") },
            Route::Users,
            Route::Notifications,
            Route::Account,
            Route::ForgotPassword,
            Route::ResetPassword { token: s("a+b/c=") },
            Route::VerifyEmail { token: s("t0k") },
            Route::AcceptInvite { token: s("x y") },
        ]
    }

    #[test]
    fn every_page_reads_back_from_its_own_address() {
        for r in every() {
            assert_eq!(Route::parse(&r.href()), r, "{}", r.href());
        }
    }

    #[test]
    fn ids_stay_readable_in_addresses() {
        let id = "01a23bd3-5ab8-756f-b377-6312eacee4c7";
        assert_eq!(Route::AdminJob(id.into()).href(), format!("/admin/jobs/{id}"));
        assert_eq!(Route::Search { q: "a b&c".into() }.href(), "/admin/search?q=a%20b%26c");
    }

    #[test]
    fn addresses_from_outside_open_their_page() {
        // What emails, alerts and browsers send.
        assert_eq!(Route::parse("/offers/abc"), Route::Offer("abc".into()));
        assert_eq!(Route::parse("/account/reset-password?token=a%2Bb"), Route::ResetPassword { token: "a+b".into() });
        assert_eq!(Route::parse("/admin/search?q=0412+345+678"), Route::Search { q: "0412 345 678".into() });
        assert_eq!(Route::parse("/jobs/"), Route::Jobs { accepted: None });
        assert_eq!(Route::parse("/admin/leads/new"), Route::NewLead);
        assert_eq!(Route::parse("/admin/partners/me"), Route::OwnPartner);
        assert_eq!(Route::parse("/admin/nothing"), Route::NotFound);
        assert_eq!(Route::parse("/jobs/1/2"), Route::NotFound);
    }

    #[test]
    fn each_page_belongs_to_one_app() {
        assert_eq!(Route::Job("1".into()).app(), Which::Contractor);
        assert_eq!(Route::Login.app(), Which::Contractor);
        assert_eq!(Route::Claim("1".into()).app(), Which::Admin);
        assert_eq!(Route::Dashboard.app(), Which::Admin);
        assert_eq!(Route::AcceptInvite { token: "t".into() }.app(), Which::Account);
    }

    #[test]
    fn a_section_link_marks_the_pages_inside_it() {
        assert!(Route::AdminJobs.contains(&Route::AdminJob("1".into())));
        assert!(Route::Jobs { accepted: None }.contains(&Route::Job("1".into())));
        assert!(!Route::Dashboard.contains(&Route::Leads));
        assert!(!Route::Leads.contains(&Route::AdminJobs));
        assert!(Route::Partners.contains(&Route::OwnPartner));
        assert!(Route::Jobs { accepted: None }.contains(&Route::Jobs { accepted: Some("1".into()) }));
    }
}
