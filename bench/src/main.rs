//! `nrp-bench`: starts release `nrp-server` processes against PostgreSQL (and Redis for two
//! instances), loads real data, and prints the issue-3 figures:
//! - lead committed → `OFFERED` frame received (p50/p95/p99), one instance and two via Redis;
//! - accept latency under contention (p50/p99) and the exactly-once count;
//! - server memory per idle authenticated subscription;
//! - lead committed → Web Push request at the push service (issue 10), one instance and two;
//! - `search` latency over 100,000 leads (issue 12, `--search-only`);
//! - routing at national scale: `createLead` and the first `OFFERED` frame with 1,000 to 100,000
//!   contractors in the network (issue 13, `--network-only`).
//!
//! Run it with `scripts/bench.sh` (builds in release, raises the file-descriptor limit).

mod client;
mod network;
mod push;
mod search;
mod server;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;

use client::{Api, Socket, percentile};
use server::Server;

#[derive(Parser, Debug)]
struct Args {
    /// Leads per latency run.
    #[arg(long, default_value_t = 1000)]
    leads: usize,
    /// Leads in the accept-contention run.
    #[arg(long, default_value_t = 300)]
    accept_leads: usize,
    /// Idle subscriptions in the memory run.
    #[arg(long, default_value_t = 10_000)]
    subscribers: usize,
    /// Contractors in the network.
    #[arg(long, default_value_t = 60)]
    contractors: usize,
    /// PostgreSQL server URL, without a database.
    #[arg(long, default_value = "postgres://postgres:postgres@127.0.0.1:5432")]
    pg: String,
    #[arg(long, default_value = "redis://127.0.0.1:6379")]
    redis: String,
    /// Only the memory run (for quick iterations on per-connection cost).
    #[arg(long)]
    memory_only: bool,
    /// Only the sign-up load run (accept latency alone, then beside parallel sign-ups).
    #[arg(long)]
    signup_only: bool,
    /// Only the Web Push run (three devices per contractor).
    #[arg(long)]
    push_only: bool,
    /// Only the search run (issue 12): bulk-loaded leads, `search` timed through the API.
    #[arg(long)]
    search_only: bool,
    /// Only the national-scale routing run (issue 13): bulk-loaded networks of these sizes.
    #[arg(long)]
    network_only: bool,
    #[arg(long, value_delimiter = ',', default_value = "1000,10000,100000")]
    network_sizes: Vec<usize>,
    /// Leads per network size.
    #[arg(long, default_value_t = 500)]
    network_leads: usize,
    /// Leads in the search run.
    #[arg(long, default_value_t = 100_000)]
    search_leads: u64,
    /// Sign-ups in flight at once during the sign-up load run.
    #[arg(long, default_value_t = 50)]
    signups: usize,
    /// The reference postcode file.
    #[arg(long, default_value = "../shared/data/au-postcodes.csv")]
    postcodes: String,
}

