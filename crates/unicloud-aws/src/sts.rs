//! Temporary credentials of an IAM role through STS `AssumeRole`.
//!
//! [`assume_role`] checks the [`RoleSpec`] against IAM's rules first — a malformed role ARN,
//! session name, duration or external id is an [`ErrorKind::InvalidInput`] error naming the
//! field, and nothing is sent — then hands the role to `aws-config`'s assume-role provider,
//! which calls STS with the configuration's own credentials on first use and refreshes the
//! session before it expires. Roles named in `~/.aws/config` (`role_arn` + `source_profile`)
//! need nothing from here: [`load_sdk_config`](crate::load_sdk_config) already follows them.

use std::time::Duration;

use aws_credential_types::provider::SharedCredentialsProvider as AwsShared;
use unicloud_core::credentials::RoleSpec;
use unicloud_core::{Error, ErrorKind, Provider};

use crate::config::SdkConfig;

/// The shortest session STS grants.
pub const MIN_DURATION: Duration = Duration::from_secs(900);
/// The longest session STS grants (the role's own maximum may be lower).
pub const MAX_DURATION: Duration = Duration::from_secs(43_200);

/// A copy of `config` whose credentials are `role`'s, obtained with STS `AssumeRole` signed by
/// `config`'s own credentials.
///
/// `role` is validated first (see [`validate_role`]); `config` must carry credentials to sign
/// with. STS itself is called when the credentials are first needed, and again before they
/// expire, so an error from STS (an unknown role, a trust policy that refuses the caller)
/// surfaces on the first request made with the returned configuration.
///
/// ```
/// use unicloud_aws::{assume_role, load_sdk_config, AwsConfigOptions};
/// use unicloud_core::credentials::RoleSpec;
/// use unicloud_core::{Credentials, ErrorKind};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let sdk = load_sdk_config(&AwsConfigOptions {
///     explicit: Some(Credentials::new("AKIAIOSFODNN7EXAMPLE", "example-secret")),
///     ..Default::default()
/// })
/// .await;
/// let role = RoleSpec {
///     role_arn: "arn:aws:iam::123456789012:role/ops/deployer".into(),
///     session_name: "nightly-deploy".into(),
///     duration: Some(std::time::Duration::from_secs(3600)),
///     external_id: None,
///     policy: None,
/// };
/// let assumed = assume_role(&sdk, &role).await?; // no request yet
/// assert!(assumed.credentials_provider().is_some());
///
/// let typo = RoleSpec { role_arn: "arn:aws:iam::12345:role/ops".into(), ..role };
/// let err = assume_role(&sdk, &typo).await.unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidInput);
/// assert!(err.message().contains("role_arn"));
/// # Ok::<_, unicloud_core::Error>(())
/// # }).unwrap();
/// ```
pub async fn assume_role(config: &SdkConfig, role: &RoleSpec) -> Result<SdkConfig, Error> {
    validate_role(role)?;
    if config.credentials_provider().is_none() {
        return Err(Error::new(
            ErrorKind::Auth,
            "cannot assume a role: the AWS configuration has no credentials to sign with",
        )
        .with_provider(Provider::Aws)
        .with_operation("AssumeRole"));
    }
    if config.time_source().is_none() {
        // aws-config's assume-role provider needs a clock (and panics without one).
        return Err(Error::new(
            ErrorKind::Config,
            "cannot assume a role: the AWS configuration has no time source (load it with \
             load_sdk_config)",
        )
        .with_provider(Provider::Aws)
        .with_operation("AssumeRole"));
    }
    let mut b = aws_config::sts::AssumeRoleProvider::builder(role.role_arn.clone())
        .session_name(role.session_name.clone())
        .configure(config);
    if let Some(d) = role.duration {
        b = b.session_length(d);
    }
    if let Some(e) = &role.external_id {
        b = b.external_id(e.clone());
    }
    if let Some(p) = &role.policy {
        b = b.policy(p.clone());
    }
    let provider = b.build().await;
    Ok(config
        .to_builder()
        .credentials_provider(AwsShared::new(provider))
        .build())
}

