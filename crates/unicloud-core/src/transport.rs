//! The HTTP transport every hand-written provider client shares.
//!
//! A [`Transport`] owns what is the same for every vendor: the HTTP client built from a
//! [`ClientConfig`] (time-outs, user agent), the credentials, the retry loop driven by the
//! configured [`RetryPolicy`](crate::RetryPolicy) and the call's [`Idempotency`], sending one
//! request and reading its reply, and turning transport failures into [`Error`]s that never
//! show the request URL (query strings can carry user data). What differs per vendor — how a
//! request is addressed and signed and how a reply or an error is read — is a [`Protocol`].
//!
//! Requests are plain [`HttpRequest`]s (method, URL, headers, body bytes), so the same
//! transport serves RPC calls and object-storage requests alike.
//!
//! ```
//! use std::time::SystemTime;
//! use unicloud_core::transport::{HttpRequest, HttpResponse, Protocol, Transport};
//! use unicloud_core::{ClientConfig, Credentials, Error, ErrorKind, Idempotency, Provider, Region, RetryPolicy};
//!
//! /// Sends `GET <url>` with the key id in a header; a 200 reply's body is the output.
//! struct Plain;
//!
//! impl Protocol for Plain {
//!     type Call = str;
//!     type Output = Vec<u8>;
//!     fn sign(&self, url: &str, creds: &Credentials, _now: SystemTime) -> Result<HttpRequest, Error> {
//!         http::Request::get(url)
//!             .header("x-key-id", creds.access_key_id())
//!             .body(Default::default())
//!             .map_err(|e| Error::invalid_input(e.to_string()))
//!     }
//!     fn decode(&self, _url: &str, reply: HttpResponse) -> Result<Vec<u8>, Error> {
//!         match reply.status().as_u16() {
//!             200 => Ok(reply.into_body().to_vec()),
//!             s => Err(Error::new(ErrorKind::from_http_status(s).unwrap_or(ErrorKind::Other), "failed")),
//!         }
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let transport = Transport::builder(Provider::Tencent, Region::new(Provider::Tencent, "ap-guangzhou")?)
//!     .credentials(Credentials::new("AKIDexample", "example-secret"))
//!     .config(ClientConfig::default().with_retry(RetryPolicy::disabled()))
//!     .build()?;
//! assert!(!format!("{transport:?}").contains("example-secret"));
//! // Nothing listens on port 9: the call fails before anything was sent.
//! let err = transport
//!     .call(&Plain, "http://127.0.0.1:9/?token=abc", Idempotency::NotIdempotent)
//!     .await
//!     .unwrap_err();
//! assert_eq!(err.provider(), Some(Provider::Tencent));
//! assert!(!err.to_string().contains("token=abc"));
//! # Ok::<_, Error>(())
//! # }).unwrap();
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

pub use bytes::Bytes;
pub use http;

use crate::config::ClientConfig;
use crate::credentials::{AssumeRole, Credentials, SharedCredentialsProvider, client_credentials};
use crate::error::{Error, ErrorKind};
use crate::provider::Provider;
use crate::ratelimit::ApiLimit;
use crate::region::Region;
use crate::retry::Idempotency;

/// A request ready to send: method, URL, headers and body bytes.
pub type HttpRequest = http::Request<Bytes>;

/// A reply as received: status, headers and the whole body.
pub type HttpResponse = http::Response<Bytes>;

/// How one vendor's API is spoken: building a signed request and reading its reply.
///
/// The transport calls [`sign`](Protocol::sign) once per attempt with fresh credentials and
/// the configured clock's time (so nonces and dates are new on every retry), sends the request,
/// and hands the reply, whatever its status, to [`decode`](Protocol::decode).
pub trait Protocol: Sync {
    /// What one call is made from (an action and its encoded parameters, an object key and
    /// its bytes, ...).
    type Call: ?Sized + Sync;
    /// What a successful reply is decoded into.
    type Output;

    /// Builds and signs the request for `call`, as of `now`.
    fn sign(
        &self,
        call: &Self::Call,
        credentials: &Credentials,
        now: SystemTime,
    ) -> Result<HttpRequest, Error>;

    /// Decodes the reply to `call`: the output on success, a typed [`Error`] (with the
    /// vendor's code and request id) otherwise.
    fn decode(&self, call: &Self::Call, response: HttpResponse) -> Result<Self::Output, Error>;

