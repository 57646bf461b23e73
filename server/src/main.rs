//! The `nrp-server` binary: parse the command line, hand over to `cli::run`.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    nrp_server::cli::run(nrp_server::cli::Cli::parse()).await
}
