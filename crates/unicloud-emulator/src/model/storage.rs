//! Object storage, vendor-neutral: buckets, objects and multipart uploads, one store per cloud
//! (bucket names are a global namespace within a cloud).
//!
//! Each cloud's store sits behind its own lock, apart from the compute world, and handlers
//! hold it only to look up or commit: bodies are streamed and hashed before the lock is
//! taken, so a long part upload never stalls another request. Object and part bytes live in
//! a [`Blob`]: in memory, or in a file under the data directory. The store counts the bytes
//! it holds against a budget.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::SystemTime;

use bytes::Bytes;
use futures::StreamExt as _;
use unicloud_core::Provider;

/// Where an object's or a part's bytes are.
#[derive(Debug, Clone)]
pub(crate) enum Blob {
    /// In memory.
    Memory(Bytes),
    /// In a file of the data directory (removed when the object or part goes).
    File(PathBuf),
    /// The blobs of the parts an object was completed from, in order (their files become the
    /// object's: completing copies no byte).
    Parts(Vec<Blob>),
}

impl Blob {
    /// The bytes (read from disk for a file blob).
    pub(crate) fn read(&self) -> std::io::Result<Bytes> {
        match self {
            Blob::Memory(b) => Ok(b.clone()),
            Blob::File(p) => std::fs::read(p).map(Bytes::from),
            Blob::Parts(parts) => {
                let mut all = Vec::new();
                for p in parts {
                    all.extend_from_slice(&p.read()?);
                }
                Ok(Bytes::from(all))
            }
        }
    }

    /// The bytes `start..end` as a stream of chunks of at most [`READ_CHUNK`] bytes, read from
    /// memory or disk as the stream is polled, so serving an object never holds it whole in
    /// memory. The pieces' sizes are looked up now: a missing file is an error before any byte.
    pub(crate) fn stream_range(
        &self,
        start: u64,
        end: u64,
    ) -> std::io::Result<impl futures::Stream<Item = std::io::Result<Bytes>> + Send + 'static> {
        let mut leaves = Vec::new();
        self.leaves(&mut leaves);
        let mut pieces = Vec::new();
        let mut at = 0u64;
        for leaf in leaves {
            let len = match &leaf {
                Blob::File(p) => std::fs::metadata(p)?.len(),
                Blob::Memory(b) => b.len() as u64,
                Blob::Parts(_) => 0,
            };
            let (s, e) = (start.max(at), end.min(at + len));
            if s < e {
                pieces.push((leaf, s - at, e - s));
            }
            at += len;
        }
        Ok(futures::stream::iter(pieces)
            .flat_map(|(leaf, offset, len)| leaf_chunks(leaf, offset, len)))
    }

    /// The memory and file blobs this one is made of, in order.
    fn leaves(&self, out: &mut Vec<Blob>) {
        match self {
            Blob::Parts(parts) => parts.iter().for_each(|p| p.leaves(out)),
            leaf => out.push(leaf.clone()),
        }
    }

    /// Whether `other`'s file is (one of) this blob's.
    pub(crate) fn holds(&self, other: &Blob) -> bool {
        match (self, other) {
            (Blob::File(a), Blob::File(b)) => a == b,
            (Blob::Parts(parts), _) => parts.iter().any(|p| p.holds(other)),
            _ => false,
        }
    }

    /// Frees the bytes (deletes the file of a file blob).
    pub(crate) fn discard(&self) {
        match self {
            Blob::File(p) => {
                if let Err(e) = std::fs::remove_file(p) {
                    tracing::warn!("cannot remove {}: {e}", p.display());
                }
            }
            Blob::Parts(parts) => parts.iter().for_each(Blob::discard),
            Blob::Memory(_) => {}
        }
    }
}

/// The largest chunk a streamed read hands on at once.
pub(crate) const READ_CHUNK: u64 = 1 << 20;

