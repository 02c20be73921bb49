//! The checksums the engine computes itself and compares with what the services report:
//! CRC32 (S3's `x-amz-checksum-crc32`, composite for multipart uploads) and CRC-64/XZ
//! (ECMA-182, COS's and OSS's `x-*-hash-crc64ecma`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use crc_fast::CrcAlgorithm;

/// Which checksum a vendor reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Algorithm {
    /// CRC32 (ISO-HDLC), S3.
    Crc32,
    /// CRC-64/XZ, COS and OSS.
    Crc64,
}

impl Algorithm {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Algorithm::Crc32 => "CRC32",
            Algorithm::Crc64 => "CRC64",
        }
    }

    fn crc(self) -> CrcAlgorithm {
        match self {
            Algorithm::Crc32 => CrcAlgorithm::Crc32IsoHdlc,
            Algorithm::Crc64 => CrcAlgorithm::Crc64Xz,
        }
    }

    /// The checksum of `bytes`.
    pub(crate) fn of(self, bytes: &[u8]) -> u64 {
        crc_fast::checksum(self.crc(), bytes)
    }

    /// The checksum of `a ++ b` from the checksums of `a` and `b` and `b`'s length.
    pub(crate) fn combine(self, a: u64, b: u64, b_len: u64) -> u64 {
        crc_fast::checksum_combine(self.crc(), a, b, b_len)
    }

    /// `value` as the vendor writes it: base64 of the big-endian 4 bytes (CRC32), decimal
    /// (CRC64).
    pub(crate) fn format(self, value: u64) -> String {
        match self {
            Algorithm::Crc32 => B64.encode((value as u32).to_be_bytes()),
            Algorithm::Crc64 => value.to_string(),
        }
    }
}

/// S3's composite checksum of a multipart upload: the CRC32 of the parts' CRC32s (each as its
/// big-endian 4 bytes), base64, then `-N`.
pub(crate) fn s3_composite(part_crcs: &[u64]) -> String {
    let mut bytes = Vec::with_capacity(part_crcs.len() * 4);
    for c in part_crcs {
        bytes.extend_from_slice(&(*c as u32).to_be_bytes());
    }
    format!(
        "{}-{}",
        Algorithm::Crc32.format(Algorithm::Crc32.of(&bytes)),
        part_crcs.len()
    )
}

/// The hex MD5 of `bytes` (S3's and COS's part ETag without quotes).
pub(crate) fn md5_hex(bytes: &[u8]) -> String {
    use md5::Digest as _;
    hex::encode(md5::Md5::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_check_values() {
        // The catalogue check values of CRC-32/ISO-HDLC and CRC-64/XZ over "123456789".
        assert_eq!(Algorithm::Crc32.of(b"123456789"), 0xCBF4_3926);
        assert_eq!(Algorithm::Crc64.of(b"123456789"), 0x995D_C9BB_DF19_39FA);
    }

    #[test]
    fn combining_equals_the_whole() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for alg in [Algorithm::Crc32, Algorithm::Crc64] {
            let (a, b) = data.split_at(33_333);
            let whole = alg.combine(alg.of(a), alg.of(b), b.len() as u64);
            assert_eq!(whole, alg.of(&data), "{alg:?}");
        }
    }

    #[test]
    fn vendor_forms() {
        // "hello cos\n" as in wire capture 043.
        assert_eq!(md5_hex(b"hello cos\n"), "312feb8f1c7b8e2f7c19fe1554f84637");
        assert_eq!(Algorithm::Crc32.format(0xCBF4_3926), "y/Q5Jg==");
        assert_eq!(Algorithm::Crc64.format(42), "42");
        assert!(s3_composite(&[1, 2, 3]).ends_with("-3"));
    }

    /// The composite of two parts, `hello ` and `world`, as an independent implementation
    /// computes it from S3's description (CRC32 of the parts' big-endian CRC32s, base64, `-N`):
    /// Python's `zlib.crc32` gives parts 3984718326 and 980881731, and over their 8 bytes
    /// (`7YH59jp3EUM=`) `1Fu2mQ==`. moto, our independent S3 peer, reports the same value for
    /// the behaviour suite's multipart uploads (compared there).
    #[test]
    fn composite_matches_an_independent_computation() {
        let parts = [
            Algorithm::Crc32.of(b"hello "),
            Algorithm::Crc32.of(b"world"),
        ];
        assert_eq!(parts, [3_984_718_326, 980_881_731]);
        assert_eq!(s3_composite(&parts), "1Fu2mQ==-2");
    }
}
