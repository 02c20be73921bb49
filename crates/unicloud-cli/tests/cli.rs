//! The `unicloud` binary against the in-process emulator: every subcommand, the JSON shape,
//! exit codes and one error path per kind.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::Command as StdCommand;
use std::sync::OnceLock;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;
use unicloud::Cloud;
use unicloud::base::credentials::ProvideCredentials;
use unicloud::base::{Credentials, Provider};
use unicloud::compute::{Instance, InstanceState};
use unicloud_emulator::{
    Emulator, EmulatorBuilder, EmulatorHandle, FaultConfig, FaultRule, LoadBalancerSeed,
};

const KEYS: [(Provider, &str, &str); 3] = [
    (Provider::Aws, "AKIACLITEST", "cli-aws-secret"),
    (Provider::Tencent, "AKIDclitest", "cli-tencent-secret"),
    (Provider::Alibaba, "LTAIclitest", "cli-alibaba-secret"),
];

/// The seeded CLB load balancer and listener.
const CLI_LB: &str = "lb-cli00001";
const CLI_LISTENER: &str = "lbl-cli00001";

/// The buckets seeded on every test emulator, one per cloud.
const S3_BUCKET: &str = "cli-artefacts";
const COS_BUCKET: &str = "cli-backups-1250000000";
const OSS_BUCKET: &str = "cli-backups";

/// A running emulator: its endpoint and its handle (to read back what the CLI stored).
struct Emu {
    url: String,
    handle: EmulatorHandle,
}

/// Starts `builder` (with the test keys and buckets) on its own runtime thread, for the rest
/// of the test binary.
fn start(builder: EmulatorBuilder, seed: impl FnOnce(&EmulatorHandle) + Send + 'static) -> Emu {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let mut b = builder
                .listen("127.0.0.1:0".parse().unwrap())
                .transition_delay(Duration::ZERO)
                .bucket(Provider::Aws, S3_BUCKET)
                .bucket(Provider::Tencent, COS_BUCKET)
                .bucket(Provider::Alibaba, OSS_BUCKET);
            for (p, id, secret) in KEYS {
                b = b.key(p, id, secret);
            }
            let handle = b.start().await.unwrap();
            seed(&handle);
            tx.send(Emu {
                url: handle.base_url(),
                handle,
            })
            .unwrap();
            std::future::pending::<()>().await;
        });
    });
    rx.recv().unwrap()
}

/// One emulator for the whole test binary.
fn emulator() -> &'static Emu {
    static EMU: OnceLock<Emu> = OnceLock::new();
    EMU.get_or_init(|| {
        start(Emulator::builder(), |handle| {
            // A CLB load balancer with a TCP listener on port 80, for the lb commands.
            handle
                .seed_load_balancer(
                    Provider::Tencent,
                    "ap-guangzhou",
                    &LoadBalancerSeed::new(CLI_LB).listener(CLI_LISTENER, 80, "TCP"),
                )
                .unwrap();
        })
    })
}

fn endpoint() -> &'static str {
    &emulator().url
}

/// An emulator whose OSS refuses every part (for uploads kept open with `--keep-on-failure`)
/// and whose COS takes 300 ms per part (for a Ctrl-C in the middle of an upload).
fn faulty() -> &'static Emu {
    static EMU: OnceLock<Emu> = OnceLock::new();
    EMU.get_or_init(|| {
        let faults = FaultConfig::default()
            .rule(FaultRule::new(Some(Provider::Alibaba), "UploadPart").reject(1.0))
            .rule(
                FaultRule::new(Some(Provider::Tencent), "UploadPart")
                    .latency(Duration::from_millis(300)),
            );
        start(Emulator::builder().faults(faults), |_| {})
    })
}

/// `unicloud -p PROVIDER --endpoint URL ...` with that provider's keys in its usual env vars
/// and an empty HOME (no profile files from the machine running the tests).
fn unicloud_std(url: &str, provider: Provider, secret_override: Option<&str>) -> StdCommand {
    let home = std::env::temp_dir().join("unicloud-cli-test-home");
    std::fs::create_dir_all(&home).unwrap();
    let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("unicloud"));
    cmd.env_clear()
        .env("HOME", &home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
        .args(["--provider", provider.as_str(), "--endpoint", url]);
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

/// The same against the shared emulator, as an `assert_cmd` command.
fn unicloud(provider: Provider, secret_override: Option<&str>) -> Command {
    Command::from_std(unicloud_std(endpoint(), provider, secret_override))
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
        // The CLI prints the model's own serialization: the same keys, no hand-made mapping.
        assert_eq!(keys(i), model_keys(), "{i}");
        assert!(i["CreatedAt"].is_string(), "{i}");
        assert!(i.get("CreatedTime").is_none(), "{i}");
    }

    // Table output for people: the TAGS column lists the tags (AWS keeps the name as `Name`).
    let out = unicloud(p, None)
        .args(["compute", "describe-instances"])
        .args(&id_args)
        .output()
        .unwrap();
    assert!(out.status.success());
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.starts_with("PROVIDER"), "{table}");
    let expected_tags = if p == Provider::Aws {
        format!("Name=cli-web,{tag}")
    } else {
        tag.clone()
    };
    for id in &ids {
        let row = table.lines().find(|l| l.contains(id.as_str())).unwrap();
        assert_eq!(
            row.split_whitespace().last(),
            Some(expected_tags.as_str()),
            "{table}"
        );
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
}

