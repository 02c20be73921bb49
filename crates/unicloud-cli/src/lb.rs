//! `unicloud lb …`: load-balancer backends — describe health, register, deregister.

use std::time::Duration;

use clap::Subcommand;
use unicloud::base::Error;
use unicloud::lb::{Backend, BackendHealth, BackendPool, ChangeOutcome};

use crate::common::{self, GlobalArgs, OutputFormat};

/// The `lb` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum LbCommand {
    /// List the backends of a pool with their health.
    DescribeHealth {
        /// The pool: a target-group ARN, `elb:NAME`, `lb-…/lbl-…[/loc-…]` (Tencent CLB) or
        /// `lb-…[:PORT][/rsp-…]` (Alibaba SLB).
        #[arg(long)]
        pool: String,
        /// Only this backend `ID[:PORT]` (repeatable).
        #[arg(long = "backend", value_name = "ID[:PORT]")]
        backends: Vec<String>,
    },
    /// Register backends with a pool (those already registered are left alone).
    Register(ChangeArgs),
    /// Deregister backends from a pool (those not registered are left alone).
    Deregister(ChangeArgs),
}

/// A pool, backends, and whether to wait.
#[derive(Debug, clap::Args)]
pub(crate) struct ChangeArgs {
    /// The pool: a target-group ARN, `elb:NAME`, `lb-…/lbl-…[/loc-…]` (Tencent CLB) or
    /// `lb-…[:PORT][/rsp-…]` (Alibaba SLB).
    #[arg(long)]
    pool: String,
    /// A backend `ID[:PORT[:WEIGHT]]` (repeatable).
    #[arg(long = "backend", value_name = "ID[:PORT[:WEIGHT]]", required = true)]
    backends: Vec<String>,
    /// Then wait until the backends are healthy (register) or gone (deregister).
    #[arg(long)]
    wait: bool,
    /// How long `--wait` waits, in seconds.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    timeout: u64,
    /// Return as soon as the cloud accepts the change, without waiting for its task (Tencent
    /// CLB's asynchronous register and deregister).
    #[arg(long, conflicts_with = "wait")]
    no_task_wait: bool,
}

fn parse_backends(raw: &[String]) -> Result<Vec<Backend>, Error> {
    raw.iter().map(|b| b.parse()).collect()
}

/// Runs one `lb` subcommand.
pub(crate) async fn run(global: &GlobalArgs, command: &LbCommand) -> Result<(), Error> {
    let format = global.output;
    match command {
        LbCommand::DescribeHealth { pool, backends } => {
            // Input errors come before any credentials are looked up.
            let pool: BackendPool = pool.parse()?;
            let backends = parse_backends(backends)?;
            let lb = global.cloud().await?.lb();
            let health = lb.describe_health(&pool, &backends).await?;
            print_health(format, &health)
        }
        LbCommand::Register(a) | LbCommand::Deregister(a) => {
            let register = matches!(command, LbCommand::Register(_));
            let pool: BackendPool = a.pool.parse()?;
            let backends = parse_backends(&a.backends)?;
            if a.wait && a.timeout == 0 {
                return Err(Error::invalid_input("--timeout must be at least 1 second"));
            }
            let lb = global.cloud().await?.lb().with_task_wait(!a.no_task_wait);
            let verb = if register {
                "registering"
            } else {
                "deregistering"
            };
            let pb = common::spinner(format!("{verb} {} backend(s) with {pool}", backends.len()));
            let outcome = if register {
                lb.register(&pool, &backends).await
            } else {
                lb.deregister(&pool, &backends).await
            };
            let outcome = match outcome {
                Ok(o) => o,
                Err(e) => {
                    pb.finish_and_clear();
                    return Err(e);
                }
            };
            if !a.wait {
                pb.finish_and_clear();
                return print_outcome(format, register, &outcome);
            }
            let timeout = Duration::from_secs(a.timeout);
            let result = if register {
                pb.set_message(format!(
                    "waiting for {} backend(s) to be healthy",
                    backends.len()
                ));
                lb.wait_until_healthy(&pool, &backends, timeout).await
            } else {
                pb.set_message(format!(
                    "waiting for {} backend(s) to leave {pool}",
                    backends.len()
                ));
                lb.wait_until_deregistered(&pool, &backends, timeout)
                    .await
                    .map(|()| Vec::new())
            };
            pb.finish_and_clear();
            let health = result?;
            if register {
                print_health(format, &health)
            } else {
                print_outcome(format, register, &outcome)
            }
        }
    }
}

fn print_health(format: OutputFormat, health: &[BackendHealth]) -> Result<(), Error> {
    common::print(format, health, || health_table(health))
}

fn print_outcome(
    format: OutputFormat,
    register: bool,
    outcome: &ChangeOutcome,
) -> Result<(), Error> {
    common::print(format, outcome, || {
        let (done, same) = if register {
            ("registered", "already registered")
        } else {
            ("deregistered", "not registered")
        };
        let mut rows: Vec<Vec<String>> = outcome
            .changed
            .iter()
            .map(|b| backend_row(b, done))
            .collect();
        rows.extend(outcome.unchanged.iter().map(|b| backend_row(b, same)));
        common::table(&["BACKEND", "PORT", "WEIGHT", "RESULT"], &rows)
    })
}

fn backend_row(b: &Backend, result: &str) -> Vec<String> {
    vec![
        b.instance_id.clone(),
        common::cell(b.port.map(|p| p.to_string()).as_deref()),
        common::cell(b.weight.map(|w| w.to_string()).as_deref()),
        result.to_owned(),
    ]
}

/// One row per backend.
pub(crate) fn health_table(health: &[BackendHealth]) -> String {
    let rows: Vec<Vec<String>> = health
        .iter()
        .map(|h| {
            vec![
                h.backend.instance_id.clone(),
                common::cell(h.backend.port.map(|p| p.to_string()).as_deref()),
                common::cell(h.backend.ip.as_deref()),
                h.state.to_string(),
                h.raw_state.clone(),
                common::cell(h.reason.as_deref()),
            ]
        })
        .collect();
    common::table(
        &["BACKEND", "PORT", "IP", "STATE", "VENDOR STATE", "REASON"],
        &rows,
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use unicloud::base::ErrorKind;
    use unicloud::lb::HealthState;

    use super::*;

    #[test]
    fn backends_parse_the_cli_form() {
        let b = parse_backends(&["i-1:80:5".into(), "ins-12345678:8080".into()]).unwrap();
        assert_eq!(b[0].weight, Some(5));
        assert_eq!(b[1].port, Some(8080));
        for bad in ["", "i-1:0", "i-1:80:500", "i-1:a"] {
            assert_eq!(
                parse_backends(&[bad.into()]).unwrap_err().kind(),
                ErrorKind::InvalidInput,
                "{bad}"
            );
        }
    }

    #[test]
    fn the_health_table_has_a_row_per_backend() {
        let h = [
            BackendHealth::new(
                Backend::new("i-1").with_port(80),
                HealthState::Healthy,
                "healthy",
            ),
            BackendHealth::new(Backend::new("i-2"), HealthState::Unhealthy, "OutOfService")
                .with_reason("Instance has failed at least the UnhealthyThreshold"),
        ];
        let text = health_table(&h);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(
            lines[1].contains("healthy") && lines[1].contains("80"),
            "{text}"
        );
        assert!(
            lines[2].contains("OutOfService") && lines[2].contains("Unhealthy"),
            "{text}"
        );
    }
}