/// `len` bytes from `offset` of a memory or file blob, in chunks of at most [`READ_CHUNK`].
fn leaf_chunks(
    leaf: Blob,
    offset: u64,
    len: u64,
) -> futures::stream::BoxStream<'static, std::io::Result<Bytes>> {
    use futures::StreamExt as _;
    match leaf {
        Blob::File(path) => {
            let state = (None::<tokio::fs::File>, path, offset, len);
            futures::stream::try_unfold(state, |(file, path, at, left)| async move {
                use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};
                if left == 0 {
                    return Ok(None);
                }
                let mut file = match file {
                    Some(f) => f,
                    None => {
                        let mut f = tokio::fs::File::open(&path).await?;
                        f.seek(std::io::SeekFrom::Start(at)).await?;
                        f
                    }
                };
                let n = left.min(READ_CHUNK);
                let mut buf = vec![0u8; usize::try_from(n).unwrap_or(usize::MAX)];
                file.read_exact(&mut buf).await?;
                Ok(Some((
                    Bytes::from(buf),
                    (Some(file), path, at + n, left - n),
                )))
            })
            .boxed()
        }
        Blob::Memory(bytes) => {
            let from = usize::try_from(offset)
                .unwrap_or(usize::MAX)
                .min(bytes.len());
            let to = usize::try_from(offset.saturating_add(len))
                .unwrap_or(usize::MAX)
                .min(bytes.len());
            let whole = bytes.slice(from..to);
            let chunks: Vec<std::io::Result<Bytes>> = (0..whole.len())
                .step_by(READ_CHUNK as usize)
                .map(|i| Ok(whole.slice(i..(i + READ_CHUNK as usize).min(whole.len()))))
                .collect();
            futures::stream::iter(chunks).boxed()
        }
        Blob::Parts(_) => futures::stream::empty().boxed(),
    }
}

/// An additional checksum algorithm S3 clients may send (`x-amz-checksum-<alg>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ChecksumAlg {
    /// CRC-32 (ISO-HDLC).
    Crc32,
    /// CRC-32C (Castagnoli).
    Crc32c,
    /// CRC-64/NVME.
    Crc64Nvme,
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
}

impl ChecksumAlg {
    /// Every algorithm.
    pub(crate) const ALL: [ChecksumAlg; 5] = [
        ChecksumAlg::Crc32,
        ChecksumAlg::Crc32c,
        ChecksumAlg::Crc64Nvme,
        ChecksumAlg::Sha1,
        ChecksumAlg::Sha256,
    ];

    /// The name S3 uses (`CRC32`, `CRC64NVME`, ...).
    pub(crate) fn name(self) -> &'static str {
        match self {
            ChecksumAlg::Crc32 => "CRC32",
            ChecksumAlg::Crc32c => "CRC32C",
            ChecksumAlg::Crc64Nvme => "CRC64NVME",
            ChecksumAlg::Sha1 => "SHA1",
            ChecksumAlg::Sha256 => "SHA256",
        }
    }

    /// The lower-case suffix of its header (`x-amz-checksum-crc32`).
    pub(crate) fn header(self) -> String {
        format!("x-amz-checksum-{}", self.name().to_ascii_lowercase())
    }

    /// The XML element of the value in multipart replies (`ChecksumCRC32`).
    pub(crate) fn element(self) -> String {
        format!("Checksum{}", self.name())
    }

    /// Parses a name, any case.
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(s.trim()))
    }

    /// The checksum of `data`, raw bytes.
    /// The CRC behind a CRC algorithm (`None` for the SHAs).
    pub(crate) fn crc(self) -> Option<crc_fast::CrcAlgorithm> {
        use crc_fast::CrcAlgorithm as C;
        match self {
            ChecksumAlg::Crc32 => Some(C::Crc32IsoHdlc),
            ChecksumAlg::Crc32c => Some(C::Crc32Iscsi),
            ChecksumAlg::Crc64Nvme => Some(C::Crc64Nvme),
            ChecksumAlg::Sha1 | ChecksumAlg::Sha256 => None,
        }
    }

    pub(crate) fn digest(self, data: &[u8]) -> Vec<u8> {
        let mut h = crate::storage::AlgHasher::new(self);
        h.update(data);
        h.finish()
    }
}

/// A stored additional checksum (value base64, as on the wire; a composite one ends `-N`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Checksum {
    pub(crate) alg: ChecksumAlg,
    pub(crate) value: String,
    /// `FULL_OBJECT` or `COMPOSITE`.
    pub(crate) kind: &'static str,
}

