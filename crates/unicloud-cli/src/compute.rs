//! `unicloud compute …`: describe, create, start, stop, destroy and wait for instances.

use std::path::PathBuf;
use std::time::Duration;

use clap::Subcommand;
use serde::Serialize;
use unicloud::Fleet;
use unicloud::base::Error;
use unicloud::compute::{
    CreateInstancesSpec, Filters, Instance, InstanceQuery, InstanceState, StateChange, StopMode,
};

use crate::common::{self, GlobalArgs, OutputFormat};

/// The `compute` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum ComputeCommand {
    /// List instances, following every page.
    DescribeInstances {
        /// Only these instances (repeatable).
        #[arg(long = "id", value_name = "ID")]
        ids: Vec<String>,
        /// A filter `KEY=VALUE[,VALUE...]` (repeatable). Keys: state, name, zone, vpc, subnet,
        /// image, instance-type, private-ip, tag:<key>.
        #[arg(long = "filter", value_name = "KEY=VALUE[,VALUE...]")]
        filters: Vec<String>,
        /// List in each of these regions at once (comma-separated or repeated; replaces
        /// --region); a region that fails is reported and the others are still listed.
        #[arg(long = "regions", value_name = "REGION,...", value_delimiter = ',')]
        regions: Vec<String>,
    },
    /// Create instances; prints the new ids.
    CreateInstances(Box<CreateArgs>),
    /// Start stopped instances.
    Start(IdsArgs),
    /// Stop running instances.
    Stop {
        #[command(flatten)]
        ids: IdsArgs,
        /// Stop at once, like pulling the plug.
        #[arg(long)]
        force: bool,
    },
    /// Destroy (terminate, release) instances.
    Destroy(IdsArgs),
    /// Wait until instances reach a state.
    Wait {
        #[command(flatten)]
        ids: IdsArgs,
        /// The state to wait for: running, stopped, terminated, ...
        #[arg(long)]
        state: String,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 600, value_name = "SECONDS")]
        timeout: u64,
    },
}

/// One or more instance ids.
#[derive(Debug, clap::Args)]
pub(crate) struct IdsArgs {
    /// An instance id (repeatable).
    #[arg(long = "id", value_name = "ID", required = true)]
    pub(crate) ids: Vec<String>,
}

/// What to create.
#[derive(Debug, clap::Args)]
pub(crate) struct CreateArgs {
    /// The image (AMI, Tencent image id, Alibaba image id).
    #[arg(long)]
    pub(crate) image: String,
    /// The instance type, e.g. t3.micro, S5.MEDIUM2, ecs.g7.large.
    #[arg(long = "instance-type")]
    pub(crate) instance_type: String,
    /// How many instances.
    #[arg(long, default_value_t = 1)]
    pub(crate) count: u32,
    /// The availability zone.
    #[arg(long)]
    pub(crate) zone: Option<String>,
    /// The subnet (AWS, Tencent) or vSwitch (Alibaba).
    #[arg(long)]
    pub(crate) subnet: Option<String>,
    /// The VPC (needed with a subnet on Tencent Cloud).
    #[arg(long)]
    pub(crate) vpc: Option<String>,
    /// A security group (repeatable).
    #[arg(long = "security-group", value_name = "ID")]
    pub(crate) security_groups: Vec<String>,
    /// The instances' name.
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// A tag `KEY=VALUE` (repeatable).
    #[arg(long = "tag", value_name = "KEY=VALUE")]
    pub(crate) tags: Vec<String>,
    /// The key pair to log in with.
    #[arg(long = "key-pair")]
    pub(crate) key_pair: Option<String>,
    /// A file whose content is passed as user data.
    #[arg(long = "user-data-file", value_name = "PATH")]
    pub(crate) user_data_file: Option<PathBuf>,
    /// Check permissions and parameters without creating anything.
    #[arg(long = "dry-run")]
    pub(crate) dry_run: bool,
    /// The idempotency token (default: a new one per invocation).
    #[arg(long = "client-token")]
    pub(crate) client_token: Option<String>,
}

/// The JSON result of `create-instances`.
#[derive(Debug, Serialize)]
struct Created<'a> {
    #[serde(rename = "InstanceIds")]
    ids: &'a [String],
    #[serde(rename = "DryRun")]
    dry_run: bool,
}

/// `--force` as a stop mode.
fn stop_mode(force: bool) -> StopMode {
    if force {
        StopMode::Force
    } else {
        StopMode::Graceful
    }
}

