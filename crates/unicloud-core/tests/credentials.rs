//! The credential chains end to end: a temporary HOME, fixed environment variables, credential
//! files with profiles, a loopback metadata server, and expiry refresh on a manual clock.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, UNIX_EPOCH};

use unicloud_core::clock::BoxFuture;
use unicloud_core::clock::ManualClock;
use unicloud_core::credentials::{
    AlibabaCredentialsFileProvider, AliyunCliConfigProvider, AssumeRole, DefaultChainOptions, Env,
    InstanceRoleProvider, MetadataOptions, RoleSpec, TencentCredentialsFileProvider, default_chain,
};
use unicloud_core::{Credentials, Error};
use unicloud_core::{ErrorKind, ProvideCredentials, Provider};
use unicloud_testkit::refused::RefusedPort;
use unicloud_testkit::server::{Recorded, RecordingServer, Reply};

const T0: u64 = 1_800_000_000;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn home_env(home: &Path, extra: &[(&str, &str)]) -> Env {
    let mut pairs: Vec<(String, String)> = vec![("HOME".into(), home.display().to_string())];
    pairs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Env::from_pairs(pairs)
}

/// A metadata service that is never reached: tests that must not touch it point here. The
/// port is held bound (never listening) for the whole test binary, so it is always refused.
fn no_metadata() -> MetadataOptions {
    static REFUSED: OnceLock<RefusedPort> = OnceLock::new();
    let refused = REFUSED.get_or_init(|| RefusedPort::new().unwrap());
    MetadataOptions::for_provider(Provider::Tencent)
        .with_base_url(refused.url())
        .with_timeouts(Duration::from_millis(200), Duration::from_millis(500))
}

fn opts(env: Env, profile: Option<&str>, clock: &ManualClock) -> DefaultChainOptions {
    DefaultChainOptions {
        explicit: None,
        profile: profile.map(str::to_owned),
        env,
        clock: Arc::new(clock.clone()),
        metadata: Some(no_metadata()),
        role_assumer: None,
    }
}

fn clock() -> ManualClock {
    ManualClock::new(UNIX_EPOCH + Duration::from_secs(T0))
}

// ---------- Tencent ----------

#[tokio::test]
async fn tencent_env_beats_file_and_file_beats_metadata() {
    let home = tempfile::tempdir().unwrap();
    write(
        &home.path().join(".tencentcloud/credentials"),
        "[default]\nsecret_id = AKIDFILE\nsecret_key = file-secret\n\n[prod]\nsecret_id = AKIDPROD\nsecret_key = prod-secret\n",
    );
    let c = clock();
    let env = home_env(
        home.path(),
        &[
            ("TENCENTCLOUD_SECRET_ID", "AKIDENV"),
            ("TENCENTCLOUD_SECRET_KEY", "env-secret"),
        ],
    );
    let chain = default_chain(Provider::Tencent, opts(env, None, &c)).unwrap();
    let creds = chain.provide_credentials().await.unwrap();
    assert_eq!(
        (creds.access_key_id(), creds.source()),
        ("AKIDENV", "environment")
    );

    let env = home_env(home.path(), &[]);
    let chain = default_chain(Provider::Tencent, opts(env.clone(), None, &c)).unwrap();
    let creds = chain.provide_credentials().await.unwrap();
    assert_eq!(
        (creds.access_key_id(), creds.source()),
        ("AKIDFILE", "profile file")
    );
    assert_eq!(creds.secret().expose(), "file-secret");

    // Profile by argument and by environment variable.
    let chain = default_chain(Provider::Tencent, opts(env, Some("prod"), &c)).unwrap();
    assert_eq!(
        chain.provide_credentials().await.unwrap().access_key_id(),
        "AKIDPROD"
    );
    let env = home_env(home.path(), &[("TENCENTCLOUD_PROFILE", "prod")]);
    let chain = default_chain(Provider::Tencent, opts(env, None, &c)).unwrap();
    assert_eq!(
        chain.provide_credentials().await.unwrap().access_key_id(),
        "AKIDPROD"
    );
}

