//! Logs on stderr: the level the user asks for (`-v`…, or a filter in `UNICLOUD_LOG`), with the
//! AWS SDK's signing and request internals never above DEBUG, and no colours unless stderr is a
//! terminal.

use std::io::IsTerminal;

use tracing::Subscriber;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::{EnvFilter, FilterExt, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{Layer, Registry};

/// At TRACE these targets log canonical requests and raw request headers, which carry session
/// tokens. They are capped at DEBUG whatever the user asks for (and shown at all only when the
/// user's own filter lets DEBUG through).
const CAPPED_AT_DEBUG: [&str; 3] = ["aws_sigv4", "aws_smithy_runtime", "aws_smithy_runtime_api"];

/// The user's filter: `UNICLOUD_LOG` when it is set and valid, else the level `-v` picks
/// (none: warnings and errors only).
fn user_filter(verbose: u8, env: Option<&str>) -> EnvFilter {
    let level = match verbose {
        0 => LevelFilter::WARN,
        1 => LevelFilter::INFO,
        2 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    };
    env.and_then(|directives| EnvFilter::try_new(directives).ok())
        .unwrap_or_else(|| {
            let filter = EnvFilter::default().add_directive(level.into());
            if verbose > 0 {
                return filter;
            }
            // Off EC2 (no region given), aws-config asks the instance metadata service for a
            // region and warns, once per client, when it cannot; that is not the user's error.
            match QUIET_BY_DEFAULT.parse() {
                Ok(d) => filter.add_directive(d),
                Err(_) => filter,
            }
        })
}

/// What the default verbosity leaves out: aws-config's warnings that the instance metadata
/// service did not answer (`-v` shows them).
const QUIET_BY_DEFAULT: &str = "aws_config::imds=error";

/// The ceiling every event must also pass: anything, except the [`CAPPED_AT_DEBUG`] targets
/// (and their modules) above DEBUG. It only ever removes events; it never enables one the
/// user's filter left out.
fn ceiling() -> Targets {
    Targets::new()
        .with_default(LevelFilter::TRACE)
        .with_targets(CAPPED_AT_DEBUG.map(|t| (t, LevelFilter::DEBUG)))
}

/// The subscriber: one formatting layer writing to `writer`, behind the user's filter AND the
/// ceiling; ANSI colours only when `ansi`.
fn subscriber<W>(verbose: u8, env: Option<&str>, writer: W, ansi: bool) -> impl Subscriber
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = user_filter(verbose, env).and(ceiling());
    Registry::default().with(
        tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .with_ansi(ansi)
            .with_filter(filter),
    )
}

/// Installs the process-wide subscriber: `-v` count `verbose`, `UNICLOUD_LOG` if set; colours
/// only on a terminal and without `NO_COLOR`.
pub(crate) fn init(verbose: u8) {
    let env = std::env::var("UNICLOUD_LOG").ok();
    let ansi = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    // Only fails when a subscriber is already installed, which `main` never does.
    let _ = tracing::subscriber::set_global_default(subscriber(
        verbose,
        env.as_deref(),
        std::io::stderr,
        ansi,
    ));
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex, PoisonError};

    use super::*;

    /// A writer that keeps everything written, for reading back.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Captured {
        type Writer = Captured;
        fn make_writer(&'w self) -> Self::Writer {
            self.clone()
        }
    }

    /// Emits one event per (target, level) pair that matters and returns what was logged.
    fn logged(verbose: u8, env: Option<&str>, ansi: bool) -> String {
        let out = Captured::default();
        let sub = subscriber(verbose, env, out.clone(), ansi);
        tracing::subscriber::with_default(sub, || {
            tracing::trace!(target: "aws_sigv4", "sigv4-trace");
            tracing::debug!(target: "aws_sigv4", "sigv4-debug");
            tracing::trace!(target: "aws_smithy_runtime::client::orchestrator", "runtime-trace");
            tracing::debug!(target: "aws_smithy_runtime::client::orchestrator", "runtime-debug");
            tracing::trace!(target: "aws_smithy_runtime_api::client", "api-trace");
            tracing::debug!(target: "aws_smithy_runtime_api::client", "api-debug");
            tracing::warn!(target: "aws_smithy_runtime", "runtime-warn");
            tracing::trace!(target: "unicloud_core::retry", "core-trace");
            tracing::info!(target: "unicloud_core::retry", "core-info");
            tracing::warn!(target: "unicloud_core::retry", "core-warn");
            tracing::warn!(target: "aws_config::imds::region", "imds-warn");
        });
        let bytes = out.0.lock().unwrap_or_else(PoisonError::into_inner).clone();
        String::from_utf8(bytes).unwrap()
    }

    fn shown(logs: &str) -> Vec<&str> {
        let all = [
            "sigv4-trace",
            "sigv4-debug",
            "runtime-trace",
            "runtime-debug",
            "api-trace",
            "api-debug",
            "runtime-warn",
            "core-trace",
            "core-info",
            "core-warn",
            "imds-warn",
        ];
        all.into_iter().filter(|m| logs.contains(m)).collect()
    }

    #[test]
    fn default_verbosity_shows_warnings_only() {
        assert_eq!(
            shown(&logged(0, None, false)),
            ["runtime-warn", "core-warn"]
        );
    }

    #[test]
    fn no_region_from_instance_metadata_warns_only_when_asked() {
        assert!(!shown(&logged(0, None, false)).contains(&"imds-warn"));
        assert!(shown(&logged(1, None, false)).contains(&"imds-warn"));
        assert!(shown(&logged(0, Some("warn"), false)).contains(&"imds-warn"));
    }

    #[test]
    fn the_capped_targets_are_never_raised_to_the_users_level() {
        assert_eq!(
            shown(&logged(1, None, false)),
            ["runtime-warn", "core-info", "core-warn", "imds-warn"]
        );
        assert_eq!(
            shown(&logged(0, Some("unicloud_core=trace"), false)),
            ["core-trace", "core-info", "core-warn"]
        );
    }

    #[test]
    fn trace_never_reaches_the_capped_targets_whatever_is_asked() {
        let capped_at_debug = [
            "sigv4-debug",
            "runtime-debug",
            "api-debug",
            "runtime-warn",
            "core-trace",
            "core-info",
            "core-warn",
            "imds-warn",
        ];
        assert_eq!(shown(&logged(3, None, false)), capped_at_debug);
        assert_eq!(shown(&logged(0, Some("trace"), false)), capped_at_debug);
        assert_eq!(
            shown(&logged(
                0,
                Some("aws_sigv4=trace,aws_smithy_runtime=trace"),
                false
            )),
            // `aws_smithy_runtime` also names `aws_smithy_runtime_api`: a prefix, as in EnvFilter.
            ["sigv4-debug", "runtime-debug", "api-debug", "runtime-warn"]
        );
    }

    #[test]
    fn an_invalid_unicloud_log_falls_back_to_the_verbosity() {
        assert_eq!(
            shown(&logged(1, Some("=[not a filter"), false)),
            ["runtime-warn", "core-info", "core-warn", "imds-warn"]
        );
    }

    #[test]
    fn colours_only_when_asked() {
        assert!(!logged(3, None, false).contains('\x1b'));
        assert!(logged(3, None, true).contains("\x1b["));
    }
}
