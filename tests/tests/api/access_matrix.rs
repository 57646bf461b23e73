//! Every relation path, walked by every kind of caller: NRP, the contractor on the job, another
//! contractor, the lead's insurer, the lead's source, another partner and a stranger. Each path is
//! asked on its own, and the table below says who may follow it. A refused path leaks nothing:
//! its answer carries none of the secrets the path leads to.

use std::collections::BTreeMap;

use nrp_tests::leads::*;
use nrp_tests::*;
use serde_json::{Value, json};

/// Who is asking, one letter each, as in the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    /// An NRP admin.
    A,
    /// The contractor that won both jobs.
    C,
    /// Another, verified contractor.
    X,
    /// The insurer of the first lead.
    I,
    /// The lead source of the second lead.
    S,
    /// Another insurer.
    O,
    /// No credentials.
    N,
}

const EVERYONE: [Who; 7] = [Who::A, Who::C, Who::X, Who::I, Who::S, Who::O, Who::N];

/// Whether the value at the end of the path came back.
fn reached(body: &Value, path: &[&str]) -> bool {
    let mut v = &body["data"];
    for p in path {
        v = match v {
            Value::Array(items) => match items.first() {
                Some(first) => &first[*p],
                None => return false,
            },
            other => &other[*p],
        };
    }
    let refused = body["errors"].as_array().is_some_and(|e| !e.is_empty());
    !v.is_null() && !refused && !matches!(v, Value::Array(a) if a.is_empty())
}

/// The secrets of the setup: a refused path must carry none of them.
struct Secrets(Vec<String>);

impl Secrets {
    fn leaked_in(&self, body: &Value) -> Option<&str> {
        let text = body.to_string();
        self.0.iter().find(|s| text.contains(s.as_str())).map(String::as_str)
    }
}