/// What every stored body knows about itself.
#[derive(Debug, Clone)]
pub(crate) struct Content {
    pub(crate) blob: Blob,
    pub(crate) size: u64,
    /// The MD5 of the bytes (the ETag of a single PUT or a part); left zero for an object
    /// completed from parts, whose ETag is the MD5 of its parts' MD5s (nothing serves its
    /// whole MD5, so completing does not read the bytes again to compute it).
    pub(crate) md5: [u8; 16],
    /// CRC-64/XZ (what COS and OSS call crc64ecma).
    pub(crate) crc64: u64,
    pub(crate) checksum: Option<Checksum>,
}

/// An object.
#[derive(Debug, Clone)]
pub(crate) struct Object {
    pub(crate) key: String,
    pub(crate) content: Content,
    /// The ETag without quotes: MD5 hex, or `md5-of-md5s-N` for a multipart object.
    pub(crate) etag: String,
    pub(crate) content_type: String,
    /// User metadata, names lower-case without the vendor prefix.
    pub(crate) metadata: Vec<(String, String)>,
    pub(crate) storage_class: String,
    pub(crate) last_modified: SystemTime,
    /// How many parts it was assembled from (0: a single PUT).
    pub(crate) parts: u32,
}

/// One uploaded part.
#[derive(Debug, Clone)]
pub(crate) struct Part {
    pub(crate) number: u32,
    pub(crate) content: Content,
    pub(crate) last_modified: SystemTime,
}

impl Part {
    /// Its ETag without quotes (MD5 hex).
    pub(crate) fn etag(&self) -> String {
        hex::encode(self.content.md5)
    }
}

/// What a multipart upload is created with.
#[derive(Debug, Clone, Default)]
pub(crate) struct UploadSpec {
    pub(crate) content_type: String,
    pub(crate) metadata: Vec<(String, String)>,
    pub(crate) storage_class: String,
    pub(crate) checksum_alg: Option<ChecksumAlg>,
    /// Whether the object's checksum is `FULL_OBJECT` (else `COMPOSITE`).
    pub(crate) full_object: bool,
}

/// A multipart upload in progress.
#[derive(Debug, Clone)]
pub(crate) struct Upload {
    pub(crate) id: String,
    pub(crate) key: String,
    pub(crate) initiated: SystemTime,
    pub(crate) spec: UploadSpec,
    pub(crate) parts: BTreeMap<u32, Part>,
}

/// A bucket.
#[derive(Debug, Clone)]
pub(crate) struct Bucket {
    pub(crate) name: String,
    pub(crate) region: String,
    pub(crate) created: SystemTime,
    pub(crate) objects: BTreeMap<String, Object>,
    pub(crate) uploads: BTreeMap<String, Upload>,
}

/// Why a store operation was refused (each front-end words it the vendor's way).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StoreError {
    NoSuchBucket,
    NoSuchKey,
    NoSuchUpload,
    BucketAlreadyOwned,
    BucketNotEmpty,
    /// A listed part is missing or its ETag (or checksum) differs.
    InvalidPart(u32),
    /// The parts are not in ascending order.
    InvalidPartOrder,
    /// A part other than the last is smaller than the minimum.
    EntityTooSmall(u32),
    /// Completing with no part.
    MalformedXml,
    /// The storage budget would be exceeded.
    StorageFull,
}

/// One cloud's buckets.
#[derive(Debug, Default)]
pub(crate) struct Store {
    pub(crate) buckets: BTreeMap<String, Bucket>,
    /// Bytes held by objects and parts.
    pub(crate) used: u64,
}

/// The stores of all three clouds, each behind its own lock.
#[derive(Debug, Default)]
pub(crate) struct Stores {
    clouds: [Mutex<Store>; 3],
}

impl Stores {
    /// The store of `provider`.
    pub(crate) fn of(&self, provider: Provider) -> &Mutex<Store> {
        let i = match provider {
            Provider::Aws => 0,
            Provider::Tencent => 1,
            _ => 2,
        };
        &self.clouds[i]
    }
}

