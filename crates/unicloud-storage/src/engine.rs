//! The multipart engine, written once for every vendor: planning parts, reading them at their
//! offsets, sending them in parallel, resuming, checking checksums, and aborting what failed.

use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use bytes::Bytes;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use tokio::io::{AsyncRead, AsyncReadExt};
use unicloud_core::object::PutOptions;
use unicloud_core::{Error, ErrorKind};

use crate::checksum::{Algorithm, md5_hex, s3_composite};
use crate::model::{
    DEFAULT_CONCURRENCY, DEFAULT_PART_SIZE, MAX_CONCURRENCY, MAX_PART_SIZE, MAX_PARTS, MIB,
    ObjectChecksum, ObjectUrl, Progress, UploadOptions, UploadResult, check_bucket, check_key,
    check_put_options,
};
use crate::{Done, ObjectBackend, Written};

/// How many times a part whose checksum came back wrong is sent again.
const INTEGRITY_RETRIES: u32 = 2;

/// Checked settings of one upload.
struct Plan {
    part_size: u64,
    concurrency: usize,
    threshold: u64,
}

fn plan(
    backend: &dyn ObjectBackend,
    opts: &UploadOptions,
    size: Option<u64>,
) -> Result<Plan, Error> {
    let min = backend.min_part_size();
    let concurrency = opts.concurrency.unwrap_or(DEFAULT_CONCURRENCY);
    if !(1..=MAX_CONCURRENCY).contains(&concurrency) {
        return Err(Error::invalid_input(format!(
            "concurrency {concurrency} is outside 1..={MAX_CONCURRENCY}"
        )));
    }
    let mut part_size = match opts.part_size {
        Some(p) if p < min => {
            return Err(Error::invalid_input(format!(
                "part size {p} is below {}'s minimum of {min} bytes",
                backend.provider().display_name()
            )));
        }
        Some(p) if p > MAX_PART_SIZE => {
            return Err(Error::invalid_input(format!(
                "part size {p} is above the maximum of {MAX_PART_SIZE} bytes (5 GiB)"
            )));
        }
        Some(p) => p,
        None => DEFAULT_PART_SIZE.max(min),
    };
    if let Some(size) = size {
        if size > backend.max_object_size() {
            return Err(Error::invalid_input(format!(
                "the file has {size} bytes; {} stores objects up to {} bytes",
                backend.provider().display_name(),
                backend.max_object_size()
            )));
        }
        // Raise the part size (to a whole MiB) so the file fits in MAX_PARTS parts.
        let needed = size.div_ceil(u64::from(MAX_PARTS));
        if needed > part_size {
            let raised = needed.div_ceil(MIB) * MIB;
            tracing::debug!(
                part_size,
                raised,
                "part size raised to stay within 10000 parts"
            );
            part_size = raised;
        }
        if part_size > MAX_PART_SIZE {
            return Err(Error::invalid_input(format!(
                "the file has {size} bytes: more than {MAX_PARTS} parts of 5 GiB"
            )));
        }
    }
    let threshold = opts.single_request_threshold.unwrap_or(part_size);
    if threshold > MAX_PART_SIZE {
        return Err(Error::invalid_input(format!(
            "single-request threshold {threshold} is above the maximum single PUT of {MAX_PART_SIZE} bytes"
        )));
    }
    Ok(Plan {
        part_size,
        concurrency,
        threshold,
    })
}

/// The checks every upload makes before any request.
fn check_target(backend: &dyn ObjectBackend, bucket: &str, key: &str) -> Result<(), Error> {
    check_bucket(backend.provider(), bucket)?;
    check_key(backend.provider(), key)
}

/// The type asked for, else the one the file's name suggests, else the key's (a stream has
/// no file name), else `application/octet-stream`.
fn content_type(opts: &PutOptions, path: Option<&Path>, key: &str) -> String {
    if let Some(c) = &opts.content_type {
        return c.clone();
    }
    path.and_then(|p| mime_guess::from_path(p).first_raw())
        .or_else(|| mime_guess::from_path(key).first_raw())
        .unwrap_or("application/octet-stream")
        .to_owned()
}

