//! The errors of signing, `Authorization` parsing and verification, shared by every signer.

/// An error while computing a signature from the given inputs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// A header named in the signed-header list is not present in the header set.
    #[error("header `{0}` is listed as signed but is not in the request")]
    MissingSignedHeader(String),
    /// A query parameter named in the signed-parameter list is not present.
    #[error("query parameter `{0}` is listed as signed but is not in the request")]
    MissingSignedParam(String),
    /// The signed-header list holds an empty or otherwise unusable name.
    #[error("invalid header name `{0}` in the signed header list")]
    InvalidHeaderName(String),
    /// The signing timestamp cannot be represented as a calendar date.
    #[error("timestamp {0} is out of range")]
    InvalidTimestamp(i64),
    /// A pre-computed payload hash is not 64 lower-case hex digits.
    #[error("payload hash is not a lower-case hex SHA-256")]
    InvalidPayloadHash,
    /// A key time window (e.g. Tencent COS `q-key-time`) ends before it starts.
    #[error("key time window {start};{end} ends before it starts")]
    InvalidKeyTime {
        /// Window start (Unix seconds).
        start: i64,
        /// Window end (Unix seconds).
        end: i64,
    },
    /// A header whose value the signer also receives as an argument disagrees with it
    /// (e.g. OSS v4 `x-oss-date` versus the signing time).
    #[error("header `{name}` is `{found}` but the signer expected `{expected}`")]
    HeaderMismatch {
        /// The header name.
        name: &'static str,
        /// The value the signer derived from its arguments.
        expected: String,
        /// The value in the header set.
        found: String,
    },
    /// A header the signature format requires is absent from the header set.
    #[error("required header `{0}` is missing")]
    MissingHeader(&'static str),
}

/// A malformed or unsupported `Authorization` header value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorizationError {
    /// The header value is empty.
    #[error("authorization header is empty")]
    Empty,
    /// The value does not start with the expected algorithm name.
    #[error("unsupported signature algorithm `{0}`")]
    UnsupportedAlgorithm(String),
    /// A required field is absent.
    #[error("authorization header lacks the `{0}` field")]
    MissingField(&'static str),
    /// A field appears twice.
    #[error("authorization header repeats the `{0}` field")]
    DuplicateField(String),
    /// A field that the format does not define.
    #[error("authorization header has an unknown field `{0}`")]
    UnknownField(String),
    /// A field is not of the form `name=value`.
    #[error("authorization header has a malformed field `{0}`")]
    MalformedField(String),
    /// The credential (scope) part is malformed.
    #[error("malformed credential: {0}")]
    MalformedCredential(String),
    /// The signature is not in the expected encoding.
    #[error("malformed signature")]
    MalformedSignature,
    /// A time window (e.g. Tencent COS `q-sign-time`/`q-key-time`) is malformed.
    #[error("malformed time window `{0}`")]
    MalformedTime(String),
    /// The signed-header (or parameter) list is empty or malformed.
    #[error("malformed signed header or parameter list `{0}`")]
    MalformedList(String),
}

/// Why an incoming request failed signature verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The `Authorization` header is malformed.
    #[error(transparent)]
    Authorization(#[from] AuthorizationError),
    /// The signature could not be recomputed from the request.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// A header the protocol requires is absent.
    #[error("request lacks the `{0}` header")]
    MissingHeader(&'static str),
    /// A required header or parameter has an unusable value.
    #[error("`{name}` has an invalid value")]
    InvalidValue {
        /// The header or parameter name.
        name: &'static str,
    },
    /// A header the protocol requires to be signed is not in the signed list.
    #[error("header `{0}` must be signed")]
    HeaderNotSigned(&'static str),
    /// The credential scope disagrees with the request (e.g. scope date vs. timestamp).
    #[error("credential scope does not match the request: {0}")]
    ScopeMismatch(String),
    /// The request path or query cannot be decoded.
    #[error("request target cannot be decoded")]
    InvalidTarget,
    /// The body does not hash to the hash header sent with it (e.g. Alibaba
    /// `x-acs-content-sha256`).
    #[error("body does not match x-acs-content-sha256")]
    BodyHashMismatch,
    /// The recomputed signature differs from the one sent.
    #[error("signature does not match")]
    SignatureMismatch {
        /// The string to sign the verifier computed, to help diagnose client bugs.
        string_to_sign: String,
    },
}
