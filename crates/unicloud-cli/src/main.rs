//! `unicloud`: one command line for AWS, Tencent Cloud and Alibaba Cloud.
//!
//! ```text
//! unicloud demo                                   # the whole idea, on the embedded emulator
//! unicloud --provider tencent --region ap-guangzhou compute describe-instances --filter state=running
//! unicloud -p aws -o json compute create-instances --image ami-... --instance-type t3.micro --count 2
//! unicloud -p alibaba compute wait --state stopped --id i-...
//! unicloud -p aws network describe-route-tables --filter vpc=vpc-...
//! unicloud -p aws network replace-routes --table rtb-... --route 10.8.0.0/16=instance:i-...
//! unicloud -p tencent lb register --pool lb-.../lbl-... --backend ins-...:80:10 --wait
//! unicloud -p alibaba lb describe-health --pool lb-...:80
//! unicloud storage upload backup.tar.zst s3://my-bucket/backups/ --concurrency 8
//! unicloud storage abort-uploads oss://my-bucket --older-than 1d
//! unicloud emulator --listen 127.0.0.1:4566        # the emulator in the foreground
//! unicloud completions zsh
//! ```
//!
//! Exit codes: 0 success, 2 usage or invalid input, 3 authentication or permission, 4 not
//! found, 130 cancelled (Ctrl-C during an upload; the multipart upload is aborted), 1 anything else. Errors are one line on stderr with the kind, the provider's code and
//! its request id.
//!
//! Layout: one module per service (`compute`, `network`, `lb`, `storage`) with
//! its subcommands' arguments and handlers, and `common` for what they share (the global flags
//! and the `Cloud` they build, output, exit codes). `demo` and `emulator` exist with the
//! default cargo feature `emulator` only.

// A command-line tool writes to stdout and stderr by design.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod common;
mod compute;
#[cfg(feature = "emulator")]
mod demo;
#[cfg(feature = "emulator")]
mod emulator;
mod lb;
mod logging;
mod network;
mod storage;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use unicloud::base::Error;

use crate::common::GlobalArgs;

/// One CLI for AWS, Tencent Cloud and Alibaba Cloud.
///
/// Credentials come from each provider's usual places: environment variables, credential files
/// (`~/.aws/…`, `~/.tencentcloud/credentials`, `~/.alibabacloud/credentials`,
/// `~/.aliyun/config.json`; pick one with `--profile`) or the instance role.
#[derive(Debug, Parser)]
#[command(name = "unicloud", version, propagate_version = true)]
struct Args {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Instances: describe, create, start, stop, destroy, wait.
    #[command(subcommand)]
    Compute(compute::ComputeCommand),
    /// Route tables: describe; create, replace and delete routes, all or nothing.
    #[command(subcommand)]
    Network(network::NetworkCommand),
    /// Load-balancer backends: describe health, register, deregister.
    #[command(subcommand)]
    Lb(lb::LbCommand),
    /// Object storage: upload files and streams, heads, open multipart uploads.
    #[command(subcommand)]
    Storage(storage::StorageCommand),
    /// Run the local multi-cloud emulator in the foreground.
    #[cfg(feature = "emulator")]
    Emulator(unicloud_emulator::cli::EmulatorArgs),
    /// Start the emulator in-process and walk through a create/stop/start/destroy on all three
    /// clouds.
    #[cfg(feature = "emulator")]
    Demo(demo::DemoArgs),
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

async fn run(args: Args) -> Result<(), Error> {
    match &args.command {
        Command::Compute(c) => compute::run(&args.global, c).await,
        Command::Network(n) => network::run(&args.global, n).await,
        Command::Lb(l) => lb::run(&args.global, l).await,
        Command::Storage(s) => storage::run(&args.global, s).await,
        #[cfg(feature = "emulator")]
        Command::Demo(d) => demo::run(d).await,
        #[cfg(feature = "emulator")]
        Command::Emulator(e) => emulator::run(e).await,
        Command::Completions { shell } => {
            let mut cmd = Args::command();
            clap_complete::generate(*shell, &mut cmd, "unicloud", &mut std::io::stdout());
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    logging::init(args.global.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("unicloud: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("unicloud: {}", one_line(&err.to_string()));
            ExitCode::from(common::exit_code(&err))
        }
    }
}

/// `text` on one line: every line break (and the blanks around it) becomes one space, so an
/// error stays one line on stderr whatever a service put in its message.
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_printed_on_one_line() {
        assert_eq!(
            one_line("auth: bad.\nStringToSign:\r\n  x\n\n[oss]"),
            "auth: bad. StringToSign: x [oss]"
        );
        assert_eq!(one_line("not-found: gone [aws]"), "not-found: gone [aws]");
    }

    #[test]
    fn the_command_line_is_consistent() {
        Args::command().debug_assert();
    }
}