fn unreadable(path: &Path, e: &std::io::Error) -> Error {
    Error::invalid_input(format!("cannot read {}: {e}", path.display()))
}

/// Reads `len` bytes of `path` at `offset`, off the async threads.
async fn read_at(path: Arc<PathBuf>, offset: u64, len: u64) -> Result<Bytes, Error> {
    read_into(path, offset, len, Vec::new()).await
}

/// [`read_at`] into `buf` (its allocation reused when large enough; nothing is zeroed first).
async fn read_into(
    path: Arc<PathBuf>,
    offset: u64,
    len: u64,
    mut buf: Vec<u8>,
) -> Result<Bytes, Error> {
    tokio::task::spawn_blocking(move || {
        let mut f = std::fs::File::open(path.as_path()).map_err(|e| unreadable(&path, &e))?;
        f.seek(SeekFrom::Start(offset))
            .map_err(|e| unreadable(&path, &e))?;
        let want = usize::try_from(len).unwrap_or(usize::MAX);
        buf.clear();
        buf.reserve_exact(want);
        let short = |got: String| {
            Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "cannot read {len} bytes at offset {offset} of {}: {got} (did the file change during the upload?)",
                    path.display()
                ),
            )
        };
        f.take(len)
            .read_to_end(&mut buf)
            .map_err(|e| short(e.to_string()))?;
        if buf.len() != want {
            return Err(short(format!("the file ends after {} bytes", buf.len())));
        }
        Ok(Bytes::from(buf))
    })
    .await
    .map_err(|e| Error::new(ErrorKind::Other, format!("a file read failed: {e}")))?
}

/// Part buffers of one upload, kept for the next parts. Without it every part allocated its
/// own buffer and freed it on another thread; the allocator kept those part-sized blocks in
/// its per-thread arenas, and a 1 GiB upload at 8 MiB × 4 peaked near 80 MiB of RSS instead
/// of the 32 MiB of parts plus the process's own. With it at most `concurrency` buffers (and
/// one more while a part is handed over) ever exist.
#[derive(Default)]
struct BufferPool(std::sync::Mutex<Vec<Vec<u8>>>);

impl BufferPool {
    fn take(&self) -> Vec<u8> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop()
            .unwrap_or_default()
    }

    /// Keeps `body`'s allocation when nothing else holds it any more.
    fn give(&self, body: Bytes) {
        if let Ok(m) = body.try_into_mut() {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(m.into());
        }
    }
}

/// Reads up to `len` bytes from `reader` (fewer only at its end).
async fn read_chunk<R: AsyncRead + Unpin>(reader: &mut R, len: u64) -> Result<Bytes, Error> {
    let mut buf = Vec::with_capacity(usize::try_from(len.min(64 * MIB)).unwrap_or(0));
    let mut limited = reader.take(len);
    limited
        .read_to_end(&mut buf)
        .await
        .map_err(|e| Error::invalid_input(format!("cannot read the input stream: {e}")))?;
    Ok(Bytes::from(buf))
}

/// Where a part's bytes come from.
enum PartData {
    /// Read from the file when the part is sent.
    File(Arc<PathBuf>),
    /// Already read (from a stream).
    Bytes(Bytes),
}

/// One part to send.
struct PartJob {
    number: u32,
    offset: u64,
    len: u64,
    data: PartData,
}

/// Shared state of one running multipart upload.
struct Run<'a> {
    backend: &'a dyn ObjectBackend,
    bucket: &'a str,
    key: &'a str,
    upload_id: &'a str,
    opts: &'a UploadOptions,
    bytes_done: AtomicU64,
    parts_done: AtomicU32,
    bytes_total: Option<u64>,
    parts_total: Option<u32>,
    buffers: BufferPool,
}

