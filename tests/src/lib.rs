#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `TestApp`: starts the real server (`Application::build`) on port 0 against a fresh SQLite file
//! or a fresh PostgreSQL database, and talks to it over HTTP like any client.
//!
//! PostgreSQL and Redis are expected on 127.0.0.1 (`scripts/services.sh` starts them); override with
//! `NRP_TEST_PG_URL` (server URL without a database) and `NRP_TEST_REDIS_URL`.

pub mod browser;
pub mod leads;
pub mod notify;
pub mod proxy;
pub mod push;
pub mod receiver;
pub mod stripe;
pub mod ws;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use nrp_server::context::AppContext;
use nrp_server::{Application, Config};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// The JWT secret every test server shares, so two instances accept each other's tokens.
pub const TEST_JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

/// The webhook-secret sealing key every test server shares (`id:base64` of 32 bytes).
pub const TEST_SEALING_KEYS: &str = "t1:dGVzdC1zZWFsaW5nLWtleS10ZXN0LXNlYWxpbmctayE=";

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn pg_server_url() -> String {
    std::env::var("NRP_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432".into())
}

pub fn redis_url() -> String {
    std::env::var("NRP_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A database for one test: a temporary SQLite file, or a new PostgreSQL database.
pub struct TestDatabase {
    pub url: String,
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
    /// Where this database's attachment bytes go (shared by every instance on it).
    pub files: tempfile::TempDir,
    /// The PostgreSQL database to drop when the last user of it is gone.
    pg_name: Option<String>,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Synchronously: the test's runtime may be shutting down. FORCE ends the connections
        // the stopped servers' pools still hold.
        if let Some(name) = &self.pg_name {
            let _ = std::process::Command::new("psql")
                .arg(format!("{}/postgres", pg_server_url()))
                .args(["-qc", &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status();
        }
    }
}

impl TestDatabase {
    pub async fn create(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/nrp.db?mode=rwc", dir.path().display());
                TestDatabase {
                    url,
                    backend,
                    _dir: Some(dir),
                    files: tempfile::tempdir().expect("temp dir"),
                    pg_name: None,
                }
            }
            Backend::Postgres => {
                let name = format!("nrp_test_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(format!("{}/postgres", pg_server_url()))
                    .await
                    .expect("PostgreSQL must be running on 127.0.0.1:5432 (run scripts/services.sh)");
                admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
                admin.close().await.ok();
                TestDatabase {
                    url: format!("{}/{name}", pg_server_url()),
                    backend,
                    _dir: None,
                    files: tempfile::tempdir().expect("temp dir"),
                    pg_name: Some(name),
                }
            }
        }
    }
}

/// Settings for a test server beyond the defaults.
#[derive(Default, Clone)]
pub struct TestOptions {
    pub env: Vec<(String, String)>,
    /// Use the real Redis, with this key prefix (share it between instances of one test).
    pub redis_prefix: Option<String>,
}

impl TestOptions {
    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.into(), v.into()));
        self
    }
    pub fn with_redis(mut self, prefix: &str) -> Self {
        self.redis_prefix = Some(prefix.into());
        self
    }
}

