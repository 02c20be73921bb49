//! `unicloud storage …`: upload files and streams, read an object's head, list and abort
//! multipart uploads. The URL's scheme (`s3://`, `cos://`, `oss://`) picks the provider.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use unicloud::base::{Error, ErrorKind, Provider};
use unicloud::storage::{CancelToken, ObjectUrl, Progress, Storage, UploadOptions, UploadResult};

use crate::common::{self, GlobalArgs, OutputFormat};

/// The `storage` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum StorageCommand {
    /// Upload a file (or stdin with `-`) to s3://BUCKET/KEY, cos://BUCKET-APPID/KEY or
    /// oss://BUCKET/KEY; a URL ending in `/` takes the file's name as the last part of the key.
    ///
    /// The URL's scheme picks the cloud (a `--provider` naming another one is an error);
    /// credentials come from that cloud's usual chain. Objects up to one part go in a single
    /// request, larger ones in parallel parts; the checksum of the whole object is compared
    /// with what the cloud stored. A progress bar shows on a terminal. Ctrl-C aborts the
    /// multipart upload and exits 130; any other failure aborts it too, unless
    /// `--keep-on-failure`. Exit 0 means the whole object is stored and no multipart upload is
    /// left open for it.
    #[command(after_help = UPLOAD_EXAMPLES)]
    Upload(UploadArgs),
    /// Show an object's size, ETag, CRC64 (COS, OSS), content type, storage class and
    /// metadata.
    Head {
        /// s3://BUCKET/KEY, cos://BUCKET-APPID/KEY or oss://BUCKET/KEY.
        url: String,
    },
    /// List the multipart uploads left open in a bucket (optionally under a key prefix).
    ListUploads {
        /// s3://BUCKET[/PREFIX], cos://BUCKET-APPID[/PREFIX] or oss://BUCKET[/PREFIX].
        url: String,
    },
    /// Abort the multipart uploads of a bucket (optionally under a key prefix) started longer
    /// ago than `--older-than`, and list those aborted.
    AbortUploads {
        /// s3://BUCKET[/PREFIX], cos://BUCKET-APPID[/PREFIX] or oss://BUCKET[/PREFIX].
        url: String,
        /// Only uploads older than this: `90s`, `30m`, `12h`, `1d`.
        #[arg(long, value_name = "AGE", value_parser = parse_age)]
        older_than: Duration,
    },
}

const UPLOAD_EXAMPLES: &str = "Examples:
  unicloud storage upload build.tar.zst s3://artefacts/builds/ --part-size 16MiB --concurrency 8
  unicloud storage upload db.dump cos://backups-1250000000/db/db.dump --metadata host=db1
  pg_dump app | unicloud storage upload - oss://backups/db/app.sql
  unicloud storage upload db.dump cos://backups-1250000000/db/db.dump --resume UPLOAD_ID";

/// What `storage upload` takes.
#[derive(Debug, clap::Args)]
pub(crate) struct UploadArgs {
    /// The file to upload, or `-` for stdin.
    file: String,
    /// Where to: s3://BUCKET/KEY, cos://BUCKET-APPID/KEY or oss://BUCKET/KEY.
    url: String,
    /// Part size (`8MiB`, `16M`, `5242880`); at least S3 5 MiB, COS 1 MiB, OSS 100 KiB;
    /// raised automatically for files that would need more than 10,000 parts. Default 8 MiB.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    part_size: Option<u64>,
    /// Parts in flight at once (1–64). Default 4.
    #[arg(long, value_name = "N")]
    concurrency: Option<usize>,
    /// Objects up to this size go in one request. Default: the part size.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    single_request_threshold: Option<u64>,
    /// Content type (default: guessed from the file's extension).
    #[arg(long, value_name = "TYPE")]
    content_type: Option<String>,
    /// User metadata `NAME=VALUE` (repeatable).
    #[arg(long = "metadata", value_name = "NAME=VALUE", value_parser = parse_pair)]
    metadata: Vec<(String, String)>,
    /// The vendor's storage class (`STANDARD_IA`, `IA`, ...).
    #[arg(long, value_name = "CLASS")]
    storage_class: Option<String>,
    /// Server-side encryption algorithm (`AES256`, ...).
    #[arg(long, value_name = "ALGORITHM")]
    server_side_encryption: Option<String>,
    /// Resume this interrupted multipart upload: parts already stored with the right size and
    /// checksum are kept.
    #[arg(long, value_name = "UPLOAD_ID")]
    resume: Option<String>,
    /// On failure, keep the multipart upload open (its id is printed) instead of aborting it,
    /// to `--resume` it later.
    #[arg(long)]
    keep_on_failure: bool,
}