on_both_databases!(every_relation_path_answers_exactly_those_it_belongs_to, |app: TestApp| async move {
    seed_postcodes(&app).await;
    let admin = app.admin_token().await;
    let (insurer, insurer_key_) = insurer_key(&app, &admin, "Matrix Mutual").await;
    let (_, other_key) = insurer_key(&app, &admin, "Onlooker Mutual").await;
    let source = app
        .ok(
            Some(&admin),
            "mutation { createPartner(input:{name:\"Matrix Leads\", kind:LEAD_SOURCE}){ id } }",
            json!({}),
        )
        .await["createPartner"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let source_key = app
        .ok(
            Some(&admin),
            "mutation($p:ID!){ createApiKey(input:{partnerId:$p, label:\"src\"}){ secret } }",
            json!({"p": source}),
        )
        .await["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let receiver = nrp_tests::receiver::Receiver::default();
    let hook = receiver.start().await;
    app.ok(Some(&insurer_key_), "mutation($u:String){ setPartnerWebhook(url:$u){ secret } }", json!({"u": hook})).await;
    let worker =
        contractor(&app, &admin, "matrix", json!({"basePostcode": "2150", "companyName": "Matrix Restorations"}), true)
            .await;
    let stranger = contractor(&app, &admin, "elsewhere", json!({"basePostcode": "4000"}), true).await;

    // The insurer's lead: won, a photo, a claim, run to COMPLETED (so it has a payout).
    let (lead_i, job_i) = won_job(&app, &admin, &insurer_key_, &worker).await;
    let operations = json!({"query": "mutation($j: ID!, $f: Upload!){ uploadAttachment(jobId:$j, file:$f){ url } }",
        "variables": {"j": job_i, "f": null}});
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({"0": ["variables.f"]}).to_string())
        .part("0", reqwest::multipart::Part::bytes(b"\x89PNG\r\n\x1a\nmatrix".to_vec()).file_name("site.png"));
    let uploaded: Value = app
        .http
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&worker.token)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let file_url = format!("{}{}", app.base, uploaded["data"]["uploadAttachment"]["url"].as_str().unwrap());
    let claim = app
        .ok(
            Some(&insurer_key_),
            "mutation($l:ID!){ createClaim(input:{leadId:$l, claimNumber:\"MX-SECRET-1\", claimedCents:\"500000\"}){ id } }",
            json!({"l": lead_i}),
        )
        .await["createClaim"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (to, extra) in [
        ("CONTACTED", json!({})),
        ("INSPECTED", json!({})),
        ("QUOTED", json!({"quoteCents": "120000"})),
        ("APPROVED", json!({"approvedCents": "110000"})),
        ("IN_PROGRESS", json!({})),
        ("COMPLETED", json!({})),
    ] {
        let mut input = json!({"jobId": job_i, "to": to});
        input.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let token = if to == "APPROVED" { &admin } else { &worker.token };
        app.ok(Some(token), ADVANCE, json!({"input": input})).await;
    }
    // The source's lead: won by the same contractor.
    let (lead_s, job_s) = won_job(&app, &admin, &source_key, &worker).await;

    let customer = |lead: &str| {
        let (app, admin, lead) = (&app, &admin, lead.to_string());
        async move {
            app.ok(Some(admin), "query($l:ID!){ lead(id:$l){ customer { name phone } } }", json!({"l": lead})).await
                ["lead"]["customer"]["phone"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let prefix = app
        .ok(Some(&admin), "query($p:ID){ partner(id:$p){ apiKeys { prefix } } }", json!({"p": insurer}))
        .await["partner"]["apiKeys"][0]["prefix"]
        .as_str()
        .unwrap()
        .to_string();
    let secrets =
        Secrets(vec![hook.clone(), prefix, customer(&lead_i).await, customer(&lead_s).await, "MX-SECRET-1".into()]);

    let tokens: BTreeMap<Who, Option<String>> = BTreeMap::from([
        (Who::A, Some(admin.clone())),
        (Who::C, Some(worker.token.clone())),
        (Who::X, Some(stranger.token.clone())),
        (Who::I, Some(insurer_key_.clone())),
        (Who::S, Some(source_key.clone())),
        (Who::O, Some(other_key.clone())),
        (Who::N, None),
    ]);
    use Who::*;
    let vars = json!({"li": lead_i, "ls": lead_s, "ji": job_i, "js": job_s, "k": claim, "c": worker.id, "p": insurer});
    // (query, path to the value, who reaches it)
    let table: Vec<(&str, Vec<&str>, Vec<Who>)> = vec![
        ("query($li:ID!){ lead(id:$li){ customer { phone } } }", vec!["lead", "customer", "phone"], vec![A, C, I]),
        ("query($li:ID!){ lead(id:$li){ insurer { name } } }", vec!["lead", "insurer", "name"], vec![A, C, I]),
        ("query($li:ID!){ lead(id:$li){ insurer { webhookUrl } } }", vec!["lead", "insurer", "webhookUrl"], vec![A, I]),
        (
            "query($li:ID!){ lead(id:$li){ insurer { apiKeys { prefix } } } }",
            vec!["lead", "insurer", "apiKeys"],
            vec![A, I],
        ),
        ("query($li:ID!){ lead(id:$li){ insurer { kind } } }", vec!["lead", "insurer", "kind"], vec![A, I]),
        (
            "query($li:ID!){ lead(id:$li){ claim { claimNumber } } }",
            vec!["lead", "claim", "claimNumber"],
            vec![A, C, I],
        ),
        ("query($li:ID!){ lead(id:$li){ offers { id } } }", vec!["lead", "offers", "id"], vec![A]),
        ("query($li:ID!){ lead(id:$li){ routing { waveSize } } }", vec!["lead", "routing", "waveSize"], vec![A]),
        (
            "query($li:ID!){ lead(id:$li){ assignedContractor { companyName } } }",
            vec!["lead", "assignedContractor", "companyName"],
            vec![A, C, I],
        ),
        (
            "query($li:ID!){ lead(id:$li){ assignedContractor { stripe { payoutsEnabled } } } }",
            vec!["lead", "assignedContractor", "stripe", "payoutsEnabled"],
            vec![A, C],
        ),
        ("query($li:ID!){ lead(id:$li){ job { status } } }", vec!["lead", "job", "status"], vec![A, C, I]),
        ("query($ji:ID!){ job(id:$ji){ status } }", vec!["job", "status"], vec![A, C, I]),
        (
            "query($ji:ID!){ job(id:$ji){ lead { customer { phone } } } }",
            vec!["job", "lead", "customer", "phone"],
            vec![A, C, I],
        ),
        (
            "query($ji:ID!){ job(id:$ji){ lead { insurer { webhookUrl } } } }",
            vec!["job", "lead", "insurer", "webhookUrl"],
            vec![A, I],
        ),
        (
            "query($ji:ID!){ job(id:$ji){ contractor { companyName } } }",
            vec!["job", "contractor", "companyName"],
            vec![A, C, I],
        ),
        (
            "query($ji:ID!){ job(id:$ji){ contractor { stripe { payoutsEnabled } } } }",
            vec!["job", "contractor", "stripe", "payoutsEnabled"],
            vec![A, C],
        ),
        ("query($ji:ID!){ job(id:$ji){ payout { payoutCents } } }", vec!["job", "payout", "payoutCents"], vec![A, C]),
        (
            "query($ji:ID!){ job(id:$ji){ attachments { filename } } }",
            vec!["job", "attachments", "filename"],
            vec![A, C, I],
        ),
        ("query($ji:ID!){ job(id:$ji){ timeline { actor } } }", vec!["job", "timeline", "actor"], vec![A, C, I]),
        ("query($k:ID!){ claim(id:$k){ claimNumber } }", vec!["claim", "claimNumber"], vec![A, C, I]),
        (
            "query($k:ID!){ claim(id:$k){ lead { customer { phone } } } }",
            vec!["claim", "lead", "customer", "phone"],
            vec![A, C, I],
        ),
        ("query($k:ID!){ claim(id:$k){ insurer { webhookUrl } } }", vec!["claim", "insurer", "webhookUrl"], vec![A, I]),
        ("query($ls:ID!){ lead(id:$ls){ customer { phone } } }", vec!["lead", "customer", "phone"], vec![A, C, S]),
        ("query($js:ID!){ job(id:$js){ status } }", vec!["job", "status"], vec![A, C, S]),
        ("query($js:ID!){ job(id:$js){ timeline { actor } } }", vec!["job", "timeline", "actor"], vec![A, C, S]),
        (
            "query($js:ID!){ job(id:$js){ contractor { companyName } } }",
            vec!["job", "contractor", "companyName"],
            vec![A, C, S],
        ),
        ("query($c:ID!){ contractor(id:$c){ companyName } }", vec!["contractor", "companyName"], vec![A, C]),
        (
            "query($c:ID!){ contractor(id:$c){ stripe { payoutsEnabled } } }",
            vec!["contractor", "stripe", "payoutsEnabled"],
            vec![A, C],
        ),
        ("query($p:ID){ partner(id:$p){ name } }", vec!["partner", "name"], vec![A, I]),
        ("query($p:ID){ partner(id:$p){ webhookUrl } }", vec!["partner", "webhookUrl"], vec![A, I]),
    ];
    let mut wrong = Vec::new();
    for (query, path, allowed) in &table {
        for who in EVERYONE {
            let body = app.gql(tokens[&who].as_deref(), query, vars.clone()).await;
            let got = reached(&body, path);
            let want = allowed.contains(&who);
            if got != want {
                wrong.push(format!("{who:?} {} {query}: {body}", if want { "refused" } else { "reached" }));
            }
            if !want && let Some(secret) = secrets.leaked_in(&body) {
                wrong.push(format!("{who:?} was refused {query} but was told {secret}: {body}"));
            }
            if who == N && !got {
                assert_eq!(error_code(&body), "UNAUTHENTICATED", "a stranger is asked to sign in: {body}");
            }
            // Outsiders see actors by role and company: no staff email on any path.
            if who != A && body.to_string().contains('@') && path.contains(&"actor") {
                wrong.push(format!("{who:?} saw an email on {query}: {body}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{} paths answered the wrong callers:\n{}", wrong.len(), wrong.join("\n"));

    // Lists show each caller its own scope, and nothing else.
    let lists = [
        ("{ leads { totalCount } }", "leads", [(A, 2), (C, 2), (X, 0), (I, 1), (S, 1), (O, 0)]),
        ("{ jobs { totalCount } }", "jobs", [(A, 2), (C, 2), (X, 0), (I, 1), (S, 1), (O, 0)]),
        ("{ claims { totalCount } }", "claims", [(A, 1), (C, 1), (X, 0), (I, 1), (S, 0), (O, 0)]),
    ];
    for (query, field, counts) in lists {
        for (who, want) in counts {
            let body = app.gql(tokens[&who].as_deref(), query, json!({})).await;
            assert_eq!(body["data"][field]["totalCount"], json!(want), "{who:?} {query}: {body}");
        }
        assert_eq!(error_code(&app.gql(None, query, json!({})).await), "UNAUTHENTICATED");
    }
    // Payouts are between NRP and its contractors.
    for (who, want) in [(A, Some(1)), (C, Some(1)), (X, Some(0)), (I, None), (S, None), (O, None)] {
        let body = app.gql(tokens[&who].as_deref(), "{ payouts { totalCount } }", json!({})).await;
        match want {
            Some(n) => assert_eq!(body["data"]["payouts"]["totalCount"], json!(n), "{who:?}: {body}"),
            None => assert_eq!(error_code(&body), "FORBIDDEN", "{who:?}: {body}"),
        }
    }
    // The file behind the photo, over plain HTTP.
    for who in EVERYONE {
        let mut req = app.http.get(&file_url);
        if let Some(t) = &tokens[&who] {
            req = req.bearer_auth(t);
        }
        let status = req.send().await.unwrap().status().as_u16();
        let want = match who {
            A | C | I => 200,
            N => 401,
            _ => 404,
        };
        assert_eq!(status, want, "{who:?} fetching the photo");
    }
});
