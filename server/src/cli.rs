//! Subcommands of `nrp-server`: serve (default), migrate, create-user, seed-demo,
//! import-postcodes, reindex-search, export-schema.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::auth::RequestMeta;
use crate::config::Config;
use crate::domain::{AtField, Email, Password};
use crate::services::{self, demo, users::NewAccount};
use crate::startup::{Application, build_context, connect_database};
use crate::{graphql, telemetry};

#[derive(Parser, Debug)]
#[command(name = "nrp-server", version, about = "NRP CRM server")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Migrate the database and serve the API and web app (the default).
    Serve {
        /// Load the demo data set first (idempotent).
        #[arg(long)]
        seed_demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create a login.
    CreateUser {
        #[arg(long, value_enum)]
        role: RoleArg,
        #[arg(long)]
        email: String,
        /// Or set NRP_PASSWORD, to keep it out of the shell history.
        #[arg(long, env = "NRP_PASSWORD", hide_env_values = true)]
        password: String,
        /// For a contractor user.
        #[arg(long)]
        contractor_id: Option<uuid::Uuid>,
        /// For a partner user.
        #[arg(long)]
        partner_id: Option<uuid::Uuid>,
    },
    /// Load the demo data set (refused in production).
    SeedDemo,
    /// Import postcode centroids from a `Postcode,Suburb,State,Lat,Lon` CSV file.
    ImportPostcodes { file: PathBuf },
    /// Re-seal every partner's webhook secret under the first key of WEBHOOK_SECRET_KEYS (run
    /// after putting a new key first; the old key can then be removed).
    ResealSecrets,
    /// Write every search document again from the leads, jobs, claims and contractors (after a
    /// bulk import done outside the server; safe beside live traffic).
    ReindexSearch,
    /// Print a new VAPID key pair for Web Push: put the private key in VAPID_PRIVATE_KEY (keep it
    /// for good: changing it invalidates every device's subscription).
    GenerateVapidKey,
    /// Print the GraphQL schema (SDL), or write it to a file.
    ExportSchema {
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum RoleArg {
    Admin,
    Contractor,
    Partner,
}

/// Runs a command with configuration from the environment; failures become a message and a
/// non-zero exit code.
pub async fn run(cli: Cli) -> ExitCode {
    if let Some(Command::ExportSchema { output }) = &cli.command {
        return report(export_schema(output.as_deref()));
    }
    if let Some(Command::GenerateVapidKey) = &cli.command {
        print_vapid_key();
        return ExitCode::SUCCESS;
    }
    match Config::from_env() {
        Ok(config) => {
            telemetry::init(config.log_format);
            run_with(cli, config).await
        }
        Err(e) => report(Err(e.into())),
    }
}

/// Runs a command with the given configuration (logging is the caller's: `run` sets it up for the
/// binary; a test running a command keeps its output quiet).
pub async fn run_with(cli: Cli, config: Config) -> ExitCode {
    report(execute(cli, config).await)
}

fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn print_vapid_key() {
    let (private, public) = crate::notify::Vapid::generate();
    println!("VAPID_PRIVATE_KEY={private}\n# public key (browsers subscribe with it): {public}");
}

fn export_schema(output: Option<&std::path::Path>) -> anyhow::Result<()> {
    let sdl = graphql::sdl();
    match output {
        Some(path) => std::fs::write(path, sdl)?,
        None => print!("{sdl}"),
    }
    Ok(())
}

async fn execute(cli: Cli, config: Config) -> anyhow::Result<()> {
    let command = cli.command.unwrap_or(Command::Serve { seed_demo: false });
    match command {
        Command::Serve { seed_demo } => {
            if seed_demo {
                seed(config.clone()).await?;
            }
            Application::build(config).await?.run_until_stopped().await
        }
        Command::Migrate => {
            use migration::MigratorTrait;
            let db = connect_database(&config).await?;
            migration::Migrator::up(&db, None).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::CreateUser { role, email, password, contractor_id, partner_id } => {
            let ctx = build_context(config).await?;
            let account = NewAccount {
                email: Email::parse(&email).at("--email").map_err(|e| anyhow::anyhow!("{}: {}", e.field, e.message))?,
                password: Password::parse(&password)
                    .at("--password")
                    .map_err(|e| anyhow::anyhow!("{}: {}", e.field, e.message))?,
                role: match role {
                    RoleArg::Admin => entities::Role::Admin,
                    RoleArg::Contractor => entities::Role::Contractor,
                    RoleArg::Partner => entities::Role::Partner,
                },
                contractor_id,
                partner_id,
            };
            let user = services::users::create(&ctx, &RequestMeta::system(), account).await?;
            println!("created {:?} user {} ({})", user.role, user.email, user.id);
            Ok(())
        }
        Command::SeedDemo => seed(config).await,
        Command::ImportPostcodes { file } => {
            let ctx = build_context(config).await?;
            let reader = std::fs::File::open(&file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let r = services::postcodes::import(&ctx, &RequestMeta::system(), std::io::BufReader::new(reader)).await?;
            println!(
                "imported {} localities in {} postcodes from {} rows; skipped {} rows with unknown (0,0) coordinates",
                r.localities_imported, r.distinct_postcodes, r.rows_read, r.skipped_unknown_location
            );
            Ok(())
        }
        Command::ResealSecrets => {
            let ctx = build_context(config).await?;
            let n = services::webhooks::reseal_secrets(&ctx).await?;
            println!("re-sealed {n} webhook secret(s) under the current key");
            Ok(())
        }
        Command::ReindexSearch => {
            let ctx = build_context(config).await?;
            let started = std::time::Instant::now();
            let n = crate::store::search::rebuild(&ctx.db, 1000).await?;
            println!("wrote {n} search document(s) in {:.1} s", started.elapsed().as_secs_f64());
            Ok(())
        }
        Command::ExportSchema { output } => export_schema(output.as_deref()),
        Command::GenerateVapidKey => {
            print_vapid_key();
            Ok(())
        }
    }
}

async fn seed(config: Config) -> anyhow::Result<()> {
    if config.is_production() {
        anyhow::bail!("seed-demo is refused in production: it creates well-known logins");
    }
    let ctx = build_context(config).await?;
    let r = demo::seed(&ctx).await?;
    if r.already_seeded {
        println!("demo data already present");
    } else {
        let h = &r.history;
        println!("demo data loaded: {} contractors, {} postcodes", r.contractors, r.postcodes);
        println!(
            "  90 days of history: {} leads, {} jobs, {} claims, {} payouts",
            h.leads, h.jobs, h.claims, h.payouts
        );
    }
    println!("  admin:      {} / {}", demo::DEMO_ADMIN_EMAIL, demo::DEMO_ADMIN_PASSWORD);
    println!("  contractor: {} / {}", demo::DEMO_CONTRACTOR_EMAIL, demo::DEMO_CONTRACTOR_PASSWORD);
    println!("  partner:    {} / {}", demo::DEMO_PARTNER_EMAIL, demo::DEMO_PARTNER_PASSWORD);
    println!("  API key:    {}", demo::DEMO_API_KEY);
    Ok(())
}