/// `8MiB`, `8M`, `100KiB`, `1G`, `5242880`.
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size (e.g. 8MiB, 100KiB, 5242880)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(format!("{s:?}: unknown unit (use KiB, MiB or GiB)")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("{s:?} is too large"))
}

/// `90s`, `30m`, `12h`, `1d`.
fn parse_age(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let (num, unit) = t.split_at(t.len().saturating_sub(1));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not an age (e.g. 90s, 30m, 12h, 1d)"))?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{s:?}: end the age in s, m, h or d")),
    };
    Ok(Duration::from_secs(n.saturating_mul(secs)))
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("{s:?}: expected NAME=VALUE")),
    }
}

/// The URL's provider; a `--provider` that names another cloud is an error.
fn provider_of(global: &GlobalArgs, url: &ObjectUrl) -> Result<Provider, Error> {
    match global.provider {
        Some(p) if p != url.provider => Err(Error::invalid_input(format!(
            "--provider {} disagrees with {url} (a {} URL)",
            p.as_str(),
            url.provider.display_name()
        ))),
        _ => Ok(url.provider),
    }
}

async fn storage_for(global: &GlobalArgs, url: &ObjectUrl) -> Result<Storage, Error> {
    let provider = provider_of(global, url)?;
    Ok(global.cloud_for(provider).await?.storage())
}

/// `err` with `message` instead of its own (every other fact kept), for the errors whose
/// vendor message does not say which bucket or object it is about.
fn reworded(err: Error, message: String) -> Error {
    let mut e = Error::new(err.kind(), message);
    if let Some(p) = err.provider() {
        e = e.with_provider(p);
    }
    if let Some(o) = err.operation() {
        e = e.with_operation(o.to_owned());
    }
    if let Some(c) = err.code() {
        e = e.with_code(c);
    }
    if let Some(r) = err.request_id() {
        e = e.with_request_id(r);
    }
    if let Some(s) = err.status() {
        e = e.with_status(s);
    }
    e.with_source(err)
}

/// Names the bucket in a missing-bucket error (the vendors' message says only "the specified
/// bucket does not exist").
fn name_the_bucket(err: Error, url: &ObjectUrl) -> Error {
    if err.code() == Some("NoSuchBucket") {
        let bucket = format!("{}://{}", ObjectUrl::scheme(url.provider), url.bucket);
        reworded(err, format!("bucket {bucket} does not exist"))
    } else {
        err
    }
}

/// Runs one `storage` subcommand.
pub(crate) async fn run(global: &GlobalArgs, command: &StorageCommand) -> Result<(), Error> {
    let format = global.output;
    match command {
        StorageCommand::Upload(a) => upload(global, a).await,
        StorageCommand::Head { url } => {
            let url: ObjectUrl = url.parse()?;
            if url.key.is_empty() {
                return Err(Error::invalid_input(format!(
                    "{url}: no object key (expected {}://BUCKET/KEY)",
                    ObjectUrl::scheme(url.provider)
                )));
            }
            let head = storage_for(global, &url)
                .await?
                .head_object(&url.bucket, &url.key)
                .await
                .map_err(|e| match e.kind() {
                    // A HEAD answer has no body: the vendor cannot say which one is missing.
                    ErrorKind::NotFound if e.code() != Some("NoSuchBucket") => {
                        reworded(e, format!("{url}: no such object (or no such bucket)"))
                    }
                    _ => name_the_bucket(e, &url),
                })?;
            let view = HeadView {
                url: url.to_string(),
                size: head.size,
                etag: head.etag.trim_matches('"').to_owned(),
                crc64: head.crc64.map(|c| c.to_string()),
                content_type: head.content_type.clone(),
                last_modified: head.last_modified.map(unicloud::base::time_fmt::rfc3339),
                storage_class: head.storage_class.clone(),
                version_id: head.version_id.clone(),
                metadata: head.metadata.iter().cloned().collect(),
            };
            common::print(format, &view, || {
                let mut rows = vec![
                    vec!["URL".into(), view.url.clone()],
                    vec!["SIZE".into(), view.size.to_string()],
                    vec!["ETAG".into(), view.etag.clone()],
                ];
                // S3 keeps no CRC-64: the row would always be empty there.
                if url.provider != Provider::Aws {
                    rows.push(vec!["CRC64".into(), common::cell(view.crc64.as_deref())]);
                }
                rows.extend([
                    vec![
                        "CONTENT-TYPE".into(),
                        common::cell(view.content_type.as_deref()),
                    ],
                    vec![
                        "LAST-MODIFIED".into(),
                        common::cell(view.last_modified.as_deref()),
                    ],
                    vec![
                        "STORAGE-CLASS".into(),
                        common::cell(view.storage_class.as_deref()),
                    ],
                ]);
                if let Some(v) = &view.version_id {
                    rows.push(vec!["VERSION-ID".into(), v.clone()]);
                }
                for (k, v) in &view.metadata {
                    rows.push(vec![format!("META {k}"), v.clone()]);
                }
                common::table(&["FIELD", "VALUE"], &rows)
            })
        }
        StorageCommand::ListUploads { url } => {
            let url: ObjectUrl = url.parse()?;
            let prefix = (!url.key.is_empty()).then_some(url.key.as_str());
            let uploads = storage_for(global, &url)
                .await?
                .list_multipart_uploads(&url.bucket, prefix)
                .await
                .map_err(|e| name_the_bucket(e, &url))?;
            if format == OutputFormat::Table && uploads.is_empty() {
                eprintln!("no multipart uploads open in {url}");
                return Ok(());
            }
            print_uploads(format, &uploads)
        }
        StorageCommand::AbortUploads { url, older_than } => {
            let url: ObjectUrl = url.parse()?;
            let prefix = (!url.key.is_empty()).then_some(url.key.as_str());
            let aborted = storage_for(global, &url)
                .await?
                .abort_stale_uploads(&url.bucket, prefix, *older_than)
                .await
                .map_err(|e| name_the_bucket(e, &url))?;
            if format == OutputFormat::Table {
                eprintln!(
                    "aborted {} multipart upload(s) in {url} started more than {} ago",
                    aborted.len(),
                    age(*older_than)
                );
                if aborted.is_empty() {
                    return Ok(());
                }
            }
            print_uploads(format, &aborted)
        }
    }
}

