//! The `unicloud-emulator` binary: see the `unicloud_emulator` crate docs for the flags.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use unicloud_core::Provider;
use unicloud_emulator::{DEMO_KEYS, Emulator, FaultConfig, FaultRule};

/// A local multi-cloud emulator (AWS, Tencent Cloud, Alibaba Cloud) with real signature checks.
#[derive(Debug, Parser)]
#[command(name = "unicloud-emulator", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:4566")]
    listen: SocketAddr,
    /// A key pair to accept, `PROVIDER:ID:SECRET` (provider: aws, tencent, alibaba). Repeatable.
    /// Without any, the documented demo keys are accepted.
    #[arg(long = "key", value_name = "PROVIDER:ID:SECRET")]
    keys: Vec<String>,
    /// How long transitional states last, in milliseconds (0 = instant).
    #[arg(long, default_value_t = 0)]
    transition_delay_ms: u64,
    /// Freeze the clock at this Unix time (seconds), e.g. to replay captured requests.
    #[arg(long)]
    fixed_time: Option<u64>,
    /// A fault rule, `PROVIDER:ACTION:key=value,...` (`*` for any). Repeatable.
    #[arg(long = "fault", value_name = "RULE")]
    faults: Vec<String>,
    /// A TOML fault configuration file.
    #[arg(long)]
    fault_config: Option<std::path::PathBuf>,
    /// Seed for the fault draws.
    #[arg(long)]
    fault_seed: Option<u64>,
}

fn parse_key(s: &str) -> Result<(Provider, String, String), String> {
    let mut it = s.splitn(3, ':');
    let (Some(p), Some(id), Some(secret)) = (it.next(), it.next(), it.next()) else {
        return Err(format!("--key `{s}`: expected PROVIDER:ID:SECRET"));
    };
    let provider: Provider = p
        .parse()
        .map_err(|_| format!("--key: unknown provider `{p}` (aws, tencent, alibaba)"))?;
    if id.is_empty() || secret.is_empty() {
        return Err("--key: empty id or secret".to_owned());
    }
    Ok((provider, id.to_owned(), secret.to_owned()))
}

async fn run(args: Args) -> Result<(), String> {
    let mut b = Emulator::builder()
        .listen(args.listen)
        .transition_delay(Duration::from_millis(args.transition_delay_ms));
    for k in &args.keys {
        let (p, id, secret) = parse_key(k)?;
        b = b.key(p, id, secret);
    }
    if let Some(t) = args.fixed_time {
        b = b.fixed_time(std::time::UNIX_EPOCH + Duration::from_secs(t));
    }
    let mut faults = match &args.fault_config {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            FaultConfig::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => FaultConfig::default(),
    };
    for f in &args.faults {
        faults = faults.rule(FaultRule::parse_flag(f).map_err(|e| format!("--fault `{f}`: {e}"))?);
    }
    if let Some(seed) = args.fault_seed {
        faults = faults.seed(seed);
    }
    let handle = b
        .faults(faults)
        .start()
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    tracing::info!("unicloud-emulator listening on {}", handle.base_url());
    if args.keys.is_empty() {
        for (p, id, _) in DEMO_KEYS {
            tracing::info!("demo key for {p}: {id} (secret in the crate docs)");
        }
    }
    let _ = tokio::signal::ctrl_c().await;
    handle.shutdown().await;
    Ok(())
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
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}
