//! The Tencent Cloud API 3.0 client: TC3-signed `POST /` with a JSON body.
//!
//! Sending, retries and transport errors are core's shared
//! [`Transport`]; this module holds only what is Tencent's
//! own: endpoints, the API 3.0 headers and TC3 signature, and the `Response` envelope.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use unicloud_core::ratelimit::ApiLimit;
use unicloud_core::transport::{
    Bytes, DecodeWith, HttpRequest, HttpResponse, Protocol, Transport, TransportBuilder,
    build_request, header_value, http::Method,
};
use unicloud_core::{
    ClientConfig, Credentials, Error, ErrorKind, Idempotency, Provider, Region,
    SharedCredentialsProvider,
};

use crate::action::Action;
use crate::errors;
use crate::sign::{Credential, Payload, tc3};

/// How service endpoints are addressed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Endpoint {
    /// `https://<service>.tencentcloudapi.com` (the nearest access point; the default).
    #[default]
    Default,
    /// `https://<service>.<region>.tencentcloudapi.com`.
    Regional,
    /// `https://<service>.intl.tencentcloudapi.com` (the international site).
    International,
    /// Every service at this base URL, such as the emulator's `http://127.0.0.1:PORT`.
    Override(String),
}

impl Endpoint {
    /// The base URL for `service` in `region`.
    pub fn url_for(&self, service: &str, region: &str) -> String {
        match self {
            Endpoint::Default => format!("https://{service}.tencentcloudapi.com"),
            Endpoint::Regional => format!("https://{service}.{region}.tencentcloudapi.com"),
            Endpoint::International => format!("https://{service}.intl.tencentcloudapi.com"),
            Endpoint::Override(base) => base.trim_end_matches('/').to_owned(),
        }
    }
}

/// A Tencent Cloud API client for one region.
///
/// [`TencentClient::call`] sends any generated action (`generated::<service>::<Action>Request`)
/// and returns its typed response: this is also the escape hatch for actions the unified API does
/// not cover. Calls are signed with TC3-HMAC-SHA256, retried on throttling and provider failures
/// under the configured [`RetryPolicy`](unicloud_core::RetryPolicy), and every failure is a
/// [`unicloud_core::Error`] carrying Tencent's code and `RequestId`.
///
/// ```no_run
/// # #[cfg(feature = "cvm")]
/// # async fn example() -> Result<(), unicloud_core::Error> {
/// use unicloud_core::{Credentials, Provider, Region};
/// use unicloud_tencent::client::TencentClient;
/// use unicloud_tencent::generated::cvm::DescribeInstancesRequest;
///
/// let client = TencentClient::builder(Region::new(Provider::Tencent, "ap-guangzhou")?)
///     .credentials(Credentials::new("AKID...", "secret"))
///     .build()?;
/// let out = client
///     .call(&DescribeInstancesRequest { limit: Some(10), ..Default::default() })
///     .await?;
/// println!("{} instances", out.total_count.unwrap_or(0));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct TencentClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    transport: Transport,
    endpoint: Endpoint,
    language: Option<String>,
}

/// Builds a [`TencentClient`].
#[derive(Debug)]
pub struct TencentClientBuilder {
    transport: TransportBuilder,
    endpoint: Endpoint,
    language: Option<String>,
}

/// One API 3.0 call: where it goes and its JSON body.
struct Api3Call {
    service: String,
    version: String,
    action: String,
    region: String,
    body: Bytes,
}

impl TencentClient {
    /// Starts a builder for `region`.
    pub fn builder(region: Region) -> TencentClientBuilder {
        TencentClientBuilder {
            transport: Transport::builder(Provider::Tencent, region),
            endpoint: Endpoint::Default,
            language: None,
        }
    }

    /// The region requests are sent for.
    pub fn region(&self) -> &Region {
        self.inner.transport.region()
    }

    /// The client configuration.
    pub fn config(&self) -> &ClientConfig {
        self.inner.transport.config()
    }

    /// The credentials provider (shared, cached): what other clients of the same account
    /// (the object-storage client) are built with.
    pub fn credentials(&self) -> &SharedCredentialsProvider {
        self.inner.transport.credentials()
    }

    /// Sends `request` in this client's region, retrying retryable failures.
    pub async fn call<A: Action>(&self, request: &A) -> Result<A::Output, Error> {
        self.call_in(self.region().as_str(), request).await
    }

