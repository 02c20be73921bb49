//! The emulator's command-line flags, shared by the `unicloud-emulator` binary and the
//! `unicloud emulator` subcommand.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use unicloud_core::Provider;

use crate::{DEMO_KEYS, Emulator, EmulatorBuilder, FaultConfig, FaultRule};

/// Flags of a foreground emulator. Its `Debug` shows key ids, never the secrets in `--key`.
#[derive(Clone, clap::Args)]
pub struct EmulatorArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:4566")]
    pub listen: SocketAddr,
    /// A key pair to accept, `PROVIDER:ID:SECRET` (provider: aws, tencent, alibaba). Repeatable.
    /// Without any, the documented demo keys are accepted.
    #[arg(long = "key", value_name = "PROVIDER:ID:SECRET")]
    pub keys: Vec<String>,
    /// How long transitional states last, in milliseconds (0 = instant).
    #[arg(long, default_value_t = 0)]
    pub transition_delay_ms: u64,
    /// Freeze the clock at this Unix time (seconds), e.g. to replay captured requests.
    #[arg(long)]
    pub fixed_time: Option<u64>,
    /// A fault rule, `PROVIDER:ACTION:key=value,...` (`*` for any; keys `throttle`,
    /// `server_error`, `reject`, `drop`, `drop_mid_body`, `latency_ms`, `after`, `times`,
    /// `rate`, `burst`), e.g. `aws:DescribeInstances:rate=20,burst=5`. Repeatable.
    #[arg(long = "fault", value_name = "RULE")]
    pub faults: Vec<String>,
    /// A TOML fault configuration file.
    #[arg(long)]
    pub fault_config: Option<PathBuf>,
    /// Seed for the fault draws.
    #[arg(long)]
    pub fault_seed: Option<u64>,
    /// How long a client token is remembered, in seconds.
    #[arg(long, default_value_t = 24 * 3600)]
    pub client_token_ttl_secs: u64,
    /// The largest request body accepted for API calls, in bytes (larger ones get 413).
    #[arg(long, default_value_t = 4 * 1024 * 1024)]
    pub max_request_bytes: usize,
    /// Keep object-storage bytes in files under this directory (default: in memory).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// The object-storage budget per cloud, in bytes (uploads past it get `EntityTooLarge`).
    #[arg(long, default_value_t = 2 * 1024 * 1024 * 1024)]
    pub max_storage_bytes: u64,
    /// A bucket to create at start, `PROVIDER:NAME` (COS names include `-<appid>`). Repeatable.
    #[arg(long = "bucket", value_name = "PROVIDER:NAME")]
    pub buckets: Vec<String>,
}

impl std::fmt::Debug for EmulatorArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<String> = self
            .keys
            .iter()
            .map(|k| {
                let mut it = k.splitn(3, ':');
                format!("{}:{}", it.next().unwrap_or(""), it.next().unwrap_or(""))
            })
            .collect();
        f.debug_struct("EmulatorArgs")
            .field("listen", &self.listen)
            .field("keys", &ids)
            .field("transition_delay_ms", &self.transition_delay_ms)
            .field("fixed_time", &self.fixed_time)
            .field("faults", &self.faults)
            .field("fault_config", &self.fault_config)
            .field("fault_seed", &self.fault_seed)
            .field("client_token_ttl_secs", &self.client_token_ttl_secs)
            .field("max_request_bytes", &self.max_request_bytes)
            .field("data_dir", &self.data_dir)
            .field("max_storage_bytes", &self.max_storage_bytes)
            .field("buckets", &self.buckets)
            .finish()
    }
}

/// Parses `PROVIDER:ID:SECRET`.
pub fn parse_key(s: &str) -> Result<(Provider, String, String), String> {
    let mut it = s.splitn(3, ':');
    let (Some(p), Some(id), Some(secret)) = (it.next(), it.next(), it.next()) else {
        return Err("--key: expected PROVIDER:ID:SECRET".to_owned());
    };
    let provider: Provider = p
        .parse()
        .map_err(|_| format!("--key: unknown provider `{p}` (aws, tencent, alibaba)"))?;
    if id.is_empty() || secret.is_empty() {
        return Err("--key: empty id or secret".to_owned());
    }
    Ok((provider, id.to_owned(), secret.to_owned()))
}