    /// The rate-limit bucket of `call` and the vendor's limit for it (see
    /// [`ratelimit`](crate::ratelimit)); `None` (the default) sends it unlimited.
    fn rate_limit(&self, call: &Self::Call) -> Option<ApiLimit> {
        let _ = call;
        None
    }
}

/// `protocol` with its replies read another way: requests are signed and rate-limited as
/// `protocol` does, and each reply is handed to `decode` (for instance to read it straight
/// into an action's output type instead of `protocol`'s generic one).
pub struct DecodeWith<'a, P, F> {
    protocol: &'a P,
    decode: F,
}

impl<'a, P, F> DecodeWith<'a, P, F> {
    /// `protocol`, its replies read by `decode`.
    pub fn new(protocol: &'a P, decode: F) -> Self {
        Self { protocol, decode }
    }
}

impl<P, F, O> Protocol for DecodeWith<'_, P, F>
where
    P: Protocol,
    F: Fn(HttpResponse) -> Result<O, Error> + Sync,
{
    type Call = P::Call;
    type Output = O;

    fn sign(
        &self,
        call: &P::Call,
        credentials: &Credentials,
        now: SystemTime,
    ) -> Result<HttpRequest, Error> {
        self.protocol.sign(call, credentials, now)
    }

    fn decode(&self, _: &P::Call, response: HttpResponse) -> Result<O, Error> {
        (self.decode)(response)
    }

    fn rate_limit(&self, call: &P::Call) -> Option<ApiLimit> {
        self.protocol.rate_limit(call)
    }
}

/// The shared HTTP transport of a provider client; cheap to clone.
///
/// Built with [`Transport::builder`]; see the [module documentation](self) for an example.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    provider: Provider,
    region: Region,
    credentials: SharedCredentialsProvider,
    config: ClientConfig,
}

/// Makes the STS client that assumes profile roles, for a region and a configuration.
pub type MakeRoleAssumer = fn(Region, ClientConfig) -> Arc<dyn AssumeRole>;

/// Builds a [`Transport`].
pub struct TransportBuilder {
    provider: Provider,
    region: Region,
    credentials: Option<SharedCredentialsProvider>,
    config: ClientConfig,
    role_assumer: Option<MakeRoleAssumer>,
}

impl Transport {
    /// Starts a builder for `provider`'s clients in `region`.
    pub fn builder(provider: Provider, region: Region) -> TransportBuilder {
        TransportBuilder {
            provider,
            region,
            credentials: None,
            config: ClientConfig::default(),
            role_assumer: None,
        }
    }

    /// The provider every error is attributed to.
    pub fn provider(&self) -> Provider {
        self.inner.provider
    }

    /// The region the client was built for.
    pub fn region(&self) -> &Region {
        &self.inner.region
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The credentials provider.
    pub fn credentials(&self) -> &SharedCredentialsProvider {
        &self.inner.credentials
    }

    /// Sends `call` under `protocol`, retrying retryable failures under the configured policy.
    /// After a failure that may have been applied (a time-out, a connection broken after the
    /// request left) the call is repeated only when it is [`Idempotency::Idempotent`]. Every
    /// attempt waits for the call's [rate limit](Protocol::rate_limit) first.
    pub async fn call<P: Protocol>(
        &self,
        protocol: &P,
        call: &P::Call,
        idempotency: Idempotency,
    ) -> Result<P::Output, Error> {
        let api = protocol.rate_limit(call);
        self.inner
            .config
            .run_call(api.as_ref(), idempotency, |_| {
                self.send_once(protocol, call)
            })
            .await
    }

    /// One attempt of `call`: fresh credentials, sign, send, decode. No retries.
    pub async fn send_once<P: Protocol>(
        &self,
        protocol: &P,
        call: &P::Call,
    ) -> Result<P::Output, Error> {
        let attempt = async {
            let creds = self.inner.credentials.provide_credentials().await?;
            let request = protocol.sign(call, &creds, self.inner.config.clock().now())?;
            let response = self.send(request).await?;
            protocol.decode(call, response)
        };
        attempt.await.map_err(|e| self.attributed(e))
    }

    /// Sends one request as it is (no signing, no retries) and reads the whole reply.
    ///
    /// Any status is a reply; only failing to send or to read is an error. A failure to
    /// connect is marked as [not applied](Error::may_have_been_applied); the message and the
    /// source never contain the URL.
    pub async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        let request = reqwest::Request::try_from(request).map_err(|e| self.client_error(e))?;
        let reply = self
            .inner
            .http
            .execute(request)
            .await
            .map_err(|e| self.client_error(e))?;
        let status = reply.status();
        let headers = reply.headers().clone();
        let body = reply.bytes().await.map_err(|e| self.client_error(e))?;
        let mut response = http::Response::new(body);
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        Ok(response)
    }