/// An age as `--older-than` takes it, in its largest whole unit.
fn age(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0 => "0s".to_owned(),
        _ if s.is_multiple_of(86_400) => format!("{}d", s / 86_400),
        _ if s.is_multiple_of(3600) => format!("{}h", s / 3600),
        _ if s.is_multiple_of(60) => format!("{}m", s / 60),
        _ => format!("{s}s"),
    }
}

/// An object's head as printed (JSON field names as `storage upload` prints its result).
#[derive(Debug, Serialize)]
struct HeadView {
    url: String,
    size: u64,
    etag: String,
    crc64: Option<String>,
    content_type: Option<String>,
    last_modified: Option<String>,
    storage_class: Option<String>,
    version_id: Option<String>,
    /// Names lower-case, without the vendor's prefix.
    metadata: BTreeMap<String, String>,
}

/// An open multipart upload as printed.
#[derive(Debug, Serialize)]
struct UploadView {
    key: String,
    upload_id: String,
    initiated: Option<String>,
}

fn print_uploads(
    format: OutputFormat,
    uploads: &[unicloud::base::object::MultipartUpload],
) -> Result<(), Error> {
    let views: Vec<UploadView> = uploads
        .iter()
        .map(|u| UploadView {
            key: u.key.clone(),
            upload_id: u.upload_id.clone(),
            initiated: u.initiated.map(unicloud::base::time_fmt::rfc3339),
        })
        .collect();
    common::print(format, &views, || {
        let rows: Vec<Vec<String>> = views
            .iter()
            .map(|v| {
                vec![
                    v.key.clone(),
                    v.upload_id.clone(),
                    common::cell(v.initiated.as_deref()),
                ]
            })
            .collect();
        common::table(&["KEY", "UPLOAD-ID", "INITIATED"], &rows)
    })
}

/// A progress bar with bytes, bytes/s and ETA on an interactive stderr; hidden otherwise.
fn progress_bar(total: Option<u64>) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = match total {
        Some(t) => ProgressBar::new(t),
        None => ProgressBar::no_length(),
    };
    let template = if total.is_some() {
        "{bar:32} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta} {msg}"
    } else {
        "{spinner} {bytes} {bytes_per_sec} {msg}"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        pb.set_style(style);
    }
    pb.enable_steady_tick(Duration::from_millis(200));
    pb
}

/// The bar's message after `done` of `total` parts: which part, then what the last step is.
fn progress_message(done: u32, total: Option<u32>) -> String {
    match total {
        Some(t) if done >= t && t > 0 => format!("{t} parts sent; completing…"),
        Some(t) => format!("part {done}/{t}"),
        None if done > 0 => format!("{done} part(s) sent"),
        None => String::new(),
    }
}