#[tokio::test]
async fn explicit_profile_beats_environment() {
    let home = tempfile::tempdir().unwrap();
    write(
        &home.path().join(".tencentcloud/credentials"),
        "[prod]\nsecret_id = AKIDPROD\nsecret_key = prod-secret\n",
    );
    let env = home_env(
        home.path(),
        &[
            ("TENCENTCLOUD_SECRET_ID", "AKIDENV"),
            ("TENCENTCLOUD_SECRET_KEY", "env-secret"),
        ],
    );
    let chain = default_chain(Provider::Tencent, opts(env, Some("prod"), &clock())).unwrap();
    assert_eq!(
        chain.provide_credentials().await.unwrap().access_key_id(),
        "AKIDPROD"
    );
}

#[tokio::test]
async fn explicit_keys_are_the_only_source() {
    let mut o = opts(Env::from_pairs::<&str, &str>([]), None, &clock());
    o.explicit = Some(unicloud_core::Credentials::new("AKIDX", "x-secret"));
    let chain = default_chain(Provider::Alibaba, o).unwrap();
    let c = chain.provide_credentials().await.unwrap();
    assert_eq!((c.access_key_id(), c.source()), ("AKIDX", "explicit"));
}

#[tokio::test]
async fn missing_chosen_profile_is_a_config_error_naming_the_file() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join(".tencentcloud/credentials");
    write(&path, "[default]\nsecret_id = AKID\nsecret_key = k\n");
    let env = home_env(home.path(), &[]);
    let err = TencentCredentialsFileProvider::new(env, Some("staging".into()))
        .provide_credentials()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("staging"));
    assert!(err.to_string().contains(&path.display().to_string()));
}

#[tokio::test]
async fn malformed_file_names_file_and_line_never_the_secret() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join(".tencentcloud/credentials");
    write(
        &path,
        "[default]\nsecret_id = AKIDOK\nsecret_key TOPSECRET-do-not-print\n",
    );
    let c = clock();
    let chain = default_chain(
        Provider::Tencent,
        opts(home_env(home.path(), &[]), None, &c),
    )
    .unwrap();
    let err = chain.provide_credentials().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let shown = format!("{err} {err:?}");
    assert!(
        shown.contains(&format!("{}, line 3", path.display())),
        "{shown}"
    );
    assert!(!shown.contains("TOPSECRET"), "{shown}");
    let src = std::error::Error::source(&err).unwrap().to_string();
    assert!(!src.contains("TOPSECRET"));

    // A key without a value names the line of the key.
    write(&path, "[default]\nsecret_id = AKIDOK\nsecret_key =\n");
    let err = chain.provide_credentials().await.unwrap_err();
    assert!(err.to_string().contains("line 3"), "{err}");
    assert!(err.to_string().contains("secret_key"), "{err}");
}

#[tokio::test]
async fn nothing_configured_lists_what_was_tried() {
    let home = tempfile::tempdir().unwrap();
    let c = clock();
    let chain = default_chain(
        Provider::Tencent,
        opts(home_env(home.path(), &[]), None, &c),
    )
    .unwrap();
    let err = chain.provide_credentials().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    let msg = err.to_string();
    assert!(
        msg.contains("environment") && msg.contains("credentials") && msg.contains("instance role"),
        "{msg}"
    );
}

// ---------- Alibaba ----------

#[tokio::test]
async fn alibaba_ini_profiles_and_types() {
    let home = tempfile::tempdir().unwrap();
    write(
        &home.path().join(".alibabacloud/credentials"),
        "[default]\ntype = access_key\naccess_key_id = LTAIDEF\naccess_key_secret = def-secret\n\
         [client1]\ntype = sts\naccess_key_id = STS.ID\naccess_key_secret = sts-secret\nsecurity_token = sts-token\n\
         [weird]\ntype = rsa_key_pair\n",
    );
    let env = home_env(home.path(), &[]);
    let p = AlibabaCredentialsFileProvider::new(env.clone(), None);
    let c = p.provide_credentials().await.unwrap();
    assert_eq!(c.access_key_id(), "LTAIDEF");
    let c = AlibabaCredentialsFileProvider::new(env.clone(), Some("client1".into()))
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(c.session_token().unwrap().expose(), "sts-token");
    let err = AlibabaCredentialsFileProvider::new(env, Some("weird".into()))
        .provide_credentials()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);

    // ALIBABA_CLOUD_CREDENTIALS_FILE moves the file.
    let other = home.path().join("elsewhere.ini");
    write(
        &other,
        "[default]\naccess_key_id = LTAIELSE\naccess_key_secret = s\n",
    );
    let env = home_env(
        home.path(),
        &[("ALIBABA_CLOUD_CREDENTIALS_FILE", other.to_str().unwrap())],
    );
    let c = AlibabaCredentialsFileProvider::new(env, None)
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(c.access_key_id(), "LTAIELSE");
}