/// Checks `role` against IAM's rules, before any request:
///
/// - `role_arn`: `arn:<partition>:iam::<12-digit account>:role/<path/><name>`, the partition
///   `aws` or `aws-…` (`aws-cn`, `aws-us-gov`, `aws-iso`, `aws-iso-b`, …), the name 1–64
///   characters of letters, digits and `_+=,.@-`, the path at most 512 characters;
/// - `session_name`: 2–64 characters of letters, digits and `_+=,.@-`;
/// - `duration`: from 900 s to 43 200 s (12 hours), when given;
/// - `external_id`: 2–1224 characters of letters, digits and `_+=,.@:/-`, when given.
///
/// Each mistake is an [`ErrorKind::InvalidInput`] error naming the field. The external id is
/// never quoted back (a trust policy treats it as a shared secret).
pub fn validate_role(role: &RoleSpec) -> Result<(), Error> {
    let invalid = |message: String| {
        Error::invalid_input(message)
            .with_provider(Provider::Aws)
            .with_operation("AssumeRole")
    };
    if let Err(why) = check_role_arn(&role.role_arn) {
        return Err(invalid(format!(
            "role_arn `{}` is not an IAM role ARN: {why} (expected \
             arn:<partition>:iam::<12-digit account>:role/<path/><name>)",
            role.role_arn
        )));
    }
    let name = &role.session_name;
    if !(2..=64).contains(&name.len()) || !name.chars().all(session_char) {
        return Err(invalid(format!(
            "session_name `{name}` must be 2-64 characters of letters, digits and _+=,.@-"
        )));
    }
    if let Some(d) = role.duration
        && !(MIN_DURATION..=MAX_DURATION).contains(&d)
    {
        return Err(invalid(format!(
            "duration {} s is outside 900-43200 s",
            d.as_secs()
        )));
    }
    if let Some(id) = &role.external_id {
        let ok_chars = id.chars().all(|c| session_char(c) || c == ':' || c == '/');
        if !(2..=1224).contains(&id.len()) || !ok_chars {
            return Err(invalid(format!(
                "external_id ({} characters) must be 2-1224 characters of letters, digits and \
                 _+=,.@:/-",
                id.chars().count()
            )));
        }
    }
    Ok(())
}

/// `[\w+=,.@-]`: the characters of IAM names and STS session names.
fn session_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