impl Run<'_> {
    fn progress(&self) {
        if let Some(f) = &self.opts.on_progress {
            f(Progress {
                bytes_done: self.bytes_done.load(Ordering::SeqCst),
                bytes_total: self.bytes_total,
                parts_done: self.parts_done.load(Ordering::SeqCst),
                parts_total: self.parts_total,
            });
        }
    }

    async fn send(&self, job: PartJob) -> Result<Done, Error> {
        let (body, pooled) = match job.data {
            PartData::File(path) => (
                read_into(path, job.offset, job.len, self.buffers.take()).await?,
                true,
            ),
            PartData::Bytes(b) => (b, false),
        };
        let alg = self.backend.algorithm();
        let crc = alg.of(&body);
        let mut attempt = 0;
        let written = loop {
            let w = self
                .backend
                .upload_part(
                    self.bucket,
                    self.key,
                    self.upload_id,
                    job.number,
                    body.clone(),
                    crc,
                )
                .await?;
            match reported_mismatch(alg, crc, &w) {
                None => break w,
                Some(msg) if attempt < INTEGRITY_RETRIES => {
                    attempt += 1;
                    tracing::warn!(part = job.number, "{msg}; sending the part again");
                }
                Some(msg) => {
                    return Err(Error::new(
                        ErrorKind::Integrity,
                        format!("part {}: {msg}", job.number),
                    )
                    .with_provider(self.backend.provider())
                    .with_operation("UploadPart"));
                }
            }
        };
        if pooled {
            self.buffers.give(body);
        }
        self.bytes_done.fetch_add(job.len, Ordering::SeqCst);
        self.parts_done.fetch_add(1, Ordering::SeqCst);
        self.progress();
        Ok(Done {
            number: job.number,
            etag: written.etag,
            crc,
            len: job.len,
        })
    }
}

/// What a service reported that contradicts our checksum `crc` of the bytes sent.
fn reported_mismatch(alg: Algorithm, crc: u64, w: &Written) -> Option<String> {
    if let Some(theirs) = w.crc64.filter(|_| alg == Algorithm::Crc64)
        && theirs != crc
    {
        return Some(format!(
            "the service stored CRC64 {theirs}, the bytes sent have {crc}"
        ));
    }
    if let Some(theirs) = w.checksum.as_deref().filter(|_| alg == Algorithm::Crc32) {
        let ours = alg.format(crc);
        if theirs != ours {
            return Some(format!(
                "the service stored CRC32 {theirs}, the bytes sent have {ours}"
            ));
        }
    }
    None
}

/// Aborts a multipart upload if the future that owns it is dropped before it ends (a caller's
/// `select!`, a task aborted): best effort, on the current runtime.
struct AbortOnDrop {
    backend: Arc<dyn ObjectBackend>,
    bucket: String,
    key: String,
    upload_id: String,
    armed: bool,
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let (b, bucket, key, id) = (
                self.backend.clone(),
                std::mem::take(&mut self.bucket),
                std::mem::take(&mut self.key),
                std::mem::take(&mut self.upload_id),
            );
            rt.spawn(async move {
                if let Err(e) = b.abort(&bucket, &key, &id).await {
                    tracing::warn!(upload_id = %id, "aborting a dropped upload failed: {e}");
                }
            });
        }
    }
}

/// The source of an upload.
pub(crate) enum Source<'r> {
    /// A file of known size.
    File(PathBuf),
    /// A stream of unknown length.
    Reader(Box<dyn AsyncRead + Unpin + Send + 'r>),
}