#[tokio::test]
async fn aliyun_cli_config_modes_and_current_profile() {
    let home = tempfile::tempdir().unwrap();
    write(
        &home.path().join(".aliyun/config.json"),
        r#"{
  "current": "sts",
  "profiles": [
    {"name": "default", "mode": "AK", "access_key_id": "LTAICLI", "access_key_secret": "cli-secret", "region_id": "cn-shanghai"},
    {"name": "sts", "mode": "StsToken", "access_key_id": "STS.CLI", "access_key_secret": "cli-sts-secret", "sts_token": "cli-token", "region_id": "cn-beijing"},
    {"name": "broken", "mode": "AK", "access_key_id": "LTAIB"}
  ],
  "meta_path": ""
}"#,
    );
    let env = home_env(home.path(), &[]);
    let current = AliyunCliConfigProvider::new(env.clone(), None);
    let c = current.provide_credentials().await.unwrap();
    assert_eq!(c.access_key_id(), "STS.CLI");
    assert_eq!(c.session_token().unwrap().expose(), "cli-token");
    assert_eq!(current.region().await.as_deref(), Some("cn-beijing"));
    let def = AliyunCliConfigProvider::new(env.clone(), Some("default".into()));
    assert_eq!(
        def.provide_credentials().await.unwrap().access_key_id(),
        "LTAICLI"
    );
    let env2 = home_env(home.path(), &[("ALIBABA_CLOUD_PROFILE", "default")]);
    let by_env = AliyunCliConfigProvider::new(env2, None);
    assert_eq!(
        by_env.provide_credentials().await.unwrap().access_key_id(),
        "LTAICLI"
    );
    let err = AliyunCliConfigProvider::new(env, Some("broken".into()))
        .provide_credentials()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("access_key_secret"), "{err}");
}

#[tokio::test]
async fn aliyun_cli_config_bad_json_names_line() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join(".aliyun/config.json");
    write(
        &path,
        "{\n  \"profiles\": [\n    {\"name\": \"default\", \"access_key_secret\": \"SEKRIT\",,}\n  ]\n}\n",
    );
    let err = AliyunCliConfigProvider::new(home_env(home.path(), &[]), None)
        .provide_credentials()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let msg = format!("{err} {err:?}");
    assert!(msg.contains("line 3"), "{msg}");
    assert!(!msg.contains("SEKRIT"));
}

#[tokio::test]
async fn alibaba_chain_order_env_cli_ini() {
    let home = tempfile::tempdir().unwrap();
    write(
        &home.path().join(".alibabacloud/credentials"),
        "[default]\ntype = access_key\naccess_key_id = LTAIINI\naccess_key_secret = s\n",
    );
    let c = clock();
    let chain = default_chain(
        Provider::Alibaba,
        opts(home_env(home.path(), &[]), None, &c),
    )
    .unwrap();
    assert_eq!(
        chain.provide_credentials().await.unwrap().access_key_id(),
        "LTAIINI"
    );
    write(
        &home.path().join(".aliyun/config.json"),
        r#"{"current":"default","profiles":[{"name":"default","mode":"AK","access_key_id":"LTAICLI","access_key_secret":"s"}]}"#,
    );
    let chain = default_chain(
        Provider::Alibaba,
        opts(home_env(home.path(), &[]), None, &c),
    )
    .unwrap();
    assert_eq!(
        chain.provide_credentials().await.unwrap().access_key_id(),
        "LTAICLI"
    );
    let env = home_env(
        home.path(),
        &[
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIENV"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s"),
            ("ALIBABA_CLOUD_SECURITY_TOKEN", "env-token"),
        ],
    );
    let chain = default_chain(Provider::Alibaba, opts(env, None, &c)).unwrap();
    let creds = chain.provide_credentials().await.unwrap();
    assert_eq!(creds.access_key_id(), "LTAIENV");
    assert_eq!(creds.session_token().unwrap().expose(), "env-token");
}