async fn upload(global: &GlobalArgs, a: &UploadArgs) -> Result<(), Error> {
    let mut url: ObjectUrl = a.url.parse()?;
    let stdin = a.file == "-";
    if url.key.is_empty() || url.key.ends_with('/') {
        if stdin {
            return Err(Error::invalid_input(format!(
                "{url}: give the full object key when reading stdin"
            )));
        }
        let name = Path::new(&a.file)
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| Error::invalid_input(format!("{}: no file name", a.file)))?;
        url.key.push_str(name);
    }
    if a.resume.is_some() && stdin {
        return Err(Error::invalid_input("--resume needs a file, not stdin"));
    }
    let total = if stdin {
        None
    } else {
        std::fs::metadata(&a.file).ok().map(|m| m.len())
    };
    // The client first: credential look-ups log nothing under a bar that is not there yet.
    let storage = storage_for(global, &url).await?;
    let pb = progress_bar(total);
    let bar = pb.clone();
    let cancel = CancelToken::new();
    let mut opts = UploadOptions::default()
        .with_cancel(cancel.clone())
        .with_keep_failed_upload(a.keep_on_failure)
        .with_progress(move |p: Progress| {
            bar.set_position(p.bytes_done);
            bar.set_message(progress_message(p.parts_done, p.parts_total));
        });
    opts.part_size = a.part_size;
    opts.concurrency = a.concurrency;
    opts.single_request_threshold = a.single_request_threshold;
    opts.put.content_type = a.content_type.clone();
    opts.put.metadata = a.metadata.clone();
    opts.put.storage_class = a.storage_class.clone();
    opts.put.server_side_encryption = a.server_side_encryption.clone();
    opts.resume_upload_id = a.resume.clone();

    let ctrl_c = {
        let cancel = cancel.clone();
        let bar = pb.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                bar.set_message("cancelled; aborting the upload…");
                cancel.cancel();
            }
        })
    };
    let result: Result<UploadResult, Error> = if stdin {
        storage
            .upload_reader(&url.bucket, &url.key, tokio::io::stdin(), &opts)
            .await
    } else {
        storage
            .upload_file(&url.bucket, &url.key, &a.file, &opts)
            .await
    };
    ctrl_c.abort();
    pb.finish_and_clear();
    let r = result.map_err(|e| name_the_bucket(e, &url))?;
    common::print(global.output, &r, || {
        let mut rows = vec![
            vec!["URL".into(), r.url.to_string()],
            vec!["SIZE".into(), r.size.to_string()],
            vec!["PARTS".into(), r.parts.to_string()],
        ];
        if r.parts_skipped > 0 {
            rows.push(vec![
                "PARTS-SKIPPED".into(),
                format!("{} (already stored)", r.parts_skipped),
            ]);
        }
        rows.push(vec!["ETAG".into(), r.etag.clone()]);
        rows.push(vec![
            "CHECKSUM".into(),
            format!(
                "{} {} ({})",
                r.checksum.algorithm,
                r.checksum.value,
                if r.checksum.verified {
                    "verified"
                } else {
                    "not reported by the service"
                }
            ),
        ]);
        rows.push(vec!["CONTENT-TYPE".into(), r.content_type.clone()]);
        if let Some(v) = &r.version_id {
            rows.push(vec!["VERSION-ID".into(), v.clone()]);
        }
        common::table(&["FIELD", "VALUE"], &rows)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sizes_ages_and_pairs_parse() {
        assert_eq!(parse_size("8MiB"), Ok(8 << 20));
        assert_eq!(parse_size("100KiB"), Ok(100 << 10));
        assert_eq!(parse_size("5242880"), Ok(5_242_880));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert!(parse_size("8XB").is_err());
        assert!(parse_size("MiB").is_err());
        assert!(parse_size("99999999999999GiB").is_err());
        assert_eq!(parse_age("1d"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_age("90s"), Ok(Duration::from_secs(90)));
        assert!(parse_age("1w").is_err());
        assert!(parse_age("").is_err());
        assert_eq!(parse_pair("a=b=c"), Ok(("a".into(), "b=c".into())));
        assert!(parse_pair("=x").is_err());
    }

    #[test]
    fn ages_print_as_they_are_given() {
        for a in ["0s", "90s", "30m", "12h", "1d", "7d"] {
            assert_eq!(age(parse_age(a).unwrap()), a);
        }
        assert_eq!(age(parse_age("120m").unwrap()), "2h");
    }

    #[test]
    fn the_bar_says_when_the_parts_are_all_sent() {
        assert_eq!(progress_message(3, Some(38)), "part 3/38");
        assert_eq!(progress_message(38, Some(38)), "38 parts sent; completing…");
        assert_eq!(progress_message(2, None), "2 part(s) sent");
        assert_eq!(progress_message(0, None), "");
    }
}