impl EmulatorArgs {
    /// The builder these flags describe.
    pub fn builder(&self) -> Result<EmulatorBuilder, String> {
        let mut b = Emulator::builder()
            .listen(self.listen)
            .transition_delay(Duration::from_millis(self.transition_delay_ms))
            .client_token_ttl(Duration::from_secs(self.client_token_ttl_secs))
            .max_request_bytes(self.max_request_bytes);
        for k in &self.keys {
            let (p, id, secret) = parse_key(k)?;
            b = b.key(p, id, secret);
        }
        b = b.max_storage_bytes(self.max_storage_bytes);
        if let Some(d) = &self.data_dir {
            b = b.data_dir(d.clone());
        }
        for spec in &self.buckets {
            let (p, name) = spec
                .split_once(':')
                .filter(|(_, n)| !n.is_empty())
                .ok_or_else(|| format!("--bucket `{spec}`: expected PROVIDER:NAME"))?;
            let provider: Provider = p
                .parse()
                .map_err(|_| format!("--bucket: unknown provider `{p}` (aws, tencent, alibaba)"))?;
            b = b.bucket(provider, name);
        }
        if let Some(t) = self.fixed_time {
            b = b.fixed_time(std::time::UNIX_EPOCH + Duration::from_secs(t));
        }
        let mut faults = match &self.fault_config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                FaultConfig::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))?
            }
            None => FaultConfig::default(),
        };
        for f in &self.faults {
            faults =
                faults.rule(FaultRule::parse_flag(f).map_err(|e| format!("--fault `{f}`: {e}"))?);
        }
        if let Some(seed) = self.fault_seed {
            faults = faults.seed(seed);
        }
        Ok(b.faults(faults))
    }

    /// Runs the emulator until Ctrl-C (SIGINT) or SIGTERM, logging where it listens; then stops
    /// accepting, lets requests in flight finish and returns `Ok` (exit status 0).
    pub async fn run(self) -> Result<(), String> {
        let handle = self
            .builder()?
            .start()
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", self.listen))?;
        tracing::info!("unicloud-emulator listening on {}", handle.base_url());
        if self.keys.is_empty() {
            for (p, id, _) in DEMO_KEYS {
                tracing::info!("demo key for {p}: {id} (secret in the crate docs)");
            }
        }
        stop_signal().await?;
        tracing::info!("unicloud-emulator stopping");
        handle.shutdown().await;
        Ok(())
    }
}

/// Waits for Ctrl-C (SIGINT) or, on Unix, SIGTERM (what `kill`, service managers and container
/// runtimes send).
async fn stop_signal() -> Result<(), String> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())
            .map_err(|e| format!("cannot listen for SIGTERM: {e}"))?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.map_err(|e| format!("cannot listen for Ctrl-C: {e}")),
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c()
            .await
            .map_err(|e| format!("cannot listen for Ctrl-C: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_secrets_may_hold_colons() {
        let (p, id, secret) = parse_key("tencent:AKID1:se:cr:et").unwrap();
        assert_eq!(
            (p, id.as_str(), secret.as_str()),
            (Provider::Tencent, "AKID1", "se:cr:et")
        );
        assert!(parse_key("gcp:a:b").is_err());
        assert!(parse_key("aws::b").is_err());
        let err = parse_key("aws-only").unwrap_err();
        assert!(
            !err.contains("aws-only"),
            "the flag may hold a secret: {err}"
        );
    }

    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        args: EmulatorArgs,
    }

    #[test]
    fn debug_of_the_flags_hides_key_secrets() {
        use clap::Parser;
        let cli = Cli::try_parse_from([
            "emu",
            "--key",
            "aws:AKIAFLAG:flag-secret-value",
            "--max-request-bytes",
            "1024",
            "--bucket",
            "tencent:examplebucket-1250000000",
            "--data-dir",
            "/tmp/unicloud-emulator-cli-test",
        ])
        .unwrap();
        let shown = format!("{:?}", cli.args);
        assert!(shown.contains("aws:AKIAFLAG"), "{shown}");
        assert!(!shown.contains("flag-secret-value"), "{shown}");
        assert_eq!(cli.args.max_request_bytes, 1024);
        assert_eq!(cli.args.client_token_ttl_secs, 86_400);
        assert!(cli.args.builder().is_ok());
        assert_eq!(cli.args.max_storage_bytes, 2 * 1024 * 1024 * 1024);
        let mut bad = cli.args.clone();
        bad.buckets = vec!["gcp:b".into()];
        assert!(bad.builder().is_err());
        bad.buckets = vec!["aws".into()];
        assert!(bad.builder().is_err());
    }
}