// ---------- Metadata service ----------

#[derive(Clone)]
struct Meta {
    provider: Provider,
    role: &'static str,
    issued: Arc<AtomicUsize>,
    clock: ManualClock,
    require_token: bool,
}

/// The metadata service's answer to `req`: the role list, the role's credentials (a fresh
/// set each time, counted in `issued`), the IMDS-style session token; 404 for anything else
/// and 405 for a known path asked with the wrong method.
fn metadata_reply(m: &Meta, req: &Recorded) -> Reply {
    let base = match m.provider {
        Provider::Tencent => "/latest/meta-data/cam/security-credentials/",
        _ => "/latest/meta-data/ram/security-credentials/",
    };
    let path = req.path();
    let wants = |method: &str| req.method == method;
    let token_missing = m.require_token && req.header("x-aliyun-ecs-metadata-token").is_none();
    if path == "/latest/api/token" {
        return if wants("PUT") {
            Reply::text(200, "meta-token-abc")
        } else {
            Reply::new(405, "")
        };
    }
    let Some(rest) = path.strip_prefix(base) else {
        return Reply::new(404, "");
    };
    if rest.contains('/') {
        return Reply::new(404, "");
    }
    if !wants("GET") {
        return Reply::new(405, "");
    }
    if token_missing {
        return Reply::new(401, "");
    }
    if rest.is_empty() {
        return Reply::text(200, m.role);
    }
    if rest != m.role {
        return Reply::new(404, "");
    }
    let n = m.issued.fetch_add(1, Ordering::SeqCst) + 1;
    let now = m.clock.now_secs();
    let exp = now + 3600;
    let body = match m.provider {
        Provider::Tencent => serde_json::json!({
            "TmpSecretId": format!("AKIDTMP{n}"),
            "TmpSecretKey": format!("tmp-secret-{n}"),
            "ExpiredTime": exp,
            "Expiration": "ignored-when-ExpiredTime-is-present",
            "Token": format!("tmp-token-{n}"),
            "Code": "Success"
        }),
        _ => serde_json::json!({
            "AccessKeyId": format!("STS.TMP{n}"),
            "AccessKeySecret": format!("tmp-secret-{n}"),
            "Expiration": time::OffsetDateTime::from_unix_timestamp(exp as i64).unwrap()
                .format(&time::format_description::well_known::Rfc3339).unwrap(),
            "SecurityToken": format!("tmp-token-{n}"),
            "LastUpdated": "2026-01-01T00:00:00Z",
            "Code": "Success"
        }),
    };
    Reply::text(200, body.to_string())
}

trait NowSecs {
    fn now_secs(&self) -> u64;
}
impl NowSecs for ManualClock {
    fn now_secs(&self) -> u64 {
        use unicloud_core::clock::Clock;
        self.now().duration_since(UNIX_EPOCH).unwrap().as_secs()
    }
}

/// A loopback metadata service for `meta`; it stops when the returned server is dropped.
async fn start_metadata(meta: Meta) -> (RecordingServer, SocketAddr) {
    let server = RecordingServer::start(move |req| metadata_reply(&meta, req))
        .await
        .unwrap();
    let addr = server.addr();
    (server, addr)
}

