//! The `nrp-server` binary: parse the command line, hand over to `cli::run`.

use clap::Parser;

/// mimalloc instead of glibc's malloc: glibc keeps what each thread's arena once held (a
/// password hash takes 19 MiB on a blocking thread; a routing run's vectors, the network's
/// reads), so a server whose heap is 20 MB sat at 150–500 MB of RSS; mimalloc returns freed
/// pages to the system (docs/BENCHMARKS.md, memory). The `system-allocator` feature keeps glibc's,
/// for heaptrack.
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    nrp_server::cli::run(nrp_server::cli::Cli::parse()).await
}
