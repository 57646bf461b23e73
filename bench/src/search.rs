//! The search benchmark (issue 12): `--search-only --search-leads 100000`. Leads are written
//! straight into PostgreSQL in one statement (routing is not what is measured), the index is
//! built by the server's own `reindex-search`, and then `search` is timed through the API, one
//! request at a time, for each way people look a customer up.

use std::time::Instant;

use anyhow::{Context, bail};
use serde_json::json;

use crate::client::Api;
use crate::report;
use crate::server::{self, psql};

const FIRST: [&str; 20] = [
    "Olivia",
    "Jack",
    "Charlotte",
    "William",
    "Amelia",
    "Noah",
    "Isla",
    "Oliver",
    "Mia",
    "Leo",
    "Ava",
    "Henry",
    "Grace",
    "Lucas",
    "Chloe",
    "Thomas",
    "Zoe",
    "James",
    "Ruby",
    "Ethan",
];
const LAST: [&str; 50] = [
    "Smith",
    "Jones",
    "Williams",
    "Brown",
    "Wilson",
    "Taylor",
    "Nguyen",
    "Johnson",
    "Martin",
    "White",
    "Anderson",
    "Walker",
    "Thompson",
    "Thomas",
    "Lee",
    "Ryan",
    "Harris",
    "King",
    "Robinson",
    "Kelly",
    "Campbell",
    "Clarke",
    "Young",
    "Mitchell",
    "Hall",
    "Wright",
    "Tran",
    "Scott",
    "Green",
    "Evans",
    "Baker",
    "Turner",
    "Murphy",
    "Hill",
    "Cooper",
    "Edwards",
    "Collins",
    "Stewart",
    "Morris",
    "Wood",
    "Russell",
    "Chen",
    "Davies",
    "Morgan",
    "Watson",
    "Oyelaran",
    "Papadopoulos",
    "Kowalski",
    "Singh",
    "Rossi",
];
const STREETS: [&str; 30] = [
    "George St",
    "Wattle Grove",
    "Banksia Ave",
    "Church St",
    "High St",
    "Victoria Rd",
    "Park Pde",
    "Station St",
    "Main Rd",
    "King St",
    "Queen St",
    "Railway Pde",
    "Ocean Dr",
    "Hill St",
    "Bay Rd",
    "River Tce",
    "Gum Tree Ct",
    "Acacia Way",
    "Elizabeth St",
    "Pitt St",
    "Collins St",
    "Flinders La",
    "Anzac Pde",
    "Beach Rd",
    "Forest Rd",
    "Lake View Dr",
    "Mountain Hwy",
    "Bridge St",
    "Mill Lane",
    "Jacaranda Cl",
];
const PLACES: [(&str, &str, &str); 20] = [
    ("Parramatta", "NSW", "2150"),
    ("Sydney", "NSW", "2000"),
    ("Blacktown", "NSW", "2148"),
    ("Penrith", "NSW", "2750"),
    ("Newcastle", "NSW", "2300"),
    ("Wollongong", "NSW", "2500"),
    ("Melbourne", "VIC", "3000"),
    ("Geelong", "VIC", "3220"),
    ("Ballarat", "VIC", "3350"),
    ("Brisbane City", "QLD", "4000"),
    ("Townsville", "QLD", "4810"),
    ("Cairns", "QLD", "4870"),
    ("Adelaide", "SA", "5000"),
    ("Perth", "WA", "6000"),
    ("Fremantle", "WA", "6160"),
    ("Hobart", "TAS", "7000"),
    ("Launceston", "TAS", "7250"),
    ("Darwin", "NT", "0800"),
    ("Canberra", "ACT", "2600"),
    ("Lismore", "NSW", "2480"),
];

fn sql_array(items: impl IntoIterator<Item = String>) -> String {
    let quoted: Vec<String> = items.into_iter().map(|s| format!("'{}'", s.replace('\'', "''"))).collect();
    format!("ARRAY[{}]", quoted.join(","))
}

