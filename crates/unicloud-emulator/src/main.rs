//! The `unicloud-emulator` binary: see the `unicloud_emulator` crate docs for the flags.

use std::process::ExitCode;

use clap::Parser;
use unicloud_emulator::cli::EmulatorArgs;

/// A local multi-cloud emulator (AWS, Tencent Cloud, Alibaba Cloud) with real signature checks.
#[derive(Debug, Parser)]
#[command(name = "unicloud-emulator", version)]
struct Args {
    #[command(flatten)]
    emulator: EmulatorArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match Args::parse().emulator.run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}
