//! Object-storage cases, written once against the unified storage API. Bytes are read back
//! through each vendor's own client (aws-sdk-s3, the COS and OSS clients), not through the
//! emulator, so the same checks hold on moto.

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use unicloud::base::object::MultipartUpload;
use unicloud::base::{Credentials, ErrorKind, Provider};
use unicloud::storage::{CancelToken, MIB, Storage, UploadOptions};
use unicloud_emulator::FaultKind;

use crate::harness::Ctx;

/// A bucket name of the provider's form, unique to the case run.
fn bucket(ctx: &Ctx, tag: &str) -> String {
    let run: String = ctx
        .run
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect::<String>()
        .to_ascii_lowercase();
    match ctx.provider {
        Provider::Tencent => format!("suite-{tag}-{run}-1250000000"),
        _ => format!("suite-{tag}-{run}"),
    }
}

async fn storage_with(ctx: &Ctx, creds: Credentials) -> Storage {
    ctx.cloud_builder(creds, &ctx.config())
        .build()
        .await
        .unwrap()
        .storage()
}

async fn storage(ctx: &Ctx) -> Storage {
    storage_with(ctx, ctx.credentials()).await
}

/// A deterministic, non-repeating-looking payload.
fn payload(len: usize, seed: u8) -> Vec<u8> {
    let mut x: u32 = 0x9E37_79B9 ^ u32::from(seed);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn temp_file(bytes: &[u8], name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
    (dir, path)
}

/// The object's bytes, read through the vendor's own client.
async fn read_back(ctx: &Ctx, bucket: &str, key: &str) -> Vec<u8> {
    match ctx.provider {
        Provider::Aws => {
            use aws_sdk_s3::config;
            let conf = config::Builder::new()
                .behavior_version(config::BehaviorVersion::latest())
                .region(config::Region::new(ctx.region().as_str().to_owned()))
                .endpoint_url(&ctx.endpoint)
                .force_path_style(true)
                .credentials_provider(config::Credentials::new(
                    &ctx.key_id,
                    &ctx.secret,
                    None,
                    None,
                    "suite",
                ))
                .build();
            let out = aws_sdk_s3::Client::from_conf(conf)
                .get_object()
                .bucket(bucket)
                .key(key)
                .send()
                .await
                .unwrap();
            out.body.collect().await.unwrap().into_bytes().to_vec()
        }
        Provider::Tencent => unicloud_tencent::cos::CosClient::builder(ctx.region())
            .credentials(ctx.credentials())
            .config(ctx.config())
            .build()
            .unwrap()
            .get_object(bucket, key, None)
            .await
            .unwrap()
            .to_vec(),
        _ => unicloud_alibaba::oss::OssClient::builder(ctx.region())
            .credentials(ctx.credentials())
            .config(ctx.config())
            .build()
            .unwrap()
            .get_object(bucket, key, None)
            .await
            .unwrap()
            .to_vec(),
    }
}

async fn open_uploads(s: &Storage, bucket: &str) -> Vec<MultipartUpload> {
    s.list_multipart_uploads(bucket, None).await.unwrap()
}

/// A small file in one request, a 40 MiB file in 5 MiB parts, an empty file and an exact
/// multiple of the part size: bytes, sizes, checksums and metadata read back.
pub async fn storage_uploads(ctx: &Ctx) {
    let p = ctx.provider;
    let s = storage(ctx).await;
    let b = bucket(ctx, "up");
    s.create_bucket(&b).await.unwrap();

    let small = b"hello from the behaviour suite\n".to_vec();
    let (_d1, path) = temp_file(&small, "hello.txt");
    let opts = UploadOptions::default().with_metadata("suite", "yes");
    let r = s
        .upload_file(&b, "small/hello.txt", &path, &opts)
        .await
        .unwrap();
    assert_eq!((r.size, r.parts), (small.len() as u64, 0), "{p}");
    assert_eq!(r.content_type, "text/plain", "{p}");
    let head = s.head_object(&b, "small/hello.txt").await.unwrap();
    assert_eq!(head.size, small.len() as u64, "{p}");
    assert_eq!(head.content_type.as_deref(), Some("text/plain"), "{p}");
    assert!(
        head.metadata
            .iter()
            .any(|(k, v)| k == "suite" && v == "yes"),
        "{p}: {:?}",
        head.metadata
    );
    assert_eq!(read_back(ctx, &b, "small/hello.txt").await, small, "{p}");

    let big = payload(40 * MIB as usize, 1);
    let (_d2, path) = temp_file(&big, "big.bin");
    let opts = UploadOptions::default()
        .with_part_size(5 * MIB)
        .with_concurrency(4);
    let r = s
        .upload_file(&b, "dir/big.bin", &path, &opts)
        .await
        .unwrap();
    assert_eq!((r.size, r.parts), (big.len() as u64, 8), "{p}");
    assert!(r.etag.ends_with("-8"), "{p}: {}", r.etag);
    if !ctx.is_moto() {
        assert!(r.checksum.verified, "{p}: {:?}", r.checksum);
    }
    assert!(
        read_back(ctx, &b, "dir/big.bin").await == big,
        "{p}: bytes differ"
    );
    assert!(open_uploads(&s, &b).await.is_empty(), "{p}");

    let (_d3, path) = temp_file(&[], "empty");
    let r = s
        .upload_file(&b, "empty", &path, &UploadOptions::default())
        .await
        .unwrap();
    assert_eq!((r.size, r.parts), (0, 0), "{p}");
    assert_eq!(s.head_object(&b, "empty").await.unwrap().size, 0, "{p}");

    let exact = payload(15 * MIB as usize, 2);
    let (_d4, path) = temp_file(&exact, "exact.bin");
    let opts = UploadOptions::default().with_part_size(5 * MIB);
    let r = s.upload_file(&b, "exact.bin", &path, &opts).await.unwrap();
    assert_eq!(r.parts, 3, "{p}");
    assert!(read_back(ctx, &b, "exact.bin").await == exact, "{p}");

    // A stream of unknown length, through the same engine.
    let streamed = payload(11 * MIB as usize, 3);
    let r = s
        .upload_reader(
            &b,
            "streamed.bin",
            std::io::Cursor::new(streamed.clone()),
            &opts,
        )
        .await
        .unwrap();
    assert_eq!(r.parts, 3, "{p}");
    assert!(read_back(ctx, &b, "streamed.bin").await == streamed, "{p}");
}

/// The 2nd and 3rd part uploads fail with a 5xx (emulator faults): each is retried on its
/// own and the object is whole.
pub async fn storage_part_retried(ctx: &Ctx) {
    if ctx.skip_on_moto("storage_part_retried", "needs fault injection") {
        return;
    }
    let p = ctx.provider;
    let s = storage(ctx).await;
    let b = bucket(ctx, "retry");
    s.create_bucket(&b).await.unwrap();
    let data = payload(12 * MIB as usize, 4);
    let (_d, path) = temp_file(&data, "x.bin");
    let opts = UploadOptions::default().with_part_size(5 * MIB);
    let r = s.upload_file(&b, "x.bin", &path, &opts).await.unwrap();
    assert_eq!(r.parts, 3, "{p}");
    assert!(read_back(ctx, &b, "x.bin").await == data, "{p}");
    let emu = ctx.emulator.as_ref().unwrap();
    assert_eq!(emu.fault_counters().total(FaultKind::ServerError), 2, "{p}");
}

/// A part that keeps failing (a client error, never retried) ends the upload, which is
/// aborted: nothing stored, no upload left open.
pub async fn storage_part_fails(ctx: &Ctx) {
    if ctx.skip_on_moto("storage_part_fails", "needs fault injection") {
        return;
    }
    let p = ctx.provider;
    let s = storage(ctx).await;
    let b = bucket(ctx, "fail");
    s.create_bucket(&b).await.unwrap();
    let (_d, path) = temp_file(&payload(12 * MIB as usize, 5), "x.bin");
    let opts = UploadOptions::default().with_part_size(5 * MIB);
    let e = s.upload_file(&b, "x.bin", &path, &opts).await.unwrap_err();
    assert!(e.message().contains("aborted"), "{p}: {e}");
    assert!(open_uploads(&s, &b).await.is_empty(), "{p}");
    let e = s.head_object(&b, "x.bin").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{p}");
}

/// Cancelling mid-upload aborts the multipart upload.
pub async fn storage_cancel(ctx: &Ctx) {
    let p = ctx.provider;
    let s = storage(ctx).await;
    let b = bucket(ctx, "cancel");
    s.create_bucket(&b).await.unwrap();
    let (_d, path) = temp_file(&payload(30 * MIB as usize, 6), "x.bin");
    let token = CancelToken::new();
    let t2 = token.clone();
    let opts = UploadOptions::default()
        .with_part_size(5 * MIB)
        .with_concurrency(1)
        .with_cancel(token)
        .with_progress(move |pr| {
            if pr.parts_done >= 1 {
                t2.cancel();
            }
        });
    let e = s.upload_file(&b, "x.bin", &path, &opts).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{p}: {e}");
    assert!(open_uploads(&s, &b).await.is_empty(), "{p}");
}

/// An upload interrupted at its 3rd part and kept is resumed: the two stored parts are
/// skipped, the rest sent, the object whole.
pub async fn storage_resume(ctx: &Ctx) {
    if ctx.skip_on_moto(
        "storage_resume",
        "moto answers ListParts with a <ListPartsResponse> root, which aws-sdk-s3 rejects (S3 sends <ListPartsResult>)",
    ) {
        return;
    }
    let p = ctx.provider;
    let s = storage(ctx).await;
    let b = bucket(ctx, "resume");
    s.create_bucket(&b).await.unwrap();
    let data = payload(23 * MIB as usize, 7);
    let (_d, path) = temp_file(&data, "x.bin");
    let interrupted = Arc::new(AtomicBool::new(false));
    let token = CancelToken::new();
    let (t2, flag) = (token.clone(), interrupted.clone());
    let opts = UploadOptions::default()
        .with_part_size(5 * MIB)
        .with_concurrency(1)
        .with_keep_failed_upload(true)
        .with_cancel(token)
        .with_progress(move |pr| {
            if pr.parts_done >= 2 {
                flag.store(true, Ordering::SeqCst);
                t2.cancel();
            }
        });
    let e = s.upload_file(&b, "x.bin", &path, &opts).await.unwrap_err();
    assert!(interrupted.load(Ordering::SeqCst));
    assert!(e.message().contains("kept"), "{p}: {e}");
    let open = open_uploads(&s, &b).await;
    assert_eq!(open.len(), 1, "{p}: {open:?}");
    let id = open[0].upload_id.clone();
    let opts = UploadOptions::default().with_resume(&id);
    let r = s.upload_file(&b, "x.bin", &path, &opts).await.unwrap();
    assert_eq!((r.parts, r.size), (5, data.len() as u64), "{p}");
    assert!(r.parts_skipped >= 2, "{p}: {}", r.parts_skipped);
    assert!(read_back(ctx, &b, "x.bin").await == data, "{p}");
    assert!(open_uploads(&s, &b).await.is_empty(), "{p}");
}

/// A wrong secret is an auth error and stores nothing; a missing bucket is not found.
pub async fn storage_refused(ctx: &Ctx) {
    let p = ctx.provider;
    let s = storage(ctx).await;
    let b = bucket(ctx, "auth");
    s.create_bucket(&b).await.unwrap();
    let (_d, path) = temp_file(b"secret stuff", "x.txt");
    if !ctx.is_moto() || ctx.moto_auth() {
        let bad = storage_with(ctx, Credentials::new(&ctx.key_id, "not-the-secret")).await;
        let e = bad
            .upload_file(&b, "x.txt", &path, &UploadOptions::default())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Auth, "{p}: {e}");
        assert!(!e.to_string().contains("not-the-secret"), "{p}: {e}");
        let e = s.head_object(&b, "x.txt").await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{p}: {e}");
    }
    let missing = bucket(ctx, "missing");
    let e = s
        .upload_file(&missing, "x.txt", &path, &UploadOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{p}: {e}");
}

/// Bad names, keys, files and part sizes are refused before any request (every request
/// would be throttled and counted).
pub async fn storage_bad_input(ctx: &Ctx) {
    let p = ctx.provider;
    let s = storage(ctx).await;
    let (_d, path) = temp_file(b"x", "x.txt");
    let good = bucket(ctx, "bad");
    let bad_bucket = match p {
        Provider::Tencent => "no-appid-suffix",
        Provider::Aws => "Not_A_Bucket",
        _ => "dots.not.allowed",
    };
    let long_key = "k".repeat(1100);
    let ok = UploadOptions::default();
    let cases: Vec<(&str, &str, std::path::PathBuf, UploadOptions)> = vec![
        (bad_bucket, "k", path.clone(), ok.clone()),
        (&good, "", path.clone(), ok.clone()),
        (&good, &long_key, path.clone(), ok.clone()),
        (&good, "k", path.with_file_name("missing.txt"), ok.clone()),
        (&good, "k", path.clone(), ok.clone().with_part_size(1024)),
        (&good, "k", path.clone(), ok.clone().with_concurrency(0)),
    ];
    for (bucket, key, path, opts) in cases {
        let e = s.upload_file(bucket, key, &path, &opts).await.unwrap_err();
        assert_eq!(
            e.kind(),
            ErrorKind::InvalidInput,
            "{p}: {bucket} {key:.20}: {e}"
        );
    }
    let e = s
        .list_multipart_uploads(bad_bucket, None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{p}");
    if let Some(emu) = &ctx.emulator {
        assert_eq!(
            emu.fault_counters().total(FaultKind::Throttle),
            0,
            "{p}: a request was sent"
        );
    }
}
