//! The `compute` subcommands.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};
use unicloud::Cloud;
use unicloud::compute::{CreateInstancesSpec, Filters, InstanceState};
use unicloud::core::{Error, ErrorKind};

use crate::args::{Args, ComputeCommand, CreateArgs, OutputFormat};
use crate::output;

/// Builds the [`Cloud`] the global flags describe.
pub(crate) async fn cloud(args: &Args) -> Result<Cloud, Error> {
    let provider = args.provider.ok_or_else(|| {
        Error::invalid_input(
            "no provider: pass --provider aws|tencent|alibaba or set UNICLOUD_PROVIDER",
        )
    })?;
    let mut b = Cloud::builder(provider);
    if let Some(r) = &args.region {
        b = b.region(r.clone());
    }
    if let Some(p) = &args.profile {
        b = b.profile(p.clone());
    }
    if let Some(e) = &args.endpoint {
        b = b.endpoint(e.clone());
    }
    b.build().await
}

/// Parses `KEY=VALUE[,VALUE...]` filters into unified [`Filters`].
pub(crate) fn parse_filters(raw: &[String]) -> Result<Filters, Error> {
    let mut filters = Filters::new();
    for f in raw {
        let Some((key, values)) = f.split_once('=') else {
            return Err(Error::invalid_input(format!(
                "filter `{f}`: expected KEY=VALUE[,VALUE...]"
            )));
        };
        let values: Vec<&str> = values
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect();
        if values.is_empty() {
            return Err(Error::invalid_input(format!("filter `{f}` has no value")));
        }
        filters = filters.with(key.trim(), values)?;
    }
    Ok(filters)
}

fn parse_tag(raw: &str) -> Result<(String, String), Error> {
    match raw.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.to_owned())),
        _ => Err(Error::invalid_input(format!(
            "tag `{raw}`: expected KEY=VALUE"
        ))),
    }
}

