//! `Application::build(config)`: the one way the server is assembled, used by `main` and by every test.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, Request, header};
use axum::routing::get;
use migration::{Migrator, MigratorTrait};
use rand::RngCore;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use secrecy::{ExposeSecret, SecretString};
use tokio::net::TcpListener;
use tower_http::LatencyUnit;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::auth::{JwtKeys, Passwords, RateLimiter};
use crate::config::Config;
use crate::context::AppContext;
use crate::events::EventBus;
use crate::graphql::build_schema;
use crate::http::{self, graphql::HttpState, metrics::Metrics};

/// A server bound to its port, ready to run.
pub struct Application {
    listener: TcpListener,
    router: Router,
    /// `METRICS_BIND_ADDR`'s listener and its router (only `/metrics`), when configured.
    metrics: Option<(TcpListener, Router)>,
    ctx: Arc<AppContext>,
}

impl Application {
    /// Connects to the database (migrating it) and Redis, binds the port and assembles the routes.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let ctx = Arc::new(build_context(config).await?);
        // Routing ranks from memory: read the network before taking requests.
        ctx.network.refresh_now(&ctx.db).await.context("reading the routing network")?;
        tracing::info!(contractors = ctx.network.len(), "read the routing network");
        let listener = TcpListener::bind(ctx.config.bind_addr)
            .await
            .with_context(|| format!("binding {}", ctx.config.bind_addr))?;
        let (router, state) = router(Arc::clone(&ctx))?;
        let metrics = match ctx.config.metrics_bind_addr {
            None => None,
            Some(addr) => {
                let l = TcpListener::bind(addr).await.with_context(|| format!("binding METRICS_BIND_ADDR {addr}"))?;
                Some((l, Router::new().route("/metrics", get(http::metrics::open_metrics)).with_state(state)))
            }
        };
        Ok(Application { listener, router, metrics, ctx })
    }

    /// The bound address (the real port when configured with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or(self.ctx.config.bind_addr)
    }

    /// The metrics listener's address, when `METRICS_BIND_ADDR` is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|(l, _)| l.local_addr().ok())
    }

    pub fn context(&self) -> Arc<AppContext> {
        Arc::clone(&self.ctx)
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves (and runs this instance's background work) until `shutdown` completes, then
    /// drains in-flight requests.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        tracing::info!(addr = %self.local_addr(), "listening");
        let mut workers = crate::worker::spawn_all(&self.ctx);
        if let Some((listener, router)) = self.metrics {
            workers.push(tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, router).await {
                    tracing::error!(error = %e, "metrics listener stopped");
                }
            }));
        }
        let served = axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await;
        for w in workers {
            w.abort();
        }
        served?;
        Ok(())
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// Everything but the HTTP server: database (migrated), Redis, keys. Used by the CLI too.
pub async fn build_context(config: Config) -> anyhow::Result<AppContext> {
    let db = connect_database(&config).await?;
    Migrator::up(&db, None).await.context("running migrations")?;
    // A database from before search existed: index what it holds (once; idempotent).
    let indexed = crate::store::search::fill_if_empty(&db).await.context("filling the search index")?;
    if indexed > 0 {
        tracing::info!(documents = indexed, "filled the search index");
    }
    // Contractors from before the routing map, or loaded in bulk: put them on it (idempotent).
    let placed = crate::store::contractors::place_unplaced(&db).await.context("placing contractors on the map")?;
    if placed > 0 {
        tracing::info!(contractors = placed, "placed contractors on the routing map");
    }
    let (redis, bus) = match &config.redis_url {
        Some(url) => {
            let (client, conn) = connect_redis(url).await?;
            let bus = EventBus::with_redis(client, conn.clone(), &config.redis_key_prefix)
                .await
                .context("subscribing to Redis events")?;
            (Some(conn), bus)
        }
        None => (None, EventBus::local()),
    };
    let secret = match &config.jwt_secret {
        Some(s) => s.clone(),
        None => {
            tracing::warn!(
                "JWT_SECRET is not set: generated a random one for this run (development only); \
                 tokens will not survive a restart or work across instances"
            );
            let mut bytes = [0u8; 48];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            SecretString::from(hex::encode(bytes))
        }
    };
    let jwt = JwtKeys::new(&secret, config.access_token_ttl);
    let limiter = Arc::new(RateLimiter::new(redis.clone(), &config.redis_key_prefix));
    let attachments = Arc::new(crate::storage::LocalDirStore::new(config.attachment_dir.clone()));
    let payments = crate::payments::from_config(&config)?;
    if !config.secret_box.is_configured() {
        tracing::warn!(
            "WEBHOOK_SECRET_KEYS is not set: partner webhook secrets are stored unsealed (development only)"
        );
    }
    if payments.is_none() {
        tracing::warn!(
            "STRIPE_SECRET_KEY is not set: payouts are recorded but wait as PENDING until a provider is configured"
        );
    }
    let passwords = Arc::new(Passwords::new(config.password_hash_concurrency));
    let channels = crate::notify::Channels::from_config(&config)?;
    Ok(AppContext {
        db,
        config: Arc::new(config),
        jwt,
        limiter,
        passwords,
        redis,
        bus,
        attachments,
        payments,
        channels,
        notifications_queued: Arc::new(tokio::sync::Notify::new()),
        notification_outcomes: Arc::new(tokio::sync::watch::Sender::new(0)),
        reset_requests_done: Arc::new(tokio::sync::watch::Sender::new(0)),
        network: Arc::new(crate::services::routing::network::Network::new()),
    })
}