#[tokio::test]
async fn tencent_cvm_role_is_cached_and_refreshed_before_expiry() {
    let c = clock();
    let issued = Arc::new(AtomicUsize::new(0));
    let (_metadata, addr) = start_metadata(Meta {
        provider: Provider::Tencent,
        role: "CVMRole",
        issued: issued.clone(),
        clock: c.clone(),
        require_token: false,
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    let mut o = opts(home_env(home.path(), &[]), None, &c);
    o.metadata = Some(
        MetadataOptions::for_provider(Provider::Tencent).with_base_url(format!("http://{addr}")),
    );
    let chain = default_chain(Provider::Tencent, o).unwrap();

    let first = chain.provide_credentials().await.unwrap();
    assert_eq!(first.access_key_id(), "AKIDTMP1");
    assert_eq!(first.session_token().unwrap().expose(), "tmp-token-1");
    assert_eq!(first.source(), "instance role");
    assert_eq!(
        first.expires_at(),
        Some(UNIX_EPOCH + Duration::from_secs(T0 + 3600))
    );

    // Cached while fresh.
    c.advance(Duration::from_secs(3000));
    assert_eq!(
        chain.provide_credentials().await.unwrap().access_key_id(),
        "AKIDTMP1"
    );
    assert_eq!(issued.load(Ordering::SeqCst), 1);

    // Within five minutes of expiry: refreshed.
    c.advance(Duration::from_secs(400));
    let second = chain.provide_credentials().await.unwrap();
    assert_eq!(second.access_key_id(), "AKIDTMP2");
    assert_eq!(issued.load(Ordering::SeqCst), 2);
    assert!(!format!("{second:?} {second}").contains("tmp-secret-2"));
}

#[tokio::test]
async fn alibaba_ram_role_with_hardened_token_and_env_role_name() {
    let c = clock();
    let issued = Arc::new(AtomicUsize::new(0));
    let (_metadata, addr) = start_metadata(Meta {
        provider: Provider::Alibaba,
        role: "EcsRole",
        issued,
        clock: c.clone(),
        require_token: true,
    })
    .await;
    let p = InstanceRoleProvider::new(
        Provider::Alibaba,
        MetadataOptions::for_provider(Provider::Alibaba).with_base_url(format!("http://{addr}")),
    );
    let creds = p.provide_credentials().await.unwrap();
    assert_eq!(creds.access_key_id(), "STS.TMP1");
    assert_eq!(
        creds.expires_at(),
        Some(UNIX_EPOCH + Duration::from_secs(T0 + 3600))
    );

    // A role named by ALIBABA_CLOUD_ECS_METADATA that is not attached: Auth, listed in the chain error.
    let home = tempfile::tempdir().unwrap();
    let mut o = opts(
        home_env(home.path(), &[("ALIBABA_CLOUD_ECS_METADATA", "OtherRole")]),
        None,
        &c,
    );
    o.metadata = Some(
        MetadataOptions::for_provider(Provider::Alibaba).with_base_url(format!("http://{addr}")),
    );
    let err = default_chain(Provider::Alibaba, o)
        .unwrap()
        .provide_credentials()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(err.to_string().contains("OtherRole"), "{err}");

    // Disabled by environment variable: never contacted.
    let mut o = opts(
        home_env(
            home.path(),
            &[("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")],
        ),
        None,
        &c,
    );
    o.metadata = Some(
        MetadataOptions::for_provider(Provider::Alibaba).with_base_url(format!("http://{addr}")),
    );
    let err = default_chain(Provider::Alibaba, o)
        .unwrap()
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("disabled"), "{err}");
}

#[tokio::test]
async fn unreachable_metadata_is_not_fatal() {
    let p = InstanceRoleProvider::new(Provider::Tencent, no_metadata());
    let err = p.provide_credentials().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(err.to_string().contains("unreachable"), "{err}");
}

// ---------- Roles named by profiles ----------

/// Records what it was asked and answers with fixed temporary credentials.
#[derive(Debug, Default)]
struct FakeSts {
    calls: Mutex<Vec<(String, RoleSpec)>>,
}

impl AssumeRole for FakeSts {
    fn assume_role<'a>(
        &'a self,
        source: Credentials,
        role: &'a RoleSpec,
    ) -> BoxFuture<'a, Result<Credentials, Error>> {
        self.calls
            .lock()
            .unwrap()
            .push((source.access_key_id().to_owned(), role.clone()));
        Box::pin(async move {
            Ok(Credentials::new("STS.TEMP", "temp-secret")
                .with_session_token("temp-token")
                .with_expiry(UNIX_EPOCH + Duration::from_secs(T0 + 3600)))
        })
    }
}