/// Uploads `source` to `bucket`/`key`: see the crate docs for the behaviour.
pub(crate) async fn upload(
    backend: &Arc<dyn ObjectBackend>,
    bucket: &str,
    key: &str,
    source: Source<'_>,
    opts: &UploadOptions,
) -> Result<UploadResult, Error> {
    let b = backend.as_ref();
    check_target(b, bucket, key)?;
    check_put_options(&opts.put)?;
    let (path, size) = match &source {
        Source::File(p) => {
            let meta = tokio::fs::metadata(p)
                .await
                .map_err(|e| unreadable(p, &e))?;
            if !meta.is_file() {
                return Err(Error::invalid_input(format!(
                    "{} is not a file",
                    p.display()
                )));
            }
            // Opening proves it is readable before anything is sent.
            std::fs::File::open(p).map_err(|e| unreadable(p, &e))?;
            (Some(p.clone()), Some(meta.len()))
        }
        Source::Reader(_) => {
            if opts.resume_upload_id.is_some() {
                return Err(Error::invalid_input(
                    "resuming needs a file: a stream cannot be read again at the parts' offsets",
                ));
            }
            (None, None)
        }
    };
    let plan = plan(b, opts, size)?;
    let mut put = opts.put.clone();
    let ctype = content_type(&put, path.as_deref(), key);
    put.content_type = Some(ctype.clone());
    let url = ObjectUrl {
        provider: b.provider(),
        bucket: bucket.to_owned(),
        key: key.to_owned(),
    };
    if let Some(cancel) = &opts.cancel
        && cancel.is_cancelled()
    {
        return Err(cancelled(b, None));
    }

    // The first bytes decide between one request and a multipart upload.
    let mut reader = None;
    let first = match source {
        Source::File(p) => {
            let size = size.unwrap_or(0);
            if size <= plan.threshold && opts.resume_upload_id.is_none() {
                Some(read_at(Arc::new(p), 0, size).await?)
            } else {
                None
            }
        }
        Source::Reader(mut r) => {
            let chunk = read_chunk(&mut r, plan.threshold.max(plan.part_size) + 1).await?;
            if chunk.len() as u64 <= plan.threshold {
                Some(chunk)
            } else {
                reader = Some((r, chunk));
                None
            }
        }
    };
    if let Some(body) = first {
        return single(b, url, body, &put, ctype, opts).await;
    }

    // Multipart.
    let (upload_id, resumed) = match &opts.resume_upload_id {
        Some(id) => (id.clone(), true),
        None => {
            let started = b.clock().now();
            match b.initiate(bucket, key, &put).await {
                Ok(id) => (id, false),
                Err(e) if e.may_have_been_applied() => {
                    return Err(abort_unanswered_initiate(b, bucket, key, started, e).await);
                }
                Err(e) => return Err(e),
            }
        }
    };
    let mut guard = AbortOnDrop {
        backend: backend.clone(),
        bucket: bucket.to_owned(),
        key: key.to_owned(),
        upload_id: upload_id.clone(),
        armed: !opts.keep_failed_upload,
    };
    let outcome = multipart(
        b, &url, &upload_id, resumed, path, size, reader, &plan, opts,
    )
    .await;
    match outcome {
        Ok((done, skipped)) => {
            guard.armed = false;
            finish(b, url, &upload_id, done, skipped, ctype).await
        }
        Err(e) => {
            guard.armed = false;
            Err(fail(b, bucket, key, &upload_id, opts.keep_failed_upload, e).await)
        }
    }
}

fn cancelled(b: &dyn ObjectBackend, what: Option<&str>) -> Error {
    Error::new(
        ErrorKind::Cancelled,
        match what {
            Some(w) => format!("the upload was cancelled; {w}"),
            None => "the upload was cancelled before anything was sent".to_owned(),
        },
    )
    .with_provider(b.provider())
}

/// How much earlier than our clock says the service may date an upload we start: the
/// window in which [`abort_unanswered_initiate`] takes an upload of the key for ours.
const INITIATE_SKEW: std::time::Duration = std::time::Duration::from_secs(120);

