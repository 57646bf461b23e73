//! A company's owner and its staff: the owner (or NRP) invites staff by email, the invitation
//! sets the password, staff take offers and work jobs but see no money and change nothing of the
//! company's, and the first accept still wins once for the company. Admins find every login.

use nrp_tests::leads::*;
use nrp_tests::notify::*;
use nrp_tests::*;
use serde_json::{Value, json};

const INVITE: &str = "mutation($i:InviteUserInput!){ inviteUser(input:$i){ id email role companyRole status } }";
const ACCEPT_INVITE: &str = "mutation($t:String!,$p:String!){ acceptInvitation(token:$t, password:$p) }";
const RESEND: &str = "mutation($u:ID!){ resendInvitation(userId:$u){ id status } }";
const USERS: &str = "query($f:UserFilterInput){ users(first: 50, filter:$f){ totalCount edges { node { id email role companyRole status } } } }";
const DISABLE: &str = "mutation($id:ID!){ disableUser(id:$id){ id disabled } }";
const ME: &str = "{ me { id companyRole status } }";
const STAFF_PASSWORD: &str = "a technician's passphrase";

/// The token of the next invitation email, and whom it went to.
async fn invitation(smtp: &mut SmtpSink) -> (String, Vec<String>) {
    loop {
        let m = smtp.next().await;
        if m.parsed().subject().is_some_and(|s| s.starts_with("You're invited to")) {
            return (link_token(&m, "accept-invite"), m.to.clone());
        }
    }
}

