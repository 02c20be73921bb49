//! The `unicloud` binary against the in-process emulator: every subcommand, the JSON shape,
//! exit codes and one error path per kind.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::OnceLock;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;
use unicloud::core::Provider;
use unicloud_emulator::Emulator;

const KEYS: [(Provider, &str, &str); 3] = [
    (Provider::Aws, "AKIACLITEST", "cli-aws-secret"),
    (Provider::Tencent, "AKIDclitest", "cli-tencent-secret"),
    (Provider::Alibaba, "LTAIclitest", "cli-alibaba-secret"),
];

/// One emulator for the whole test binary, on its own runtime thread.
fn endpoint() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let mut b = Emulator::builder()
                    .listen("127.0.0.1:0".parse().unwrap())
                    .transition_delay(Duration::ZERO);
                for (p, id, secret) in KEYS {
                    b = b.key(p, id, secret);
                }
                let handle = b.start().await.unwrap();
                tx.send(handle.base_url()).unwrap();
                std::future::pending::<()>().await;
            });
        });
        rx.recv().unwrap()
    })
}

/// `unicloud -p PROVIDER --endpoint EMU ...` with that provider's keys in its usual env vars
/// and an empty HOME (no profile files from the machine running the tests).
fn unicloud(provider: Provider, secret_override: Option<&str>) -> Command {
    let home = std::env::temp_dir().join("unicloud-cli-test-home");
    std::fs::create_dir_all(&home).unwrap();
    let mut cmd = Command::cargo_bin("unicloud").unwrap();
    cmd.env_clear()
        .env("HOME", &home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
        .args(["--provider", provider.as_str(), "--endpoint", endpoint()]);
    let (_, id, secret) = KEYS.into_iter().find(|(p, ..)| *p == provider).unwrap();
    let secret = secret_override.unwrap_or(secret);
    match provider {
        Provider::Aws => cmd
            .env("AWS_ACCESS_KEY_ID", id)
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .env("AWS_REGION", "us-east-1"),
        Provider::Tencent => cmd
            .env("TENCENTCLOUD_SECRET_ID", id)
            .env("TENCENTCLOUD_SECRET_KEY", secret)
            .env("TENCENTCLOUD_REGION", "ap-guangzhou"),
        _ => cmd
            .env("ALIBABA_CLOUD_ACCESS_KEY_ID", id)
            .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", secret)
            .env("ALIBABA_CLOUD_REGION_ID", "cn-hangzhou"),
    };
    cmd
}

fn json(cmd: &mut Command) -> Value {
    let out = cmd.args(["--output", "json"]).output().unwrap();
    assert!(
        out.status.success(),
        "status {:?}, stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn image(p: Provider) -> (&'static str, &'static str, &'static str) {
    match p {
        Provider::Aws => ("ami-0abcdef1234567890", "t3.micro", "us-east-1a"),
        Provider::Tencent => ("img-pi0ii46r", "S5.MEDIUM2", "ap-guangzhou-3"),
        _ => (
            "aliyun_3_x64_20G_alibase_20240819.vhd",
            "ecs.g7.large",
            "cn-hangzhou-i",
        ),
    }
}

fn lifecycle(p: Provider) {
    let (img, itype, zone) = image(p);
    let tag = format!("run={}", p.as_str());
    let created = json(unicloud(p, None).args([
        "compute",
        "create-instances",
        "--image",
        img,
        "--instance-type",
        itype,
        "--count",
        "2",
        "--zone",
        zone,
        "--name",
        "cli-web",
        "--tag",
        &tag,
    ]));
    let ids: Vec<String> = created["InstanceIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 2, "{created}");
    let id_args: Vec<String> = ids
        .iter()
        .flat_map(|id| ["--id".to_owned(), id.clone()])
        .collect();

    let running = json(
        unicloud(p, None)
            .args(["compute", "wait", "--state", "running", "--timeout", "30"])
            .args(&id_args),
    );
    assert_eq!(running.as_array().unwrap().len(), 2);

    let listed = json(unicloud(p, None).args([
        "compute",
        "describe-instances",
        "--filter",
        &format!("tag:{tag}"),
        "--filter",
        "state=running",
    ]));
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");
    for i in listed {
        assert!(ids.contains(&i["InstanceId"].as_str().unwrap().to_owned()));
        assert_eq!(i["InstanceName"], "cli-web");
        assert_eq!(i["State"], "running");
        assert_eq!(i["Provider"], p.as_str());
        assert_eq!(i["InstanceType"], itype);
        assert_eq!(i["Zone"], zone);
        assert_eq!(i["Tags"]["run"], p.as_str());
        for key in [
            "RawState",
            "ImageId",
            "Zone",
            "PrivateIpAddresses",
            "PublicIpAddresses",
            "CreatedTime",
        ] {
            assert!(i.get(key).is_some(), "{key} missing from {i}");
        }
    }

    let stopped = json(unicloud(p, None).args(["compute", "stop"]).args(&id_args));
    assert_eq!(stopped.as_array().unwrap().len(), 2);
    assert!(stopped[0]["CurrentState"].is_string());
    json(
        unicloud(p, None)
            .args(["compute", "wait", "--state", "stopped"])
            .args(&id_args),
    );
    json(unicloud(p, None).args(["compute", "start"]).args(&id_args));
    json(
        unicloud(p, None)
            .args(["compute", "wait", "--state", "running"])
            .args(&id_args),
    );
    let destroyed = json(
        unicloud(p, None)
            .args(["compute", "destroy"])
            .args(&id_args),
    );
    assert_eq!(destroyed.as_array().unwrap().len(), 2);
    json(
        unicloud(p, None)
            .args(["compute", "wait", "--state", "terminated"])
            .args(&id_args),
    );

    // Table output for people.
    let out = unicloud(p, None)
        .args(["compute", "describe-instances"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("PROVIDER"));
}

#[test]
fn lifecycle_on_aws() {
    lifecycle(Provider::Aws);
}

#[test]
fn lifecycle_on_tencent() {
    lifecycle(Provider::Tencent);
}

#[test]
fn lifecycle_on_alibaba() {
    lifecycle(Provider::Alibaba);
}

fn fails_with(cmd: &mut Command, code: i32, needles: &[&str]) {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line on stderr: {stderr}");
    for n in needles {
        assert!(stderr.contains(n), "`{n}` not in: {stderr}");
    }
}

#[test]
fn not_found_exits_4_with_code_and_request_id() {
    fails_with(
        unicloud(Provider::Tencent, None).args(["compute", "start", "--id", "ins-0000dead"]),
        4,
        &["not-found", "tencent", "code=", "request-id="],
    );
    fails_with(
        unicloud(Provider::Alibaba, None).args([
            "compute",
            "stop",
            "--id",
            "i-bp10000000000000dead",
        ]),
        4,
        &["not-found", "alibaba"],
    );
}

#[test]
fn wrong_secret_exits_3_and_never_prints_it() {
    for p in [Provider::Aws, Provider::Tencent, Provider::Alibaba] {
        let out = unicloud(p, Some("definitely-wrong-secret-123"))
            .args(["compute", "describe-instances"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{p}: {stderr}");
        assert!(stderr.contains("auth"), "{p}: {stderr}");
        assert!(!stderr.contains("definitely-wrong-secret-123"));
    }
}

#[test]
fn invalid_input_exits_2_before_any_request() {
    fails_with(
        unicloud(Provider::Tencent, None).args([
            "compute",
            "describe-instances",
            "--filter",
            "colour=red",
        ]),
        2,
        &["invalid-input", "colour"],
    );
    fails_with(
        unicloud(Provider::Aws, None).args(["--region", "Mars-1", "compute", "describe-instances"]),
        2,
        &["invalid-input", "Mars-1"],
    );
    fails_with(
        unicloud(Provider::Alibaba, None)
            .args(["compute", "wait", "--state", "sleeping", "--id", "i-1"]),
        2,
        &["invalid-input", "sleeping"],
    );
    // clap's own usage errors also exit 2.
    let out = Command::cargo_bin("unicloud")
        .unwrap()
        .args(["compute", "start"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn demo_exits_0_and_shows_all_three_clouds() {
    let out = Command::cargo_bin("unicloud")
        .unwrap()
        .env("HOME", std::env::temp_dir())
        .args(["demo", "--transition-delay-ms", "50", "--count", "1"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for cloud in ["AWS", "Tencent Cloud", "Alibaba Cloud"] {
        assert!(stdout.contains(cloud), "{cloud} missing:\n{stdout}");
    }
    for p in ["aws", "tencent", "alibaba"] {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(p) && l.contains("demo-web")),
            "{p} row missing:\n{stdout}"
        );
    }
    assert!(stdout.contains("destroyed"), "{stdout}");
}

#[test]
fn completions_and_help() {
    let out = Command::cargo_bin("unicloud")
        .unwrap()
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("describe-instances"));
    let out = Command::cargo_bin("unicloud")
        .unwrap()
        .args(["emulator", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("--listen"));
}

/// `unicloud emulator` serves in the foreground with the demo keys; the CLI then talks to it.
#[test]
fn emulator_subcommand_serves_the_demo_keys() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bin = assert_cmd::cargo::cargo_bin("unicloud");
    let mut child = std::process::Command::new(&bin)
        .args(["emulator", "--listen", &format!("127.0.0.1:{port}")])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let ready = (0..200).any(|_| {
        std::thread::sleep(Duration::from_millis(25));
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    let (_, id, secret) = unicloud_emulator::DEMO_KEYS[2];
    let out = std::process::Command::new(&bin)
        .env_clear()
        .env("HOME", std::env::temp_dir())
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", id)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", secret)
        .env("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
        .args([
            "-p",
            "aliyun",
            "-r",
            "cn-shanghai",
            "-o",
            "json",
            "--endpoint",
        ])
        .arg(format!("http://127.0.0.1:{port}"))
        .args(["compute", "describe-instances"])
        .output()
        .unwrap();
    child.kill().unwrap();
    let _ = child.wait();
    assert!(ready, "the emulator did not start listening");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout).unwrap(),
        serde_json::json!([])
    );
}

/// Even at trace level, with every library logging, the secret never reaches the logs.
#[test]
fn secrets_never_reach_the_logs_even_at_trace_level() {
    for p in [Provider::Aws, Provider::Tencent, Provider::Alibaba] {
        let (_, _, secret) = KEYS.into_iter().find(|(q, ..)| *q == p).unwrap();
        let out = unicloud(p, None)
            .args(["-vvv", "compute", "describe-instances"])
            .env("UNICLOUD_LOG", "trace")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{p}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let logs = String::from_utf8_lossy(&out.stderr);
        assert!(
            logs.lines().count() > 5,
            "{p}: expected trace logs, got: {logs}"
        );
        assert!(
            !logs.contains(secret),
            "{p}: the secret appears in the logs"
        );
    }
}

/// Session tokens are secrets too: a token never reaches the logs or the error line, even with
/// the AWS SDK's own tracing at its most verbose.
#[test]
fn session_tokens_never_reach_the_logs() {
    let token = "session-token-must-stay-hidden-7f3a";
    for (p, var) in [
        (Provider::Aws, "AWS_SESSION_TOKEN"),
        (Provider::Tencent, "TENCENTCLOUD_SESSION_TOKEN"),
        (Provider::Alibaba, "ALIBABA_CLOUD_SECURITY_TOKEN"),
    ] {
        let out = unicloud(p, None)
            .args(["-vvv", "compute", "describe-instances"])
            .env("UNICLOUD_LOG", "trace")
            .env(var, token)
            .output()
            .unwrap();
        let logs = String::from_utf8_lossy(&out.stderr);
        if p == Provider::Aws {
            // AWS refuses a long-term key sent with a session token; so does the emulator.
            assert_eq!(out.status.code(), Some(3), "{p}: {logs}");
        }
        assert!(
            !logs.contains(token),
            "{p}: the session token appears in the logs"
        );
    }
}