/// Starting a multipart upload failed in a way that may have been applied (a time-out or a
/// connection broken after sending): the service may hold an upload whose id never reached
/// us, which nobody would ever complete or abort. Looks for uploads of exactly `key`
/// initiated since the call began (less [`INITIATE_SKEW`]) and aborts them, and says so in
/// the error. An upload of the same key another writer started in that window is aborted
/// too (its writer's upload then fails; nothing stored is lost); one the service gives no
/// date for is left alone.
async fn abort_unanswered_initiate(
    b: &dyn ObjectBackend,
    bucket: &str,
    key: &str,
    started: std::time::SystemTime,
    err: Error,
) -> Error {
    let since = started
        .checked_sub(INITIATE_SKEW)
        .unwrap_or(std::time::UNIX_EPOCH);
    let note = match b.list_uploads(bucket, Some(key)).await {
        Ok(uploads) => {
            let mut aborted = Vec::new();
            let mut failed = Vec::new();
            for u in uploads
                .into_iter()
                .filter(|u| u.key == key && u.initiated.is_some_and(|t| t >= since))
            {
                match b.abort(bucket, key, &u.upload_id).await {
                    Ok(()) => aborted.push(u.upload_id),
                    Err(e) if e.kind() == ErrorKind::NotFound => {}
                    Err(e) => failed.push(format!("{} ({e})", u.upload_id)),
                }
            }
            match (aborted.is_empty(), failed.is_empty()) {
                (true, true) => "no multipart upload of it was left".to_owned(),
                (false, true) => format!(
                    "the multipart upload it started ({}) was aborted",
                    aborted.join(", ")
                ),
                _ => format!(
                    "aborting the multipart upload it started failed ({}); abort it later \
                     (`unicloud storage abort-uploads`)",
                    failed.join("; ")
                ),
            }
        }
        Err(e) => format!(
            "looking for the multipart upload it may have started failed ({e}); abort it \
             later (`unicloud storage abort-uploads`)"
        ),
    };
    let message = format!("{}; {note}", err.message().trim_end_matches('.'));
    err.with_message(message)
}

/// After a failed multipart upload: aborts it (unless asked to keep it) and says so in the
/// error.
async fn fail(
    b: &dyn ObjectBackend,
    bucket: &str,
    key: &str,
    upload_id: &str,
    keep: bool,
    err: Error,
) -> Error {
    let note = if keep {
        format!("multipart upload {upload_id} was kept: resume it with this upload id")
    } else {
        match b.abort(bucket, key, upload_id).await {
            Ok(()) => format!("multipart upload {upload_id} was aborted"),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                format!("multipart upload {upload_id} is gone")
            }
            Err(e) => format!(
                "aborting multipart upload {upload_id} failed too ({e}); abort it later \
                 (`unicloud storage abort-uploads`)"
            ),
        }
    };
    if err.kind() == ErrorKind::Cancelled {
        return cancelled(b, Some(&note));
    }
    let message = format!("{}; {note}", err.message().trim_end_matches('.'));
    err.with_message(message)
}

async fn single(
    b: &dyn ObjectBackend,
    url: ObjectUrl,
    body: Bytes,
    put: &PutOptions,
    content_type: String,
    opts: &UploadOptions,
) -> Result<UploadResult, Error> {
    let alg = b.algorithm();
    let crc = alg.of(&body);
    let size = body.len() as u64;
    let w = b.put(&url.bucket, &url.key, body, crc, put).await?;
    if let Some(msg) = reported_mismatch(alg, crc, &w) {
        return Err(Error::new(ErrorKind::Integrity, format!("{url}: {msg}"))
            .with_provider(b.provider())
            .with_operation("PutObject"));
    }
    let verified = w.crc64.is_some() && alg == Algorithm::Crc64
        || w.checksum.is_some() && alg == Algorithm::Crc32;
    if let Some(f) = &opts.on_progress {
        f(Progress {
            bytes_done: size,
            bytes_total: Some(size),
            parts_done: 1,
            parts_total: Some(1),
        });
    }
    Ok(UploadResult {
        url,
        etag: w.etag.trim_matches('"').to_owned(),
        size,
        parts: 0,
        parts_skipped: 0,
        upload_id: None,
        version_id: w.version_id,
        content_type,
        checksum: ObjectChecksum {
            algorithm: alg.name(),
            value: alg.format(crc),
            verified,
        },
    })
}

