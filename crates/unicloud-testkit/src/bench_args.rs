//! The options of the workspace's bench binaries (`harness = false`): `--flag value` or
//! `--flag=value` on the command line, else an environment variable, else a default.
//!
//! `cargo bench` passes `--bench` to every bench binary; flags a bench does not ask for are
//! ignored.
//!
//! ```
//! use unicloud_testkit::bench_args::BenchArgs;
//!
//! let args = BenchArgs::parse(["--bench", "--rounds", "20", "--provider=tencent"]);
//! assert_eq!(args.number("--rounds", "NO_SUCH_VARIABLE_ROUNDS", 10), 20);
//! assert_eq!(args.number("--requests", "NO_SUCH_VARIABLE_REQUESTS", 200), 200);
//! assert_eq!(args.value("--provider", "NO_SUCH_VARIABLE_PROVIDER").as_deref(), Some("tencent"));
//! ```

/// Parsed bench options.
#[derive(Debug, Clone, Default)]
pub struct BenchArgs {
    flags: Vec<(String, Option<String>)>,
}

impl BenchArgs {
    /// This process's arguments (the program name left out).
    pub fn from_env() -> Self {
        Self::parse(std::env::args().skip(1))
    }

    /// `args`: each `--flag` takes the value after `=`, else the next argument unless that is
    /// a flag too.
    pub fn parse<I, S>(args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut args = args.into_iter().map(Into::into).peekable();
        let mut flags = Vec::new();
        while let Some(a) = args.next() {
            if !a.starts_with("--") {
                continue;
            }
            let (flag, value) = match a.split_once('=') {
                Some((f, v)) => (f.to_owned(), Some(v.to_owned())),
                None => {
                    let value = args.next_if(|next| !next.starts_with("--"));
                    (a, value)
                }
            };
            flags.push((flag, value));
        }
        Self { flags }
    }

    /// The value of `flag` (the last one given), else of the environment variable `env` when
    /// it is set and not empty.
    pub fn value(&self, flag: &str, env: &str) -> Option<String> {
        self.flags
            .iter()
            .rev()
            .find(|(f, _)| f == flag)
            .and_then(|(_, v)| v.clone())
            .or_else(|| std::env::var(env).ok().filter(|v| !v.trim().is_empty()))
    }

    /// The number [`value`](Self::value) gives, else `default`.
    ///
    /// # Panics
    /// When the value is not a whole number: a bench should stop on a typo, not measure
    /// something else.
    #[allow(clippy::panic)] // Bench binaries only: stopping on a typo is the point.
    pub fn number(&self, flag: &str, env: &str, default: usize) -> usize {
        match self.value(flag, env) {
            None => default,
            Some(v) => v
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("{flag} (or {env}): not a whole number: {v}")),
        }
    }
}