/// Sydney-region postcodes the contractors are based in (all in the reference file).
const BASES: [&str; 6] = ["2000", "2150", "2170", "2200", "2067", "2035"];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let db = server::fresh_database(&args.pg).await?;
    let prefix = format!("bench-{}", uuid::Uuid::new_v4().simple());
    let env = vec![
        ("DATABASE_URL".to_string(), db.clone()),
        ("REDIS_URL".to_string(), args.redis.clone()),
        ("REDIS_KEY_PREFIX".to_string(), prefix),
        ("JWT_SECRET".to_string(), "bench-secret-bench-secret-bench-secret-0123".to_string()),
        ("LOGIN_LIMIT_PER_IP".to_string(), "1000000".to_string()),
        // One load generator on one address, far past any one client's budget.
        ("RATE_LIMIT_ADDRESS_PER_MIN".to_string(), "100000000".to_string()),
        ("RATE_LIMIT_ANONYMOUS_PER_MIN".to_string(), "100000000".to_string()),
        ("RATE_LIMIT_USER_PER_MIN".to_string(), "100000000".to_string()),
        ("RATE_LIMIT_KEY_PER_MIN".to_string(), "100000000".to_string()),
        ("REGISTER_LIMIT_PER_ADDRESS".to_string(), "100000000".to_string()),
        // The benchmark's contractors each take many leads.
        ("CONTRACTOR_MAX_ACTIVE_JOBS".to_string(), "1000".to_string()),
        ("LOG_FORMAT".to_string(), "json".to_string()),
        ("RUST_LOG".to_string(), std::env::var("NRP_BENCH_RUST_LOG").unwrap_or_else(|_| "warn".into())),
        ("DATABASE_MAX_CONNECTIONS".to_string(), "16".to_string()),
    ];
    if args.network_only {
        server::drop_database(&args.pg, &db).await?;
        return network::run(&env, &args.pg, &args.postcodes, &args.network_sizes, args.network_leads).await;
    }
    server::cli(&env, &["import-postcodes", &args.postcodes]).await.context("importing postcodes")?;
    server::cli(
        &env,
        &["create-user", "--role", "admin", "--email", "bench@nrp.example", "--password", "bench-admin-password"],
    )
    .await?;

    let mut env = env;
    let push_rx = if args.push_only {
        let (base, rx) = push::push_service().await?;
        let (private, public) = server::vapid_key(&env).await?;
        env.push(("VAPID_PRIVATE_KEY".into(), private));
        Some((base, public, rx))
    } else {
        None
    };
    let a = Server::start(&env).await?;
    let api = Api::new(&a.base());
    let admin = api.login("bench@nrp.example", "bench-admin-password").await?;
    let key = api.insurer_key(&admin).await?;
    if args.search_only {
        search::run(&env, &db, &api, &admin, &key, args.search_leads).await?;
        drop(a);
        server::drop_database(&args.pg, &db).await?;
        return Ok(());
    }
    let mut tokens = Vec::new();
    for i in 0..args.contractors {
        let (id, token) = api.contractor(&db, &admin, BASES[i % BASES.len()], i, &["WATER"]).await?;
        tokens.push((id, token));
    }
    println!(
        "setup: {} contractors, postcodes imported, database {}",
        tokens.len(),
        db.rsplit('/').next().unwrap_or("")
    );

    if let Some((base, public, mut rx)) = push_rx {
        push::register_devices(&api, &tokens, &base, &public).await?;
        let (one, missing) = push::push_latency(&api, &key, args.leads, &mut rx).await?;
        report("lead committed -> push received, one instance (3 devices x 3 offers)", &one);
        println!("pushes missing: {missing}");
        let b = Server::start(&env).await?;
        let api_b = Api::new(&b.base());
        let (two, missing) = push::push_latency(&api_b, &key, args.leads, &mut rx).await?;
        report("lead committed -> push received, two instances (leads through the second)", &two);
        println!("pushes missing: {missing}");
        drop(b);
        drop(a);
        server::drop_database(&args.pg, &db).await?;
        return Ok(());
    }
    if args.signup_only {
        signup_load(&args, &api, &admin, &key, &tokens).await?;
        drop(a);
        server::drop_database(&args.pg, &db).await?;
        return Ok(());
    }
    if !args.memory_only {
        latency_and_accepts(&args, &env, &a, &api, &admin, &key, &tokens).await?;
        signup_load(&args, &api, &admin, &key, &tokens).await?;
    }

    // 4. Memory per idle authenticated subscription (instance A alone), with contractors that
    //    have no open offers, so each socket holds only its subscription.
    let mut idle = Vec::new();
    for i in 0..20 {
        idle.push(api.contractor(&db, &admin, "4000", 10_000 + i, &["STORM"]).await?);
    }
    let per = idle_memory(&a, &idle, args.subscribers).await?;
    println!(
        "memory per idle authenticated subscription: {:.1} KB (from {} to {} sockets)",
        per / 1024.0,
        args.subscribers / 2,
        args.subscribers
    );
    drop(a);
    server::drop_database(&args.pg, &db).await?;
    Ok(())
}