/// Runs one `compute` subcommand.
pub(crate) async fn run(global: &GlobalArgs, command: &ComputeCommand) -> Result<(), Error> {
    // Input errors in the command itself come before any credentials are looked up.
    let format = global.output;
    match command {
        ComputeCommand::DescribeInstances {
            ids,
            filters,
            regions,
        } => {
            let filters = parse_filters(filters)?;
            if !regions.is_empty() {
                let fleet = global.fleet(regions).await?;
                let found =
                    fleet.describe_instances(InstanceQuery::ids(ids).with_filters(filters))?;
                let report = Fleet::collect(found).await;
                return common::print_regional(format, report, &INSTANCE_HEADERS, |i| {
                    vec![instance_row(i)]
                });
            }
            let compute = global.cloud().await?.compute();
            let instances = compute
                .list_instances(InstanceQuery::ids(ids).with_filters(filters))
                .await?;
            print_instances(format, &instances)
        }
        ComputeCommand::CreateInstances(a) => {
            let spec = spec(a)?;
            let compute = global.cloud().await?.compute();
            let ids = compute.create_instances(&spec).await?;
            let created = Created {
                ids: &ids,
                dry_run: a.dry_run,
            };
            common::print(format, &created, || {
                if a.dry_run {
                    "dry run: the request would have succeeded\n".to_owned()
                } else {
                    ids.iter().map(|id| format!("{id}\n")).collect()
                }
            })
        }
        ComputeCommand::Start(ids) => {
            let compute = global.cloud().await?.compute();
            print_changes(format, &compute.start_instances(&ids.ids).await?)
        }
        ComputeCommand::Stop { ids, force } => {
            let compute = global.cloud().await?.compute();
            print_changes(
                format,
                &compute.stop_instances(&ids.ids, stop_mode(*force)).await?,
            )
        }
        ComputeCommand::Destroy(ids) => {
            let compute = global.cloud().await?.compute();
            print_changes(format, &compute.destroy_instances(&ids.ids).await?)
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
            let compute = global.cloud().await?.compute();
            let pb = common::spinner(format!(
                "waiting for {} instance(s) to be {target}",
                ids.ids.len()
            ));
            let result = compute
                .wait_until(&ids.ids, target, Duration::from_secs(*timeout))
                .await;
            pb.finish_and_clear();
            print_instances(format, &result?)
        }
    }
}

/// Parses `KEY=VALUE[,VALUE...]` filters into unified [`Filters`].
fn parse_filters(raw: &[String]) -> Result<Filters, Error> {
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

/// Instances as JSON (the model's own serialization) or as a table.
fn print_instances(format: OutputFormat, instances: &[Instance]) -> Result<(), Error> {
    common::print(format, instances, || instance_table(instances))
}

/// State changes as JSON (the model's own serialization) or as a table.
fn print_changes(format: OutputFormat, changes: &[StateChange]) -> Result<(), Error> {
    common::print(format, changes, || {
        let rows: Vec<Vec<String>> = changes
            .iter()
            .map(|c| {
                vec![
                    c.id.clone(),
                    common::cell(c.previous.as_ref().map(InstanceState::as_str)),
                    c.current.as_str().to_owned(),
                ]
            })
            .collect();
        common::table(&["INSTANCE ID", "PREVIOUS", "CURRENT"], &rows)
    })
}

/// Every tag as `key=value`, comma-joined in key order; `-` only when there is none.
///
/// The `Name` tag is listed too: on AWS the name *is* that tag, and a TAGS column that hid it
/// would claim an instance tagged `Name=web` has no tags.
fn tags_cell(instance: &Instance) -> String {
    if instance.tags.is_empty() {
        return "-".to_owned();
    }
    instance
        .tags
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The columns of the instance table.
const INSTANCE_HEADERS: [&str; 8] = [
    "PROVIDER",
    "INSTANCE ID",
    "NAME",
    "STATE",
    "TYPE",
    "ZONE",
    "PRIVATE IP",
    "TAGS",
];

/// One instance's row: provider, id, name, state, type, zone, primary private IP, tags.
fn instance_row(i: &Instance) -> Vec<String> {
    vec![
        i.provider.as_str().to_owned(),
        i.id.clone(),
        common::cell(i.name.as_deref()),
        i.state.as_str().to_owned(),
        common::cell(i.instance_type.as_deref()),
        common::cell(i.zone.as_deref()),
        common::cell(i.private_ip()),
        tags_cell(i),
    ]
}

/// The table of instances.
pub(crate) fn instance_table(instances: &[Instance]) -> String {
    let rows: Vec<Vec<String>> = instances.iter().map(instance_row).collect();
    common::table(&INSTANCE_HEADERS, &rows)
}

#[cfg(test)]
mod tests {
    use unicloud::base::{ErrorKind, Provider};

    use super::*;

    #[test]
    fn filters_parse_the_cli_form() {
        let f = parse_filters(&["state=running,stopped".into(), "tag:env=prod".into()]).unwrap();
        assert_eq!(
            f,
            Filters::new()
                .state([InstanceState::Running, InstanceState::Stopped])
                .tag("env", ["prod"])
        );
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

    fn web(tags: &[(&str, &str)]) -> Instance {
        let mut i = Instance::new(Provider::Aws, "i-1", InstanceState::Running);
        i.name = Some("web".into());
        for (k, v) in tags {
            i.tags.insert((*k).into(), (*v).into());
        }
        i
    }

    #[test]
    fn the_tags_column_lists_every_tag_and_a_dash_only_for_none() {
        assert_eq!(tags_cell(&web(&[("Name", "web")])), "Name=web");
        assert_eq!(
            tags_cell(&web(&[("Name", "web"), ("env", "prod"), ("app", "shop")])),
            "Name=web,app=shop,env=prod"
        );
        assert_eq!(tags_cell(&web(&[])), "-");

        let table = instance_table(&[web(&[("Name", "web")])]);
        let mut lines = table.lines();
        let header: Vec<&str> = lines
            .next()
            .unwrap()
            .split("  ")
            .filter(|c| !c.is_empty())
            .collect();
        let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
        assert_eq!(header.last(), Some(&"TAGS"));
        assert_eq!(row.last(), Some(&"Name=web"), "{table}");
    }
}