/// Why `arn` is not `arn:<partition>:iam::<account>:role/<path/><name>`.
fn check_role_arn(arn: &str) -> Result<(), &'static str> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(service), Some(region), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err("it needs six `:`-separated parts starting with `arn`");
    };
    let partition_ok = partition.strip_prefix("aws").is_some_and(|rest| {
        rest.is_empty()
            || rest.strip_prefix('-').is_some_and(|rest| {
                rest.split('-')
                    .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
            })
    });
    if !partition_ok {
        return Err("unknown partition (aws, aws-cn, aws-us-gov, aws-iso, ...)");
    }
    if service != "iam" {
        return Err("the service must be `iam`");
    }
    if !region.is_empty() {
        return Err("IAM ARNs have no region");
    }
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err("the account must be 12 digits");
    }
    let Some(path_and_name) = resource.strip_prefix("role/") else {
        return Err("the resource must be `role/<path/><name>`");
    };
    let (path, name) = match path_and_name.rsplit_once('/') {
        Some((path, name)) => (Some(path), name),
        None => (None, path_and_name),
    };
    if name.is_empty() || name.len() > 64 || !name.chars().all(session_char) {
        return Err("the role name must be 1-64 characters of letters, digits and _+=,.@-");
    }
    if let Some(path) = path {
        // IAM paths are `/…/` of printable ASCII; in the ARN the leading `/` is dropped.
        let ok = path.len() + 2 <= 512
            && path
                .split('/')
                .all(|seg| !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_graphic()));
        if !ok {
            return Err(
                "the role path must be at most 512 printable characters without empty segments",
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use unicloud_core::{Credentials, ProvideCredentials, Region};
    use unicloud_testkit::server::{RecordingServer, Reply};

    use super::*;
    use crate::config::{AwsConfigOptions, load_sdk_config};
    use crate::credentials::AwsCredentialsProvider;

    fn role(arn: &str) -> RoleSpec {
        RoleSpec {
            role_arn: arn.into(),
            session_name: "nightly".into(),
            duration: None,
            external_id: None,
            policy: None,
        }
    }

    #[test]
    fn good_roles_pass() {
        for arn in [
            "arn:aws:iam::123456789012:role/demo",
            "arn:aws-cn:iam::123456789012:role/demo",
            "arn:aws-us-gov:iam::123456789012:role/demo",
            "arn:aws-iso:iam::123456789012:role/demo",
            "arn:aws-iso-b:iam::123456789012:role/demo",
            "arn:aws:iam::123456789012:role/division_abc/subdivision_xyz/Prod+App=1,v.2@x-y",
            "arn:aws:iam::123456789012:role/service-role/a",
        ] {
            validate_role(&role(arn)).unwrap_or_else(|e| panic!("{arn}: {e}"));
        }
        let full = RoleSpec {
            session_name: "a+b=c,d.e@f-g_h".into(),
            duration: Some(Duration::from_secs(900)),
            external_id: Some("Unique:ID/for-3rd.party@x".into()),
            policy: Some("{}".into()),
            ..role("arn:aws:iam::123456789012:role/demo")
        };
        validate_role(&full).unwrap();
        let longest = RoleSpec {
            session_name: "s".repeat(64),
            duration: Some(Duration::from_secs(43_200)),
            external_id: Some("e".repeat(1224)),
            ..full
        };
        validate_role(&longest).unwrap();
    }

    /// Each mistake is `InvalidInput`, names its field and never quotes the external id.
    #[test]
    fn each_mistake_names_its_field() {
        let ok = role("arn:aws:iam::123456789012:role/demo");
        let bad_arns = [
            "",
            "demo",
            "arn:aws:iam::123456789012:user/demo",
            "arn:aws:sts::123456789012:role/demo",
            "arn:aws:iam:us-east-1:123456789012:role/demo",
            "arn:aws:iam::12345678901:role/demo",
            "arn:aws:iam::1234567890123:role/demo",
            "arn:aws:iam::12345678901a:role/demo",
            "arn:azure:iam::123456789012:role/demo",
            "arn:aws-:iam::123456789012:role/demo",
            "arn:AWS:iam::123456789012:role/demo",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:role/path/",
            "arn:aws:iam::123456789012:role//demo",
            "arn:aws:iam::123456789012:role/has space",
            "arn:aws:iam::123456789012:role/name:with:colons",
            "qcs::cam::uin/100000000001:roleName/demo",
            "acs:ram::1234567890123456:role/demo",
        ];
        let long_name = format!("arn:aws:iam::123456789012:role/{}", "n".repeat(65));
        let long_path = format!("arn:aws:iam::123456789012:role/{}/n", "p".repeat(511));
        for arn in bad_arns.iter().copied().chain([&*long_name, &*long_path]) {
            let e = validate_role(&role(arn)).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{arn}");
            assert!(e.message().starts_with("role_arn "), "{arn}: {e}");
            assert_eq!(e.provider(), Some(Provider::Aws));
        }

        for name in ["", "a", "has space", "semi;colon", "ünï", &"s".repeat(65)] {
            let e = validate_role(&RoleSpec {
                session_name: name.into(),
                ..ok.clone()
            })
            .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{name}");
            assert!(e.message().starts_with("session_name "), "{name}: {e}");
        }

        for secs in [0, 899, 43_201, 86_400] {
            let e = validate_role(&RoleSpec {
                duration: Some(Duration::from_secs(secs)),
                ..ok.clone()
            })
            .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{secs}");
            assert!(e.message().starts_with("duration "), "{secs}: {e}");
        }

        let long_id = "x".repeat(1225);
        for id in ["Q", "secret external id", "secret#id", "sécret", &long_id] {
            let e = validate_role(&RoleSpec {
                external_id: Some(id.into()),
                ..ok.clone()
            })
            .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{id}");
            assert!(e.message().starts_with("external_id "), "{id}: {e}");
            for text in [e.to_string(), format!("{e:?}")] {
                assert!(!text.contains(id), "external id quoted: {text}");
            }
        }
    }

    #[tokio::test]
    async fn invalid_roles_fail_before_any_request() {
        // Port 9 (discard) on loopback: nothing answers, and nothing must be tried.
        let base = load_sdk_config(&AwsConfigOptions {
            explicit: Some(Credentials::new("AKIDSOURCE", "source-secret")),
            region: Some(Region::new(Provider::Aws, "us-east-1").unwrap()),
            endpoint: Some("http://127.0.0.1:9".into()),
            ..Default::default()
        })
        .await;
        let e = assume_role(
            &base,
            &RoleSpec {
                session_name: "x".into(),
                ..role("arn:aws:iam::123456789012:role/demo")
            },
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(e.operation(), Some("AssumeRole"));

        let no_creds = SdkConfig::builder().build();
        let e = assume_role(&no_creds, &role("arn:aws:iam::123456789012:role/demo"))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Auth);

        let no_clock = SdkConfig::builder()
            .credentials_provider(AwsShared::new(crate::to_aws_credentials(
                &Credentials::new("AKIDSOURCE", "source-secret"),
            )))
            .build();
        let e = assume_role(&no_clock, &role("arn:aws:iam::123456789012:role/demo"))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
    }

    /// `AssumeRole` goes through aws-config's provider to the configured endpoint and the
    /// returned session credentials are what the new configuration hands out.
    #[tokio::test]
    async fn assume_role_through_aws_config() {
        let server = RecordingServer::start(|_| {
            Reply::xml(
                200,
                r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/demo/nightly</Arn><AssumedRoleId>AROA3XFRBF535PLBIFPI4:nightly</AssumedRoleId></AssumedRoleUser>
    <Credentials><AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId><SecretAccessKey>role-secret</SecretAccessKey><SessionToken>role-token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>"#,
            )
        })
        .await
        .unwrap();

        let base = load_sdk_config(&AwsConfigOptions {
            explicit: Some(Credentials::new("AKIDSOURCE", "source-secret")),
            region: Some(Region::new(Provider::Aws, "us-east-1").unwrap()),
            endpoint: Some(server.url()),
            ..Default::default()
        })
        .await;
        let spec = RoleSpec {
            duration: Some(Duration::from_secs(900)),
            external_id: Some("partner-7".into()),
            ..role("arn:aws:iam::123456789012:role/demo")
        };
        let assumed = assume_role(&base, &spec).await.unwrap();
        assert_eq!(
            server.request_count(),
            0,
            "STS is called on first use, not before"
        );
        let c = AwsCredentialsProvider::from_sdk_config(&assumed)
            .unwrap()
            .provide_credentials()
            .await
            .unwrap();
        assert_eq!(c.access_key_id(), "ASIAIOSFODNN7EXAMPLE");
        assert_eq!(c.session_token().unwrap().expose(), "role-token");
        let bodies: Vec<String> = server.requests().iter().map(|r| r.body_text()).collect();
        assert_eq!(bodies.len(), 1);
        for part in [
            "Action=AssumeRole",
            "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo",
            "RoleSessionName=nightly",
            "DurationSeconds=900",
            "ExternalId=partner-7",
        ] {
            assert!(
                bodies[0].contains(part),
                "{part} missing from {}",
                bodies[0]
            );
        }
    }
}
