//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use unicloud::core::Provider;

/// One CLI for AWS, Tencent Cloud and Alibaba Cloud.
///
/// Credentials come from each provider's usual places: environment variables, credential files
/// (`~/.aws/…`, `~/.tencentcloud/credentials`, `~/.alibabacloud/credentials`,
/// `~/.aliyun/config.json`; pick one with `--profile`) or the instance role.
#[derive(Debug, Parser)]
#[command(name = "unicloud", version, propagate_version = true)]
pub(crate) struct Args {
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
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// An aligned table.
    Table,
    /// JSON for scripts, with stable field names (`InstanceId`, `State`, ...).
    Json,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Instances: describe, create, start, stop, destroy, wait.
    #[command(subcommand)]
    Compute(ComputeCommand),
    /// Run the local multi-cloud emulator in the foreground.
    Emulator(unicloud_emulator::cli::EmulatorArgs),
    /// Start the emulator in-process and walk through a create/stop/start/destroy on all three
    /// clouds.
    Demo(DemoArgs),
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

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

#[derive(Debug, clap::Args)]
pub(crate) struct IdsArgs {
    /// An instance id (repeatable).
    #[arg(long = "id", value_name = "ID", required = true)]
    pub(crate) ids: Vec<String>,
}

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

#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {
    /// How long each transition (pending → running, ...) takes on the emulator, in ms.
    #[arg(long, default_value_t = 1200)]
    pub(crate) transition_delay_ms: u64,
    /// Instances per cloud.
    #[arg(long, default_value_t = 2)]
    pub(crate) count: u32,
}

fn parse_provider(s: &str) -> Result<Provider, String> {
    s.parse::<Provider>().map_err(|e| e.message().to_owned())
}