    /// Sends `request` for another region (e.g. a global service, or a fan-out across regions).
    pub async fn call_in<A: Action>(&self, region: &str, request: &A) -> Result<A::Output, Error> {
        let body = serde_json::to_vec(request).map_err(|e| {
            Error::new(
                ErrorKind::InvalidInput,
                format!("cannot encode {} request: {e}", A::ACTION),
            )
            .with_provider(Provider::Tencent)
        })?;
        let call = Api3Call {
            service: A::SERVICE.to_owned(),
            version: A::VERSION.to_owned(),
            action: A::ACTION.to_owned(),
            region: region.to_owned(),
            body: Bytes::from(body),
        };
        let typed = DecodeWith::new(&*self.inner, |reply: HttpResponse| {
            let request_id = header_value(&reply, "X-TC-RequestId");
            decode_reply::<A::Output>(reply.status().as_u16(), reply.body(), request_id, A::ACTION)
        });
        self.inner
            .transport
            .call(&typed, &call, Idempotency::from_bool(A::IDEMPOTENT))
            .await
    }

    /// Sends one raw API 3.0 request (no retries) and returns the `Response` object.
    ///
    /// `body` is the JSON request body. Used by [`TencentClient::call`]; public for actions that
    /// have no generated type.
    pub async fn send_once(
        &self,
        service: &str,
        version: &str,
        action: &str,
        region: &str,
        body: &[u8],
    ) -> Result<Value, Error> {
        let call = Api3Call {
            service: service.to_owned(),
            version: version.to_owned(),
            action: action.to_owned(),
            region: region.to_owned(),
            body: Bytes::copy_from_slice(body),
        };
        self.inner.transport.send_once(&*self.inner, &call).await
    }
}

/// `{"Response": T}`.
#[derive(serde::Deserialize)]
struct Envelope<T> {
    #[serde(rename = "Response")]
    response: T,
}

/// Reads an API 3.0 reply to `action` into its output type `T`: what [`TencentClient::call`]
/// does with every reply.
///
/// A successful reply (HTTP 200, no `"Error"` anywhere in the body) is decoded from the bytes
/// in one pass, without building a JSON tree first. Anything else — an error, a body that
/// mentions `"Error"` (say in a tag), a reply that does not fit `T` — goes through
/// [`decode_response`], so errors are exactly what that function makes of them, and a reply
/// that does not fit `T` is [`ErrorKind::InvalidResponse`].
pub fn decode_reply<T: serde::de::DeserializeOwned>(
    status: u16,
    body: &[u8],
    header_request_id: Option<String>,
    action: &str,
) -> Result<T, Error> {
    if status == 200
        && !body.windows(7).any(|w| w == b"\"Error\"")
        && let Ok(envelope) = serde_json::from_slice::<Envelope<T>>(body)
    {
        return Ok(envelope.response);
    }
    let value = decode_response(status, body, header_request_id)?;
    serde_json::from_value(value).map_err(|e| {
        Error::new(
            ErrorKind::InvalidResponse,
            format!("unexpected {action} response: {e}"),
        )
        .with_provider(Provider::Tencent)
    })
}

impl Protocol for Inner {
    type Call = Api3Call;
    type Output = Value;

    fn rate_limit(&self, call: &Api3Call) -> Option<ApiLimit> {
        Some(crate::limits::api(
            &call.service,
            &call.action,
            &call.region,
        ))
    }

    fn sign(
        &self,
        call: &Api3Call,
        creds: &Credentials,
        now: SystemTime,
    ) -> Result<HttpRequest, Error> {
        let Api3Call {
            service,
            version,
            action,
            region,
            body,
        } = call;
        // A configured endpoint (for this service, else for all) wins over `Endpoint`.
        let base = self
            .transport
            .config()
            .endpoint_for(service)
            .map_or_else(|| self.endpoint.url_for(service, region), str::to_owned);
        let url = reqwest::Url::parse(&format!("{base}/")).map_err(|e| {
            Error::new(ErrorKind::Config, format!("invalid endpoint `{base}`: {e}"))
        })?;
        let host = host_header(&url)?;
        let timestamp = now
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let authorization = authorization(creds, &host, service, timestamp, body)?;
        let timestamp = timestamp.to_string();
        let mut headers = vec![
            ("Host", host.as_str()),
            ("Content-Type", CONTENT_TYPE),
            ("X-TC-Action", action.as_str()),
            ("X-TC-Version", version.as_str()),
            ("X-TC-Timestamp", timestamp.as_str()),
            ("X-TC-Region", region.as_str()),
            ("Authorization", authorization.as_str()),
        ];
        if let Some(token) = creds.session_token() {
            headers.push(("X-TC-Token", token.expose()));
        }
        if let Some(lang) = &self.language {
            headers.push(("X-TC-Language", lang.as_str()));
        }
        tracing::debug!(service, action, region, "tencent request");
        build_request(Method::POST, url.as_str(), headers, body.clone())
    }

