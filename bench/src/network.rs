//! Routing at national scale (issue 13): a network of N active contractors, bulk-loaded by SQL
//! (not through sign-up) with bases drawn from the eastern states' postcodes (NSW, ACT, VIC, QLD;
//! so as dense as the postcodes are: a city has more), 50 km radius, all taking water damage.
//! The server places them on the map and reads them into its routing network at start-up. Leads
//! then arrive one after another
//! at postcodes drawn the same way, and for each the benchmark times `createLead` as the partner's
//! client sees it and the first `OFFERED` frame on a contractor's socket (receipt minus the lead's
//! `createdAt`). Three subscribed contractors list every lead postcode and score highest, so they
//! get the offers and their frames can be timed; everyone in reach is still read and ranked.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::json;

use crate::client::{Api, Socket, percentile};
use crate::server::{self, Server, psql};

/// The eastern states' postcodes with a known centre, in one SQL array.
const EASTERN: &str =
    "(SELECT array_agg(postcode ORDER BY postcode) FROM postcode_centroids WHERE state IN ('NSW','ACT','VIC','QLD'))";

/// `n` active contractors, each at a random eastern postcode (a fixed seed: every run the same).
fn contractors_sql(n: usize) -> String {
    format!(
        "SELECT setseed(0.13); \
         WITH p AS (SELECT {EASTERN} AS pcs) \
         INSERT INTO contractors (id, company_name, abn, contact_name, email, phone, base_postcode, \
           service_radius_km, max_active_jobs, stripe_payouts_enabled, stripe_details_submitted, status, \
           performance_score, rating_count, active_jobs, offers_decided, offers_accepted, responses, \
           response_secs_total, created_at, updated_at, verified_at, score_computed_at) \
         SELECT gen_random_uuid(), 'Network Contractor ' || g, (90000000000 + g)::text, 'Network', \
           'network' || g || '@contractor.example', '+61400000000', \
           p.pcs[1 + floor(random() * array_length(p.pcs, 1))::int], 50, 1000, false, false, 'ACTIVE', \
           0.5, 0, 0, 0, 0, 0, 0, now(), now(), now(), now() \
         FROM generate_series(1, {n}) g, p; \
         INSERT INTO contractor_specialties (contractor_id, damage_type) \
         SELECT id, 'WATER' FROM contractors WHERE company_name LIKE 'Network Contractor %'; \
         ANALYZE"
    )
}

struct Figures {
    warm_up: Vec<f64>,
    answered: Vec<f64>,
    offered: Vec<f64>,
    in_reach: Vec<f64>,
}

pub async fn run(
    base_env: &[(String, String)],
    pg: &str,
    postcodes: &str,
    sizes: &[usize],
    leads: usize,
) -> anyhow::Result<()> {
    for &n in sizes {
        let db = server::fresh_database(pg).await?;
        let mut env = base_env.to_vec();
        env.retain(|(k, _)| k != "DATABASE_URL");
        env.push(("DATABASE_URL".into(), db.clone()));
        server::cli(&env, &["import-postcodes", postcodes]).await.context("importing postcodes")?;
        server::cli(
            &env,
            &["create-user", "--role", "admin", "--email", "bench@nrp.example", "--password", "bench-admin-password"],
        )
        .await?;
        let started = Instant::now();
        psql(&db, &contractors_sql(n)).await.context("loading contractors")?;
        let loaded = started.elapsed();
        let started = Instant::now();
        let server = Server::start_within(&env, Duration::from_secs(600)).await?;
        let placed = started.elapsed();
        let result = measure(&server, &db, leads).await;
        let rss = server.rss_bytes().unwrap_or(0);
        drop(server);
        server::drop_database(pg, &db).await?;
        let f = result?;
        println!(
            "{n} contractors (loaded in {:.1} s; the server placed them and was ready in {:.1} s):",
            loaded.as_secs_f64(),
            placed.as_secs_f64()
        );
        line("  createLead answered while warming up", &f.warm_up);
        line("  createLead answered", &f.answered);
        line("  lead committed -> first OFFERED frame", &f.offered);
        println!(
            "  contractors within their radius of a lead (all ranked or counted): mean {:.0}, max {:.0}; server RSS after {leads} leads: {:.1} MB",
            f.in_reach.iter().sum::<f64>() / f.in_reach.len().max(1) as f64,
            f.in_reach.iter().cloned().fold(0.0, f64::max),
            rss as f64 / 1e6
        );
    }
    Ok(())
}

fn line(title: &str, s: &[f64]) {
    println!(
        "{title}: n = {}, p50 = {:.2} ms, p99 = {:.2} ms, max = {:.2} ms",
        s.len(),
        percentile(s, 50.0),
        percentile(s, 99.0),
        s.iter().cloned().fold(0.0, f64::max)
    );
}