async fn latency_and_accepts(
    args: &Args,
    env: &[(String, String)],
    a: &Server,
    api: &Api,
    admin: &str,
    key: &str,
    tokens: &[(String, String)],
) -> anyhow::Result<()> {
    // 1. One instance.
    let one = offer_latency(a, api, key, tokens, args.leads).await?;
    report("lead committed -> OFFERED frame, one instance", &one);

    // 2. Two instances through Redis: subscribers on A, leads created through B.
    let b = Server::start(env).await?;
    let api_b = Api::new(&b.base());
    let two = offer_latency(a, &api_b, key, tokens, args.leads).await?;
    report("lead committed -> OFFERED frame, two instances via Redis", &two);

    // 3. Accept latency with contention, both instances.
    let (lat, winners, leads) = accept_contention(&[api, &api_b], admin, key, tokens, args.accept_leads).await?;
    report("acceptOffer latency, 3 contractors racing per lead over 2 instances", &lat);
    println!("  exactly-once: {winners} winners for {leads} leads");
    drop(b);
    Ok(())
}

fn report(title: &str, samples_ms: &[f64]) {
    println!(
        "{title}: n = {}, p50 = {:.2} ms, p95 = {:.2} ms, p99 = {:.2} ms, max = {:.2} ms",
        samples_ms.len(),
        percentile(samples_ms, 50.0),
        percentile(samples_ms, 95.0),
        percentile(samples_ms, 99.0),
        samples_ms.iter().cloned().fold(0.0, f64::max)
    );
}

/// Subscribes every contractor on `subscribe_on`, creates leads one after another through
/// `create_api` (another instance's, for the cross-instance figure), and measures, per OFFERED frame, receipt time minus the lead's `createdAt`.
async fn offer_latency(
    subscribe_on: &Server,
    create_api: &Api,
    key: &str,
    tokens: &[(String, String)],
    leads: usize,
) -> anyhow::Result<Vec<f64>> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(String, chrono::DateTime<chrono::Utc>)>();
    let mut tasks = Vec::new();
    for (_, token) in tokens {
        let mut socket = Socket::connect(&subscribe_on.ws_url(), token).await?;
        socket.subscribe("offers", "subscription { leadOffers { kind offer { lead { id } } } }").await?;
        let tx = tx.clone();
        tasks.push(tokio::spawn(async move {
            while let Some(v) = socket.next_json().await {
                if v["type"] == "next" && v["payload"]["data"]["leadOffers"]["kind"] == "OFFERED" {
                    let lead = v["payload"]["data"]["leadOffers"]["offer"]["lead"]["id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    let _ = tx.send((lead, chrono::Utc::now()));
                }
            }
        }));
    }
    // Let the sockets deliver what was open from earlier runs before measuring.
    tokio::time::sleep(Duration::from_millis(500)).await;
    while rx.try_recv().is_ok() {}

    let mut created: HashMap<String, chrono::DateTime<chrono::Utc>> = HashMap::new();
    let mut samples = Vec::new();
    for _ in 0..leads {
        let (id, at) = create_api.create_lead(key).await?;
        created.insert(id, at);
        // Wait for this lead's frames (up to three) before the next, so runs do not overlap.
        let deadline = Instant::now() + Duration::from_secs(2);
        let mut got = 0;
        while got < 3 && Instant::now() < deadline {
            match tokio::time::timeout(Duration::from_millis(200), rx.recv()).await {
                Ok(Some((lead, when))) => {
                    if let Some(c) = created.get(&lead) {
                        samples.push((when - *c).num_microseconds().unwrap_or(0) as f64 / 1000.0);
                        got += 1;
                    }
                }
                _ => break,
            }
        }
    }
    for t in tasks {
        t.abort();
    }
    Ok(samples)
}