/// Opens the database. SQLite gets its directory created, WAL journaling and a single connection
/// (SQLite has one writer; one connection serialises transactions instead of failing them).
pub async fn connect_database(config: &Config) -> anyhow::Result<DatabaseConnection> {
    let url = config.database_url.expose_secret().to_string();
    let mut opts = ConnectOptions::new(url.clone());
    opts.sqlx_logging(false).connect_timeout(Duration::from_secs(10)).acquire_timeout(Duration::from_secs(30));
    if config.is_sqlite() {
        if let Some(dir) = sqlite_file(&url).and_then(|p| Path::new(p).parent().map(Path::to_path_buf))
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        opts.max_connections(1).min_connections(1);
    } else {
        opts.max_connections(config.database_max_connections);
    }
    let db = Database::connect(opts).await.context("connecting to the database")?;
    if config.is_sqlite() {
        db.execute_unprepared("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;").await?;
    }
    Ok(db)
}

fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && !path.starts_with(":memory:")).then_some(path)
}

async fn connect_redis(url: &SecretString) -> anyhow::Result<(redis::Client, ConnectionManager)> {
    let client = redis::Client::open(url.expose_secret()).context("REDIS_URL is not a valid Redis URL")?;
    let cfg = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(2)))
        .set_number_of_retries(2)
        .set_min_delay(Duration::from_millis(50))
        .set_max_delay(Duration::from_millis(500));
    let conn = ConnectionManager::new_with_config(client.clone(), cfg).await.context("connecting to Redis")?;
    Ok((client, conn))
}

fn router(ctx: Arc<AppContext>) -> anyhow::Result<(Router, HttpState)> {
    let cfg = Arc::clone(&ctx.config);
    let state = HttpState { schema: build_schema(Arc::clone(&ctx)), metrics: Arc::new(Metrics::new()?), ctx };

    let api = Router::new()
        .route("/graphql", get(http::graphql::get_graphql).post(http::graphql::graphql))
        .route("/graphql/ws", get(http::ws::upgrade))
        .route("/auth/login", axum::routing::post(http::session::login))
        .route("/auth/second-factor", axum::routing::post(http::session::second_factor))
        .route("/auth/refresh", axum::routing::post(http::session::refresh))
        .route("/auth/logout", axum::routing::post(http::session::logout))
        .route("/healthz", get(http::health::healthz))
        .route("/readyz", get(http::health::readyz))
        .route("/metrics", get(http::metrics::metrics))
        .route("/attachments/{id}", get(http::attachments::download))
        .route("/reports/payouts.csv", get(http::reports::payouts_csv))
        .route("/reports/leads.csv", get(http::reports::leads_csv))
        .route("/reports/jobs.csv", get(http::reports::jobs_csv))
        .route("/reports/claims.csv", get(http::reports::claims_csv))
        .route("/reports/contractors.csv", get(http::reports::contractors_csv))
        .route("/reports/audit.csv", get(http::reports::audit_csv))
        .route("/reports/notifications.csv", get(http::reports::notifications_csv))
        .route("/reports/deliveries.csv", get(http::reports::deliveries_csv))
        .route("/reports/users.csv", get(http::reports::users_csv))
        .route("/webhooks/stripe", axum::routing::post(http::stripe::webhook))
        .route("/webhooks/twilio/sms", axum::routing::post(http::twilio::inbound_sms))
        .route("/rate/{token}", get(http::customer::rate_form).post(http::customer::rate_submit))
        .route("/stop/{token}", get(http::customer::stop_form).post(http::customer::stop_submit))
        .with_state(state.clone());

    let request_id = HeaderName::from_static("x-request-id");
    let mut app = api
        .merge(http::web::router(&cfg.web_dist_dir))
        .layer(DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn_with_state(
            http::limits::Limits {
                body: cfg.body_limit_bytes,
                upload: cfg.attachment_max_bytes,
                ctx: Arc::clone(&state.ctx),
            },
            http::limits::limit_body,
        ))
        .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(security_header(header::REFERRER_POLICY, "no-referrer"))
        .layer(security_header(HeaderName::from_static("cross-origin-opener-policy"), "same-origin"))
        .layer(security_header(header::CONTENT_SECURITY_POLICY, http::web::BASE_POLICY))
        // The camera and the position for photos taken on site (the phone still asks the person).
        .layer(security_header(
            HeaderName::from_static("permissions-policy"),
            "camera=(self), geolocation=(self), microphone=()",
        ));
    if cfg.is_production() {
        app = app.layer(security_header(header::STRICT_TRANSPORT_SECURITY, "max-age=63072000; includeSubDomains"));
    }
    if !cfg.cors_allowed_origins.is_empty() {
        let origins = cfg
            .cors_allowed_origins
            .iter()
            .map(|o| HeaderValue::from_str(o).with_context(|| format!("CORS_ALLOWED_ORIGINS: bad origin {o:?}")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        app = app.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
                .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, request_id.clone()])
                .expose_headers([request_id.clone()])
                .max_age(Duration::from_secs(600)),
        );
    }
    let app = app
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let rid = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
                    tracing::info_span!("request", request_id = %rid, method = %req.method(), path = %req.uri().path())
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO).latency_unit(LatencyUnit::Micros)),
        )
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid));
    Ok((app, state))
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}