/// Sends every part (skipping those a resumed upload already holds); the parts in order and
/// how many were skipped.
#[allow(clippy::too_many_arguments)]
async fn multipart(
    b: &dyn ObjectBackend,
    url: &ObjectUrl,
    upload_id: &str,
    resumed: bool,
    path: Option<PathBuf>,
    size: Option<u64>,
    reader: Option<(Box<dyn AsyncRead + Unpin + Send + '_>, Bytes)>,
    plan: &Plan,
    opts: &UploadOptions,
) -> Result<(Vec<Done>, u32), Error> {
    let mut part_size = plan.part_size;
    let mut have: Vec<Done> = Vec::new();
    if resumed {
        let listed = b.list_parts(&url.bucket, &url.key, upload_id).await?;
        if opts.part_size.is_none()
            && let Some(first) = listed.iter().find(|p| p.part_number == 1)
            && first.size >= b.min_part_size()
            && first.size <= MAX_PART_SIZE
        {
            part_size = first.size;
        }
        let path = path
            .clone()
            .ok_or_else(|| Error::invalid_input("resuming needs a file"))?;
        let size = size.unwrap_or(0);
        let path = Arc::new(path);
        for p in listed {
            let offset = u64::from(p.part_number.saturating_sub(1)) * part_size;
            if p.part_number == 0 || offset >= size {
                continue;
            }
            let len = part_size.min(size - offset);
            if p.size != len {
                continue;
            }
            let body = read_at(path.clone(), offset, len).await?;
            let alg = b.algorithm();
            let crc = alg.of(&body);
            let same = match p.crc64 {
                Some(theirs) if alg == Algorithm::Crc64 => theirs == crc,
                _ => p.etag_unquoted().eq_ignore_ascii_case(&md5_hex(&body)),
            };
            if same {
                have.push(Done {
                    number: p.part_number,
                    etag: p.etag.clone(),
                    crc,
                    len,
                });
            }
        }
    }
    let skipped = have.len() as u32;
    let parts_total = size.map(|s| s.div_ceil(part_size).max(1) as u32);
    let run = Run {
        backend: b,
        bucket: &url.bucket,
        key: &url.key,
        upload_id,
        opts,
        bytes_done: AtomicU64::new(have.iter().map(|d| d.len).sum()),
        parts_done: AtomicU32::new(skipped),
        bytes_total: size,
        parts_total,
        buffers: BufferPool::default(),
    };
    run.progress();

    let jobs: BoxStream<'_, Result<PartJob, Error>> = match (path, reader) {
        (Some(path), _) => {
            let size = size.unwrap_or(0);
            let path = Arc::new(path);
            let skip: Vec<u32> = have.iter().map(|d| d.number).collect();
            let count = size.div_ceil(part_size).max(1) as u32;
            stream::iter(
                (1..=count)
                    .filter(move |n| !skip.contains(n))
                    .map(move |n| {
                        let offset = u64::from(n - 1) * part_size;
                        Ok(PartJob {
                            number: n,
                            offset,
                            len: part_size.min(size - offset),
                            data: PartData::File(path.clone()),
                        })
                    }),
            )
            .boxed()
        }
        (None, Some((reader, head))) => stream_parts(reader, head, part_size).boxed(),
        (None, None) => return Err(Error::invalid_input("nothing to upload")),
    };
    let sending = jobs
        .map_ok(|job| run.send(job))
        .try_buffer_unordered(plan.concurrency)
        .try_collect::<Vec<Done>>();
    let sent = match &opts.cancel {
        Some(token) => tokio::select! {
            r = sending => r,
            () = token.cancelled() => Err(cancelled(b, None)),
        },
        None => sending.await,
    }?;
    have.extend(sent);
    have.sort_by_key(|d| d.number);
    Ok((have, skipped))
}