async fn measure(server: &Server, db: &str, leads: usize) -> anyhow::Result<Figures> {
    let api = Api::new(&server.base());
    let admin = api.login("bench@nrp.example", "bench-admin-password").await?;
    let key = api.insurer_key(&admin).await?;
    // Where the leads come from: 200 eastern postcodes (fixed), listed by the three subscribed
    // contractors, who score highest.
    let places = psql(
        db,
        "SELECT setseed(0.29); SELECT string_agg(c.postcode || ',' || c.state || ',' || coalesce(l.suburb, 'Town'), ';') \
         FROM (SELECT postcode, state FROM postcode_centroids WHERE state IN ('NSW','ACT','VIC','QLD') ORDER BY random() LIMIT 200) c \
         LEFT JOIN LATERAL (SELECT suburb FROM postcode_localities pl WHERE pl.postcode = c.postcode LIMIT 1) l ON true",
    )
    .await?;
    let places: Vec<(String, String, String)> = places
        .lines()
        .last()
        .unwrap_or_default()
        .split(';')
        .filter_map(|p| {
            let mut it = p.splitn(3, ',');
            Some((it.next()?.to_string(), it.next()?.to_string(), it.next()?.to_string()))
        })
        .collect();
    let listed: Vec<&str> = places.iter().map(|p| p.0.as_str()).collect();
    let mut sockets = Vec::new();
    for i in 0..3 {
        let (id, token) = api.contractor(db, &admin, "2000", 900_000 + i, &["WATER"]).await?;
        api.data(
            Some(&token),
            "mutation($id:ID!,$p:[String!]){ updateContractor(id:$id, input:{servicePostcodes:$p}){ id } }",
            json!({"id": id, "p": listed}),
        )
        .await?;
        psql(
            db,
            &format!("UPDATE contractors SET performance_score = 0.99, score_computed_at = now() WHERE id = '{id}'"),
        )
        .await?;
        let mut s = Socket::connect(&server.ws_url(), &token).await?;
        s.subscribe("offers", "subscription { leadOffers { kind offer { lead { id } } } }").await?;
        sockets.push(s);
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(String, chrono::DateTime<chrono::Utc>)>();
    let mut tasks = Vec::new();
    for mut socket in sockets {
        let tx = tx.clone();
        tasks.push(tokio::spawn(async move {
            while let Some(v) = socket.next_json().await {
                if v["type"] == "next" && v["payload"]["data"]["leadOffers"]["kind"] == "OFFERED" {
                    let lead = v["payload"]["data"]["leadOffers"]["offer"]["lead"]["id"].as_str().unwrap_or_default();
                    let _ = tx.send((lead.to_string(), chrono::Utc::now()));
                }
            }
        }));
    }
    let mut f = Figures { answered: Vec::new(), offered: Vec::new(), in_reach: Vec::new(), warm_up: Vec::new() };
    // Warm-up: 20 leads, and at least until the start-up placement's stamps have settled into
    // the server's routing network (until then every run also reads those rows from the
    // database; that cost is measured apart, as `warm_up`).
    let settled_after = Instant::now() + Duration::from_secs(6);
    let mut warm = 0usize;
    let mut i = 0usize;
    while f.answered.len() < leads {
        let (postcode, state, suburb) = &places[i % places.len()];
        let phone = format!("04{:08}", uuid::Uuid::new_v4().as_u128() % 100_000_000);
        let input = json!({
            "customer": {"name": "Network Customer", "phone": phone},
            "property": {"address": "1 Test St", "suburb": suburb, "state": state, "postcode": postcode},
            "damageType": "WATER", "urgency": "HIGH", "estimatedValueCents": 500000, "description": "benchmark lead"
        });
        let started = Instant::now();
        let d = api
            .data(
                Some(&key),
                "mutation($i:CreateLeadInput!){ createLead(input:$i){ id createdAt } }",
                json!({"i": input}),
            )
            .await?;
        let answered = started.elapsed().as_secs_f64() * 1000.0;
        let id = d["createLead"]["id"].as_str().context("lead id")?.to_string();
        let at = chrono::DateTime::parse_from_rfc3339(d["createLead"]["createdAt"].as_str().context("createdAt")?)?
            .with_timezone(&chrono::Utc);
        // The first frame of this lead (the three contractors each get one).
        let first = loop {
            match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
                Ok(Some((lead, when))) if lead == id => break when,
                Ok(Some(_)) => continue,
                _ => bail!("no OFFERED frame for lead {id}"),
            }
        };
        while rx.try_recv().is_ok() {}
        i += 1;
        if warm < 20 || Instant::now() < settled_after {
            warm += 1;
            f.warm_up.push(answered);
        } else {
            f.answered.push(answered);
            f.offered.push((first - at).num_microseconds().unwrap_or(0) as f64 / 1000.0);
            if f.answered.len().is_multiple_of(10) {
                // How many cover it (each is ranked, or excluded and counted, by the run).
                let read = psql(
                    db,
                    &format!(
                        "SELECT count(*) FROM contractors c, postcode_centroids p WHERE p.postcode = '{postcode}' \
                         AND 2 * 6371.0088 * asin(sqrt(power(sin(radians(c.base_latitude - p.latitude) / 2), 2) \
                           + cos(radians(p.latitude)) * cos(radians(c.base_latitude)) \
                             * power(sin(radians(c.base_longitude - p.longitude) / 2), 2))) <= c.service_radius_km"
                    ),
                )
                .await?;
                f.in_reach.push(read.parse().unwrap_or(0.0));
            }
        }
    }
    for t in tasks {
        t.abort();
    }
    Ok(f)
}
