//! No input makes core's credential parsers panic, and none makes them leak a secret: the INI
//! parser, the Tencent and Alibaba credential files, the aliyun CLI's `config.json`, and the
//! instance-metadata credentials (whose `Expiration` goes through the RFC 3339 parser) over
//! arbitrary text, JSON and HTTP replies.
//!
//! Every secret value in the generated inputs is [`SECRET`]; whatever a parser returns, its
//! `Display` and `Debug` never contain it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};
use unicloud_core::credentials::{
    AlibabaCredentialsFileProvider, AliyunCliConfigProvider, Env, IniFile, InstanceRoleProvider,
    MetadataOptions, TencentCredentialsFileProvider,
};
use unicloud_core::{Credentials, Error, ProvideCredentials, Provider};
use unicloud_testkit::arbitrary::{http_status, json_object, json_value, response_bytes};
use unicloud_testkit::refused::RefusedPort;
use unicloud_testkit::server::{RecordingServer, Reply};

/// The only secret value the inputs hold.
const SECRET: &str = "S3cr3t-never-shown-7719";

/// Keys the credential files and documents use (values of the secret ones are [`SECRET`]).
const SECRET_KEYS: &[&str] = &[
    "secret_key",
    "access_key_secret",
    "security_token",
    "token",
    "sts_token",
    "TmpSecretKey",
    "AccessKeySecret",
    "SecurityToken",
    "Token",
];
const PLAIN_KEYS: &[&str] = &[
    "secret_id",
    "access_key_id",
    "type",
    "enable",
    "role_arn",
    "role_session_name",
    "role_name",
    "ram_role_arn",
    "ram_role_name",
    "ram_session_name",
    "duration_seconds",
    "expired_seconds",
    "external_id",
    "policy",
    "region_id",
    "region",
    "mode",
    "name",
    "current",
    "profiles",
];
const TYPES: &[&str] = &[
    "access_key",
    "sts",
    "ram_role_arn",
    "ecs_ram_role",
    "AK",
    "StsToken",
    "RamRoleArn",
    "EcsRamRole",
    "",
    "unknown",
];

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Metadata options that are refused at once (profiles of the `ecs_ram_role` kind use them).
fn refused_metadata(provider: Provider) -> MetadataOptions {
    static REFUSED: OnceLock<RefusedPort> = OnceLock::new();
    let refused = REFUSED.get_or_init(|| RefusedPort::new().unwrap());
    MetadataOptions::for_provider(provider)
        .with_base_url(refused.url())
        .with_timeouts(Duration::from_millis(200), Duration::from_millis(500))
}

/// Fails the case if `shown` (an error or credentials, displayed and debugged) holds the secret.
fn never_shows_secret(what: &str, shown: String) -> Result<(), TestCaseError> {
    prop_assert!(!shown.contains(SECRET), "{what} shows the secret: {shown}");
    Ok(())
}

fn outcome(r: &Result<Credentials, Error>) -> String {
    match r {
        Ok(c) => format!("{c} {c:?}"),
        Err(e) => format!("{e} {e:?}"),
    }
}

/// One INI line: a section header, a `key = value` pair (secret keys get [`SECRET`]), a
/// comment, a blank line, or arbitrary text (possibly with the secret where a value would be).
fn ini_line() -> impl Strategy<Value = String> {
    let header = prop_oneof![
        prop::sample::select(vec!["default", "ops", "profile ops", "profile default", ""])
            .prop_map(str::to_owned),
        "\\PC{0,10}",
    ]
    .prop_map(|name| format!("[{name}]"));
    let plain_value = prop_oneof![
        prop::sample::select(TYPES.to_vec()).prop_map(str::to_owned),
        prop::sample::select(vec![
            "AKIDEXAMPLE",
            "LTAIEXAMPLE",
            "3600",
            "-1",
            "99999999999999999999",
            "false",
            "true",
            "acs:ram::1:role/r",
            "qcs::cam::uin/1:roleName/r"
        ])
        .prop_map(str::to_owned),
        "\\PC{0,16}",
    ];
    let plain = (prop::sample::select(PLAIN_KEYS.to_vec()), plain_value)
        .prop_map(|(k, v)| format!("{k} = {v}"));
    let secret = (
        prop::sample::select(SECRET_KEYS.to_vec()),
        prop::sample::select(vec![" = ", "=", " =", "= ", " "]),
    )
        .prop_map(|(k, sep)| format!("{k}{sep}{SECRET}"));
    prop_oneof![
        2 => header,
        4 => plain,
        3 => secret,
        1 => prop::sample::select(vec!["", "# comment", "; comment", "   ", "=", "[", "]"]).prop_map(str::to_owned),
        1 => "\\PC{0,30}",
        1 => Just(format!("{SECRET} no key here")),
    ]
}