/// The parts of a stream: `head` (already read) first, then `part_size` at a time, read only as
/// the sender asks for the next part. A short part is the last one.
fn stream_parts<'r>(
    reader: Box<dyn AsyncRead + Unpin + Send + 'r>,
    head: Bytes,
    part_size: u64,
) -> impl futures::Stream<Item = Result<PartJob, Error>> + Send + 'r {
    struct State<'r> {
        reader: Box<dyn AsyncRead + Unpin + Send + 'r>,
        pending: Bytes,
        number: u32,
        offset: u64,
    }
    let start = State {
        reader,
        pending: head,
        number: 1,
        offset: 0,
    };
    stream::unfold(Some(start), move |state| async move {
        let mut st = state?;
        let mut buf = std::mem::take(&mut st.pending);
        let cut = usize::try_from(part_size).unwrap_or(usize::MAX);
        if buf.len() > cut {
            st.pending = buf.split_off(cut);
        } else if buf.len() < cut {
            match read_chunk(&mut st.reader, part_size - buf.len() as u64).await {
                Ok(more) if buf.is_empty() => buf = more,
                Ok(more) => {
                    let mut v = Vec::with_capacity(buf.len() + more.len());
                    v.extend_from_slice(&buf);
                    v.extend_from_slice(&more);
                    buf = Bytes::from(v);
                }
                Err(e) => return Some((Err(e), None)),
            }
        }
        if buf.is_empty() && st.number > 1 {
            return None;
        }
        if st.number > MAX_PARTS {
            let e = Error::invalid_input(format!(
                "the stream is longer than {MAX_PARTS} parts of {part_size} bytes; use a larger part size"
            ));
            return Some((Err(e), None));
        }
        let len = buf.len() as u64;
        let job = PartJob {
            number: st.number,
            offset: st.offset,
            len,
            data: PartData::Bytes(buf),
        };
        let last = len < part_size && st.pending.is_empty();
        st.number += 1;
        st.offset += len;
        Some((Ok(job), (!last).then_some(st)))
    })
}