fn emails(list: &Value) -> Vec<String> {
    list["users"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["email"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owners_invited_staff_take_offers_and_work_jobs_but_see_no_money_and_change_nothing() {
    let mut smtp = SmtpSink::start(0).await;
    let app = TestApp::spawn_with(Backend::Postgres, mail_options(&smtp)).await;
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (_, key) = insurer_key(&app, &admin, "Team Mutual").await;
    let owner = contractor(&app, &admin, "owner", json!({"basePostcode": "2000"}), true).await;
    let other = contractor(&app, &admin, "elsewhere", json!({"basePostcode": "4000"}), true).await;
    let tech = format!("tech-{}@contractor.example", uuid::Uuid::new_v4().simple());

    // The invitation: pending, staff, and nothing signs in until it is accepted.
    let invited = app.ok(Some(&owner.token), INVITE, json!({"i": {"email": tech}})).await["inviteUser"].clone();
    assert_eq!(
        (invited["role"].as_str(), invited["companyRole"].as_str(), invited["status"].as_str()),
        (Some("CONTRACTOR"), Some("STAFF"), Some("INVITED"))
    );
    let (token, to) = invitation(&mut smtp).await;
    assert_eq!(to, vec![tech.clone()]);
    for bad in [
        json!({"email": owner.email}),
        json!({"email": "nope"}),
        json!({"email": "x@y.example", "contractorId": other.id}),
    ] {
        let body = app.gql(Some(&owner.token), INVITE, json!({"i": bad})).await;
        assert!(["CONFLICT", "BAD_USER_INPUT", "FORBIDDEN"].contains(&error_code(&body)), "{bad}: {body}");
    }
    assert_eq!(
        error_field(&app.gql(Some(&owner.token), INVITE, json!({"i": {"email": owner.email}})).await),
        "input.email"
    );
    let weak = app.gql(None, ACCEPT_INVITE, json!({"t": token, "p": "short"})).await;
    assert_eq!(error_field(&weak), "password");
    assert_eq!(
        error_code(&app.gql(None, ACCEPT_INVITE, json!({"t": "forged", "p": STAFF_PASSWORD})).await),
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.ok(None, ACCEPT_INVITE, json!({"t": token, "p": STAFF_PASSWORD})).await["acceptInvitation"],
        json!(tech)
    );
    assert_eq!(
        error_field(&app.gql(None, ACCEPT_INVITE, json!({"t": token, "p": STAFF_PASSWORD})).await),
        "token",
        "once"
    );
    let staff = app.login(&tech, STAFF_PASSWORD).await;
    let me = app.ok(Some(&staff), ME, json!({})).await["me"].clone();
    assert_eq!((me["companyRole"].as_str(), me["status"].as_str()), (Some("STAFF"), Some("ACTIVE")));
    let resend = app.gql(Some(&owner.token), RESEND, json!({"u": me["id"]})).await;
    assert_eq!(error_code(&resend), "CONFLICT", "accepted already");

    // No money, no company settings, no staff of its own.
    let forbidden = [
        ("{ payouts { totalCount } }", json!({})),
        ("mutation{ stripeOnboardingLink { url } }", json!({})),
        ("mutation($id:ID!){ updateContractor(id:$id, input:{serviceRadiusKm: 10}){ id } }", json!({"id": owner.id})),
        (INVITE, json!({"i": {"email": "another@contractor.example"}})),
        (USERS, json!({})),
        (DISABLE, json!({"id": app.user_id(&owner.token).await})),
    ];
    for (q, vars) in forbidden {
        assert_eq!(error_code(&app.gql(Some(&staff), q, vars).await), "FORBIDDEN", "{q}");
    }
    for report in ["users", "payouts"] {
        let url = format!("{}/reports/{report}.csv", app.base);
        let status = app.http.get(url).bearer_auth(&staff).send().await.unwrap().status();
        assert_eq!(status, 403, "staff export no {report}");
    }
    let terms = app
        .ok(
            Some(&staff),
            "query($id:ID!){ contractor(id:$id){ companyName commissionBps stripe { payoutsEnabled } } }",
            json!({"id": owner.id}),
        )
        .await;
    assert_eq!(terms["contractor"]["stripe"], Value::Null);
    assert!(terms["contractor"]["companyName"].is_string(), "the company itself is readable");

    // An offer reaches the company; owner and staff accept it at once: one job, once.
    let (lead, _) = create_lead(&app, &key, lead_input()).await;
    let offer = open_offers(&lead_detail(&app, &admin, &lead).await)
        .into_iter()
        .find(|(_, c)| *c == owner.id)
        .expect("an offer to the company")
        .0;
    let mine = "{ myOffers(status: OPEN) { id } }";
    assert!(app.ok(Some(&staff), mine, json!({})).await.to_string().contains(&offer), "staff see the company's offers");
    let (a, b) = tokio::join!(
        app.gql(Some(&owner.token), ACCEPT, json!({"id": offer})),
        app.gql(Some(&staff), ACCEPT, json!({"id": offer}))
    );
    let wins = [&a, &b].iter().filter(|r| r.get("errors").is_none()).count();
    assert_eq!(wins, 1, "one accept wins: {a} {b}");
    let job = [&a, &b].iter().find(|r| r.get("errors").is_none()).unwrap()["data"]["acceptOffer"]["job"]["id"].clone();
    let note = "mutation($id:ID!){ addJobNote(jobId:$id, note: \"Called the customer\"){ id } }";
    app.ok(Some(&staff), note, json!({"id": job})).await;
    let payout = app.ok(Some(&staff), "query($id:ID!){ job(id:$id){ id payout { id } } }", json!({"id": job})).await;
    assert_eq!(payout["job"]["payout"], Value::Null);

    // The owner sees its own company's logins only, and can switch its staff off.
    let team = app.ok(Some(&owner.token), USERS, json!({})).await;
    let mut got = emails(&team);
    got.sort();
    let mut want = vec![owner.email.clone(), tech.clone()];
    want.sort();
    assert_eq!(got, want);
    assert_eq!(
        error_code(&app.gql(Some(&owner.token), DISABLE, json!({"id": app.user_id(&other.token).await})).await),
        "NOT_FOUND"
    );
    assert_eq!(
        error_code(&app.gql(Some(&owner.token), DISABLE, json!({"id": app.user_id(&owner.token).await})).await),
        "FORBIDDEN"
    );
    app.ok(Some(&owner.token), DISABLE, json!({"id": me["id"]})).await;
    assert_eq!(error_code(&app.gql(Some(&staff), ME, json!({})).await), "UNAUTHENTICATED");
    let enable = "mutation($id:ID!){ enableUser(id:$id){ id disabled } }";
    app.ok(Some(&owner.token), enable, json!({"id": me["id"]})).await;
    // What NRP switches off, only NRP switches on.
    app.ok(Some(&admin), DISABLE, json!({"id": me["id"]})).await;
    assert_eq!(error_code(&app.gql(Some(&owner.token), enable, json!({"id": me["id"]})).await), "FORBIDDEN");
    app.ok(Some(&admin), enable, json!({"id": me["id"]})).await;

    // A company NRP has not verified yet brings nobody in.
    let pending = contractor(&app, &admin, "unverified", json!({}), false).await;
    let body = app.gql(Some(&pending.token), INVITE, json!({"i": {"email": "friend@contractor.example"}})).await;
    assert_eq!(error_code(&body), "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_invite_a_partners_staff_and_find_logins_by_email_role_and_status() {
    let mut smtp = SmtpSink::start(0).await;
    let app = TestApp::spawn_with(Backend::Sqlite, mail_options(&smtp)).await;
    let admin = app.admin_token().await;
    let (partner, _) = insurer_key(&app, &admin, "Staffed Mutual").await;
    let c = contractor(&app, &admin, "listed", json!({}), false).await;
    let clerk = format!("claims-clerk-{}@insurer.example", uuid::Uuid::new_v4().simple());

    for bad in [json!({"email": clerk}), json!({"email": clerk, "partnerId": partner, "contractorId": c.id})] {
        assert_eq!(
            error_code(&app.gql(Some(&admin), INVITE, json!({"i": bad})).await),
            "BAD_USER_INPUT",
            "name one company"
        );
    }
    let missing =
        app.gql(Some(&admin), INVITE, json!({"i": {"email": clerk, "partnerId": uuid::Uuid::now_v7()}})).await;
    assert_eq!(error_code(&missing), "NOT_FOUND");
    let u =
        app.ok(Some(&admin), INVITE, json!({"i": {"email": clerk, "partnerId": partner}})).await["inviteUser"].clone();
    assert_eq!((u["role"].as_str(), u["status"].as_str()), (Some("PARTNER"), Some("INVITED")));
    let (first, _) = invitation(&mut smtp).await;
    app.ok(Some(&admin), RESEND, json!({"u": u["id"]})).await;
    let (second, _) = invitation(&mut smtp).await;
    let old = app.gql(None, ACCEPT_INVITE, json!({"t": first, "p": STAFF_PASSWORD})).await;
    assert_eq!(error_field(&old), "token", "the newer link replaced it");

    // The admins' list: by status, role and part of the email.
    let invited = app.ok(Some(&admin), USERS, json!({"f": {"status": "INVITED"}})).await;
    assert_eq!(emails(&invited), vec![clerk.clone()]);
    let partners = app.ok(Some(&admin), USERS, json!({"f": {"role": "PARTNER"}})).await;
    assert_eq!(emails(&partners), vec![clerk.clone()]);
    let found = app.ok(Some(&admin), USERS, json!({"f": {"search": "CLAIMS-CLERK"}})).await;
    assert_eq!(found["users"]["totalCount"], 1);
    let contractors = app.ok(Some(&admin), USERS, json!({"f": {"role": "CONTRACTOR", "status": "ACTIVE"}})).await;
    assert_eq!(emails(&contractors), vec![c.email.clone()]);
    assert_eq!(error_code(&app.gql(None, USERS, json!({})).await), "UNAUTHENTICATED");
    // By the day added, on NRP's clock; a range backwards is refused beside its last day.
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Australia::Sydney).date_naive();
    let (today, y) = (today.to_string(), today.pred_opt().unwrap().to_string());
    let added =
        app.ok(Some(&admin), USERS, json!({"f": {"role": "PARTNER", "addedFrom": today, "addedTo": today}})).await;
    assert_eq!(emails(&added), vec![clerk.clone()]);
    assert_eq!(app.ok(Some(&admin), USERS, json!({"f": {"addedTo": y}})).await["users"]["totalCount"], 0);
    let bad = app.gql(Some(&admin), USERS, json!({"f": {"addedFrom": today, "addedTo": y}})).await;
    assert_eq!((error_code(&bad), error_field(&bad)), ("BAD_USER_INPUT", "filter.addedTo"));
    // The same list as CSV, with no secret in it; only what the caller may list.
    let csv = app.get_text(&admin, &format!("/reports/users.csv?status=INVITED&from={today}")).await;
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let head = r.headers().unwrap().clone();
    assert_eq!((&head[1], &head[6]), ("email", "status"));
    assert!(!head.iter().any(|h| h.contains("password") || h.contains("hash")), "{head:?}");
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "{csv}");
    assert_eq!((&rows[0][1], &rows[0][2], &rows[0][6]), (clerk.as_str(), "PARTNER", "INVITED"));
    assert_eq!(rows[0][5], partner, "the partner it works for");
    let code = |token: Option<String>, q: &'static str| {
        let app = &app;
        async move {
            let mut req = app.http.get(format!("{}/reports/users.csv?{q}", app.base));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            req.send().await.unwrap().status().as_u16()
        }
    };
    for bad in ["status=GONE", "role=KING", "from=soon"] {
        assert_eq!(code(Some(admin.clone()), bad).await, 400, "{bad}");
    }
    assert_eq!(code(None, "").await, 401);
    let staff_list = app.get_text(&c.token, "/reports/users.csv").await;
    assert_eq!(staff_list.lines().count(), 2, "an owner lists only its own company's logins: {staff_list}");

    app.ok(None, ACCEPT_INVITE, json!({"t": second, "p": STAFF_PASSWORD})).await;
    let token = app.login(&clerk, STAFF_PASSWORD).await;
    let hook = app
        .gql(Some(&token), "mutation{ setPartnerWebhook(url: \"https://hooks.example/x\"){ secret } }", json!({}))
        .await;
    assert_eq!(error_code(&hook), "FORBIDDEN", "the partner's staff do not set its webhook");
    let leads = app.ok(Some(&token), "{ leads { totalCount } }", json!({})).await;
    assert_eq!(leads["leads"]["totalCount"], 0, "but read the partner's leads");
    let active = app.ok(Some(&admin), USERS, json!({"f": {"status": "INVITED"}})).await;
    assert_eq!(active["users"]["totalCount"], 0);
}