/// A running server and an HTTP client for it.
pub struct TestApp {
    pub addr: SocketAddr,
    /// The `METRICS_BIND_ADDR` listener, when the test configured one.
    pub metrics_addr: Option<SocketAddr>,
    pub base: String,
    pub http: reqwest::Client,
    pub ctx: Arc<AppContext>,
    pub backend: Backend,
    pub db: Arc<TestDatabase>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestApp {
    /// A server with default test settings on a fresh database.
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, TestOptions::default()).await
    }

    pub async fn spawn_with(backend: Backend, opts: TestOptions) -> Self {
        let db = Arc::new(TestDatabase::create(backend).await);
        Self::spawn_on(db, opts).await
    }

    /// Another server on an existing database (two instances behind one load balancer).
    pub async fn spawn_on(db: Arc<TestDatabase>, opts: TestOptions) -> Self {
        let mut vars: HashMap<String, String> = HashMap::from([
            ("BIND_ADDR".into(), "127.0.0.1:0".into()),
            ("DATABASE_URL".into(), db.url.clone()),
            ("DATABASE_MAX_CONNECTIONS".into(), "8".into()),
            ("JWT_SECRET".into(), TEST_JWT_SECRET.into()),
            ("WEBHOOK_SECRET_KEYS".into(), TEST_SEALING_KEYS.into()),
            ("WEB_DIST_DIR".into(), "/nonexistent-web-dist".into()),
            ("ATTACHMENT_DIR".into(), db.files.path().display().to_string()),
            // Every test client is 127.0.0.1: address budgets would be shared by the whole suite.
            // The limits' own tests set them.
            ("LOGIN_LIMIT_PER_IP".into(), "100000".into()),
            ("RATE_LIMIT_ADDRESS_PER_MIN".into(), "10000000".into()),
            ("RATE_LIMIT_ANONYMOUS_PER_MIN".into(), "10000000".into()),
            ("RATE_LIMIT_USER_PER_MIN".into(), "10000000".into()),
            ("RATE_LIMIT_KEY_PER_MIN".into(), "10000000".into()),
            ("REGISTER_LIMIT_PER_ADDRESS".into(), "10000000".into()),
            // Test networks give one company far more work than the product's default ceiling
            // for self-declared capacity; the ceiling's own tests set it.
            ("CONTRACTOR_MAX_ACTIVE_JOBS".into(), "1000".into()),
            ("LOG_FORMAT".into(), "json".into()),
        ]);
        if let Some(prefix) = &opts.redis_prefix {
            vars.insert("REDIS_URL".into(), redis_url());
            vars.insert("REDIS_KEY_PREFIX".into(), prefix.clone());
        }
        for (k, v) in &opts.env {
            vars.insert(k.clone(), v.clone());
        }
        let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("test config");
        // `NRP_TEST_LOG=1 cargo test …` shows the servers' logs.
        if std::env::var_os("NRP_TEST_LOG").is_some() {
            nrp_server::telemetry::init(nrp_server::config::LogFormat::Pretty);
        }
        let app = Application::build(config).await.expect("server starts");
        let addr = app.local_addr();
        let metrics_addr = app.metrics_addr();
        let ctx = app.context();
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            app.run_until(async {
                let _ = rx.await;
            })
            .await
            .expect("server runs");
        });
        TestApp {
            addr,
            metrics_addr,
            base: format!("http://{addr}"),
            http: reqwest::Client::new(),
            ctx,
            backend: db.backend,
            db,
            stop: Some(tx),
            task: Some(task),
        }
    }

    /// Stops the server and waits until it has.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Sends one GraphQL operation; returns the whole response body.
    /// `GET path` with a bearer token; the body as text (a CSV report, say).
    pub async fn get_text(&self, token: &str, path: &str) -> String {
        let resp = self.http.get(format!("{}{path}", self.base)).bearer_auth(token).send().await.expect("request sent");
        resp.text().await.expect("a text body")
    }

    /// The id of the user a token belongs to.
    pub async fn user_id(&self, token: &str) -> String {
        self.ok(Some(token), "{ me { id } }", json!({})).await["me"]["id"].as_str().expect("user id").to_string()
    }

    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req =
            self.http.post(format!("{}/graphql", self.base)).json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request sent");
        assert!(resp.status().is_success(), "HTTP {}", resp.status());
        resp.json().await.expect("JSON body")
    }

    /// Like [`gql`](Self::gql) but panics on any error, returning `data`.
    pub async fn ok(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let body = self.gql(token, query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// Asks [`ok`](Self::ok) again until `pred` holds for its `data` (at most 10 s), for what the
    /// server writes after a test can see it happen and signals nowhere: a webhook delivery is
    /// marked delivered only once the receiver's answer is back at the server.
    pub async fn ok_until(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let data = self.ok(token, query, variables.clone()).await;
            if pred(&data) {
                return data;
            }
            assert!(tokio::time::Instant::now() < deadline, "not so within 10 s: {data:#}");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Logs in and returns the access token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let data = self
            .ok(
                None,
                "mutation($e:String!,$p:String!){ login(email:$e,password:$p){ ... on AuthPayload { accessToken } } }",
                json!({"e": email, "p": password}),
            )
            .await;
        data["login"]["accessToken"].as_str().expect("access token").to_string()
    }

    /// Creates an admin (through the same service the CLI uses) and logs in as it.
    pub async fn admin_token(&self) -> String {
        let email = format!("admin-{}@nrp.example", uuid::Uuid::new_v4().simple());
        create_admin(&self.ctx, &email, ADMIN_PASSWORD).await;
        self.login(&email, ADMIN_PASSWORD).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

pub const ADMIN_PASSWORD: &str = "admin-password-123";
pub const CONTRACTOR_PASSWORD: &str = "contractor-password-123";

pub async fn create_admin(ctx: &AppContext, email: &str, password: &str) {
    use nrp_server::auth::RequestMeta;
    use nrp_server::domain::{Email, Password};
    use nrp_server::services::users::{NewAccount, create};
    create(
        ctx,
        &RequestMeta::system(),
        NewAccount {
            email: Email::parse(email).expect("email"),
            password: Password::parse(password).expect("password"),
            role: entities::Role::Admin,
            contractor_id: None,
            partner_id: None,
        },
    )
    .await
    .expect("admin created");
}

/// An amount from the API: the `Money` scalar is AUD cents as a string of digits, never a number.
pub fn cents(v: &Value) -> i64 {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("not Money (a string of digits): {v}"))
}

/// The first error's `extensions.code`.
pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"].as_str().unwrap_or_else(|| panic!("no error code in {body:#}"))
}

/// The first error's `extensions.field`.
pub fn error_field(body: &Value) -> &str {
    body["errors"][0]["extensions"]["field"].as_str().unwrap_or_else(|| panic!("no error field in {body:#}"))
}

/// A valid ABN that no other test uses: the body is random, the first two digits fix the checksum.
pub fn unique_abn() -> String {
    const W: [u32; 11] = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19];
    loop {
        let n = uuid::Uuid::new_v4().as_u128();
        let body: String = format!("{:09}", n % 1_000_000_000);
        for p in 10..100u32 {
            let s = format!("{p}{body}");
            let sum: u32 = s
                .bytes()
                .enumerate()
                .map(|(i, b)| {
                    let d = u32::from(b - b'0');
                    (if i == 0 { d - 1 } else { d }) * W[i]
                })
                .sum();
            if sum.is_multiple_of(89) {
                return s;
            }
        }
    }
}

/// A registration input that passes every rule, with a unique email and ABN.
pub fn registration(tag: &str) -> Value {
    json!({
        "companyName": format!("{tag} Restorations Pty Ltd"),
        "abn": unique_abn(),
        "contactName": "Sam Citizen",
        "email": format!("{tag}-{}@contractor.example", uuid::Uuid::new_v4().simple()),
        "phone": "0412 345 678",
        "password": CONTRACTOR_PASSWORD,
        "basePostcode": "2000",
        "serviceRadiusKm": 40,
        "servicePostcodes": ["2010", "2017"],
        "specialties": ["WATER", "MOULD"],
        "maxActiveJobs": 4
    })
}

pub const REGISTER: &str =
    "mutation($input: RegisterContractorInput!){ registerContractor(input:$input){ email message } }";

/// The fields tests read of a contractor.
pub const CONTRACTOR_FIELDS: &str =
    "id status companyName abn phone email specialties servicePostcodes serviceRadiusKm maxActiveJobs";

/// Signs a company up through the public form and returns its id. The form's answer names no
/// company (it is the same for an address that already had a login), so the id is read from the
/// database, by the login's email.
pub async fn register_with(app: &TestApp, input: Value) -> String {
    let email = input["email"].as_str().unwrap_or_default().trim().to_lowercase();
    app.ok(None, REGISTER, json!({ "input": input })).await;
    nrp_server::store::users::find_by_email(&app.ctx.db, &email)
        .await
        .expect("users read")
        .and_then(|u| u.contractor_id)
        .map(|id| id.to_string())
        .expect("the sign-up made a contractor login")
}

/// A contractor as an admin reads it.
pub async fn contractor_view(app: &TestApp, admin: &str, id: &str) -> Value {
    let q = format!("query($id:ID!){{ contractor(id:$id){{ {CONTRACTOR_FIELDS} }} }}");
    app.ok(Some(admin), &q, json!({ "id": id })).await["contractor"].clone()
}

/// Registers a contractor; returns (contractor id, email).
pub async fn register_contractor(app: &TestApp, tag: &str) -> (String, String) {
    let input = registration(tag);
    let email = input["email"].as_str().unwrap_or_default().to_string();
    (register_with(app, input).await, email)
}

/// A private Redis a test can stop and start, so the shared one stays up for the other tests.
pub struct OwnRedis {
    pub child: std::process::Child,
    pub port: u16,
}

impl OwnRedis {
    /// Starts `redis-server` on `port` (a free one when `None`) and waits until it answers.
    pub async fn start(port: Option<u16>) -> Self {
        let port = port.unwrap_or_else(|| {
            std::net::TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port()
        });
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server is installed (scripts/services.sh)");
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        OwnRedis { child, port }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server and waits for it to be gone.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs a test body once on SQLite and once on PostgreSQL: `mod $name { on_sqlite, on_postgres }`.
#[macro_export]
macro_rules! on_both_databases {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                let app = $crate::TestApp::spawn($crate::Backend::Sqlite).await;
                ($body)(app).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                let app = $crate::TestApp::spawn($crate::Backend::Postgres).await;
                ($body)(app).await;
            }
        }
    };
}

