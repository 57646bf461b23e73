//! One typed configuration, read once from the environment. Secrets are wrapped so they never print.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

/// Where the server runs: production hardens defaults and refuses unsafe ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

/// Everything the server reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    pub environment: Environment,
    pub bind_addr: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: SecretString,
    pub database_max_connections: u32,
    pub redis_url: Option<SecretString>,
    /// Prepended to every Redis key and channel, so deployments can share a Redis.
    pub redis_key_prefix: String,
    /// `None` in development means "generate one at start-up".
    pub jwt_secret: Option<SecretString>,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub cors_allowed_origins: Vec<String>,
    pub trust_forwarded_for: bool,
    /// Login attempts for one email from one client address (IPv6 by /64) per window.
    pub login_limit_per_address_email: u32,
    /// Login attempts from one client address (IPv6 by /64) per window, whatever the email.
    pub login_limit_per_ip: u32,
    /// GraphQL operations per minute: per signed-in user, per API key (unless an admin gave
    /// the key its own budget), per client address for all traffic, and per client address
    /// for anonymous traffic.
    pub rate_limit_user_per_min: u32,
    pub rate_limit_key_per_min: u32,
    pub rate_limit_address_per_min: u32,
    pub rate_limit_anonymous_per_min: u32,
    /// Contractor sign-ups per client address per `register_limit_window`.
    pub register_limit_per_address: u32,
    pub register_limit_window: Duration,
    pub login_limit_window: Duration,
    pub graphql_max_depth: usize,
    pub graphql_max_complexity: usize,
    pub graphql_max_aliases: usize,
    pub graphql_max_batch: usize,
    pub body_limit_bytes: usize,
    pub web_dist_dir: PathBuf,
    pub log_format: LogFormat,
    /// How many offers a lead keeps open at once (DOMAIN.md: 3).
    pub offer_wave_size: usize,
    /// How long an offer stays open, per urgency: low, medium, high, emergency.
    pub offer_expiry: [Duration; 4],
    /// How often each instance looks for offers past their expiry.
    pub expiry_sweep_interval: Duration,
    /// How long a WebSocket may wait before sending `connection_init`.
    pub ws_init_timeout: Duration,
    /// How often the server pings each WebSocket to keep it (and proxies on the way) alive.
    pub ws_ping_interval: Duration,
    /// Operations running at once on one WebSocket.
    pub ws_max_subscriptions: usize,
    /// How often an open WebSocket re-reads its credentials' standing, whatever the bus says
    /// (covers an API key's expiry and a revocation this instance missed).
    pub ws_recheck_interval: Duration,
    /// How soon the customer must be contacted, per urgency: low, medium, high, emergency.
    pub contact_sla: [Duration; 4],
    /// A job in one stage for longer than this is flagged to admins.
    pub job_idle_after: Duration,
    /// NRP's commission when a contractor has no override, in basis points (1500 = 15%).
    pub default_commission_bps: i32,
    /// Largest photo or report a job accepts.
    pub attachment_max_bytes: usize,
    /// Where the local attachment store keeps files.
    pub attachment_dir: PathBuf,
    /// First webhook retry delay; each further retry doubles it (capped at an hour).
    pub webhook_retry_base: Duration,
    /// Attempts before a webhook delivery is given up as `FAILED`.
    pub webhook_max_attempts: u32,
    /// How long one webhook send may take (connect and answer) before it counts as failed.
    pub webhook_timeout: Duration,
    /// Webhook sends in flight at once on one instance.
    pub webhook_concurrency: usize,
    /// Webhook sends in flight at once for one partner on one instance.
    pub webhook_partner_concurrency: usize,
    /// A refresh token redeemed again this soon after its rotation gets a session of its own
    /// (two tabs, or a retry after a lost answer) instead of counting as reuse.
    pub refresh_reuse_grace: Duration,
    /// Password hashes computed at once (argon2 is CPU and memory heavy by design).
    pub password_hash_concurrency: usize,
    /// The most active jobs a contractor may declare itself; more is set by an admin.
    pub contractor_max_active_jobs: i32,
    /// Stripe Connect; `None` without `STRIPE_SECRET_KEY`, and payouts then wait as `PENDING`.
    pub stripe: Option<StripeConfig>,
    /// Verifies `POST /webhooks/stripe` (`whsec_…`); without it that endpoint refuses everything.
    pub stripe_webhook_secret: Option<SecretString>,
    /// Where users reach the web app: Stripe onboarding returns here.
    pub public_base_url: String,
    /// How often each instance runs a payout batch by itself; `None` = only when an admin does.
    pub payout_batch_interval: Option<Duration>,
    /// How long a batch holds a payout it works on; an interrupted batch's payouts free up after.
    pub payout_lease: Duration,
    /// Seals partner webhook secrets at rest (`WEBHOOK_SECRET_KEYS`); required in production.
    pub secret_box: crate::auth::SecretBox,
    /// NRP's own clock, for reports and the dashboard (days, weeks, date-only filters).
    pub report_zone: chrono_tz::Tz,
    /// `GET /metrics` on the main address needs `Authorization: Bearer <this>`.
    pub metrics_token: Option<SecretString>,
    /// A second listener that serves only `/metrics`, without a token (for a monitoring network).
    pub metrics_bind_addr: Option<SocketAddr>,
    /// The email channel's server (`SMTP_URL`); email is off without it.
    pub smtp_url: Option<SecretString>,
    /// The sender of every email (`EMAIL_FROM`).
    pub email_from: String,
    /// Whether admins must pass a second factor (`ADMIN_SECOND_FACTOR=required|optional`; required
    /// by default in production). An admin without one may only enrol until it has.
    pub admin_second_factor_required: bool,
    /// The SMS channel (Twilio, `TWILIO_*`); SMS is off without it.
    pub twilio: Option<crate::notify::TwilioConfig>,
    /// First notification retry delay; each further retry doubles it (capped at an hour).
    pub notify_retry_base: Duration,
    /// Attempts before a notification is a dead letter (`FAILED`).
    pub notify_max_attempts: u32,
    /// How long one send may take before it counts as failed.
    pub notify_timeout: Duration,
    /// Notifications sent at once by one instance.
    pub notify_concurrency: usize,
    /// How long a customer's rating link stays good.
    pub rating_link_ttl: Duration,
    /// NRP's Web Push identity (`VAPID_PRIVATE_KEY`, `VAPID_SUBJECT`); push is off without it.
    pub vapid: Option<crate::notify::Vapid>,
    /// How long an urgent offer may sit unopened before an SMS follows its push.
    pub offer_sms_after: Duration,
    /// The performance score's rolling window (`SCORE_WINDOW_DAYS`, 90).
    pub score_window: Duration,
    /// How many observations the neutral prior of each score term is worth
    /// (`SCORE_PRIOR_WEIGHT`, 5).
    pub score_prior_weight: f64,
    /// How often the scores the window rolled past, and the medians, are recomputed
    /// (`SCORE_SWEEP_SECS`, 3600).
    pub score_sweep_interval: Duration,
}

