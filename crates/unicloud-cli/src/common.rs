//! What the subcommands of every service share: the global flags and the [`Cloud`] they
//! describe, the output format (JSON from the models' own serialization, or a table), the
//! progress spinner, and the exit code of an error.
//!
//! A service's module (`compute`, and later `network`, `lb`, `storage`) holds only its
//! arguments and handlers and calls into this module.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use unicloud::base::{Error, ErrorKind, Provider};
use unicloud::{Cloud, CloudBuilder, Fleet, FleetReport};

/// The flags every subcommand accepts (listed apart from a subcommand's own in its help).
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Global options")]
pub(crate) struct GlobalArgs {
    /// The cloud: aws, tencent (tencentcloud) or alibaba (aliyun, alibabacloud).
    #[arg(long, short = 'p', global = true, env = "UNICLOUD_PROVIDER", value_parser = parse_provider)]
    pub(crate) provider: Option<Provider>,
    /// The region, e.g. us-east-1, ap-guangzhou, cn-hangzhou (default: the provider's usual one).
    #[arg(long, short = 'r', global = true, env = "UNICLOUD_REGION")]
    pub(crate) region: Option<String>,
    /// The profile to read from the provider's credential files.
    #[arg(long, global = true, env = "UNICLOUD_PROFILE")]
    pub(crate) profile: Option<String>,
    /// Send requests to this endpoint instead of the provider's (e.g. the emulator).
    #[arg(long, global = true, env = "UNICLOUD_ENDPOINT", value_name = "URL")]
    pub(crate) endpoint: Option<String>,
    /// Output format: `table` for people, `json` for scripts (stable field names).
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub(crate) output: OutputFormat,
    /// More logging on stderr (-v info, -vv debug, -vvv trace).
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
}

impl GlobalArgs {
    /// Builds the [`Cloud`] the flags describe: the provider (required), and the region,
    /// profile and endpoint when given; credentials come from the provider's own chain.
    pub(crate) async fn cloud(&self) -> Result<Cloud, Error> {
        let provider = self.provider.ok_or_else(|| {
            Error::invalid_input(
                "no provider: pass --provider aws|tencent|alibaba or set UNICLOUD_PROVIDER",
            )
        })?;
        self.cloud_for(provider).await
    }

    /// The [`Cloud`] of `provider` (which the command decided, e.g. from an `s3://` URL) with
    /// the region, profile and endpoint flags.
    pub(crate) async fn cloud_for(&self, provider: Provider) -> Result<Cloud, Error> {
        let mut b = self.builder(provider);
        if let Some(r) = &self.region {
            b = b.region(r.clone());
        }
        b.build().await
    }

    /// The [`Fleet`] of the provider flag in each of `regions` (`--regions`, which replaces
    /// `--region`), with the profile and endpoint flags; the clouds share credentials and
    /// rate limits.
    pub(crate) async fn fleet(&self, regions: &[String]) -> Result<Fleet, Error> {
        let provider = self.provider.ok_or_else(|| {
            Error::invalid_input(
                "no provider: pass --provider aws|tencent|alibaba or set UNICLOUD_PROVIDER",
            )
        })?;
        self.builder(provider).build_regions(regions).await
    }

    fn builder(&self, provider: Provider) -> CloudBuilder {
        let mut b = Cloud::builder(provider);
        if let Some(p) = &self.profile {
            b = b.profile(p.clone());
        }
        if let Some(e) = &self.endpoint {
            b = b.endpoint(e.clone());
        }
        b
    }
}

/// An item with the region it was found in: in JSON, the item's own fields and `Region`.
#[derive(Debug, Serialize)]
pub(crate) struct InRegion<T> {
    /// The region.
    #[serde(rename = "Region")]
    pub(crate) region: String,
    /// The item.
    #[serde(flatten)]
    pub(crate) item: T,
}