/// Creates leads, then for each lets its three offered contractors accept at the same moment,
/// alternating instances. Returns accept latencies, winners and leads.
async fn accept_contention(
    apis: &[&Api],
    admin: &str,
    key: &str,
    tokens: &[(String, String)],
    leads: usize,
) -> anyhow::Result<(Vec<f64>, usize, usize)> {
    let by_id: HashMap<&str, &str> = tokens.iter().map(|(i, t)| (i.as_str(), t.as_str())).collect();
    let mut latencies = Vec::new();
    let mut winners = 0;
    for n in 0..leads {
        let (lead, _) = apis[0].create_lead(key).await?;
        let offers = apis[0].open_offers(admin, &lead).await?;
        let barrier = Arc::new(tokio::sync::Barrier::new(offers.len()));
        let futures = offers.iter().enumerate().map(|(i, (offer, contractor))| {
            let api = apis[(n + i) % apis.len()];
            let token = by_id.get(contractor.as_str()).copied().unwrap_or_default();
            let barrier = barrier.clone();
            async move {
                barrier.wait().await;
                let started = Instant::now();
                let won = api.accept(token, offer).await;
                (started.elapsed().as_secs_f64() * 1000.0, won)
            }
        });
        for (ms, won) in futures_util::future::join_all(futures).await {
            latencies.push(ms);
            if won? {
                winners += 1;
            }
        }
    }
    Ok((latencies, winners, leads))
}

/// Accept latency alone, then with `--signups` anonymous sign-ups in flight the whole time (each
/// one an argon2 hash): hashing runs outside transactions and a bounded number at a time, so the
/// accepts should stay within a few times their unloaded latency.
async fn signup_load(
    args: &Args,
    api: &Api,
    admin: &str,
    key: &str,
    tokens: &[(String, String)],
) -> anyhow::Result<()> {
    let runs = args.accept_leads.min(150);
    let (quiet, _, _) = accept_contention(&[api], admin, key, tokens, runs).await?;
    report("acceptOffer latency, one instance, unloaded", &quiet);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let signup_ms = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut load = Vec::new();
    for worker in 0..args.signups {
        let (api, stop, signup_ms) = (api.clone(), stop.clone(), signup_ms.clone());
        load.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let started = Instant::now();
                if api.sign_up(200_000 + worker * 10_000 + n).await.is_ok() {
                    signup_ms.lock().map(|mut v| v.push(started.elapsed().as_secs_f64() * 1000.0)).ok();
                }
                n += 1;
            }
        }));
    }
    // Let the sign-ups reach full flight before measuring.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (loaded, _, _) = accept_contention(&[api], admin, key, tokens, runs).await?;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in load {
        let _ = t.await;
    }
    report(&format!("acceptOffer latency, one instance, {} sign-ups in flight", args.signups), &loaded);
    let signups = signup_ms.lock().map(|v| v.clone()).unwrap_or_default();
    report("  registerContractor latency meanwhile", &signups);
    println!(
        "  accept p99 under sign-up load / unloaded: {:.1}x",
        percentile(&loaded, 99.0) / percentile(&quiet, 99.0).max(0.001)
    );
    Ok(())
}

/// Opens `n` authenticated sockets subscribed to `leadOffers` and reports the server's RSS growth
/// per socket over the second half: the first sockets may reuse memory the allocator still holds
/// from the setup's sign-ups (its RSS before them varies by tens of MB from run to run), so the
/// growth from `n / 2` to `n` sockets is the cost of one more. The growth over all `n` is printed
/// too.
async fn idle_memory(server: &Server, tokens: &[(String, String)], n: usize) -> anyhow::Result<f64> {
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = server.rss_bytes()?;
    let mut sockets = Vec::with_capacity(n);
    let mut half = before;
    for i in 0..n {
        if i == n / 2 {
            tokio::time::sleep(Duration::from_secs(2)).await;
            half = server.rss_bytes()?;
        }
        let (_, token) = &tokens[i % tokens.len()];
        let mut s = Socket::connect(&server.ws_url(), token).await.with_context(|| format!("socket {i}"))?;
        s.subscribe("offers", "subscription { leadOffers { kind offer { id } } }").await?;
        sockets.push(s);
    }
    // Every socket has been acknowledged; give the server a moment to finish the subscriptions.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = server.rss_bytes()?;
    println!(
        "  server RSS {:.1} MB with no sockets, {:.1} MB with {}, {:.1} MB with {n} ({:.1} KB per socket over all {n})",
        before as f64 / 1e6,
        half as f64 / 1e6,
        n / 2,
        after as f64 / 1e6,
        after.saturating_sub(before) as f64 / n as f64 / 1024.0
    );
    drop(sockets);
    Ok(after.saturating_sub(half) as f64 / (n - n / 2) as f64)
}