fn spec(a: &CreateArgs) -> Result<CreateInstancesSpec, Error> {
    let mut s = CreateInstancesSpec::new(a.image.clone(), a.instance_type.clone())
        .count(a.count)
        .dry_run(a.dry_run);
    if let Some(z) = &a.zone {
        s = s.zone(z.clone());
    }
    if let Some(v) = &a.subnet {
        s = s.subnet(v.clone());
    }
    if let Some(v) = &a.vpc {
        s = s.vpc(v.clone());
    }
    for g in &a.security_groups {
        s = s.security_group(g.clone());
    }
    if let Some(n) = &a.name {
        s = s.name(n.clone());
    }
    for t in &a.tags {
        let (k, v) = parse_tag(t)?;
        s = s.tag(k, v);
    }
    if let Some(k) = &a.key_pair {
        s = s.key_pair(k.clone());
    }
    if let Some(path) = &a.user_data_file {
        let data = std::fs::read_to_string(path).map_err(|e| {
            Error::invalid_input(format!("cannot read user data {}: {e}", path.display()))
        })?;
        s = s.user_data(data);
    }
    if let Some(t) = &a.client_token {
        s = s.client_token(t.clone());
    }
    Ok(s)
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

/// Runs one `compute` subcommand.
pub(crate) async fn run(args: &Args, command: &ComputeCommand) -> Result<(), Error> {
    // Input errors in the command itself come before any credentials are looked up.
    let format = args.output;
    match command {
        ComputeCommand::DescribeInstances { ids, filters } => {
            let filters = parse_filters(filters)?;
            let compute = cloud(args).await?.compute()?;
            let instances = compute.list_instances(ids, &filters).await?;
            let value = Value::Array(instances.iter().map(output::instance_json).collect());
            output::print(format, &value, || {
                let (h, rows) = output::instance_rows(&instances);
                output::table(&h, &rows)
            });
        }
        ComputeCommand::CreateInstances(a) => {
            let spec = spec(a)?;
            let compute = cloud(args).await?.compute()?;
            let ids = compute.create_instances(&spec).await?;
            let value = json!({ "InstanceIds": ids, "DryRun": a.dry_run });
            output::print(format, &value, || {
                if a.dry_run {
                    "dry run: the request would have succeeded\n".to_owned()
                } else {
                    ids.iter().map(|id| format!("{id}\n")).collect()
                }
            });
        }
        ComputeCommand::Start(ids) => {
            let compute = cloud(args).await?.compute()?;
            print_changes(format, &compute.start_instances(&ids.ids).await?);
        }
        ComputeCommand::Stop { ids, force } => {
            let compute = cloud(args).await?.compute()?;
            print_changes(format, &compute.stop_instances(&ids.ids, *force).await?);
        }
        ComputeCommand::Destroy(ids) => {
            let compute = cloud(args).await?.compute()?;
            print_changes(format, &compute.destroy_instances(&ids.ids).await?);
        }
        ComputeCommand::Wait {
            ids,
            state,
            timeout,
        } => {
            let target: InstanceState = state.parse()?;
            if *timeout == 0 {
                return Err(Error::invalid_input("--timeout must be at least 1 second"));
            }
            let compute = cloud(args).await?.compute()?;
            let pb = spinner(format!(
                "waiting for {} instance(s) to be {target}",
                ids.ids.len()
            ));
            let result = compute
                .wait_until(&ids.ids, target, Duration::from_secs(*timeout))
                .await;
            pb.finish_and_clear();
            let instances = result?;
            let value = Value::Array(instances.iter().map(output::instance_json).collect());
            output::print(format, &value, || {
                let (h, rows) = output::instance_rows(&instances);
                output::table(&h, &rows)
            });
        }
    }
    Ok(())
}

fn print_changes(format: OutputFormat, changes: &[unicloud::compute::StateChange]) {
    let value = Value::Array(changes.iter().map(output::change_json).collect());
    output::print(format, &value, || {
        let rows: Vec<Vec<String>> = changes
            .iter()
            .map(|c| {
                vec![
                    c.id.clone(),
                    c.previous
                        .as_ref()
                        .map_or("-".to_owned(), |s| s.as_str().to_owned()),
                    c.current.as_str().to_owned(),
                ]
            })
            .collect();
        output::table(&["INSTANCE ID", "PREVIOUS", "CURRENT"], &rows)
    });
}

/// The process exit code for an error: 2 invalid input/usage, 3 authentication or permission,
/// 4 not found, 1 anything else.
pub(crate) fn exit_code(err: &Error) -> u8 {
    match err.kind() {
        ErrorKind::InvalidInput | ErrorKind::Config => 2,
        ErrorKind::Auth | ErrorKind::PermissionDenied => 3,
        ErrorKind::NotFound => 4,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_the_cli_form() {
        let f = parse_filters(&["state=running,stopped".into(), "tag:env=prod".into()]).unwrap();
        assert!(!f.is_empty());
        assert_eq!(
            parse_filters(&["bogus=1".into()]).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(
            parse_filters(&["state".into()]).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(
            parse_filters(&["state=".into()]).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
    }

    #[test]
    fn tags_need_a_key() {
        assert_eq!(
            parse_tag("env=prod").unwrap(),
            ("env".into(), "prod".into())
        );
        assert_eq!(
            parse_tag("empty=").unwrap(),
            ("empty".into(), String::new())
        );
        assert!(parse_tag("=x").is_err());
        assert!(parse_tag("novalue").is_err());
    }

    #[test]
    fn exit_codes_per_kind() {
        assert_eq!(exit_code(&Error::invalid_input("x")), 2);
        assert_eq!(exit_code(&Error::new(ErrorKind::Auth, "x")), 3);
        assert_eq!(exit_code(&Error::new(ErrorKind::PermissionDenied, "x")), 3);
        assert_eq!(exit_code(&Error::new(ErrorKind::NotFound, "x")), 4);
        assert_eq!(exit_code(&Error::new(ErrorKind::Throttled, "x")), 1);
    }
}