/// The Stripe account NRP pays from.
#[derive(Debug, Clone)]
pub struct StripeConfig {
    pub secret_key: SecretString,
    /// `https://api.stripe.com/` unless pointed elsewhere (a test server).
    pub api_base: String,
    /// A call with no answer by then has an unknown outcome; the next batch settles it.
    pub timeout: Duration,
}

/// A variable that is set but cannot be understood.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {name}: {message}")]
pub struct ConfigError {
    pub name: std::borrow::Cow<'static, str>,
    pub message: String,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Reads configuration through `lookup`, so tests can supply their own variables. Every
    /// variable `NAME` may instead come from a file named by `NAME_FILE` (as container platforms
    /// mount secrets), its content without the trailing line break; giving both, or a file that
    /// cannot be read, is refused on `NAME_FILE` (the refusal names the file, never its content).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let refused = std::cell::RefCell::new(None::<ConfigError>);
        let with_files = |name: &str| -> Option<String> {
            let file_var = format!("{name}_FILE");
            let refuse = |message: String| {
                refused.borrow_mut().get_or_insert(ConfigError { name: file_var.clone().into(), message });
                None
            };
            match (lookup(name), lookup(&file_var)) {
                (value, None) => value,
                (Some(_), Some(_)) => refuse(format!("set {name} or {name}_FILE, not both")),
                (None, Some(path)) => match std::fs::read_to_string(path.trim()) {
                    Ok(content) => {
                        Some(content.trim_end_matches(['\n', '\r']).to_string()).filter(|v| !v.trim().is_empty())
                    }
                    Err(e) => refuse(format!("cannot read {}: {e}", path.trim())),
                },
            }
        };
        let config = Self::from_variables(&with_files);
        match refused.into_inner() {
            Some(e) => Err(e),
            None => config,
        }
    }

    fn from_variables(lookup: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let environment = match lookup("NRP_ENV").as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("development") | Some("dev") => Environment::Development,
            Some("production") | Some("prod") => Environment::Production,
            Some(other) => return Err(err("NRP_ENV", format!("expected development or production, got {other:?}"))),
        };
        let data_dir = PathBuf::from(lookup("DATA_DIR").unwrap_or_else(|| "./data".into()));
        let data_dir_for_default = data_dir.display().to_string();
        let database_url =
            lookup("DATABASE_URL").unwrap_or_else(|| format!("sqlite://{}/nrp.db?mode=rwc", data_dir.display()));
        let parse_u64 = |name: &'static str, default: u64| -> Result<u64, ConfigError> {
            match lookup(name) {
                None => Ok(default),
                Some(v) => v.trim().parse().map_err(|_| err(name, format!("expected a whole number, got {v:?}"))),
            }
        };
        let parse_bool = |name: &'static str| -> Result<bool, ConfigError> {
            match lookup(name).as_deref().map(str::to_ascii_lowercase).as_deref() {
                None | Some("0") | Some("false") | Some("no") => Ok(false),
                Some("1") | Some("true") | Some("yes") => Ok(true),
                Some(v) => Err(err(name, format!("expected true or false, got {v:?}"))),
            }
        };
        let bind = lookup("BIND_ADDR").unwrap_or_else(|| "127.0.0.1:8080".into());
        let bind_addr = bind.parse().map_err(|_| err("BIND_ADDR", format!("not an address:port: {bind:?}")))?;
        let jwt_secret = lookup("JWT_SECRET").map(SecretString::from);
        if jwt_secret.as_ref().is_some_and(|s| s.expose_secret().len() < 32) {
            return Err(err("JWT_SECRET", "must be at least 32 bytes".into()));
        }
        if environment == Environment::Production && jwt_secret.is_none() {
            return Err(err("JWT_SECRET", "is required in production (at least 32 bytes)".into()));
        }
        let log_format = match lookup("LOG_FORMAT").as_deref() {
            None | Some("json") => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            Some(other) => return Err(err("LOG_FORMAT", format!("expected json or pretty, got {other:?}"))),
        };
        let stripe = match lookup("STRIPE_SECRET_KEY") {
            None => None,
            Some(key) => {
                if !(key.starts_with("sk_") || key.starts_with("rk_")) {
                    return Err(err("STRIPE_SECRET_KEY", "expected a Stripe secret key (sk_… or rk_…)".into()));
                }
                let mut api_base = lookup("STRIPE_API_BASE").unwrap_or_else(|| "https://api.stripe.com/".into());
                if !(api_base.starts_with("https://") || api_base.starts_with("http://")) {
                    return Err(err("STRIPE_API_BASE", format!("expected an http(s) URL, got {api_base:?}")));
                }
                if !api_base.ends_with('/') {
                    api_base.push('/');
                }
                Some(StripeConfig {
                    secret_key: SecretString::from(key),
                    api_base,
                    timeout: Duration::from_millis(parse_u64("STRIPE_TIMEOUT_MILLIS", 30_000)?.max(1)),
                })
            }
        };
        let public_base_url =
            lookup("PUBLIC_BASE_URL").unwrap_or_else(|| format!("http://{bind}")).trim_end_matches('/').to_string();
        let metrics_bind_addr = match lookup("METRICS_BIND_ADDR") {
            None => None,
            Some(v) => Some(v.parse().map_err(|_| err("METRICS_BIND_ADDR", format!("not an address:port: {v:?}")))?),
        };
        let metrics_token = lookup("METRICS_TOKEN").map(SecretString::from);
        if metrics_token.as_ref().is_some_and(|t| t.expose_secret().len() < 16) {
            return Err(err("METRICS_TOKEN", "must be at least 16 characters".into()));
        }
        let zone_name = lookup("NRP_TIMEZONE").unwrap_or_else(|| "Australia/Sydney".into());
        let report_zone = crate::domain::zones::parse_zone(&zone_name)
            .ok_or_else(|| err("NRP_TIMEZONE", format!("not an IANA time zone name: {zone_name:?}")))?;
        let secret_box = match lookup("WEBHOOK_SECRET_KEYS") {
            Some(v) => {
                crate::auth::SecretBox::parse(&SecretString::from(v)).map_err(|m| err("WEBHOOK_SECRET_KEYS", m))?
            }
            None if environment == Environment::Production => {
                return Err(err(
                    "WEBHOOK_SECRET_KEYS",
                    "is required in production: id:base64 of 32 random bytes (openssl rand -base64 32)".into(),
                ));
            }
            None => crate::auth::SecretBox::default(),
        };
        let smtp_url = lookup("SMTP_URL");
        if let Some(url) = &smtp_url {
            let parsed =
                url::Url::parse(url).map_err(|_| err("SMTP_URL", "not a URL (smtps://user:pass@host:465)".into()))?;
            let encrypted =
                parsed.scheme() == "smtps" || parsed.query_pairs().any(|(k, v)| k == "tls" && v == "required");
            let local = matches!(parsed.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
            if environment == Environment::Production && !encrypted && !local {
                return Err(err(
                    "SMTP_URL",
                    "must use TLS in production (smtps://, or smtp://…?tls=required) unless the relay is on this machine"
                        .into(),
                ));
            }
        }
        let twilio = match lookup("TWILIO_ACCOUNT_SID") {
            None => None,
            Some(account_sid) => {
                let auth_token = lookup("TWILIO_AUTH_TOKEN")
                    .ok_or_else(|| err("TWILIO_AUTH_TOKEN", "is required with TWILIO_ACCOUNT_SID".into()))?;
                let from = lookup("TWILIO_FROM");
                let messaging_service_sid = lookup("TWILIO_MESSAGING_SERVICE_SID");
                if from.is_none() && messaging_service_sid.is_none() {
                    return Err(err("TWILIO_FROM", "or TWILIO_MESSAGING_SERVICE_SID is required to send SMS".into()));
                }
                Some(crate::notify::TwilioConfig {
                    account_sid,
                    auth_token: SecretString::from(auth_token),
                    from,
                    messaging_service_sid,
                    api_base: lookup("TWILIO_API_BASE").unwrap_or_else(|| "https://api.twilio.com".into()),
                })
            }
        };
        let vapid = match lookup("VAPID_PRIVATE_KEY") {
            None => None,
            Some(key) => {
                let subject = lookup("VAPID_SUBJECT").unwrap_or_else(|| "mailto:ops@nrp.example".into());
                Some(crate::notify::Vapid::from_private(&key, &subject).map_err(|m| {
                    err("VAPID_PRIVATE_KEY", format!("{m} (make one with `nrp-server generate-vapid-key`)"))
                })?)
            }
        };
        let config = Config {
            vapid,
            offer_sms_after: Duration::from_secs(parse_u64("OFFER_SMS_AFTER_SECS", 120)?),
            score_window: match parse_u64("SCORE_WINDOW_DAYS", 90)? {
                d @ 1..=730 => Duration::from_secs(d * 86_400),
                d => return Err(err("SCORE_WINDOW_DAYS", format!("expected 1 to 730 days, got {d}"))),
            },
            score_prior_weight: match lookup("SCORE_PRIOR_WEIGHT") {
                None => 5.0,
                Some(v) => match v.trim().parse::<f64>() {
                    Ok(w) if w.is_finite() && (0.5..=1000.0).contains(&w) => w,
                    _ => {
                        return Err(err(
                            "SCORE_PRIOR_WEIGHT",
                            format!("expected a number from 0.5 to 1000, got {v:?}"),
                        ));
                    }
                },
            },
            score_sweep_interval: Duration::from_secs(parse_u64("SCORE_SWEEP_SECS", 3600)?.max(1)),
            smtp_url: smtp_url.map(SecretString::from),
            admin_second_factor_required: match lookup("ADMIN_SECOND_FACTOR")
                .as_deref()
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                None => environment == Environment::Production,
                Some("required") => true,
                Some("optional") => false,
                Some(v) => return Err(err("ADMIN_SECOND_FACTOR", format!("expected required or optional, got {v:?}"))),
            },
            email_from: lookup("EMAIL_FROM")
                .unwrap_or_else(|| "National Recovery Partners <alerts@nrp.example>".into()),
            twilio,
            notify_retry_base: Duration::from_millis(parse_u64("NOTIFY_RETRY_BASE_MILLIS", 5_000)?),
            notify_max_attempts: parse_u64("NOTIFY_MAX_ATTEMPTS", 8)? as u32,
            notify_timeout: Duration::from_millis(parse_u64("NOTIFY_TIMEOUT_MILLIS", 10_000)?),
            notify_concurrency: parse_u64("NOTIFY_CONCURRENCY", 16)? as usize,
            rating_link_ttl: Duration::from_secs(parse_u64("RATING_LINK_DAYS", 30)? * 86_400),
            secret_box,
            report_zone,
            metrics_token,
            metrics_bind_addr,
            stripe,
            stripe_webhook_secret: lookup("STRIPE_WEBHOOK_SECRET").map(SecretString::from),
            public_base_url,
            payout_batch_interval: Some(parse_u64("PAYOUT_BATCH_INTERVAL_SECS", 0)?)
                .filter(|s| *s > 0)
                .map(Duration::from_secs),
            payout_lease: Duration::from_secs(parse_u64("PAYOUT_LEASE_SECS", 120)?.max(1)),
            environment,
            bind_addr,
            database_max_connections: parse_u64("DATABASE_MAX_CONNECTIONS", 16)? as u32,
            data_dir,
            database_url: SecretString::from(database_url),
            redis_url: lookup("REDIS_URL").map(SecretString::from),
            redis_key_prefix: lookup("REDIS_KEY_PREFIX").unwrap_or_else(|| "nrp".into()),
            jwt_secret,
            access_token_ttl: Duration::from_secs(parse_u64("ACCESS_TOKEN_TTL_SECS", 15 * 60)?),
            refresh_token_ttl: Duration::from_secs(parse_u64("REFRESH_TOKEN_TTL_SECS", 7 * 24 * 3600)?),
            cors_allowed_origins: lookup("CORS_ALLOWED_ORIGINS")
                .map(|v| v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default(),
            trust_forwarded_for: parse_bool("TRUST_FORWARDED_FOR")?,
            login_limit_per_address_email: parse_u64("LOGIN_LIMIT_PER_ADDRESS_EMAIL", 10)? as u32,
            login_limit_per_ip: parse_u64("LOGIN_LIMIT_PER_IP", 50)? as u32,
            login_limit_window: Duration::from_secs(parse_u64("LOGIN_LIMIT_WINDOW_SECS", 15 * 60)?),
            rate_limit_user_per_min: parse_u64("RATE_LIMIT_USER_PER_MIN", 600)? as u32,
            rate_limit_key_per_min: parse_u64("RATE_LIMIT_KEY_PER_MIN", 1200)? as u32,
            rate_limit_address_per_min: parse_u64("RATE_LIMIT_ADDRESS_PER_MIN", 3000)? as u32,
            rate_limit_anonymous_per_min: parse_u64("RATE_LIMIT_ANONYMOUS_PER_MIN", 120)? as u32,
            register_limit_per_address: parse_u64("REGISTER_LIMIT_PER_ADDRESS", 5)? as u32,
            register_limit_window: Duration::from_secs(parse_u64("REGISTER_LIMIT_WINDOW_SECS", 3600)?),
            graphql_max_depth: parse_u64("GRAPHQL_MAX_DEPTH", 12)? as usize,
            graphql_max_complexity: parse_u64("GRAPHQL_MAX_COMPLEXITY", 10_000)? as usize,
            graphql_max_aliases: parse_u64("GRAPHQL_MAX_ALIASES", 30)? as usize,
            graphql_max_batch: parse_u64("GRAPHQL_MAX_BATCH", 10)? as usize,
            body_limit_bytes: parse_u64("BODY_LIMIT_BYTES", 1024 * 1024)? as usize,
            web_dist_dir: PathBuf::from(lookup("WEB_DIST_DIR").unwrap_or_else(|| "./web/dist".into())),
            log_format,
            offer_wave_size: parse_u64("OFFER_WAVE_SIZE", 3)? as usize,
            offer_expiry: {
                let base = parse_u64("OFFER_EXPIRY_SECS", 15 * 60)?;
                [
                    Duration::from_secs(parse_u64("OFFER_EXPIRY_SECS_LOW", base)?),
                    Duration::from_secs(parse_u64("OFFER_EXPIRY_SECS_MEDIUM", base)?),
                    Duration::from_secs(parse_u64("OFFER_EXPIRY_SECS_HIGH", base)?),
                    Duration::from_secs(parse_u64("OFFER_EXPIRY_SECS_EMERGENCY", base)?),
                ]
            },
            expiry_sweep_interval: Duration::from_millis(parse_u64("EXPIRY_SWEEP_MILLIS", 500)?),
            ws_init_timeout: Duration::from_secs(parse_u64("WS_INIT_TIMEOUT_SECS", 10)?),
            ws_ping_interval: Duration::from_secs(parse_u64("WS_PING_INTERVAL_SECS", 20)?),
            ws_max_subscriptions: parse_u64("WS_MAX_SUBSCRIPTIONS", 10)? as usize,
            ws_recheck_interval: Duration::from_secs(parse_u64("WS_RECHECK_SECS", 60)?),
            contact_sla: [
                Duration::from_secs(60 * parse_u64("CONTACT_SLA_MINS_LOW", 48 * 60)?),
                Duration::from_secs(60 * parse_u64("CONTACT_SLA_MINS_MEDIUM", 24 * 60)?),
                Duration::from_secs(60 * parse_u64("CONTACT_SLA_MINS_HIGH", 4 * 60)?),
                Duration::from_secs(60 * parse_u64("CONTACT_SLA_MINS_EMERGENCY", 60)?),
            ],
            job_idle_after: Duration::from_secs(parse_u64("JOB_IDLE_HOURS", 7 * 24)? * 3600),
            attachment_max_bytes: parse_u64("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)? as usize,
            attachment_dir: PathBuf::from(
                lookup("ATTACHMENT_DIR").unwrap_or_else(|| format!("{}/attachments", data_dir_for_default)),
            ),
            webhook_retry_base: Duration::from_millis(parse_u64("WEBHOOK_RETRY_BASE_MILLIS", 5_000)?),
            webhook_max_attempts: parse_u64("WEBHOOK_MAX_ATTEMPTS", 12)? as u32,
            webhook_timeout: Duration::from_millis(parse_u64("WEBHOOK_TIMEOUT_MILLIS", 10_000)?),
            webhook_concurrency: parse_u64("WEBHOOK_CONCURRENCY", 16)? as usize,
            webhook_partner_concurrency: parse_u64("WEBHOOK_PARTNER_CONCURRENCY", 2)? as usize,
            refresh_reuse_grace: Duration::from_secs(parse_u64("REFRESH_REUSE_GRACE_SECS", 10)?),
            password_hash_concurrency: parse_u64(
                "PASSWORD_HASH_CONCURRENCY",
                std::thread::available_parallelism().map(|n| n.get() as u64).unwrap_or(2),
            )? as usize,
            contractor_max_active_jobs: parse_u64("CONTRACTOR_MAX_ACTIVE_JOBS", 20)?.min(10_000) as i32,
            default_commission_bps: {
                let bps = parse_u64("DEFAULT_COMMISSION_BPS", 1500)?;
                if bps > 10_000 {
                    return Err(err("DEFAULT_COMMISSION_BPS", "must be at most 10000 (100%)".into()));
                }
                bps as i32
            },
        };
        for (name, value) in [
            ("ACCESS_TOKEN_TTL_SECS", config.access_token_ttl.as_secs()),
            ("REFRESH_TOKEN_TTL_SECS", config.refresh_token_ttl.as_secs()),
            ("LOGIN_LIMIT_WINDOW_SECS", config.login_limit_window.as_secs()),
            ("RATE_LIMIT_USER_PER_MIN", u64::from(config.rate_limit_user_per_min)),
            ("RATE_LIMIT_KEY_PER_MIN", u64::from(config.rate_limit_key_per_min)),
            ("RATE_LIMIT_ADDRESS_PER_MIN", u64::from(config.rate_limit_address_per_min)),
            ("RATE_LIMIT_ANONYMOUS_PER_MIN", u64::from(config.rate_limit_anonymous_per_min)),
            ("REGISTER_LIMIT_WINDOW_SECS", config.register_limit_window.as_secs()),
            ("GRAPHQL_MAX_BATCH", config.graphql_max_batch as u64),
            ("DATABASE_MAX_CONNECTIONS", config.database_max_connections as u64),
            ("OFFER_WAVE_SIZE", config.offer_wave_size as u64),
            ("OFFER_EXPIRY_SECS_LOW", config.offer_expiry[0].as_secs()),
            ("OFFER_EXPIRY_SECS_MEDIUM", config.offer_expiry[1].as_secs()),
            ("OFFER_EXPIRY_SECS_HIGH", config.offer_expiry[2].as_secs()),
            ("OFFER_EXPIRY_SECS_EMERGENCY", config.offer_expiry[3].as_secs()),
            ("EXPIRY_SWEEP_MILLIS", config.expiry_sweep_interval.as_millis() as u64),
            ("WS_INIT_TIMEOUT_SECS", config.ws_init_timeout.as_secs()),
            ("WS_PING_INTERVAL_SECS", config.ws_ping_interval.as_secs()),
            ("WS_MAX_SUBSCRIPTIONS", config.ws_max_subscriptions as u64),
            ("WS_RECHECK_SECS", config.ws_recheck_interval.as_secs()),
            ("ATTACHMENT_MAX_BYTES", config.attachment_max_bytes as u64),
            ("WEBHOOK_MAX_ATTEMPTS", u64::from(config.webhook_max_attempts)),
            ("WEBHOOK_TIMEOUT_MILLIS", config.webhook_timeout.as_millis() as u64),
            ("WEBHOOK_CONCURRENCY", config.webhook_concurrency as u64),
            ("WEBHOOK_PARTNER_CONCURRENCY", config.webhook_partner_concurrency as u64),
            ("PASSWORD_HASH_CONCURRENCY", config.password_hash_concurrency as u64),
            ("NOTIFY_MAX_ATTEMPTS", u64::from(config.notify_max_attempts)),
            ("NOTIFY_TIMEOUT_MILLIS", config.notify_timeout.as_millis() as u64),
            ("NOTIFY_CONCURRENCY", config.notify_concurrency as u64),
            ("RATING_LINK_DAYS", config.rating_link_ttl.as_secs()),
            ("CONTRACTOR_MAX_ACTIVE_JOBS", config.contractor_max_active_jobs as u64),
        ] {
            if value == 0 {
                return Err(err(name, "must be greater than zero".into()));
            }
        }
        Ok(config)
    }

    /// How long an offer for a lead of this urgency stays open.
    pub fn offer_expiry_for(&self, urgency: entities::Urgency) -> Duration {
        use entities::Urgency::*;
        self.offer_expiry[match urgency {
            Low => 0,
            Medium => 1,
            High => 2,
            Emergency => 3,
        }]
    }

    /// How soon a customer with a lead of this urgency must be contacted.
    pub fn contact_sla_for(&self, urgency: entities::Urgency) -> Duration {
        use entities::Urgency::*;
        self.contact_sla[match urgency {
            Low => 0,
            Medium => 1,
            High => 2,
            Emergency => 3,
        }]
    }

    /// True when running with `NRP_ENV=production`.
    pub fn is_production(&self) -> bool {
        self.environment == Environment::Production
    }

    /// True when the database is SQLite (the embedded default).
    pub fn is_sqlite(&self) -> bool {
        self.database_url.expose_secret().starts_with("sqlite:")
    }
}