    fn client_error(&self, e: reqwest::Error) -> Error {
        from_reqwest(e).with_provider(self.inner.provider)
    }

    fn attributed(&self, e: Error) -> Error {
        if e.provider().is_some() {
            e
        } else {
            e.with_provider(self.inner.provider)
        }
    }
}

impl TransportBuilder {
    /// Uses these credentials (explicit keys, or any provider such as an STS role); without
    /// them the provider's default chain is used.
    #[must_use]
    pub fn credentials(mut self, credentials: impl Into<SharedCredentialsProvider>) -> Self {
        self.credentials = Some(credentials.into());
        self
    }

    /// Uses this configuration (endpoint overrides, time-outs, retries, clock).
    #[must_use]
    pub fn config(mut self, config: ClientConfig) -> Self {
        self.config = config;
        self
    }

    /// Lets the default chain assume the roles that profiles name, through the STS client
    /// `assumer` makes for the builder's region and configuration.
    #[must_use]
    pub fn role_assumer(
        mut self,
        assumer: fn(Region, ClientConfig) -> Arc<dyn AssumeRole>,
    ) -> Self {
        self.role_assumer = Some(assumer);
        self
    }

    /// Resolves the credentials (explicit, else the provider's default chain) and builds the
    /// HTTP client from the configuration's time-outs and user agent.
    pub fn build(self) -> Result<Transport, Error> {
        let assumer = self
            .role_assumer
            .map(|make| make(self.region.clone(), self.config.clone()));
        let credentials = client_credentials(
            self.provider,
            &self.region,
            self.credentials,
            None,
            &self.config,
            assumer,
        )?;
        let http = http_client(&self.config).map_err(|e| e.with_provider(self.provider))?;
        Ok(Transport {
            inner: Arc::new(Inner {
                http,
                provider: self.provider,
                region: self.region,
                credentials,
                config: self.config,
            }),
        })
    }
}

/// Builds a request from its parts; a header name or value that HTTP does not allow is
/// [`ErrorKind::InvalidInput`] (the message names neither the URL nor the value).
///
/// ```
/// use unicloud_core::transport::{Bytes, build_request, http::Method};
///
/// let req = build_request(Method::PUT, "http://127.0.0.1:9000/key", [("x-meta", "1")], Bytes::from_static(b"hi"))?;
/// assert_eq!(req.headers()["x-meta"], "1");
/// assert!(build_request(Method::GET, "http://h/", [("bad name", "v")], Bytes::new()).is_err());
/// # Ok::<_, unicloud_core::Error>(())
/// ```
pub fn build_request<K, V>(
    method: http::Method,
    url: &str,
    headers: impl IntoIterator<Item = (K, V)>,
    body: Bytes,
) -> Result<HttpRequest, Error>
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut builder = http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        builder = builder.header(name.as_ref(), value.as_ref());
    }
    builder.body(body).map_err(|e| {
        Error::new(
            ErrorKind::InvalidInput,
            format!("cannot build the request: {e}"),
        )
    })
}

/// The value of header `name` in `response`, when present and text.
pub fn header_value(response: &HttpResponse, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// An HTTP client with `config`'s time-outs and user agent (rustls, HTTP/1.1 and HTTP/2).
fn http_client(config: &ClientConfig) -> Result<reqwest::Client, Error> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(config.connect_timeout())
        .read_timeout(config.read_timeout())
        .user_agent(config.user_agent());
    if let Some(total) = config.total_timeout() {
        builder = builder.timeout(total);
    }
    builder.build().map_err(from_reqwest)
}