/// Like [`on_both_databases!`], with settings for the servers.
#[macro_export]
macro_rules! on_both_databases_with {
    ($name:ident, $opts:expr, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                let app = $crate::TestApp::spawn_with($crate::Backend::Sqlite, $opts).await;
                ($body)(app).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                let app = $crate::TestApp::spawn_with($crate::Backend::Postgres, $opts).await;
                ($body)(app).await;
            }
        }
    };
}

/// The TOTP code Debian's `oathtool` (an RFC 6238 implementation independent of the server's)
/// gives for a base32 key, `steps` 30-second steps from now.
pub fn oath(secret: &str, steps: i64) -> String {
    let at = chrono::Utc::now().timestamp() + steps * 30;
    let out = std::process::Command::new("oathtool")
        .args(["--totp", "-b", "--now", &format!("@{at}"), secret])
        .output()
        .expect("oathtool runs (scripts/test-tools.sh installs it)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("digits").trim().to_string()
}

pub const UPLOAD: &str = "mutation($j: ID!, $f: Upload!){ uploadAttachment(jobId:$j, file:$f){ id kind filename contentType sizeBytes sha256 url } }";

/// Uploads a file to a job as a GraphQL multipart request and returns the whole answer.
pub async fn upload_file(app: &TestApp, token: &str, job: &str, filename: &str, bytes: Vec<u8>, mime: &str) -> Value {
    upload_as(app, token, UPLOAD, json!({"j": job}), filename, bytes, mime).await
}

/// A multipart upload of `query` whose `$f` is the file.
pub async fn upload_as(
    app: &TestApp,
    token: &str,
    query: &str,
    mut variables: Value,
    filename: &str,
    bytes: Vec<u8>,
    mime: &str,
) -> Value {
    variables["f"] = Value::Null;
    let operations = json!({"query": query, "variables": variables});
    let part =
        reqwest::multipart::Part::bytes(bytes).file_name(filename.to_string()).mime_str(mime).expect("a MIME type");
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({"0": ["variables.f"]}).to_string())
        .part("0", part);
    let resp =
        app.http.post(format!("{}/graphql", app.base)).bearer_auth(token).multipart(form).send().await.expect("upload");
    assert!(resp.status().is_success(), "HTTP {}", resp.status());
    resp.json().await.expect("a JSON answer")
}