/// A credentials file: lines joined by `\n` or `\r\n`, sometimes not UTF-8 at all.
fn ini_file() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => (prop::collection::vec(ini_line(), 0..16), any::<bool>()).prop_map(|(lines, crlf)| {
            lines.join(if crlf { "\r\n" } else { "\n" }).into_bytes()
        }),
        1 => prop::collection::vec(any::<u8>(), 0..128),
        1 => Just(b"[default]\nsecret_key = \xff\xfe\n".to_vec()),
    ]
}

/// An aliyun CLI `config.json`: a plausible document with fields dropped or replaced by
/// arbitrary JSON, or arbitrary bytes.
fn aliyun_config() -> impl Strategy<Value = Vec<u8>> {
    let keys: Vec<&str> = SECRET_KEYS.iter().chain(PLAIN_KEYS).copied().collect();
    let profile = (
        prop::sample::select(vec!["default", "ops", ""]),
        prop::sample::select(TYPES.to_vec()),
        prop::collection::vec(
            (prop::sample::select(keys.clone()), json_value(&keys)),
            0..4,
        ),
        prop::collection::vec(any::<bool>(), 8),
    )
        .prop_map(|(name, mode, extra, keep)| {
            let mut p = json!({
                "name": name,
                "mode": mode,
                "access_key_id": "LTAIEXAMPLE",
                "access_key_secret": SECRET,
                "sts_token": SECRET,
                "ram_role_arn": "acs:ram::1:role/r",
                "ram_session_name": "s",
                "expired_seconds": 900,
            });
            let obj = p.as_object_mut().unwrap();
            let names: Vec<String> = obj.keys().cloned().collect();
            for (name, keep) in names.iter().zip(keep) {
                if !keep {
                    obj.remove(name);
                }
            }
            for (k, v) in extra {
                // Arbitrary values only where no secret belongs.
                if !SECRET_KEYS.contains(&k) {
                    obj.insert(k.to_owned(), v);
                }
            }
            p
        });
    let doc = (
        prop::collection::vec(profile, 0..3),
        prop::option::of(prop::sample::select(vec!["default", "ops", "missing", ""])),
    )
        .prop_map(|(profiles, current)| {
            let mut d = json!({ "profiles": profiles });
            if let Some(c) = current {
                d["current"] = json!(c);
            }
            d.to_string().into_bytes()
        });
    prop_oneof![
        6 => doc,
        1 => json_object(&["current", "profiles", "name", "mode"]).prop_map(|v| v.to_string().into_bytes()),
        1 => response_bytes(&["current", "profiles"]),
    ]
}

fn write_file(dir: &Path, bytes: &[u8]) -> PathBuf {
    let path = dir.join("credentials");
    std::fs::write(&path, bytes).unwrap();
    path
}