fn err(name: &'static str, message: String) -> ConfigError {
    ConfigError { name: name.into(), message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_to_an_sqlite_file_under_the_data_directory() {
        let c = from(&[("DATA_DIR", "/tmp/x")]).unwrap();
        assert_eq!(c.database_url.expose_secret(), "sqlite:///tmp/x/nrp.db?mode=rwc");
        assert!(c.is_sqlite());
        assert!(!c.is_production());
        assert_eq!(c.access_token_ttl, Duration::from_secs(900));
    }

    #[test]
    fn production_refuses_to_start_without_a_long_jwt_secret() {
        let e = from(&[("NRP_ENV", "production")]).unwrap_err();
        assert_eq!(e.name, "JWT_SECRET");
        let e = from(&[("NRP_ENV", "production"), ("JWT_SECRET", "short")]).unwrap_err();
        assert_eq!(e.name, "JWT_SECRET");
        let e = from(&[("NRP_ENV", "production"), ("JWT_SECRET", &"x".repeat(32))]).unwrap_err();
        assert_eq!(e.name, "WEBHOOK_SECRET_KEYS", "production seals webhook secrets");
        let key = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        let c =
            from(&[("NRP_ENV", "production"), ("JWT_SECRET", &"x".repeat(32)), ("WEBHOOK_SECRET_KEYS", key)]).unwrap();
        assert!(c.is_production());
        assert!(!format!("{c:?}").contains("AAECAwQF"), "the sealing key never prints");
        let e = from(&[("NRP_TIMEZONE", "Australia/Nowhere")]).unwrap_err();
        assert_eq!(e.name, "NRP_TIMEZONE");
    }

    #[test]
    fn any_variable_can_come_from_a_file_as_container_secrets_do() {
        let dir = std::env::temp_dir().join(format!("nrp-config-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let secret = dir.join("jwt");
        std::fs::write(&secret, format!("{}\n", "s".repeat(40))).unwrap();
        let path = secret.display().to_string();
        let c = from(&[("JWT_SECRET_FILE", &path)]).unwrap();
        assert_eq!(c.jwt_secret.as_ref().map(|s| s.expose_secret().to_string()), Some("s".repeat(40)), "no line break");
        let both = from(&[("JWT_SECRET_FILE", &path), ("JWT_SECRET", &"t".repeat(40))]).unwrap_err();
        assert_eq!(both.name, "JWT_SECRET_FILE");
        let missing = dir.join("nope").display().to_string();
        let e = from(&[("DATABASE_URL_FILE", &missing)]).unwrap_err();
        assert_eq!(e.name, "DATABASE_URL_FILE");
        assert!(e.message.contains("cannot read"), "{}", e.message);
        // A file's content is checked like the variable: a short secret is still refused, on
        // the variable it stands for, and the message does not echo it.
        std::fs::write(&secret, "short").unwrap();
        let e = from(&[("JWT_SECRET_FILE", &path)]).unwrap_err();
        assert_eq!(e.name, "JWT_SECRET");
        assert!(!e.message.contains("short"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn secrets_do_not_print_in_debug_output() {
        let c =
            from(&[("JWT_SECRET", "super-secret-value-that-is-long-enough"), ("REDIS_URL", "redis://:pw@h")]).unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("super-secret-value"));
        assert!(!shown.contains(":pw@"));
    }

    #[test]
    fn stripe_is_off_without_a_key_and_its_base_is_normalised() {
        let c = from(&[]).unwrap();
        assert!(c.stripe.is_none());
        assert!(c.payout_batch_interval.is_none());
        let c = from(&[("STRIPE_SECRET_KEY", "sk_test_123"), ("STRIPE_API_BASE", "http://127.0.0.1:9999")]).unwrap();
        let s = c.stripe.unwrap();
        assert_eq!(s.api_base, "http://127.0.0.1:9999/");
        assert!(!format!("{s:?}").contains("sk_test_123"));
        assert_eq!(from(&[("STRIPE_SECRET_KEY", "pk_live_1")]).unwrap_err().name, "STRIPE_SECRET_KEY");
    }

    #[test]
    fn a_malformed_number_names_the_variable() {
        let e = from(&[("LOGIN_LIMIT_PER_ADDRESS_EMAIL", "ten")]).unwrap_err();
        assert_eq!(e.name, "LOGIN_LIMIT_PER_ADDRESS_EMAIL");
    }
}