#[tokio::test]
async fn profiles_that_name_a_role_assume_it_through_the_hook() {
    let home = tempfile::tempdir().unwrap();
    write(
        &home.path().join(".alibabacloud/credentials"),
        "[default]\ntype = ram_role_arn\naccess_key_id = LTAISRC\naccess_key_secret = src-secret\n\
         role_arn = acs:ram::123:role/ops\nrole_session_name = nightly\nduration_seconds = 900\n",
    );
    write(
        &home.path().join(".aliyun/config.json"),
        r#"{"current":"r","profiles":[{"name":"r","mode":"RamRoleArn","access_key_id":"LTAICLI","access_key_secret":"s","ram_role_arn":"acs:ram::123:role/cli","ram_session_name":"cli-session","expired_seconds":1800}]}"#,
    );
    write(
        &home.path().join(".tencentcloud/credentials"),
        "[default]\nsecret_id = AKIDSRC\nsecret_key = s\nrole_arn = qcs::cam::uin/1:roleName/ops\n",
    );
    let sts = Arc::new(FakeSts::default());
    let c = clock();
    let env = home_env(home.path(), &[]);

    let file =
        AlibabaCredentialsFileProvider::new(env.clone(), None).with_role_assumer(Some(sts.clone()));
    let creds = file.provide_credentials().await.unwrap();
    assert_eq!(creds.access_key_id(), "STS.TEMP");
    assert_eq!(creds.session_token().unwrap().expose(), "temp-token");
    let cli = AliyunCliConfigProvider::new(env.clone(), None).with_role_assumer(Some(sts.clone()));
    assert_eq!(
        cli.provide_credentials().await.unwrap().access_key_id(),
        "STS.TEMP"
    );

    let mut o = opts(env.clone(), None, &c);
    o.role_assumer = Some(sts.clone());
    let chain = default_chain(Provider::Tencent, o).unwrap();
    assert_eq!(
        chain.provide_credentials().await.unwrap().access_key_id(),
        "STS.TEMP"
    );

    let calls = sts.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 3);
    assert_eq!(calls[0].0, "LTAISRC");
    assert_eq!(calls[0].1.role_arn, "acs:ram::123:role/ops");
    assert_eq!(calls[0].1.session_name, "nightly");
    assert_eq!(calls[0].1.duration, Some(Duration::from_secs(900)));
    assert_eq!(
        (calls[1].0.as_str(), calls[1].1.session_name.as_str()),
        ("LTAICLI", "cli-session")
    );
    assert_eq!(calls[1].1.duration, Some(Duration::from_secs(1800)));
    assert_eq!(
        (calls[2].0.as_str(), calls[2].1.role_arn.as_str()),
        ("AKIDSRC", "qcs::cam::uin/1:roleName/ops")
    );

    // Without an STS client the chain says so instead of silently using the source keys.
    let err = AlibabaCredentialsFileProvider::new(env, None)
        .provide_credentials()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(err.to_string().contains("assumes a role"), "{err}");
}

// ---------- Default region ----------

#[tokio::test]
async fn default_region_env_then_aliyun_profile_then_default() {
    use unicloud_core::credentials::default_region;
    let home = tempfile::tempdir().unwrap();
    write(
        &home.path().join(".aliyun/config.json"),
        r#"{"current":"p","profiles":[{"name":"p","mode":"AK","access_key_id":"a","access_key_secret":"s","region_id":"cn-beijing"}]}"#,
    );
    let env = home_env(home.path(), &[]);
    assert_eq!(
        default_region(Provider::Alibaba, &env, None)
            .await
            .unwrap()
            .as_str(),
        "cn-beijing"
    );
    let env = home_env(home.path(), &[("ALIBABA_CLOUD_REGION_ID", "cn-shenzhen")]);
    assert_eq!(
        default_region(Provider::Alibaba, &env, None)
            .await
            .unwrap()
            .as_str(),
        "cn-shenzhen"
    );
    let env = home_env(home.path(), &[("AWS_DEFAULT_REGION", "eu-west-3")]);
    assert_eq!(
        default_region(Provider::Aws, &env, None)
            .await
            .unwrap()
            .as_str(),
        "eu-west-3"
    );
    let env = home_env(home.path(), &[]);
    assert_eq!(
        default_region(Provider::Tencent, &env, None)
            .await
            .unwrap()
            .as_str(),
        "ap-guangzhou"
    );
    let env = home_env(home.path(), &[("TENCENTCLOUD_REGION", "Guangzhou!")]);
    let err = default_region(Provider::Tencent, &env, None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}