fn profile() -> impl Strategy<Value = Option<String>> {
    prop::option::of(
        prop::sample::select(vec!["default", "ops", "missing"]).prop_map(str::to_owned),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn ini_parser_never_panics(text in "\\PC{0,200}", lines in ini_file()) {
        for text in [text, String::from_utf8_lossy(&lines).into_owned()] {
            match IniFile::parse(Path::new("/x/credentials"), &text) {
                Ok(ini) => {
                    // Every section it names can be looked up.
                    let names: Vec<String> = ini.section_names().map(str::to_owned).collect();
                    for name in &names {
                        prop_assert!(ini.section(name).is_some(), "{name:?} listed but absent");
                    }
                    never_shows_secret("an INI section", format!("{:?}", names.iter().map(|n| ini.section(n)).collect::<Vec<_>>()))?;
                }
                Err(e) => never_shows_secret("an INI error", format!("{e} {e:?}"))?,
            }
        }
    }

    #[test]
    fn credential_files_never_panic_nor_show_secrets(
        bytes in ini_file(),
        profile in profile(),
    ) {
        let rt = runtime();
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(dir.path(), &bytes);
        let env = Env::from_pairs([("HOME", dir.path().to_str().unwrap())]);
        let tencent = TencentCredentialsFileProvider::new(env.clone(), profile.clone()).with_path(&path);
        let alibaba = AlibabaCredentialsFileProvider::new(env, profile)
            .with_path(&path)
            .with_metadata(refused_metadata(Provider::Alibaba));
        let results = rt.block_on(async {
            (tencent.provide_credentials().await, alibaba.provide_credentials().await)
        });
        never_shows_secret("the Tencent file", outcome(&results.0))?;
        never_shows_secret("the Alibaba file", outcome(&results.1))?;
    }

    #[test]
    fn aliyun_cli_config_never_panics_nor_shows_secrets(
        bytes in aliyun_config(),
        profile in profile(),
    ) {
        let rt = runtime();
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(dir.path(), &bytes);
        let env = Env::from_pairs([("HOME", dir.path().to_str().unwrap())]);
        let p = AliyunCliConfigProvider::new(env, profile)
            .with_path(&path)
            .with_metadata(refused_metadata(Provider::Alibaba));
        let (creds, region) = rt.block_on(async { (p.provide_credentials().await, p.region().await) });
        never_shows_secret("the aliyun config", outcome(&creds))?;
        if let Some(region) = region {
            prop_assert!(!region.is_empty());
            never_shows_secret("the aliyun region", region)?;
        }
    }
}

/// What the metadata server answers next, set by each case.
#[derive(Clone, Debug, Default)]
struct Script {
    token: (u16, Vec<u8>),
    roles: (u16, Vec<u8>),
    creds: (u16, Vec<u8>),
}

/// A credentials document: the provider's three fields (secret ones [`SECRET`]) plus an
/// expiry, each kept, dropped or replaced by arbitrary JSON; or arbitrary reply bytes.
fn metadata_doc(provider: Provider) -> impl Strategy<Value = Vec<u8>> {
    let (id, secret, token) = match provider {
        Provider::Tencent => ("TmpSecretId", "TmpSecretKey", "Token"),
        _ => ("AccessKeyId", "AccessKeySecret", "SecurityToken"),
    };
    let keys = [id, "ExpiredTime", "Expiration", "Code"];
    let field = move || {
        prop_oneof![
            4 => Just(None),
            1 => json_value(&keys).prop_map(Some),
        ]
    };
    // Unix seconds as vendors send them, and as no clock can hold them.
    let expired_time = prop_oneof![
        2 => any::<u64>().prop_map(Value::from),
        1 => (1_500_000_000u64..2_000_000_000).prop_map(Value::from),
        1 => json_value(&keys),
    ];
    let doc = (
        field(),
        field(),
        field(),
        expired_time,
        json_value(&keys),
        prop::sample::select(vec![0u8, 1, 2, 3]),
    )
        .prop_map(
            move |(id_v, secret_v, token_v, expired, expiration, which)| {
                let mut d = serde_json::Map::new();
                d.insert(id.to_owned(), id_v.unwrap_or_else(|| json!("STS.EXAMPLE")));
                // The secret fields are the secret or dropped: arbitrary JSON there could be
                // anything, and the property is about the secret.
                if secret_v.is_none() {
                    d.insert(secret.to_owned(), json!(SECRET));
                }
                if token_v.is_none() {
                    d.insert(token.to_owned(), json!(SECRET));
                }
                match which {
                    0 => {
                        d.insert("ExpiredTime".to_owned(), expired);
                    }
                    1 => {
                        d.insert("Expiration".to_owned(), expiration);
                    }
                    2 => {
                        d.insert("ExpiredTime".to_owned(), expired);
                        d.insert("Expiration".to_owned(), expiration);
                    }
                    _ => {}
                }
                Value::Object(d).to_string().into_bytes()
            },
        );
    prop_oneof![
        4 => doc,
        1 => response_bytes(&keys),
    ]
}

fn metadata_case(provider: Provider) -> impl Strategy<Value = (Script, bool)> {
    let reply = |body: BoxedStrategy<Vec<u8>>| {
        (
            prop_oneof![4 => Just(200u16), 1 => http_status().prop_filter("final statuses", |s| (200..600).contains(s))],
            body,
        )
    };
    let roles = prop_oneof![
        3 => Just(b"role".to_vec()),
        1 => prop::collection::vec(any::<u8>(), 0..40),
        1 => "\\PC{0,20}".prop_map(String::into_bytes),
    ]
    .boxed();
    (
        reply(prop::collection::vec(any::<u8>(), 0..40).boxed()),
        reply(roles),
        reply(metadata_doc(provider).boxed()),
        any::<bool>(),
    )
        .prop_map(|(token, roles, creds, named)| {
            (
                Script {
                    token,
                    roles,
                    creds,
                },
                named,
            )
        })
}

/// The instance-role provider against one loopback metadata service, answering each case's
/// script, for 256 cases.
fn check_metadata(provider: Provider) {
    let rt = runtime();
    let current: Arc<Mutex<Script>> = Arc::default();
    let answer = current.clone();
    let server = rt
        .block_on(RecordingServer::start(move |req| {
            let s = answer.lock().unwrap().clone();
            let (status, body) = if req.path() == "/latest/api/token" {
                s.token
            } else if req.path().ends_with("/security-credentials/") {
                s.roles
            } else {
                s.creds
            };
            Reply::new(status, body)
        }))
        .unwrap();
    let mut runner = TestRunner::new(ProptestConfig::with_cases(256));
    let result = runner.run(&metadata_case(provider), |(script, named_role)| {
        *current.lock().unwrap() = script;
        let mut options = MetadataOptions::for_provider(provider)
            .with_base_url(server.url())
            .with_timeouts(Duration::from_secs(2), Duration::from_secs(5));
        if named_role {
            options = options.with_role_name("role");
        }
        let result =
            rt.block_on(InstanceRoleProvider::new(provider, options).provide_credentials());
        never_shows_secret("instance-role credentials", outcome(&result))?;
        match result {
            Ok(c) => {
                prop_assert!(!c.access_key_id().is_empty());
                prop_assert_eq!(c.secret().expose(), SECRET);
                prop_assert_eq!(
                    c.session_token().map(|t| t.expose().to_owned()),
                    Some(SECRET.to_owned())
                );
            }
            Err(e) => prop_assert_eq!(e.provider(), Some(provider), "{:?}", e),
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{provider:?}: {e}");
    }
    assert!(
        server.request_count() >= 256,
        "every case reached the server"
    );
}

#[test]
fn tencent_metadata_credentials_never_panic() {
    check_metadata(Provider::Tencent);
}

#[test]
fn alibaba_metadata_credentials_never_panic() {
    check_metadata(Provider::Alibaba);
}

/// The two panics the properties above found, pinned: an `ExpiredTime` no clock can hold is a
/// malformed reply, and one beyond year 9999 gives credentials that still display.
#[tokio::test]
async fn out_of_range_expiry_times_are_handled() {
    let doc = |secs: u64| {
        Reply::json(
            200,
            json!({"TmpSecretId": "AKIDTMP", "TmpSecretKey": SECRET, "Token": SECRET, "ExpiredTime": secs})
                .to_string(),
        )
    };
    let server = RecordingServer::scripted(vec![doc(u64::MAX), doc(1 << 40)])
        .await
        .unwrap();
    let provider = || {
        InstanceRoleProvider::new(
            Provider::Tencent,
            MetadataOptions::for_provider(Provider::Tencent)
                .with_base_url(server.url())
                .with_role_name("role"),
        )
    };
    let err = provider().provide_credentials().await.unwrap_err();
    assert_eq!(
        err.kind(),
        unicloud_core::ErrorKind::InvalidResponse,
        "{err}"
    );
    assert!(err.to_string().contains("ExpiredTime"), "{err}");
    let far = provider().provide_credentials().await.unwrap();
    assert_eq!(
        far.expires_at(),
        Some(std::time::UNIX_EPOCH + Duration::from_secs(1 << 40))
    );
    let shown = format!("{far} {far:?}");
    assert!(shown.contains("<unrepresentable time>"), "{shown}");
    assert!(!shown.contains(SECRET), "{shown}");
}