    fn decode(&self, _: &Api3Call, response: HttpResponse) -> Result<Value, Error> {
        let request_id = header_value(&response, "X-TC-RequestId");
        decode_response(response.status().as_u16(), response.body(), request_id)
    }
}

/// The content type the official SDKs send and sign.
const CONTENT_TYPE: &str = "application/json";

/// The `Host` header for `url`: host plus port when the port is not the scheme's default, which
/// is what HTTP clients send and therefore what must be signed.
pub(crate) fn host_header(url: &reqwest::Url) -> Result<String, Error> {
    let host = url.host_str().ok_or_else(|| {
        Error::new(ErrorKind::Config, format!("endpoint `{url}` has no host"))
            .with_provider(Provider::Tencent)
    })?;
    Ok(match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    })
}

/// The TC3 `Authorization` header for a JSON `POST /`, signing `content-type;host` as the
/// official SDKs do.
pub(crate) fn authorization(
    creds: &Credentials,
    host: &str,
    service: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<String, Error> {
    let headers = [("content-type", CONTENT_TYPE), ("host", host)];
    let req = tc3::Tc3Request {
        method: "POST",
        canonical_uri: "/",
        canonical_query: "",
        headers: &headers,
        signed_headers: &["content-type", "host"],
        payload: Payload::Bytes(body),
    };
    let cred = Credential::new(creds.access_key_id(), creds.secret().expose());
    tc3::sign(&req, &cred, service, timestamp)
        .map(|s| s.authorization)
        .map_err(|e| {
            Error::new(ErrorKind::InvalidInput, format!("cannot sign request: {e}"))
                .with_provider(Provider::Tencent)
        })
}

/// Decodes an API 3.0 reply: the `Response` object on success, a typed error otherwise.
pub fn decode_response(
    status: u16,
    body: &[u8],
    header_request_id: Option<String>,
) -> Result<Value, Error> {
    let parsed: Result<Value, _> = serde_json::from_slice(body);
    let response = parsed
        .ok()
        .and_then(|mut v| v.get_mut("Response").map(Value::take))
        .filter(Value::is_object);
    let Some(response) = response else {
        // Not an API 3.0 envelope: a gateway or proxy answered.
        let kind = match status {
            429 => ErrorKind::Throttled,
            500..=599 => ErrorKind::Unavailable,
            401 | 403 => ErrorKind::Auth,
            404 => ErrorKind::NotFound,
            200..=299 => ErrorKind::InvalidResponse,
            _ => ErrorKind::InvalidResponse,
        };
        let mut err = Error::new(
            kind,
            format!("HTTP {status} without a Tencent Cloud `Response` envelope"),
        )
        .with_status(status)
        .with_provider(Provider::Tencent);
        if let Some(id) = header_request_id {
            err = err.with_request_id(id);
        }
        return Err(err);
    };
    let request_id = response
        .get("RequestId")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or(header_request_id);
    if let Some(error) = response.get("Error") {
        let code = error.get("Code").and_then(Value::as_str).unwrap_or("");
        let message = error
            .get("Message")
            .and_then(Value::as_str)
            .unwrap_or("no message");
        let mut err = Error::new(errors::kind_of(code), message)
            .with_code(code)
            .with_provider(Provider::Tencent);
        if status != 200 {
            err = err.with_status(status);
        }
        if let Some(r) = errors::retryable_override(code) {
            err = err.with_retryable(r);
        }
        if let Some(id) = request_id {
            err = err.with_request_id(id);
        }
        return Err(err);
    }
    if !(200..300).contains(&status) {
        return Err(Error::new(
            ErrorKind::InvalidResponse,
            format!("HTTP {status} with a `Response` that has no `Error`"),
        )
        .with_status(status)
        .with_provider(Provider::Tencent));
    }
    Ok(response)
}

impl TencentClientBuilder {
    /// Uses these credentials (explicit keys, or any provider such as an STS role).
    #[must_use]
    pub fn credentials(mut self, credentials: impl Into<SharedCredentialsProvider>) -> Self {
        self.transport = self.transport.credentials(credentials);
        self
    }

    /// Chooses how endpoints are addressed (default, regional, international or an override).
    /// An endpoint in the [`ClientConfig`] (for the service, else for all) wins over this.
    #[must_use]
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoint = endpoint;
        self
    }

    /// Uses this configuration (endpoint overrides, time-outs, retries, clock).
    #[must_use]
    pub fn config(mut self, config: ClientConfig) -> Self {
        self.transport = self.transport.config(config);
        self
    }

    /// Asks for error messages in this language (`zh-CN` or `en-US`).
    #[must_use]
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    /// Builds the client. Without explicit credentials, Tencent Cloud's default chain is used
    /// (with profiles that name a role assumed through STS when the `sts` feature is on).
    pub fn build(self) -> Result<TencentClient, Error> {
        #[cfg(feature = "sts")]
        let transport = self.transport.role_assumer(crate::sts::role_assumer);
        #[cfg(not(feature = "sts"))]
        let transport = self.transport;
        Ok(TencentClient {
            inner: Arc::new(Inner {
                transport: transport.build()?,
                endpoint: self.endpoint,
                language: self.language,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_decode_straight_into_the_output_or_through_the_envelope_check() {
        use crate::generated::cvm::DescribeInstancesResponse;
        let decode = |status: u16, body: &str| {
            decode_reply::<DescribeInstancesResponse>(
                status,
                body.as_bytes(),
                None,
                "DescribeInstances",
            )
        };
        let ok = r#"{"Response":{"TotalCount":1,"InstanceSet":[{"InstanceId":"ins-1"}],"RequestId":"r-1"}}"#;
        assert_eq!(decode(200, ok).unwrap().total_count, Some(1));
        // "Error" in a value takes the slow path, with the same result.
        let tagged = r#"{"Response":{"TotalCount":1,"InstanceSet":[{"InstanceId":"ins-1","InstanceName":"Error"}],"RequestId":"r-1"}}"#;
        let out = decode(200, tagged).unwrap();
        assert_eq!(
            out.instance_set.unwrap()[0].instance_name.as_deref(),
            Some("Error")
        );
        // An error envelope is the mapped error, with its code and request id.
        let err = decode(
            200,
            r#"{"Response":{"Error":{"Code":"RequestLimitExceeded","Message":"slow down"},"RequestId":"r-2"}}"#,
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Throttled);
        assert_eq!(err.request_id(), Some("r-2"));
        // A reply that does not fit the output type, or no envelope at all.
        let err = decode(200, r#"{"Response":{"TotalCount":"many"}}"#).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse);
        assert!(err.to_string().contains("DescribeInstances"), "{err}");
        assert_eq!(
            decode(502, "<html>").unwrap_err().kind(),
            ErrorKind::Unavailable
        );
    }

    #[test]
    fn endpoints() {
        assert_eq!(
            Endpoint::Default.url_for("cvm", "ap-guangzhou"),
            "https://cvm.tencentcloudapi.com"
        );
        assert_eq!(
            Endpoint::Regional.url_for("cvm", "ap-guangzhou"),
            "https://cvm.ap-guangzhou.tencentcloudapi.com"
        );
        assert_eq!(
            Endpoint::International.url_for("vpc", "ap-singapore"),
            "https://vpc.intl.tencentcloudapi.com"
        );
        assert_eq!(
            Endpoint::Override("http://127.0.0.1:9000/".into()).url_for("clb", "x"),
            "http://127.0.0.1:9000"
        );
    }

    fn client_with(config: ClientConfig) -> TencentClient {
        TencentClient::builder(Region::new(Provider::Tencent, "ap-guangzhou").unwrap())
            .credentials(
                Credentials::new("AKIDdebug", "debug-secret").with_session_token("debug-token"),
            )
            .config(config)
            .build()
            .unwrap()
    }

    fn call_to(service: &str) -> Api3Call {
        Api3Call {
            service: service.into(),
            version: "2017-03-12".into(),
            action: "DescribeInstances".into(),
            region: "ap-guangzhou".into(),
            body: Bytes::from_static(b"{}"),
        }
    }

    #[test]
    fn a_per_service_endpoint_wins_over_the_global_one() {
        let config = ClientConfig::default()
            .with_endpoint("http://127.0.0.1:1")
            .unwrap()
            .with_service_endpoint("cvm", "http://127.0.0.1:2")
            .unwrap();
        let client = client_with(config);
        let creds = Credentials::new("AKIDdebug", "debug-secret");
        let now = UNIX_EPOCH + std::time::Duration::from_secs(1_795_443_323);
        let cvm = client.inner.sign(&call_to("cvm"), &creds, now).unwrap();
        assert_eq!(cvm.uri(), "http://127.0.0.1:2/");
        assert_eq!(cvm.headers()["host"], "127.0.0.1:2");
        let vpc = client.inner.sign(&call_to("vpc"), &creds, now).unwrap();
        assert_eq!(vpc.uri(), "http://127.0.0.1:1/");
        let plain = client_with(ClientConfig::default());
        let clb = plain.inner.sign(&call_to("clb"), &creds, now).unwrap();
        assert_eq!(clb.uri(), "https://clb.tencentcloudapi.com/");
    }

    /// Service crates hold calls in `Send` futures (spawned tasks, boxed backends).
    #[test]
    fn call_futures_are_send() {
        fn send<T: Send>(_: &T) {}
        let client = client_with(ClientConfig::default());
        send(&client.send_once(
            "cvm",
            "2017-03-12",
            "DescribeInstances",
            "ap-guangzhou",
            b"{}",
        ));
        #[cfg(feature = "cvm")]
        {
            let request = crate::generated::cvm::DescribeInstancesRequest::default();
            send(&client.call(&request));
        }
    }

    #[test]
    fn debug_shows_no_secret() {
        let builder =
            TencentClient::builder(Region::new(Provider::Tencent, "ap-guangzhou").unwrap())
                .credentials(
                    Credentials::new("AKIDdebug", "debug-secret").with_session_token("debug-token"),
                );
        let client = client_with(ClientConfig::default());
        for shown in [
            format!("{builder:?}"),
            format!("{client:?}"),
            format!("{:?}", client.config()),
        ] {
            assert!(
                !shown.contains("debug-secret") && !shown.contains("debug-token"),
                "{shown}"
            );
        }
        assert!(format!("{client:?}").contains("ap-guangzhou"));
    }

    #[test]
    fn host_header_keeps_non_default_ports() {
        let u = reqwest::Url::parse("http://127.0.0.1:8090/").unwrap();
        assert_eq!(host_header(&u).unwrap(), "127.0.0.1:8090");
        let u = reqwest::Url::parse("https://cvm.tencentcloudapi.com/").unwrap();
        assert_eq!(host_header(&u).unwrap(), "cvm.tencentcloudapi.com");
    }

    /// The request of capture 001 (CVM DescribeInstances sent by the official Python SDK)
    /// signed by our transport's signing path gives the capture's `Authorization` byte for byte.
    #[test]
    fn transport_signing_reproduces_capture_001() {
        let creds = Credentials::new(
            "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
            "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        );
        let body = br#"{"InstanceIds": ["ins-r8hr2upy"], "Limit": 20}"#;
        let auth = authorization(&creds, "127.0.0.1:8090", "cvm", 1795443323, body).unwrap();
        assert_eq!(
            auth,
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2026-11-23/cvm/tc3_request, \
             SignedHeaders=content-type;host, \
             Signature=3e530773542212b550040c85de15961752f3e74c0c521f0eb0d64f273907a459"
        );
    }

    #[test]
    fn decodes_success_and_error_envelopes() {
        let ok = decode_response(
            200,
            br#"{"Response":{"TotalCount":0,"RequestId":"r1"}}"#,
            None,
        )
        .unwrap();
        assert_eq!(ok["TotalCount"], 0);
        let err = decode_response(
            200,
            br#"{"Response":{"Error":{"Code":"InvalidInstanceId.NotFound","Message":"gone"},"RequestId":"r2"}}"#,
            None,
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert_eq!(err.code(), Some("InvalidInstanceId.NotFound"));
        assert_eq!(err.request_id(), Some("r2"));
        assert_eq!(err.message(), "gone");
        let err =
            decode_response(502, b"<html>bad gateway</html>", Some("hdr".into())).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable);
        assert_eq!(err.request_id(), Some("hdr"));
        let err = decode_response(200, b"{not json", None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse);
        let err = decode_response(200, br#"{"Response": 3}"#, None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    }

    proptest::proptest! {
        #[test]
        fn decode_never_panics(status in 100u16..600, body in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = decode_response(status, &body, None);
        }
    }
}