impl Store {
    /// Creates a bucket; `BucketAlreadyOwned` if it exists.
    pub(crate) fn create_bucket(
        &mut self,
        name: &str,
        region: &str,
        now: SystemTime,
    ) -> Result<(), StoreError> {
        if self.buckets.contains_key(name) {
            return Err(StoreError::BucketAlreadyOwned);
        }
        self.buckets.insert(
            name.to_owned(),
            Bucket {
                name: name.to_owned(),
                region: region.to_owned(),
                created: now,
                objects: BTreeMap::new(),
                uploads: BTreeMap::new(),
            },
        );
        Ok(())
    }

    /// Deletes an empty bucket.
    pub(crate) fn delete_bucket(&mut self, name: &str) -> Result<(), StoreError> {
        let b = self.bucket(name)?;
        if !b.objects.is_empty() || !b.uploads.is_empty() {
            return Err(StoreError::BucketNotEmpty);
        }
        self.buckets.remove(name);
        Ok(())
    }

    /// The bucket `name`.
    pub(crate) fn bucket(&self, name: &str) -> Result<&Bucket, StoreError> {
        self.buckets.get(name).ok_or(StoreError::NoSuchBucket)
    }

    fn bucket_mut(&mut self, name: &str) -> Result<&mut Bucket, StoreError> {
        self.buckets.get_mut(name).ok_or(StoreError::NoSuchBucket)
    }

    /// Whether `extra` more bytes fit in a budget of `max`.
    pub(crate) fn fits(&self, extra: u64, max: u64) -> bool {
        self.used.saturating_add(extra) <= max
    }

    /// Stores (or replaces) an object.
    pub(crate) fn put_object(
        &mut self,
        bucket: &str,
        object: Object,
        max: u64,
    ) -> Result<(), StoreError> {
        let size = object.content.size;
        let old = self
            .bucket(bucket)?
            .objects
            .get(&object.key)
            .map_or(0, |o| o.content.size);
        if !self.fits(size, max.saturating_add(old)) {
            return Err(StoreError::StorageFull);
        }
        let b = self.bucket_mut(bucket)?;
        if let Some(prev) = b.objects.insert(object.key.clone(), object) {
            prev.content.blob.discard();
            self.used = self.used.saturating_sub(prev.content.size);
        }
        self.used = self.used.saturating_add(size);
        Ok(())
    }

    /// The object `key` of `bucket`.
    pub(crate) fn object(&self, bucket: &str, key: &str) -> Result<&Object, StoreError> {
        self.bucket(bucket)?
            .objects
            .get(key)
            .ok_or(StoreError::NoSuchKey)
    }

    /// Deletes an object (deleting a missing key succeeds, as the vendors answer).
    pub(crate) fn delete_object(&mut self, bucket: &str, key: &str) -> Result<(), StoreError> {
        if let Some(prev) = self.bucket_mut(bucket)?.objects.remove(key) {
            prev.content.blob.discard();
            self.used = self.used.saturating_sub(prev.content.size);
        }
        Ok(())
    }

    /// Starts a multipart upload under `id`.
    pub(crate) fn create_upload(
        &mut self,
        bucket: &str,
        key: &str,
        id: &str,
        spec: UploadSpec,
        now: SystemTime,
    ) -> Result<(), StoreError> {
        self.bucket_mut(bucket)?.uploads.insert(
            id.to_owned(),
            Upload {
                id: id.to_owned(),
                key: key.to_owned(),
                initiated: now,
                spec,
                parts: BTreeMap::new(),
            },
        );
        Ok(())
    }

    /// The upload `id` of `key` in `bucket`.
    pub(crate) fn upload(&self, bucket: &str, key: &str, id: &str) -> Result<&Upload, StoreError> {
        self.bucket(bucket)?
            .uploads
            .get(id)
            .filter(|u| u.key == key)
            .ok_or(StoreError::NoSuchUpload)
    }

