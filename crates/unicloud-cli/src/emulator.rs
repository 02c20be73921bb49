//! `unicloud emulator`: the local multi-cloud emulator in the foreground.
//!
//! The first line on stdout names the endpoint it bound (so `--listen 127.0.0.1:0` can be used
//! by scripts and tests: read the line, no port guessing); then how to point the CLI at it.

use std::io::Write;

use unicloud::base::credentials::EnvProvider;
use unicloud::base::{Error, ErrorKind, Provider};
use unicloud::storage::ObjectUrl;
use unicloud_emulator::DEMO_KEYS;
use unicloud_emulator::cli::EmulatorArgs;

/// Serves until Ctrl-C.
pub(crate) async fn run(args: &EmulatorArgs) -> Result<(), Error> {
    let builder = args
        .builder()
        .map_err(|msg| Error::new(ErrorKind::Config, msg))?;
    let handle = builder.start().await.map_err(|e| {
        Error::new(
            ErrorKind::Config,
            format!("cannot listen on {}: {e}", args.listen),
        )
    })?;
    let url = handle.base_url();
    let mut text = format!(
        "unicloud emulator listening on {url} for AWS, Tencent Cloud and Alibaba Cloud; Ctrl-C stops it\n"
    );
    if args.keys.is_empty() {
        text.push_str("It accepts the demo keys; in another terminal:\n");
        for (provider, id, secret) in DEMO_KEYS {
            let [id_var, secret_var, _] = EnvProvider::variable_names(provider);
            text.push_str(&format!("  export {id_var}={id} {secret_var}={secret}\n"));
        }
        text.push_str(&format!(
            "  unicloud --provider tencent --endpoint {url} compute describe-instances\n"
        ));
        // With a bucket, how to upload to it (the URL's scheme picks the cloud).
        if let Some((provider, bucket)) = args
            .buckets
            .first()
            .and_then(|b| b.split_once(':'))
            .and_then(|(p, b)| Some((p.parse::<Provider>().ok()?, b)))
        {
            text.push_str(&format!(
                "  unicloud --endpoint {url} storage upload FILE {}://{bucket}/\n",
                ObjectUrl::scheme(provider)
            ));
        }
    } else {
        text.push_str(&format!(
            "It accepts the {} key pair(s) given with --key.\n",
            args.keys.len()
        ));
    }
    {
        let mut out = std::io::stdout().lock();
        // Nobody reading stdout is no reason to stop serving.
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }
    tracing::info!("unicloud emulator listening on {url}");
    let _ = tokio::signal::ctrl_c().await;
    handle.shutdown().await;
    Ok(())
}