/// The keys of a JSON object.
fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

/// The keys `unicloud_compute::Instance` serializes itself with.
fn model_keys() -> BTreeSet<String> {
    let model = Instance::new(Provider::Aws, "i-1", InstanceState::Running);
    keys(&serde_json::to_value(&model).unwrap())
}

/// An instance named `Name=web` and nothing else shows that tag, not `-`.
#[test]
fn the_tags_column_shows_the_name_tag() {
    let (img, itype, _) = image(Provider::Aws);
    let out = unicloud(Provider::Aws, None)
        .args([
            "compute",
            "create-instances",
            "--image",
            img,
            "--instance-type",
            itype,
        ])
        .args(["--name", "web"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let out = unicloud(Provider::Aws, None)
        .args(["compute", "describe-instances", "--id", &id])
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    let mut lines = table.lines();
    assert!(
        lines.next().unwrap().trim_end().ends_with("TAGS"),
        "{table}"
    );
    let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(row[1], id, "{table}");
    assert_eq!(row[2], "web", "{table}");
    assert_eq!(row.last(), Some(&"Name=web"), "{table}");
    assert_eq!(lines.next(), None, "{table}");
}

/// `--regions` lists several regions at once: every instance once, with its region (a
/// REGION column in the table, a `Region` field in JSON).
#[test]
fn describe_instances_fans_out_over_regions() {
    let (img, itype, _) = image(Provider::Tencent);
    let name = format!("fan-{}", std::process::id());
    for (region, zone) in [
        ("ap-guangzhou", "ap-guangzhou-3"),
        ("ap-shanghai", "ap-shanghai-2"),
    ] {
        let out = unicloud(Provider::Tencent, None)
            .args(["--region", region, "compute", "create-instances"])
            .args([
                "--image",
                img,
                "--instance-type",
                itype,
                "--zone",
                zone,
                "--name",
                &name,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let filter = format!("name={name}");
    let listed = json(unicloud(Provider::Tencent, None).args([
        "compute",
        "describe-instances",
        "--regions",
        "ap-guangzhou,ap-shanghai,ap-singapore",
        "--filter",
        &filter,
    ]));
    let mut regions: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["Region"].as_str().unwrap())
        .collect();
    regions.sort_unstable();
    assert_eq!(regions, ["ap-guangzhou", "ap-shanghai"], "{listed}");
    let out = unicloud(Provider::Tencent, None)
        .args([
            "compute",
            "describe-instances",
            "--regions",
            "ap-shanghai",
            "--filter",
            &filter,
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows[0][..2], ["REGION", "PROVIDER"], "{table}");
    assert_eq!(rows[1][..2], ["ap-shanghai", "tencent"], "{table}");
    assert_eq!(rows.len(), 2, "{table}");
    fails_with(
        unicloud(Provider::Tencent, None).args([
            "compute",
            "describe-instances",
            "--regions",
            "ap-guangzhou,Nowhere!",
        ]),
        2,
        &["Nowhere!"],
    );
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
    // The route step: a refused batch rolled back on AWS and Alibaba, refused whole on Tencent.
    for (cloud, outcome) in [
        ("AWS", "rolled back 10.8.0.0/16"),
        ("Tencent Cloud", "one atomic call, nothing changed"),
        ("Alibaba Cloud", "rolled back 10.8.0.0/16"),
    ] {
        assert!(
            stdout
                .lines()
                .any(|l| l.trim_start().starts_with(cloud) && l.contains(outcome)),
            "{cloud}: {outcome} missing:\n{stdout}"
        );
    }
    // The storage step: one table, a row per object, every checksum verified.
    let header = stdout
        .lines()
        .find(|l| l.starts_with("CLOUD"))
        .unwrap_or_else(|| panic!("no upload table:\n{stdout}"));
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        [
            "CLOUD",
            "BUCKET/KEY",
            "SIZE",
            "PARTS",
            "CHECKSUM",
            "VERIFIED"
        ]
    );
    for (cloud, bucket, algorithm) in [
        ("AWS", "demo-artefacts", "CRC32"),
        ("Tencent Cloud", "demo-artefacts-1250000000", "CRC64"),
        ("Alibaba Cloud", "demo-artefacts", "CRC64"),
    ] {
        for (key, size, parts) in [
            ("builds/1234/app.tar", "24 MiB", "3"),
            ("builds/1234/manifest.json", "64 KiB", "0"),
        ] {
            let row = stdout
                .lines()
                .find(|l| l.starts_with(cloud) && l.contains(&format!(" {bucket}/{key} ")))
                .unwrap_or_else(|| panic!("{cloud} {key} missing:\n{stdout}"));
            // BUCKET/KEY, SIZE (two words), PARTS, CHECKSUM (algorithm and value), VERIFIED.
            let cells: Vec<&str> = row[cloud.len()..].split_whitespace().collect();
            assert_eq!(cells.len(), 7, "{row}");
            assert_eq!(
                cells[..5].join(" "),
                format!("{bucket}/{key} {size} {parts} {algorithm}"),
                "{row}"
            );
            assert_eq!(cells[6], "✓", "{row}");
        }
    }
    assert!(
        stdout.contains("6 objects were uploaded and verified"),
        "{stdout}"
    );
    // No log lines at the default verbosity: not the AWS SDK's, not anybody's.
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// At the default verbosity an AWS command (the AWS SDK logs a lot at DEBUG) writes nothing
/// to stderr; with `-vv` it logs, without colour codes when stderr is not a terminal.
#[test]
fn aws_commands_log_nothing_by_default_and_no_colour_codes_when_piped() {
    let out = unicloud(Provider::Aws, None)
        .args(["compute", "describe-instances"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");

    let out = unicloud(Provider::Aws, None)
        .args(["-vv", "compute", "describe-instances"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let logs = String::from_utf8_lossy(&out.stderr);
    assert!(logs.contains("DEBUG"), "expected debug logs, got: {logs}");
    assert!(
        !logs.contains("\x1b["),
        "colour codes in piped logs: {logs}"
    );
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

/// `unicloud emulator --listen 127.0.0.1:0` binds a free port and names it on its first stdout
/// line; the CLI then talks to it with the demo keys it prints.
#[test]
fn emulator_subcommand_serves_the_demo_keys() {
    let bin = assert_cmd::cargo::cargo_bin("unicloud");
    let mut child = std::process::Command::new(&bin)
        .env_clear()
        .args(["emulator", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The lines come once the listener is bound: no port guessing, no polling.
    let mut banner = Vec::new();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let last = line.contains("compute describe-instances");
        banner.push(line);
        if last {
            break;
        }
    }
    let banner = banner.join("\n");
    let endpoint = banner
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().find(|w| w.starts_with("http://")))
        .map(|w| w.trim_end_matches(|c: char| !c.is_ascii_digit()).to_owned());
    let (_, id, secret) = unicloud_emulator::DEMO_KEYS[2];
    let out = endpoint.as_ref().map(|endpoint| {
        std::process::Command::new(&bin)
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
            .arg(endpoint)
            .args(["compute", "describe-instances"])
            .output()
            .unwrap()
    });
    child.kill().unwrap();
    let _ = child.wait();
    let endpoint = endpoint.unwrap_or_else(|| panic!("no endpoint in: {banner}"));
    assert!(!endpoint.ends_with(":0"), "{banner}");
    assert!(
        banner.contains(&format!("ALIBABA_CLOUD_ACCESS_KEY_ID={id}")),
        "{banner}"
    );
    let out = out.unwrap();
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
/// the AWS SDK's own tracing at its most verbose. AWS refuses a long-term key presented with a
/// token (as the emulator does), which shows the token was read and sent.
#[test]
fn aws_session_token_is_sent_and_never_logged() {
    let token = "session-token-must-stay-hidden-7f3a";
    let out = unicloud(Provider::Aws, None)
        .args(["-vvv", "compute", "describe-instances"])
        .env("UNICLOUD_LOG", "trace")
        .env("AWS_SESSION_TOKEN", token)
        .output()
        .unwrap();
    let logs = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{logs}");
    assert!(
        !logs.contains(token),
        "the session token appears in the logs"
    );
}

/// Temporary credentials from the emulator's STS `AssumeRole` for `provider`, on the test keys.
fn assume_role(provider: Provider) -> Credentials {
    let (_, id, secret) = KEYS.into_iter().find(|(p, ..)| *p == provider).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (region, arn) = match provider {
            Provider::Tencent => ("ap-guangzhou", "qcs::cam::uin/100000000001:roleName/cli"),
            _ => ("cn-hangzhou", "acs:ram::1000000000000001:role/cli"),
        };
        let cloud = Cloud::builder(provider)
            .region(region)
            .credentials(Credentials::new(id, secret))
            .endpoint(endpoint())
            .build()
            .await
            .unwrap();
        let creds = match provider {
            Provider::Tencent => {
                unicloud::tencent::sts::AssumeRoleProvider::new(
                    cloud.tencent_client().unwrap().clone(),
                    arn,
                    "cli-test",
                )
                .unwrap()
                .provide_credentials()
                .await
            }
            _ => {
                unicloud::alibaba::sts::AssumeRoleProvider::new(
                    cloud.alibaba_client().unwrap().clone(),
                    arn,
                    "cli-test",
                )
                .unwrap()
                .provide_credentials()
                .await
            }
        };
        creds.unwrap()
    })
}

/// Tencent Cloud and Alibaba Cloud: the CLI reads the token from the provider's variable and
/// sends it. Temporary credentials from STS work only with their own token (the emulator checks
/// it, as the clouds do): with it the call succeeds, with another token it is refused. Neither
/// the token nor the temporary secret appears in the logs at trace level or in the error line.
#[test]
fn tencent_and_alibaba_session_tokens_are_sent_and_never_logged() {
    for (p, [id_var, secret_var, token_var]) in [
        (
            Provider::Tencent,
            [
                "TENCENTCLOUD_SECRET_ID",
                "TENCENTCLOUD_SECRET_KEY",
                "TENCENTCLOUD_SESSION_TOKEN",
            ],
        ),
        (
            Provider::Alibaba,
            [
                "ALIBABA_CLOUD_ACCESS_KEY_ID",
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                "ALIBABA_CLOUD_SECURITY_TOKEN",
            ],
        ),
    ] {
        let temp = assume_role(p);
        let token = temp.session_token().unwrap().expose().to_owned();
        let secret = temp.secret().expose().to_owned();
        let with_token = |t: &str| {
            unicloud(p, None)
                .args(["-vvv", "compute", "describe-instances"])
                .env("UNICLOUD_LOG", "trace")
                .env(id_var, temp.access_key_id())
                .env(secret_var, &secret)
                .env(token_var, t)
                .output()
                .unwrap()
        };

        let out = with_token(&token);
        let logs = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{p}: {logs}");
        assert!(logs.lines().count() > 5, "{p}: expected trace logs: {logs}");
        assert!(
            !logs.contains(&token),
            "{p}: the session token is in the logs"
        );
        assert!(
            !logs.contains(&secret),
            "{p}: the temporary secret is in the logs"
        );

        let wrong = format!("{token}0");
        let out = with_token(&wrong);
        let logs = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{p}: {logs}");
        assert!(logs.contains("auth"), "{p}: {logs}");
        assert!(
            !logs.contains(&wrong),
            "{p}: the session token is in the logs"
        );
        assert!(
            !logs.contains(&secret),
            "{p}: the temporary secret is in the logs"
        );
    }
}

#[test]
fn lb_register_wait_describe_and_deregister() {
    let p = Provider::Tencent;
    let (img, itype, zone) = image(p);
    let created = json(unicloud(p, None).args([
        "compute",
        "create-instances",
        "--image",
        img,
        "--instance-type",
        itype,
        "--zone",
        zone,
    ]));
    let id = created["InstanceIds"][0].as_str().unwrap().to_owned();
    let pool = format!("{CLI_LB}/{CLI_LISTENER}");
    let backend = format!("{id}:80:10");
    // Registered, then healthy once the CLB task and the first checks are done.
    let health = json(unicloud(p, None).args([
        "lb",
        "register",
        "--pool",
        &pool,
        "--backend",
        &backend,
        "--wait",
        "--timeout",
        "60",
    ]));
    assert_eq!(health[0]["backend"]["instance_id"], id.as_str(), "{health}");
    assert_eq!(health[0]["state"], "healthy", "{health}");
    assert_eq!(health[0]["raw_state"], "Alive", "{health}");
    // Twice: nothing sent, said so.
    let again =
        json(unicloud(p, None).args(["lb", "register", "--pool", &pool, "--backend", &backend]));
    assert_eq!(again["changed"], serde_json::json!([]), "{again}");
    assert_eq!(again["unchanged"][0]["instance_id"], id.as_str(), "{again}");
    // The table names the backend, its port and both states.
    let out = unicloud(p, None)
        .args(["lb", "describe-health", "--pool", &pool])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("BACKEND"), "{text}");
    assert!(
        text.contains(&id) && text.contains("healthy") && text.contains("Alive"),
        "{text}"
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let gone = json(unicloud(p, None).args([
        "lb",
        "deregister",
        "--pool",
        &pool,
        "--backend",
        &format!("{id}:80"),
        "--wait",
    ]));
    assert_eq!(gone["changed"][0]["instance_id"], id.as_str(), "{gone}");
    let left = json(unicloud(p, None).args(["lb", "describe-health", "--pool", &pool]));
    assert_eq!(left, serde_json::json!([]));
    // A pool of another cloud, and an unknown pool.
    fails_with(
        unicloud(p, None).args(["lb", "describe-health", "--pool", "elb:web"]),
        2,
        &["invalid-input", "not a Tencent Cloud pool"],
    );
    fails_with(
        unicloud(p, None).args([
            "lb",
            "describe-health",
            "--pool",
            "lb-zzzz0000/lbl-zzzz0000",
        ]),
        4,
        &["not-found", "InvalidParameter.LBIdNotFound"],
    );
}

// ---- storage ----

/// The URL scheme, seeded bucket and smallest part (but the last) of each cloud.
fn storage_target(p: Provider) -> (&'static str, &'static str, u64) {
    match p {
        Provider::Aws => ("s3", S3_BUCKET, 5 << 20),
        Provider::Tencent => ("cos", COS_BUCKET, 1 << 20),
        _ => ("oss", OSS_BUCKET, 100 << 10),
    }
}

fn object_url(p: Provider, key: &str) -> String {
    let (scheme, bucket, _) = storage_target(p);
    format!("{scheme}://{bucket}/{key}")
}

/// `len` bytes that do not repeat within a part (so a part sent at the wrong offset shows).
fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[3]
        })
        .collect()
}

/// A file of `bytes` under this test binary's own temporary directory.
fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("unicloud-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// What the emulator of `emu` holds for `key` in `p`'s seeded bucket.
fn stored(emu: &Emu, p: Provider, key: &str) -> Option<unicloud_emulator::ObjectSnapshot> {
    let (_, bucket, _) = storage_target(p);
    emu.handle
        .storage(p)
        .bucket(bucket)
        .and_then(|b| b.object(key).cloned())
}

/// The multipart uploads open in `p`'s seeded bucket of `emu`: (key, upload id).
fn open_uploads(emu: &Emu, p: Provider) -> Vec<(String, String)> {
    let (_, bucket, _) = storage_target(p);
    emu.handle
        .storage(p)
        .bucket(bucket)
        .map(|b| {
            b.uploads
                .iter()
                .map(|u| (u.key.clone(), u.upload_id.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// The checksum the emulator stored, in the form `storage upload` prints it.
fn stored_checksum(p: Provider, o: &unicloud_emulator::ObjectSnapshot) -> String {
    match p {
        Provider::Aws => o.checksum.clone().unwrap().1,
        _ => o.crc64.to_string(),
    }
}

fn upload_on(p: Provider) {
    let emu = emulator();
    let (_, _, min_part) = storage_target(p);
    let algorithm = if p == Provider::Aws { "CRC32" } else { "CRC64" };

    // Small: one request, content type and metadata as given.
    let small = pseudo_random(3000, 7);
    let file = temp_file(&format!("small-{}.txt", p.as_str()), &small);
    let key = format!("small/{}.txt", p.as_str());
    let r = json(
        unicloud(p, None)
            .args(["storage", "upload"])
            .arg(&file)
            .arg(object_url(p, &key))
            .args(["--content-type", "application/x-cli-test"])
            .args(["--metadata", "build=1234", "--metadata", "team=infra"]),
    );
    let o = stored(emu, p, &key).unwrap_or_else(|| panic!("{p}: nothing stored: {r}"));
    assert_eq!(
        emu.handle
            .object_bytes(p, storage_target(p).1, &key)
            .unwrap(),
        small
    );
    assert_eq!(r["url"], object_url(p, &key), "{r}");
    assert_eq!(r["size"], 3000, "{r}");
    assert_eq!(r["parts"], 0, "{r}");
    assert_eq!(r["upload_id"], Value::Null, "{r}");
    // OSS writes ETags in upper case.
    assert!(
        r["etag"].as_str().unwrap().eq_ignore_ascii_case(&o.etag),
        "{r}"
    );
    assert_eq!(r["content_type"], "application/x-cli-test", "{r}");
    assert_eq!(r["checksum"]["algorithm"], algorithm, "{r}");
    assert_eq!(r["checksum"]["value"], stored_checksum(p, &o), "{r}");
    assert_eq!(r["checksum"]["verified"], true, "{r}");
    assert_eq!(o.parts, 0);
    assert_eq!(o.content_type, "application/x-cli-test");

    // Read back with `storage head`: JSON and the table.
    let head = json(unicloud(p, None).args(["storage", "head", &object_url(p, &key)]));
    assert_eq!(head["size"], 3000, "{head}");
    assert!(
        head["etag"].as_str().unwrap().eq_ignore_ascii_case(&o.etag),
        "{head}"
    );
    assert_eq!(head["content_type"], "application/x-cli-test", "{head}");
    assert_eq!(
        head["metadata"],
        serde_json::json!({"build": "1234", "team": "infra"}),
        "{head}"
    );
    if p == Provider::Aws {
        assert_eq!(head["crc64"], Value::Null, "{head}");
    } else {
        assert_eq!(head["crc64"], o.crc64.to_string(), "{head}");
    }
    let out = unicloud(p, None)
        .args(["storage", "head", &object_url(p, &key)])
        .output()
        .unwrap();
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    for row in [
        "SIZE           3000".to_owned(),
        "CONTENT-TYPE   application/x-cli-test".to_owned(),
        "META build     1234".to_owned(),
        format!("ETAG           {}", o.etag),
    ] {
        assert!(
            table.lines().any(|l| l.eq_ignore_ascii_case(&row)),
            "`{row}` not in:\n{table}"
        );
    }

    // Multipart at the vendor's minimum part size: two full parts and a half one.
    let len = usize::try_from(min_part * 5 / 2).unwrap();
    let big = pseudo_random(len, 11);
    let file = temp_file(&format!("big-{}.bin", p.as_str()), &big);
    let key = format!("big/{}.bin", p.as_str());
    let r = json(
        unicloud(p, None)
            .args(["storage", "upload"])
            .arg(&file)
            .arg(object_url(p, &key))
            .args(["--part-size", &min_part.to_string(), "--concurrency", "2"]),
    );
    let o = stored(emu, p, &key).unwrap_or_else(|| panic!("{p}: nothing stored: {r}"));
    assert!(
        emu.handle
            .object_bytes(p, storage_target(p).1, &key)
            .unwrap()
            == big,
        "{p}: the stored bytes differ"
    );
    assert_eq!(r["size"], len, "{r}");
    assert_eq!(r["parts"], 3, "{r}");
    assert_eq!(o.parts, 3);
    assert!(
        r["etag"].as_str().unwrap().eq_ignore_ascii_case(&o.etag),
        "{r}"
    );
    assert!(o.etag.ends_with("-3"), "{}", o.etag);
    assert!(
        r["upload_id"].as_str().is_some_and(|id| !id.is_empty()),
        "{r}"
    );
    assert_eq!(r["content_type"], "application/octet-stream", "{r}");
    assert_eq!(r["checksum"]["algorithm"], algorithm, "{r}");
    assert_eq!(r["checksum"]["value"], stored_checksum(p, &o), "{r}");
    assert_eq!(r["checksum"]["verified"], true, "{r}");
    assert!(
        !open_uploads(emu, p).iter().any(|(k, _)| *k == key),
        "{p}: an upload was left open"
    );

    // One byte under the minimum part size is refused before anything is sent.
    fails_with(
        unicloud(p, None)
            .args(["storage", "upload"])
            .arg(&file)
            .arg(object_url(p, "below-minimum.bin"))
            .args(["--part-size", &(min_part - 1).to_string()]),
        2,
        &["invalid-input", "part size", "minimum"],
    );
    assert!(stored(emu, p, "below-minimum.bin").is_none());
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn storage_upload_on_aws() {
    upload_on(Provider::Aws);
}

#[test]
fn storage_upload_on_tencent() {
    upload_on(Provider::Tencent);
}

#[test]
fn storage_upload_on_alibaba() {
    upload_on(Provider::Alibaba);
}

/// `-` reads stdin: a short stream in one request, a longer one in parts; a URL without a key
/// is refused (there is no file name to take).
#[test]
fn storage_upload_reads_stdin() {
    let emu = emulator();
    let p = Provider::Tencent;
    let short = pseudo_random(1000, 3);
    let r = json(
        unicloud(p, None)
            .args(["storage", "upload", "-", &object_url(p, "piped/short.bin")])
            .write_stdin(short.clone()),
    );
    assert_eq!(r["size"], 1000, "{r}");
    assert_eq!(r["parts"], 0, "{r}");
    assert_eq!(
        emu.handle
            .object_bytes(p, COS_BUCKET, "piped/short.bin")
            .unwrap(),
        short
    );

    let long = pseudo_random(250 << 10, 5);
    let q = Provider::Alibaba;
    let r = json(
        unicloud(q, None)
            .args(["storage", "upload", "-", &object_url(q, "piped/long.bin")])
            .args(["--part-size", "100KiB"])
            .write_stdin(long.clone()),
    );
    assert_eq!(r["size"], 250 << 10, "{r}");
    assert_eq!(r["parts"], 3, "{r}");
    assert_eq!(r["checksum"]["verified"], true, "{r}");
    assert_eq!(
        emu.handle
            .object_bytes(q, OSS_BUCKET, "piped/long.bin")
            .unwrap(),
        long
    );
    assert!(open_uploads(emu, q).is_empty());

    fails_with(
        unicloud(q, None)
            .args(["storage", "upload", "-", &object_url(q, "")])
            .write_stdin("x"),
        2,
        &[
            "invalid-input",
            "give the full object key when reading stdin",
        ],
    );
}

/// A port nothing listens on: a command that exits 2 with it sent nothing.
fn refused_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

/// Bad input exits 2 against an endpoint that refuses connections (so nothing was sent); the
/// cloud's refusals exit 4 (no bucket) and 3 (wrong secret, nothing stored); each is one line
/// on stderr that says what is wrong.
#[test]
fn storage_errors_exit_with_one_line_a_user_can_act_on() {
    let dead = refused_endpoint();
    let small = temp_file("errors.txt", b"hello");
    let upload = |p: Provider, url: &str| {
        let mut cmd = Command::from_std(unicloud_std(&dead, p, None));
        cmd.args(["storage", "upload"]).arg(&small).arg(url);
        cmd
    };
    fails_with(
        &mut upload(Provider::Aws, "s3://Bad_Bucket/x"),
        2,
        &[
            "invalid-input",
            "bucket \"Bad_Bucket\" is not a valid AWS bucket name",
        ],
    );
    fails_with(
        &mut upload(Provider::Tencent, "cos://backups/x"),
        2,
        &["invalid-input", "COS bucket names end with '-APPID'"],
    );
    fails_with(
        &mut upload(Provider::Aws, "cos://backups-1250000000/x"),
        2,
        &[
            "invalid-input",
            "--provider aws disagrees with cos://backups-1250000000/x (a Tencent Cloud URL)",
        ],
    );
    fails_with(
        &mut upload(Provider::Aws, "artefacts/x"),
        2,
        &["invalid-input", "no scheme", "s3://BUCKET/KEY"],
    );
    let mut missing = Command::from_std(unicloud_std(&dead, Provider::Alibaba, None));
    missing.args(["storage", "upload", "no-such-file.bin", "oss://backups/x"]);
    fails_with(
        &mut missing,
        2,
        &["invalid-input", "cannot read no-such-file.bin"],
    );
    // clap's own: a malformed age.
    let out = Command::from_std(unicloud_std(&dead, Provider::Aws, None))
        .args([
            "storage",
            "abort-uploads",
            "s3://artefacts",
            "--older-than",
            "1w",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("end the age in s, m, h or d"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // No such bucket: the message names it.
    for (p, url, bucket) in [
        (Provider::Aws, "s3://cli-missing/x", "s3://cli-missing"),
        (
            Provider::Tencent,
            "cos://cli-missing-1250000000/x",
            "cos://cli-missing-1250000000",
        ),
        (
            Provider::Alibaba,
            "oss://cli-missing/x",
            "oss://cli-missing",
        ),
    ] {
        let needle = format!("bucket {bucket} does not exist");
        fails_with(
            unicloud(p, None)
                .args(["storage", "upload"])
                .arg(&small)
                .arg(url),
            4,
            &["not-found", &needle, "code=NoSuchBucket", "request-id="],
        );
        fails_with(
            unicloud(p, None).args(["storage", "list-uploads", url]),
            4,
            &["not-found", &needle],
        );
    }
    // No such object.
    fails_with(
        unicloud(Provider::Alibaba, None).args([
            "storage",
            "head",
            &object_url(Provider::Alibaba, "no/such/object"),
        ]),
        4,
        &[
            "not-found",
            "oss://cli-backups/no/such/object: no such object",
        ],
    );

    // A wrong secret: refused, never printed, nothing stored.
    for p in [Provider::Aws, Provider::Tencent, Provider::Alibaba] {
        let key = format!("wrong-secret/{}.txt", p.as_str());
        fails_with(
            unicloud(p, Some("definitely-wrong-secret-456"))
                .args(["storage", "upload"])
                .arg(&small)
                .arg(object_url(p, &key)),
            3,
            &["auth", "SignatureDoesNotMatch"],
        );
        assert!(stored(emulator(), p, &key).is_none(), "{p}: stored anyway");
    }
    let out = unicloud(Provider::Tencent, Some("definitely-wrong-secret-456"))
        .args(["storage", "head", &object_url(Provider::Tencent, "x")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("definitely-wrong-secret-456"));
}

/// An upload that fails with `--keep-on-failure` stays open; `list-uploads` shows it,
/// `abort-uploads --older-than` leaves it while it is young and aborts it once it is older.
#[test]
fn storage_list_and_abort_uploads() {
    let emu = faulty();
    let p = Provider::Alibaba;
    let file = temp_file("kept.bin", &pseudo_random(300 << 10, 13));
    let url = object_url(p, "kept/upload.bin");
    let out = Command::from_std(unicloud_std(&emu.url, p, None))
        .args(["storage", "upload"])
        .arg(&file)
        .arg(&url)
        .args(["--part-size", "100KiB", "--keep-on-failure"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The emulator's rejection is the vendor's InvalidArgument: invalid input, exit 2.
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("was kept: resume it with this upload id"),
        "{stderr}"
    );
    let open = open_uploads(emu, p);
    assert_eq!(open.len(), 1, "{open:?}");
    let (key, id) = open[0].clone();
    assert_eq!(key, "kept/upload.bin");
    assert!(
        stderr.contains(&id),
        "the kept upload's id is not in: {stderr}"
    );

    let bucket_url = format!("oss://{OSS_BUCKET}");
    let cli = || Command::from_std(unicloud_std(&emu.url, p, None));
    let listed = json(cli().args(["storage", "list-uploads", &bucket_url]));
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["key"], "kept/upload.bin", "{listed}");
    assert_eq!(listed[0]["upload_id"], id.as_str(), "{listed}");
    assert!(listed[0]["initiated"].is_string(), "{listed}");
    // Under another prefix: none.
    let other = json(cli().args(["storage", "list-uploads", &format!("{bucket_url}/other/")]));
    assert_eq!(other, serde_json::json!([]));
    // The table, for people.
    let out = cli()
        .args(["storage", "list-uploads", &bucket_url])
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.starts_with("KEY"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("kept/upload.bin") && l.contains(&id)),
        "{table}"
    );

    // Young: left alone.
    let aborted = json(cli().args([
        "storage",
        "abort-uploads",
        &bucket_url,
        "--older-than",
        "1d",
    ]));
    assert_eq!(aborted, serde_json::json!([]));
    assert_eq!(open_uploads(emu, p).len(), 1);
    // Older than a second: aborted, and said so.
    std::thread::sleep(Duration::from_millis(2100));
    let out = cli()
        .args([
            "storage",
            "abort-uploads",
            &bucket_url,
            "--older-than",
            "1s",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "aborted 1 multipart upload(s) in oss://cli-backups/ started more than 1s ago"
    );
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains(&id), "{table}");
    assert!(open_uploads(emu, p).is_empty());
    assert_eq!(
        json(cli().args(["storage", "list-uploads", &bucket_url])),
        serde_json::json!([])
    );
}

/// SIGINT (Ctrl-C) in the middle of a multipart upload: the upload is aborted, the exit code
/// is 130, and nothing is left (no object, no open upload).
#[test]
fn storage_upload_interrupted_aborts_and_exits_130() {
    let emu = faulty();
    let p = Provider::Tencent;
    // 8 parts of 1 MiB, one at a time, each held 300 ms by the emulator.
    let file = temp_file("interrupted.bin", &pseudo_random(8 << 20, 17));
    let key = "interrupted/upload.bin";
    let child = unicloud_std(&emu.url, p, None)
        .args(["storage", "upload"])
        .arg(&file)
        .arg(object_url(p, key))
        .args(["--part-size", "1MiB", "--concurrency", "1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until a part is stored, then interrupt.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let started = loop {
        let parts = emu
            .handle
            .storage(p)
            .bucket(COS_BUCKET)
            .and_then(|b| {
                b.uploads
                    .iter()
                    .find(|u| u.key == key)
                    .map(|u| u.parts.len())
            })
            .unwrap_or(0);
        if parts > 0 || std::time::Instant::now() > deadline {
            break parts > 0;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let killed = StdCommand::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(started, "no part was stored within 30 s: {stderr}");
    assert!(killed.success());
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("cancelled: the upload was cancelled; multipart upload")
            && stderr.contains("was aborted"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    std::fs::remove_file(&file).unwrap();
    assert!(stored(emu, p, key).is_none());
    assert!(
        !open_uploads(emu, p).iter().any(|(k, _)| k == key),
        "an upload was left open"
    );
    let listed = json(Command::from_std(unicloud_std(&emu.url, p, None)).args([
        "storage",
        "list-uploads",
        &object_url(p, "interrupted/"),
    ]));
    assert_eq!(listed, serde_json::json!([]));
}