    /// Stores (or replaces) a part.
    pub(crate) fn put_part(
        &mut self,
        bucket: &str,
        key: &str,
        id: &str,
        part: Part,
        max: u64,
    ) -> Result<(), StoreError> {
        let old = self
            .upload(bucket, key, id)?
            .parts
            .get(&part.number)
            .map_or(0, |p| p.content.size);
        let size = part.content.size;
        if !self.fits(size, max.saturating_add(old)) {
            return Err(StoreError::StorageFull);
        }
        let upload = self
            .bucket_mut(bucket)?
            .uploads
            .get_mut(id)
            .ok_or(StoreError::NoSuchUpload)?;
        if let Some(prev) = upload.parts.insert(part.number, part) {
            prev.content.blob.discard();
            self.used = self.used.saturating_sub(prev.content.size);
        }
        self.used = self.used.saturating_add(size);
        Ok(())
    }

    /// Checks a completion list (number, ETag without quotes, optional checksum) against the
    /// upload and returns the parts to assemble, in order.
    pub(crate) fn completion_parts(
        &self,
        bucket: &str,
        key: &str,
        id: &str,
        listed: &[(u32, String, Option<String>)],
        min_part: u64,
    ) -> Result<Vec<Part>, StoreError> {
        let upload = self.upload(bucket, key, id)?;
        if listed.is_empty() {
            return Err(StoreError::MalformedXml);
        }
        // Order first, as S3 reports it before anything about the parts themselves.
        if listed.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(StoreError::InvalidPartOrder);
        }
        let mut parts = Vec::with_capacity(listed.len());
        for (i, (n, etag, checksum)) in listed.iter().enumerate() {
            let part = upload.parts.get(n).ok_or(StoreError::InvalidPart(*n))?;
            if !part.etag().eq_ignore_ascii_case(etag.trim_matches('"')) {
                return Err(StoreError::InvalidPart(*n));
            }
            if let (Some(sent), Some(have)) = (checksum, &part.content.checksum)
                && sent.trim() != have.value
            {
                return Err(StoreError::InvalidPart(*n));
            }
            if i + 1 < listed.len() && part.content.size < min_part {
                return Err(StoreError::EntityTooSmall(*n));
            }
            parts.push(part.clone());
        }
        Ok(parts)
    }

    /// Ends an upload: its parts go (their bytes already copied into `object`, or discarded
    /// on abort) and `object`, when given, is stored.
    pub(crate) fn finish_upload(
        &mut self,
        bucket: &str,
        key: &str,
        id: &str,
        object: Option<Object>,
        max: u64,
    ) -> Result<(), StoreError> {
        self.upload(bucket, key, id)?;
        let b = self.bucket_mut(bucket)?;
        let Some(upload) = b.uploads.remove(id) else {
            return Err(StoreError::NoSuchUpload);
        };
        for p in upload.parts.values() {
            // The parts an object was completed from are its bytes now.
            if !object
                .as_ref()
                .is_some_and(|o| o.content.blob.holds(&p.content.blob))
            {
                p.content.blob.discard();
            }
            self.used = self.used.saturating_sub(p.content.size);
        }
        match object {
            Some(o) => self.put_object(bucket, o, max),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every range of an object completed from a file part, a memory part and a file part
    /// larger than one chunk streams exactly the bytes of that range, in chunks no larger than
    /// [`READ_CHUNK`].
    #[tokio::test]
    async fn ranges_stream_from_files_and_memory() {
        let dir = tempfile::tempdir().unwrap();
        let big: Vec<u8> = (0..(READ_CHUNK as usize * 2 + 7))
            .map(|i| (i % 251) as u8)
            .collect();
        std::fs::write(dir.path().join("a"), b"hello ").unwrap();
        std::fs::write(dir.path().join("c"), &big).unwrap();
        let blob = Blob::Parts(vec![
            Blob::File(dir.path().join("a")),
            Blob::Memory(Bytes::from_static(b"wide ")),
            Blob::File(dir.path().join("c")),
        ]);
        let mut whole = b"hello wide ".to_vec();
        whole.extend_from_slice(&big);
        let n = whole.len() as u64;
        for (a, b) in [
            (0, n),
            (0, 1),
            (3, 9),
            (6, 11),
            (10, 12),
            (11, n),
            (n - 1, n),
            (5, 5),
        ] {
            let chunks: Vec<Bytes> = blob
                .stream_range(a, b)
                .unwrap()
                .map(|c| c.unwrap())
                .collect()
                .await;
            assert!(chunks.iter().all(|c| c.len() as u64 <= READ_CHUNK));
            let got: Vec<u8> = chunks.concat();
            assert_eq!(got, &whole[a as usize..b as usize], "{a}..{b}");
        }
        let gone = Blob::File(dir.path().join("missing"));
        assert!(gone.stream_range(0, 1).is_err());
    }

    fn content(data: &'static [u8]) -> Content {
        Content {
            blob: Blob::Memory(Bytes::from_static(data)),
            size: data.len() as u64,
            md5: [0; 16],
            crc64: 0,
            checksum: None,
        }
    }

    fn part(n: u32, data: &'static [u8]) -> Part {
        Part {
            number: n,
            content: content(data),
            last_modified: SystemTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn buckets_objects_and_the_budget() {
        let mut s = Store::default();
        let now = SystemTime::UNIX_EPOCH;
        s.create_bucket("b", "r", now).unwrap();
        assert_eq!(
            s.create_bucket("b", "r", now),
            Err(StoreError::BucketAlreadyOwned)
        );
        let obj = |key: &str, data: &'static [u8]| Object {
            key: key.to_owned(),
            content: content(data),
            etag: String::new(),
            content_type: String::new(),
            metadata: vec![],
            storage_class: "STANDARD".into(),
            last_modified: now,
            parts: 0,
        };
        s.put_object("b", obj("k", b"12345"), 8).unwrap();
        assert_eq!(s.used, 5);
        // Replacing counts only the difference.
        s.put_object("b", obj("k", b"1234567"), 8).unwrap();
        assert_eq!(s.used, 7);
        assert_eq!(
            s.put_object("b", obj("k2", b"12"), 8),
            Err(StoreError::StorageFull)
        );
        assert_eq!(
            s.put_object("nope", obj("k", b""), 8),
            Err(StoreError::NoSuchBucket)
        );
        assert_eq!(s.delete_bucket("b"), Err(StoreError::BucketNotEmpty));
        s.delete_object("b", "k").unwrap();
        s.delete_object("b", "k").unwrap();
        assert_eq!(s.used, 0);
        assert_eq!(s.object("b", "k").unwrap_err(), StoreError::NoSuchKey);
        s.delete_bucket("b").unwrap();
    }

    #[test]
    fn completion_checks_order_etags_and_sizes() {
        let mut s = Store::default();
        let now = SystemTime::UNIX_EPOCH;
        s.create_bucket("b", "r", now).unwrap();
        s.create_upload("b", "k", "u1", UploadSpec::default(), now)
            .unwrap();
        s.put_part("b", "k", "u1", part(1, b"aaaa"), 100).unwrap();
        s.put_part("b", "k", "u1", part(2, b"b"), 100).unwrap();
        let e = |n| hex::encode([0u8; 16]).to_string() + if n { "x" } else { "" };
        let ok = [(1, e(false), None), (2, e(false), None)];
        assert_eq!(s.completion_parts("b", "k", "u1", &ok, 4).unwrap().len(), 2);
        assert_eq!(
            s.completion_parts("b", "k", "u1", &ok, 5).unwrap_err(),
            StoreError::EntityTooSmall(1)
        );
        let rev = [(2, e(false), None), (1, e(false), None)];
        assert_eq!(
            s.completion_parts("b", "k", "u1", &rev, 1).unwrap_err(),
            StoreError::InvalidPartOrder
        );
        let bad = [(1, e(true), None)];
        assert_eq!(
            s.completion_parts("b", "k", "u1", &bad, 1).unwrap_err(),
            StoreError::InvalidPart(1)
        );
        assert_eq!(
            s.completion_parts("b", "other", "u1", &ok, 1).unwrap_err(),
            StoreError::NoSuchUpload
        );
        assert_eq!(s.used, 5);
        s.finish_upload("b", "k", "u1", None, 100).unwrap();
        assert_eq!(s.used, 0);
        assert_eq!(
            s.finish_upload("b", "k", "u1", None, 100).unwrap_err(),
            StoreError::NoSuchUpload
        );
    }
}