/// The lead `i` as the generator made it: (name, national phone, street address, place, claim).
struct Row {
    name: String,
    phone: String,
    address: String,
    place: (&'static str, &'static str, &'static str),
    claim: Option<String>,
    email: String,
}

fn row(i: u64) -> Row {
    let first = FIRST[(i % 20) as usize];
    let last = LAST[((i / 20) % 50) as usize];
    Row {
        name: format!("{first} {last}"),
        phone: format!("04{:08}", 10_000_000 + i),
        address: format!("{} {}", 1 + i % 200, STREETS[((i / 7) % 30) as usize]),
        place: PLACES[((i / 3) % 20) as usize],
        claim: (i % 5 < 2).then(|| format!("BM-{}", 100_000 + i)),
        email: format!("customer{i}@mail.example"),
    }
}

/// The generator's SQL: the same rows `row` describes.
fn insert_sql(n: u64, partner: &str) -> String {
    let first = sql_array(FIRST.iter().map(|s| s.to_string()));
    let last = sql_array(LAST.iter().map(|s| s.to_string()));
    let streets = sql_array(STREETS.iter().map(|s| s.to_string()));
    let suburbs = sql_array(PLACES.iter().map(|p| p.0.to_string()));
    let states = sql_array(PLACES.iter().map(|p| p.1.to_string()));
    let postcodes = sql_array(PLACES.iter().map(|p| p.2.to_string()));
    let damage = sql_array(["WATER", "FIRE", "MOULD", "STORM"].map(String::from));
    format!(
        "INSERT INTO leads (id, status, customer_name, customer_phone, customer_email, address, suburb, state, postcode, \
         damage_type, urgency, source, source_partner_id, insurer_id, claim_number, description, version, created_at, updated_at) \
         SELECT gen_random_uuid(), 'COMPLETED', \
           ({first})[1 + i % 20] || ' ' || ({last})[1 + (i / 20) % 50], \
           '+614' || lpad((10000000 + i)::text, 8, '0'), \
           'customer' || i || '@mail.example', \
           (1 + i % 200) || ' ' || ({streets})[1 + (i / 7) % 30], \
           ({suburbs})[1 + (i / 3) % 20], ({states})[1 + (i / 3) % 20], ({postcodes})[1 + (i / 3) % 20], \
           ({damage})[1 + i % 4], 'MEDIUM', 'PARTNER', '{partner}'::uuid, '{partner}'::uuid, \
           CASE WHEN i % 5 < 2 THEN 'BM-' || (100000 + i) END, \
           'Benchmark lead', 0, now() - make_interval(mins => i::int), now() - make_interval(mins => i::int) \
         FROM generate_series(1, {n}) AS i"
    )
}

/// Loads `n` leads for the insurer behind `key`, indexes them, and times searches.
pub async fn run(env: &[(String, String)], db: &str, api: &Api, admin: &str, key: &str, n: u64) -> anyhow::Result<()> {
    let me = api.data(Some(key), "{ partner { id } }", json!({})).await?;
    let partner = me["partner"]["id"].as_str().context("the insurer's id")?.to_string();
    let started = Instant::now();
    psql(db, &insert_sql(n, &partner)).await.context("loading leads")?;
    println!("loaded {n} leads in {:.1} s", started.elapsed().as_secs_f64());
    let started = Instant::now();
    server::cli(env, &["reindex-search"]).await.context("indexing")?;
    println!("reindex-search over {n} leads: {:.1} s", started.elapsed().as_secs_f64());
    psql(db, "ANALYZE").await?;

    // Which lead each sample looks up: spread over the whole range, the same every run.
    let pick = |k: u64| 1 + (k * 7919 + 13) % n;
    let query =
        "query($q:String!){ search(query:$q, first:20){ nodes { __typename ... on Lead { id customer { name } } } } }";
    type Make = fn(&Row) -> String;
    let classes: [(&str, Make); 10] = [
        ("phone as 0412 345 678", |r| format!("{} {} {}", &r.phone[..4], &r.phone[4..7], &r.phone[7..])),
        ("phone as +61 4…", |r| format!("+61 {} {} {}", &r.phone[1..4], &r.phone[4..7], &r.phone[7..])),
        ("last six digits of the phone", |r| r.phone[4..].to_string()),
        ("full name", |r| r.name.clone()),
        ("surname alone (2,000 matches)", |r| r.name.split(' ').nth(1).unwrap_or_default().to_string()),
        ("street address", |r| r.address.clone()),
        ("suburb (5,000 matches)", |r| r.place.0.to_string()),
        ("postcode", |r| r.place.2.to_string()),
        ("claim number", |r| r.claim.clone().unwrap_or_default()),
        ("email", |r| r.email.clone()),
    ];
    let samples = 200u64;
    let mut all = Vec::new();
    let mut k = 0u64;
    // Warm the connection pool and caches once.
    for _ in 0..20 {
        api.data(Some(admin), query, json!({"q": "smith"})).await?;
    }
    for (title, make) in classes {
        let mut times = Vec::new();
        for _ in 0..samples {
            k += 1;
            let mut i = pick(k);
            if title.starts_with("claim") {
                i = (i - i % 5 + 1).min(n); // the generator gives a claim number to i % 5 < 2
            }
            let r = row(i);
            let q = make(&r);
            let t = Instant::now();
            let d = api.data(Some(admin), query, json!({"q": q})).await?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            if d["search"]["nodes"].as_array().is_none_or(Vec::is_empty) {
                bail!("{title}: {q:?} found nothing");
            }
        }
        report(&format!("search, admin, {title}"), &times);
        all.extend(times);
    }
    // The insurer's own view: the same surname search, scoped to its leads.
    let mut times = Vec::new();
    for _ in 0..samples {
        k += 1;
        let r = row(pick(k));
        let t = Instant::now();
        api.data(Some(key), query, json!({"q": r.name})).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    report("search, insurer API key, full name", &times);
    all.extend(times);
    report(&format!("search, every query above ({n} leads)"), &all);
    Ok(())
}