/// Converts an HTTP client failure into an [`Error`], dropping the URL: Alibaba RPC calls
/// carry every parameter (user data included) in the query string, and the message may reach
/// logs and terminals. A request that could not be built or connected is marked not applied.
pub(crate) fn from_reqwest(e: reqwest::Error) -> Error {
    let kind = if e.is_timeout() {
        ErrorKind::Timeout
    } else if e.is_decode() {
        ErrorKind::InvalidResponse
    } else if e.is_builder() {
        ErrorKind::InvalidInput
    } else {
        ErrorKind::Transport
    };
    let e = e.without_url();
    let not_applied = e.is_connect() || e.is_builder();
    let mut err = Error::new(kind, e.to_string());
    if let Some(status) = e.status() {
        err = err.with_status(status.as_u16());
    }
    if not_applied {
        err = err.with_not_applied();
    }
    err.with_source(e)
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("provider", &self.inner.provider)
            .field("region", &self.inner.region)
            .field("credentials", &self.inner.credentials)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for TransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportBuilder")
            .field("provider", &self.provider)
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use unicloud_testkit::refused::RefusedPort;
    use unicloud_testkit::server::{RecordingServer, Reply};

    use super::*;
    use crate::RetryPolicy;
    use crate::clock::ManualClock;

    /// `GET <url>`; 200 gives the body, 429 is throttling, anything else is `Other`.
    struct Plain;

    impl Protocol for Plain {
        type Call = str;
        type Output = String;
        fn sign(&self, url: &str, _: &Credentials, _: SystemTime) -> Result<HttpRequest, Error> {
            http::Request::get(url)
                .body(Bytes::new())
                .map_err(|e| Error::invalid_input(e.to_string()))
        }
        fn decode(&self, _: &str, reply: HttpResponse) -> Result<String, Error> {
            match reply.status().as_u16() {
                200 => Ok(String::from_utf8_lossy(reply.body()).into_owned()),
                429 => Err(Error::new(ErrorKind::Throttled, "slow down")),
                s => Err(Error::new(ErrorKind::Other, format!("HTTP {s}"))),
            }
        }
    }

    fn transport() -> Transport {
        let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_800_000_000));
        let config = ClientConfig::default()
            .with_clock(Arc::new(clock))
            .with_retry(RetryPolicy::default().with_max_attempts(3));
        Transport::builder(
            Provider::Alibaba,
            Region::new(Provider::Alibaba, "cn-hangzhou").unwrap(),
        )
        .credentials(Credentials::new("id", "transport-test-secret"))
        .config(config)
        .build()
        .unwrap()
    }

    /// `GET <server>/` with `transport()` and the given idempotency.
    async fn get(server: &str, idempotency: Idempotency) -> Result<String, Error> {
        transport()
            .call(&Plain, &format!("{server}/"), idempotency)
            .await
    }

    #[tokio::test]
    async fn a_dropped_connection_is_retried_only_when_idempotent() {
        for (idempotency, requests) in [
            (Idempotency::NotIdempotent, 1),
            (Idempotency::Idempotent, 2),
        ] {
            let server =
                RecordingServer::scripted_or(vec![Reply::hang_up()], Reply::text(200, "ok"))
                    .await
                    .unwrap();
            let out = get(&server.url(), idempotency).await;
            match idempotency {
                Idempotency::NotIdempotent => {
                    let err = out.unwrap_err();
                    assert_eq!(err.kind(), ErrorKind::Transport);
                    assert!(err.may_have_been_applied());
                }
                _ => assert_eq!(out.unwrap(), "ok"),
            }
            assert_eq!(server.request_count(), requests, "{idempotency:?}");
        }
    }

    #[tokio::test]
    async fn throttling_is_retried_even_when_not_idempotent() {
        let server = RecordingServer::scripted_or(
            vec![Reply::text(429, "slow"), Reply::text(429, "slow")],
            Reply::text(200, "ok"),
        )
        .await
        .unwrap();
        let out = get(&server.url(), Idempotency::NotIdempotent).await;
        assert_eq!(out.unwrap(), "ok");
        assert_eq!(server.request_count(), 3);
    }

    #[tokio::test]
    async fn failures_never_show_the_url() {
        let refused = RefusedPort::new().unwrap();
        let url = format!("{}/?UserData=c2VjcmV0LXVzZXItZGF0YQ", refused.url());
        let t = transport();
        let err = t
            .call(&Plain, &url, Idempotency::NotIdempotent)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Transport);
        assert!(!err.may_have_been_applied());
        assert_eq!(err.provider(), Some(Provider::Alibaba));
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(!shown.contains("c2VjcmV0"), "{shown}");
            assert!(!shown.contains("UserData"), "{shown}");
        }
        assert!(!format!("{t:?}").contains("transport-test-secret"));
    }
}