/// Prints what a fan-out over several regions found — JSON items with their `Region`, or
/// the table `rows` makes of each item with a REGION column first — and then fails with
/// every region that could not be listed (the first one's kind decides the exit code).
pub(crate) fn print_regional<T: Serialize>(
    format: OutputFormat,
    report: FleetReport<T>,
    headers: &[&str],
    rows: impl Fn(&T) -> Vec<Vec<String>>,
) -> Result<(), Error> {
    let FleetReport {
        items, failures, ..
    } = report;
    let items: Vec<InRegion<T>> = items
        .into_iter()
        .map(|(region, item)| InRegion {
            region: region.as_str().to_owned(),
            item,
        })
        .collect();
    print(format, &items, || {
        let mut head = vec!["REGION"];
        head.extend_from_slice(headers);
        let mut table_rows = Vec::new();
        for i in &items {
            for mut row in rows(&i.item) {
                row.insert(0, i.region.clone());
                table_rows.push(row);
            }
        }
        table(&head, &table_rows)
    })?;
    let Some((_, first)) = failures.first() else {
        return Ok(());
    };
    let detail = failures
        .iter()
        .map(|(region, e)| format!("{region}: {e}"))
        .collect::<Vec<_>>()
        .join("; ");
    Err(Error::new(
        first.kind(),
        format!(
            "{} region(s) could not be listed (the others are shown): {detail}",
            failures.len()
        ),
    ))
}

fn parse_provider(s: &str) -> Result<Provider, String> {
    s.parse::<Provider>().map_err(|e| e.message().to_owned())
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// An aligned table.
    Table,
    /// JSON for scripts: the models' own serialization, with stable field names (`InstanceId`,
    /// `State`, ...).
    Json,
}

/// Writes a result to stdout: `value`'s own [`Serialize`] form as pretty JSON, or the table
/// `table_text` renders.
pub(crate) fn print<T: Serialize + ?Sized>(
    format: OutputFormat,
    value: &T,
    table_text: impl FnOnce() -> String,
) -> Result<(), Error> {
    let text = match format {
        OutputFormat::Json => {
            let mut s = serde_json::to_string_pretty(value).map_err(|e| {
                Error::new(ErrorKind::Other, format!("cannot render the result: {e}"))
            })?;
            s.push('\n');
            s
        }
        OutputFormat::Table => table_text(),
    };
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    Ok(())
}

/// A plain aligned table: a header row and rows, columns separated by two spaces.
pub(crate) fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut l = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            l.push_str(cell);
            if i + 1 < cells.len() {
                l.push_str(&" ".repeat(w - cell.chars().count() + 2));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(headers.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

/// A table cell for an optional value: the value, or `-` when absent or empty.
pub(crate) fn cell(s: Option<&str>) -> String {
    s.filter(|s| !s.is_empty()).unwrap_or("-").to_owned()
}

/// A spinner on an interactive stderr; nothing when piped or redirected.
pub(crate) fn spinner(message: String) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
        pb.set_style(style);
    }
    pb.set_message(message);
    pb.enable_steady_tick(Duration::from_millis(100));
    pb
}

/// The process exit code for an error: 2 invalid input, usage or configuration, 3
/// authentication or permission, 4 not found, 130 cancelled (Ctrl-C), 1 anything else.
pub(crate) fn exit_code(err: &Error) -> u8 {
    match err.kind() {
        ErrorKind::InvalidInput | ErrorKind::Config => 2,
        ErrorKind::Auth | ErrorKind::PermissionDenied => 3,
        ErrorKind::NotFound => 4,
        // As a shell reports a command stopped by SIGINT.
        ErrorKind::Cancelled => 130,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns() {
        let t = table(
            &["A", "LONGER"],
            &[
                vec!["xyz".into(), "1".into()],
                vec!["q".into(), "22".into()],
            ],
        );
        assert_eq!(t, "A    LONGER\nxyz  1\nq    22\n");
    }

    #[test]
    fn cells_show_a_dash_only_for_nothing() {
        assert_eq!(cell(Some("web")), "web");
        assert_eq!(cell(Some("")), "-");
        assert_eq!(cell(None), "-");
    }

    #[test]
    fn exit_codes_per_kind() {
        assert_eq!(exit_code(&Error::invalid_input("x")), 2);
        assert_eq!(exit_code(&Error::new(ErrorKind::Config, "x")), 2);
        assert_eq!(exit_code(&Error::new(ErrorKind::Auth, "x")), 3);
        assert_eq!(exit_code(&Error::new(ErrorKind::PermissionDenied, "x")), 3);
        assert_eq!(exit_code(&Error::new(ErrorKind::NotFound, "x")), 4);
        assert_eq!(exit_code(&Error::new(ErrorKind::Throttled, "x")), 1);
    }
}