async fn finish(
    b: &dyn ObjectBackend,
    url: ObjectUrl,
    upload_id: &str,
    done: Vec<Done>,
    skipped: u32,
    content_type: String,
) -> Result<UploadResult, Error> {
    let alg = b.algorithm();
    let size: u64 = done.iter().map(|d| d.len).sum();
    let expected = match alg {
        Algorithm::Crc64 => {
            let whole = done.iter().fold(0u64, |acc, d| {
                if d.number == 1 {
                    d.crc
                } else {
                    alg.combine(acc, d.crc, d.len)
                }
            });
            alg.format(whole)
        }
        Algorithm::Crc32 => s3_composite(&done.iter().map(|d| d.crc).collect::<Vec<_>>()),
    };
    let written = match b.complete(&url.bucket, &url.key, upload_id, &done).await {
        Ok(w) => w,
        Err(e) if e.may_have_been_applied() || e.earlier_attempt_may_have_applied() => {
            // Settle an ambiguous completion by reading the object.
            match b.head(&url.bucket, &url.key).await {
                Ok(h)
                    if h.head.size == size
                        && h.head
                            .etag
                            .trim_matches('"')
                            .ends_with(&format!("-{}", done.len())) =>
                {
                    Written {
                        etag: h.head.etag,
                        crc64: h.head.crc64,
                        checksum: h.checksum,
                        version_id: h.head.version_id,
                    }
                }
                _ => {
                    return Err(fail(b, &url.bucket, &url.key, upload_id, false, e).await);
                }
            }
        }
        Err(e) => return Err(fail(b, &url.bucket, &url.key, upload_id, false, e).await),
    };
    let mut reported = match alg {
        Algorithm::Crc64 => written.crc64.map(|c| alg.format(c)),
        Algorithm::Crc32 => written.checksum.clone(),
    };
    if reported.is_none() {
        let head = b.head(&url.bucket, &url.key).await?;
        if head.head.size != size {
            return Err(Error::new(
                ErrorKind::Integrity,
                format!(
                    "{url} holds {} bytes after the upload of {size}",
                    head.head.size
                ),
            )
            .with_provider(b.provider()));
        }
        reported = match alg {
            Algorithm::Crc64 => head.head.crc64.map(|c| alg.format(c)),
            Algorithm::Crc32 => head.checksum,
        };
    }
    if let Some(theirs) = &reported
        && !same_checksum(theirs, &expected)
    {
        return Err(Error::new(
            ErrorKind::Integrity,
            format!(
                "{url}: the service reports {} {theirs} for the object, the bytes sent have {expected}",
                alg.name()
            ),
        )
        .with_provider(b.provider())
        .with_operation("CompleteMultipartUpload"));
    }
    Ok(UploadResult {
        url,
        etag: written.etag.trim_matches('"').to_owned(),
        size,
        parts: done.len() as u32,
        parts_skipped: skipped,
        upload_id: Some(upload_id.to_owned()),
        version_id: written.version_id,
        content_type,
        checksum: ObjectChecksum {
            algorithm: alg.name(),
            value: expected,
            verified: reported.is_some(),
        },
    })
}

/// Whether a reported whole-object checksum is ours. S3 writes a composite one `VALUE-N`; a
/// service that leaves out the `-N` part count (moto does) still reports the same value.
fn same_checksum(theirs: &str, ours: &str) -> bool {
    if theirs == ours {
        return true;
    }
    match ours.rsplit_once('-') {
        Some((value, count)) if count.bytes().all(|b| b.is_ascii_digit()) => theirs == value,
        _ => false,
    }
}

/// Uploads of `bucket` (under `prefix`) initiated before `cutoff`, aborted; the rest left.
pub(crate) async fn abort_older(
    b: &dyn ObjectBackend,
    bucket: &str,
    prefix: Option<&str>,
    cutoff: std::time::SystemTime,
) -> Result<Vec<unicloud_core::object::MultipartUpload>, Error> {
    check_bucket(b.provider(), bucket)?;
    let uploads = b.list_uploads(bucket, prefix).await?;
    let mut aborted = Vec::new();
    let mut failed = Vec::new();
    for u in uploads {
        if u.initiated.is_none_or(|t| t >= cutoff) {
            continue;
        }
        match b.abort(bucket, &u.key, &u.upload_id).await {
            Ok(()) => aborted.push(u),
            Err(e) if e.kind() == ErrorKind::NotFound => aborted.push(u),
            Err(e) => failed.push(format!("{} ({}): {e}", u.key, u.upload_id)),
        }
    }
    if !failed.is_empty() {
        return Err(Error::new(
            ErrorKind::PartialFailure,
            format!(
                "aborted {} upload(s); {} could not be aborted: {}",
                aborted.len(),
                failed.len(),
                failed.join("; ")
            ),
        )
        .with_provider(b.provider()));
    }
    Ok(aborted)
}

/// The part size [`plan`] picks, for the unit tests.
#[cfg(test)]
pub(crate) fn plan_for_tests(
    backend: &dyn ObjectBackend,
    opts: &UploadOptions,
    size: Option<u64>,
) -> Result<u64, Error> {
    plan(backend, opts, size).map(|p| p.part_size)
}

/// [`same_checksum`], for the unit tests.
#[cfg(test)]
pub(crate) fn same_checksum_for_tests(theirs: &str, ours: &str) -> bool {
    same_checksum(theirs, ours)
}
