//! Runs release `nrp-server` processes for the benchmark.

use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::process::{Child, Command};

/// The `nrp-server` built next to this benchmark binary.
fn binary() -> anyhow::Result<std::path::PathBuf> {
    let exe = std::env::current_exe()?;
    let path = exe.with_file_name("nrp-server");
    if !path.is_file() {
        bail!("{} not found: build it with `cargo build --release -p nrp-server`", path.display());
    }
    Ok(path)
}

/// Runs a server subcommand to completion.
pub async fn cli(env: &[(String, String)], args: &[&str]) -> anyhow::Result<()> {
    let status = Command::new(binary()?).args(args).envs(env.iter().cloned()).stdout(Stdio::null()).status().await?;
    if !status.success() {
        bail!("nrp-server {args:?} failed");
    }
    Ok(())
}

/// A new VAPID key pair from `nrp-server generate-vapid-key`: (private, public).
pub async fn vapid_key(env: &[(String, String)]) -> anyhow::Result<(String, String)> {
    let out = Command::new(binary()?).arg("generate-vapid-key").envs(env.iter().cloned()).output().await?;
    let text = String::from_utf8(out.stdout)?;
    let private = text.lines().find_map(|l| l.strip_prefix("VAPID_PRIVATE_KEY=")).context("a private key")?;
    let public = text.lines().find_map(|l| l.rsplit_once(": ").map(|(_, k)| k)).context("a public key")?;
    Ok((private.trim().to_string(), public.trim().to_string()))
}

/// Runs SQL against `db` with psql; returns what it printed (unaligned, tuples only).
pub async fn psql(db: &str, sql: &str) -> anyhow::Result<String> {
    let out = Command::new("psql").arg(db).args(["-v", "ON_ERROR_STOP=1", "-qAtc", sql]).output().await?;
    if !out.status.success() {
        bail!("psql failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// A PostgreSQL database made for this run.
pub async fn fresh_database(pg: &str) -> anyhow::Result<String> {
    let name = format!("nrp_bench_{}", uuid::Uuid::new_v4().simple());
    let status = Command::new("psql")
        .arg(format!("{pg}/postgres"))
        .args(["-qc", &format!("CREATE DATABASE {name}")])
        .status()
        .await?;
    if !status.success() {
        bail!("could not create the benchmark database (is PostgreSQL up? scripts/services.sh)");
    }
    Ok(format!("{pg}/{name}"))
}

pub async fn drop_database(pg: &str, url: &str) -> anyhow::Result<()> {
    let name = url.rsplit('/').next().unwrap_or_default();
    Command::new("psql")
        .arg(format!("{pg}/postgres"))
        .args(["-qc", &format!("DROP DATABASE IF EXISTS {name}")])
        .status()
        .await?;
    Ok(())
}

pub struct Server {
    child: Child,
    port: u16,
}

impl Server {
    /// Starts `nrp-server serve` on a free port and waits until it is ready.
    pub async fn start(env: &[(String, String)]) -> anyhow::Result<Server> {
        Self::start_within(env, Duration::from_secs(15)).await
    }

    /// As [`Server::start`], waiting up to `limit` (start-up work on a large database).
    pub async fn start_within(env: &[(String, String)], limit: Duration) -> anyhow::Result<Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new(binary()?)
            .arg("serve")
            .envs(env.iter().cloned())
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("WEB_DIST_DIR", "/nonexistent")
            .stdout(match std::env::var("NRP_BENCH_SERVER_LOG") {
                // Where a server's log goes when asked (with RUST_LOG set in the benchmark's own
                // environment, which the server inherits), for finding where time goes.
                Ok(path) => std::fs::OpenOptions::new().create(true).append(true).open(path)?.into(),
                Err(_) => Stdio::null(),
            })
            .kill_on_drop(true)
            .spawn()
            .context("starting nrp-server")?;
        let server = Server { child, port };
        let http = reqwest::Client::new();
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if let Ok(r) = http.get(format!("{}/readyz", server.base())).send().await
                && r.status().is_success()
            {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("nrp-server did not become ready")
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}/graphql/ws", self.port)
    }

    /// Resident set size of the server process, from /proc.
    pub fn rss_bytes(&self) -> anyhow::Result<u64> {
        let pid = self.child.id().context("server exited")?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .context("VmRSS")?;
        Ok(kb * 1024)
    }
}
