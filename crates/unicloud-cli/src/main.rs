//! `unicloud`: one command line for AWS, Tencent Cloud and Alibaba Cloud.
//!
//! ```text
//! unicloud demo                                   # the whole idea, on the embedded emulator
//! unicloud --provider tencent --region ap-guangzhou compute describe-instances --filter state=running
//! unicloud -p aws -o json compute create-instances --image ami-... --instance-type t3.micro --count 2
//! unicloud -p alibaba compute wait --state stopped --id i-...
//! unicloud emulator --listen 127.0.0.1:4566        # the emulator in the foreground
//! unicloud completions zsh
//! ```
//!
//! Exit codes: 0 success, 2 usage or invalid input, 3 authentication or permission, 4 not
//! found, 1 anything else. Errors are one line on stderr with the kind, the provider's code and
//! its request id.

// A command-line tool writes to stdout and stderr by design.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod commands;
mod demo;
mod output;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use unicloud::core::Error;

use crate::args::{Args, Command};

fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let mut filter = tracing_subscriber::EnvFilter::try_from_env("UNICLOUD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    // At TRACE the AWS SDK logs canonical requests and raw request headers, which carry the
    // session token; these targets are capped whatever the user asks for.
    for capped in [
        "aws_sigv4=debug",
        "aws_smithy_runtime=debug",
        "aws_smithy_runtime_api=debug",
    ] {
        if let Ok(d) = capped.parse() {
            filter = filter.add_directive(d);
        }
    }
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

async fn run(args: Args) -> Result<(), Error> {
    match &args.command {
        Command::Compute(c) => commands::run(&args, c).await,
        Command::Demo(d) => demo::run(d).await,
        Command::Emulator(e) => e
            .clone()
            .run()
            .await
            .map_err(|msg| Error::new(unicloud::core::ErrorKind::Config, msg)),
        Command::Completions { shell } => {
            let mut cmd = Args::command();
            clap_complete::generate(*shell, &mut cmd, "unicloud", &mut std::io::stdout());
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    init_tracing(args.verbose);
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
            eprintln!("unicloud: {err}");
            ExitCode::from(commands::exit_code(&err))
        }
    }
}
