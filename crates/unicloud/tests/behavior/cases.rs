//! The cases, written once against the unified API.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt;
use unicloud::aws::{AwsConfigOptions, AwsCredentialsProvider, load_sdk_config};
use unicloud::base::clock::ManualClock;
use unicloud::base::credentials::RoleSpec;
use unicloud::base::{ErrorKind, ProvideCredentials, Provider};
use unicloud::compute::{Filters, Instance, InstanceQuery, InstanceState, StopMode};
use unicloud_alibaba::client::AlibabaClient;
use unicloud_emulator::FaultKind;
use unicloud_tencent::client::TencentClient;

use crate::harness::{Ctx, RUN_TAG};

const WAIT: Duration = Duration::from_secs(120);

fn ids_of(list: &[Instance]) -> Vec<String> {
    list.iter().map(|i| i.id.clone()).collect()
}

fn set(ids: &[String]) -> BTreeSet<String> {
    ids.iter().cloned().collect()
}

/// Create 3 with name and tags → describe by ids → each filter → stop → wait stopped → start →
/// wait running → destroy → gone or terminated.
pub async fn lifecycle(ctx: &Ctx) {
    let p = ctx.provider;
    let compute = ctx.compute().await;
    assert_eq!(compute.provider(), p);
    let name = format!("bhv-{}", &ctx.run[..8]);
    let spec = ctx.spec(3).name(&name).tag("role", "web");
    let ids = compute.create_instances(&spec).await.unwrap();
    assert_eq!(ids.len(), 3, "{p}");
    assert_eq!(set(&ids).len(), 3, "{p}: distinct ids");

    let running = compute
        .wait_until(&ids, InstanceState::Running, WAIT)
        .await
        .unwrap();
    assert_eq!(
        ids_of(&running),
        ids,
        "{p}: waiter returns the instances in order"
    );

    // Describe by ids: in the order asked, every field filled in.
    let mut asked = ids.clone();
    asked.reverse();
    let described = compute
        .list_instances(InstanceQuery::ids(&asked))
        .await
        .unwrap();
    assert_eq!(ids_of(&described), asked, "{p}");
    for i in &described {
        assert_eq!(i.provider, p);
        assert_eq!(i.state, InstanceState::Running, "{p}: {i:?}");
        assert!(!i.raw_state.is_empty());
        assert_eq!(i.name.as_deref(), Some(name.as_str()), "{p}: {i:?}");
        assert_eq!(i.tag("role"), Some("web"), "{p}: {i:?}");
        assert_eq!(i.tag(RUN_TAG), Some(ctx.run.as_str()), "{p}: {i:?}");
        assert_eq!(i.image_id.as_deref(), Some(spec.image_id.as_str()), "{p}");
        assert_eq!(
            i.instance_type.as_deref(),
            Some(spec.instance_type.as_str()),
            "{p}"
        );
        assert_eq!(i.zone, spec.zone, "{p}");
        assert!(i.vpc_id.is_some() && i.subnet_id.is_some(), "{p}: {i:?}");
        assert!(i.private_ip().is_some(), "{p}: {i:?}");
        assert!(i.created_at.is_some(), "{p}: {i:?}");
    }

    // Each unified filter, scoped to this run, natively and client-side.
    let first = &described[described.len() - 1];
    assert_eq!(first.id, ids[0]);
    let scope = || Filters::new().tag(RUN_TAG, [ctx.run.clone()]);
    let all = set(&ids);
    let only_first = set(&ids[..1]);
    let cases: Vec<(&str, Filters, BTreeSet<String>)> = vec![
        ("scope", scope(), all.clone()),
        (
            "state",
            scope().state([InstanceState::Running]),
            all.clone(),
        ),
        (
            "state miss",
            scope().state([InstanceState::Stopped]),
            BTreeSet::new(),
        ),
        ("name", scope().name(&name), all.clone()),
        (
            "name miss",
            scope().name(format!("{name}-x")),
            BTreeSet::new(),
        ),
        (
            "zone",
            scope().zone([first.zone.clone().unwrap()]),
            all.clone(),
        ),
        (
            "vpc",
            scope().vpc([first.vpc_id.clone().unwrap()]),
            all.clone(),
        ),
        (
            "subnet",
            scope().subnet([first.subnet_id.clone().unwrap()]),
            all.clone(),
        ),
        ("image", scope().image([spec.image_id.clone()]), all.clone()),
        (
            "image miss",
            scope().image(["img-nothere"]),
            BTreeSet::new(),
        ),
        (
            "instance-type",
            scope().instance_type([spec.instance_type.clone()]),
            all.clone(),
        ),
        (
            "private-ip",
            scope().private_ip([first.private_ip().unwrap().to_owned()]),
            only_first.clone(),
        ),
        ("tag", scope().tag("role", ["web"]), all.clone()),
        (
            "tag two values",
            scope().tag("role", ["db", "web"]),
            all.clone(),
        ),
        ("tag miss", scope().tag("role", ["db"]), BTreeSet::new()),
    ];
    for (what, filters, want) in cases {
        let got = compute.list_instances(&filters).await.unwrap();
        assert_eq!(set(&ids_of(&got)), want, "{p}: filter {what}");
        // With ids, the same filters apply client-side.
        let got = compute
            .list_instances(InstanceQuery::ids(&ids).with_filters(filters))
            .await
            .unwrap();
        assert_eq!(set(&ids_of(&got)), want, "{p}: filter {what} with ids");
    }
    // The seed's JSON form.
    let seed: Filters = serde_json::from_str(&format!(
        r#"[{{"tag:{RUN_TAG}": "{}", "state": ["running", "stopped"], "name": "{name}"}}]"#,
        ctx.run
    ))
    .unwrap();
    let got = compute.list_instances(&seed).await.unwrap();
    assert_eq!(set(&ids_of(&got)), all, "{p}: seed filter");

    // Stop, start, destroy.
    let changes = compute
        .stop_instances(&ids, StopMode::Graceful)
        .await
        .unwrap();
    assert_eq!(
        changes.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
        ids,
        "{p}"
    );
    for c in &changes {
        assert!(
            matches!(c.current, InstanceState::Stopping | InstanceState::Stopped),
            "{p}: {c:?}"
        );
        if let Some(prev) = &c.previous {
            assert_eq!(*prev, InstanceState::Running, "{p}: {c:?}");
        }
    }
    let stopped = compute
        .wait_until(&ids, InstanceState::Stopped, WAIT)
        .await
        .unwrap();
    assert!(
        stopped.iter().all(|i| i.state == InstanceState::Stopped),
        "{p}"
    );
    let got = compute
        .list_instances(&scope().state([InstanceState::Stopped]))
        .await
        .unwrap();
    assert_eq!(set(&ids_of(&got)), all, "{p}: state=stopped after the stop");

    let changes = compute.start_instances(&ids).await.unwrap();
    assert_eq!(changes.len(), 3, "{p}");
    for c in &changes {
        assert!(
            matches!(
                c.current,
                InstanceState::Pending | InstanceState::Starting | InstanceState::Running
            ),
            "{p}: {c:?}"
        );
    }
    compute
        .wait_until(&ids, InstanceState::Running, WAIT)
        .await
        .unwrap();

    let changes = compute.destroy_instances(&ids).await.unwrap();
    assert_eq!(changes.len(), 3, "{p}");
    assert!(
        changes.iter().all(|c| c.current.is_gone()),
        "{p}: {changes:?}"
    );
    compute
        .wait_until(&ids, InstanceState::Terminated, WAIT)
        .await
        .unwrap();
    // Gone (Tencent, Alibaba) or visible as terminated for a while (AWS).
    match compute.list_instances(InstanceQuery::ids(&ids)).await {
        Ok(left) => assert!(
            left.iter().all(|i| i.state == InstanceState::Terminated),
            "{p}: {left:?}"
        ),
        Err(e) => assert_eq!(e.kind(), ErrorKind::NotFound, "{p}: {e}"),
    }
    let live = compute
        .list_instances(&scope().state([InstanceState::Running, InstanceState::Stopped]))
        .await
        .unwrap();
    assert!(live.is_empty(), "{p}: {live:?}");
}

/// 250 instances come back across every page, each once.
pub async fn paging(ctx: &Ctx) {
    let p = ctx.provider;
    let compute = ctx.compute().await;
    let ids = ctx.create_many(&compute, 250, 50).await;
    assert_eq!(set(&ids).len(), 250, "{p}");
    let scope = Filters::new().tag(RUN_TAG, [ctx.run.clone()]);
    // The vendor's largest page, and a small one (several requests even on AWS, whose largest
    // page would hold everything).
    for page in [None, Some(20)] {
        let c = match page {
            Some(n) => compute.clone().with_page_size(n),
            None => compute.clone(),
        };
        let mut stream = c.describe_instances(&scope).unwrap();
        let mut seen = Vec::new();
        while let Some(i) = stream.try_next().await.unwrap() {
            seen.push(i.id);
        }
        assert_eq!(
            seen.len(),
            250,
            "{p}: page size {page:?}: duplicates or gaps"
        );
        assert_eq!(set(&seen), set(&ids), "{p}: page size {page:?}");
    }
    ctx.destroy_all(&compute, &ids).await;
}

/// 150 ids: split at the vendor's limit (and at a smaller batch) and merged in the order given.
pub async fn id_chunking(ctx: &Ctx) {
    let p = ctx.provider;
    let compute = ctx.compute().await;
    let ids = ctx.create_many(&compute, 150, 50).await;
    let mut asked = ids.clone();
    asked.reverse();
    asked.rotate_left(37);
    for batch in [None, Some(40)] {
        let c = match batch {
            Some(n) => compute.clone().with_id_batch_size(n),
            None => compute.clone(),
        };
        let got = c.list_instances(InstanceQuery::ids(&asked)).await.unwrap();
        assert_eq!(ids_of(&got), asked, "{p}: batch {batch:?}");
        // Filters still apply with ids.
        let none = c
            .list_instances(
                InstanceQuery::ids(&asked)
                    .with_filters(Filters::new().state([InstanceState::Stopped])),
            )
            .await
            .unwrap();
        assert!(none.is_empty(), "{p}: batch {batch:?}");
    }
    // Lifecycle calls are chunked too.
    let stopped = compute
        .stop_instances(&asked, StopMode::Force)
        .await
        .unwrap();
    assert_eq!(stopped.len(), 150, "{p}");
    compute
        .wait_until(&asked, InstanceState::Stopped, WAIT)
        .await
        .unwrap();
    ctx.destroy_all(&compute, &asked).await;
}

/// Unknown ids are `NotFound` everywhere; malformed ones never leave the process.
pub async fn unknown_id(ctx: &Ctx) {
    let p = ctx.provider;
    let compute = ctx.compute().await;
    let unknown = ctx.unknown_id();
    let e = compute
        .list_instances(InstanceQuery::ids(&[unknown]))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{p}: describe: {e}");
    assert_eq!(e.provider(), Some(p));
    for (what, r) in [
        ("start", compute.start_instances(&[unknown]).await),
        (
            "stop",
            compute.stop_instances(&[unknown], StopMode::Graceful).await,
        ),
        ("destroy", compute.destroy_instances(&[unknown]).await),
    ] {
        let e = r.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{p}: {what}: {e}");
        assert!(
            e.code().is_some(),
            "{p}: {what}: the vendor code is kept: {e:?}"
        );
    }
    let e = compute
        .wait_until(&[unknown], InstanceState::Running, WAIT)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{p}: wait: {e}");

    // Invalid input is refused locally.
    for bad in [
        compute.start_instances(&["not-an-id"]).await.unwrap_err(),
        compute
            .destroy_instances(&[] as &[String])
            .await
            .unwrap_err(),
        compute.create_instances(&ctx.spec(0)).await.unwrap_err(),
    ] {
        assert_eq!(bad.kind(), ErrorKind::InvalidInput, "{p}: {bad}");
        assert!(
            bad.code().is_none(),
            "{p}: no vendor code, nothing was sent: {bad:?}"
        );
    }
    assert_eq!(
        Filters::new().with("colour", ["red"]).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}

/// Repeating a create with one client token creates nothing new.
pub async fn idempotent_create(ctx: &Ctx) {
    let p = ctx.provider;
    if ctx.skip_on_moto(
        "idempotent_create",
        "moto does not implement ClientToken idempotency (real EC2 does, and the emulator \
         follows EC2: https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html)",
    ) {
        return;
    }
    let compute = ctx.compute().await;
    let token = uuid::Uuid::new_v4().to_string();
    let spec = ctx.spec(2).client_token(&token);
    let first = compute.create_instances(&spec).await.unwrap();
    let again = compute.create_instances(&spec).await.unwrap();
    assert_eq!(first, again, "{p}: same token, same instances");
    let scope = Filters::new().tag(RUN_TAG, [ctx.run.clone()]);
    let all = compute.list_instances(&scope).await.unwrap();
    assert_eq!(set(&ids_of(&all)), set(&first), "{p}: no duplicates");
    ctx.destroy_all(&compute, &first).await;
}

/// Connections dropped after the create was applied: the retries reuse the call's token, so
/// nothing is created twice.
pub async fn create_retried_after_drop(ctx: &Ctx) {
    let p = ctx.provider;
    if ctx.skip_on_moto(
        "create_retried_after_drop",
        "moto has no fault injection (and no ClientToken idempotency)",
    ) {
        return;
    }
    let compute = ctx.compute().await;
    let mut created = Vec::new();
    for _ in 0..4 {
        created.extend(compute.create_instances(&ctx.spec(2)).await.unwrap());
    }
    assert_eq!(set(&created).len(), 8, "{p}");
    let scope = Filters::new().tag(RUN_TAG, [ctx.run.clone()]);
    let all = compute.list_instances(&scope).await.unwrap();
    assert_eq!(
        all.len(),
        8,
        "{p}: every retry reused its call's token: {all:?}"
    );
    let emu = ctx.emulator.as_ref().unwrap();
    assert!(
        emu.fault_counters().total(FaultKind::DropAfterApply) > 0,
        "{p}: the fault seed never dropped a connection; the case proved nothing"
    );
    ctx.destroy_all(&compute, &created).await;
}

/// Throttled calls succeed after retries.
pub async fn throttling(ctx: &Ctx) {
    let p = ctx.provider;
    if ctx.skip_on_moto("throttling", "moto has no fault injection") {
        return;
    }
    let compute = ctx.compute().await;
    let ids = compute.create_instances(&ctx.spec(2)).await.unwrap();
    compute
        .wait_until(&ids, InstanceState::Running, WAIT)
        .await
        .unwrap();
    let listed = compute
        .list_instances(InstanceQuery::ids(&ids))
        .await
        .unwrap();
    assert_eq!(listed.len(), 2, "{p}");
    compute
        .stop_instances(&ids, StopMode::Graceful)
        .await
        .unwrap();
    compute
        .wait_until(&ids, InstanceState::Stopped, WAIT)
        .await
        .unwrap();
    let emu = ctx.emulator.as_ref().unwrap();
    assert!(
        emu.fault_counters().total(FaultKind::Throttle) > 0,
        "{p}: nothing was throttled; the case proved nothing"
    );
    ctx.destroy_all(&compute, &ids).await;
}

/// A wrong secret is `Auth`, not retried, and the secret appears nowhere.
pub async fn wrong_secret(ctx: &Ctx) {
    let p = ctx.provider;
    if ctx.is_moto() && !ctx.moto_auth() {
        ctx.skip_on_moto(
            "wrong_secret",
            "moto checks signatures only once IAM auth is turned on (.ci/moto.sh does that and \
             sets UNICLOUD_TEST_MOTO_AUTH=1)",
        );
        return;
    }
    let secret = "definitely-the-wrong-secret-4711";
    let compute = ctx
        .compute_with(
            unicloud::base::Credentials::new(&ctx.key_id, secret),
            ctx.config(),
        )
        .await;
    let e = compute.list_instances(&Filters::new()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth, "{p}: {e}");
    assert!(!e.is_retryable(), "{p}");
    assert!(e.code().is_some(), "{p}: {e:?}");
    for text in [e.to_string(), format!("{e:?}"), format!("{compute:?}")] {
        assert!(!text.contains(secret), "{p}: secret leaked: {text}");
    }
}

/// Temporary credentials from each vendor's STS `AssumeRole` drive the compute API.
pub async fn sts_credentials(ctx: &Ctx) {
    let p = ctx.provider;
    let source = ctx.credentials();
    let temp = match p {
        Provider::Aws => {
            let sdk = load_sdk_config(&AwsConfigOptions {
                explicit: Some(source.clone()),
                region: Some(ctx.region()),
                endpoint: Some(ctx.endpoint.clone()),
                ..Default::default()
            })
            .await;
            let role = RoleSpec {
                role_arn: ctx.role_arn().into(),
                session_name: "unicloud-suite".into(),
                duration: None,
                external_id: None,
                policy: None,
            };
            let assumed = unicloud::aws::assume_role(&sdk, &role).await.unwrap();
            AwsCredentialsProvider::from_sdk_config(&assumed)
                .unwrap()
                .provide_credentials()
                .await
                .unwrap()
        }
        Provider::Tencent => {
            let client = TencentClient::builder(ctx.region())
                .credentials(source.clone())
                .config(ctx.config())
                .build()
                .unwrap();
            unicloud_tencent::sts::AssumeRoleProvider::new(client, ctx.role_arn(), "unicloud-suite")
                .unwrap()
                .into_shared()
                .provide_credentials()
                .await
                .unwrap()
        }
        _ => {
            let client = AlibabaClient::builder(ctx.region())
                .credentials(source.clone())
                .config(ctx.config())
                .build()
                .unwrap();
            unicloud_alibaba::sts::AssumeRoleProvider::new(client, ctx.role_arn(), "unicloud-suite")
                .unwrap()
                .into_shared()
                .provide_credentials()
                .await
                .unwrap()
        }
    };
    assert!(temp.session_token().is_some(), "{p}: {temp:?}");
    assert_ne!(temp.access_key_id(), source.access_key_id(), "{p}");
    let compute = ctx.compute_with(temp.clone(), ctx.config()).await;
    let ids = compute.create_instances(&ctx.spec(1)).await.unwrap();
    let got = compute
        .list_instances(InstanceQuery::ids(&ids))
        .await
        .unwrap();
    assert_eq!(ids_of(&got), ids, "{p}");
    ctx.destroy_all(&compute, &ids).await;

    // The token is really checked: the temporary key without it is refused (the emulator
    // verifies it; moto only once IAM auth is on).
    if !ctx.is_moto() || ctx.moto_auth() {
        let bare = unicloud::base::Credentials::new(temp.access_key_id(), temp.secret().expose());
        let compute = ctx.compute_with(bare, ctx.config()).await;
        let e = compute.list_instances(&Filters::new()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Auth, "{p}: {e}");
    }
}

fn suite_role(ctx: &Ctx) -> RoleSpec {
    RoleSpec {
        role_arn: ctx.role_arn().into(),
        session_name: "unicloud-suite".into(),
        duration: Some(Duration::from_secs(3600)),
        external_id: None,
        policy: None,
    }
}

/// `Cloud::builder(..).assume_role(..)`: the unified API runs on the role's temporary
/// credentials, which the provider's STS issued for the source keys.
pub async fn cloud_assume_role(ctx: &Ctx) {
    let p = ctx.provider;
    let cloud = ctx
        .cloud_builder(ctx.credentials(), &ctx.config())
        .assume_role(suite_role(ctx))
        .build()
        .await
        .unwrap();
    // The cloud speaks as the role's session, not as the source keys.
    match p {
        Provider::Aws => {
            let temp = AwsCredentialsProvider::from_sdk_config(cloud.aws_sdk_config().unwrap())
                .unwrap()
                .provide_credentials()
                .await
                .unwrap();
            assert!(temp.session_token().is_some(), "{p}: {temp:?}");
            assert_ne!(temp.access_key_id(), ctx.key_id, "{p}");
        }
        Provider::Tencent => {
            let me = cloud
                .tencent_client()
                .unwrap()
                .call(&unicloud_tencent::generated::sts::GetCallerIdentityRequest {})
                .await
                .unwrap();
            let arn = me.arn.unwrap_or_default();
            assert!(arn.contains("assumed-role/unicloud-suite"), "{p}: {arn}");
        }
        _ => {
            let me = cloud
                .alibaba_client()
                .unwrap()
                .call(&unicloud_alibaba::generated::sts::GetCallerIdentityRequest {})
                .await
                .unwrap();
            let arn = me.arn.unwrap_or_default();
            assert!(
                arn.contains("assumed-role/unicloud-suite/unicloud-suite"),
                "{p}: {arn}"
            );
        }
    }
    let compute = Ctx::compute_of(&cloud);
    let ids = compute.create_instances(&ctx.spec(1)).await.unwrap();
    let got = compute
        .list_instances(InstanceQuery::ids(&ids))
        .await
        .unwrap();
    assert_eq!(ids_of(&got), ids, "{p}");
    ctx.destroy_all(&compute, &ids).await;
}

/// A malformed role fails `build()` with `InvalidInput` naming the field, and nothing reaches
/// the provider (here every request would be throttled and counted).
pub async fn assume_role_invalid(ctx: &Ctx) {
    let p = ctx.provider;
    let good = suite_role(ctx);
    let other_cloud = match p {
        Provider::Aws => "acs:ram::1234567890123456:role/unicloud-suite",
        _ => "arn:aws:iam::123456789012:role/unicloud-suite",
    };
    let cases = [
        (
            RoleSpec {
                role_arn: other_cloud.into(),
                ..good.clone()
            },
            "role arn",
        ),
        (
            RoleSpec {
                session_name: "x".into(),
                ..good.clone()
            },
            "session name",
        ),
        (
            RoleSpec {
                session_name: "has space".into(),
                ..good.clone()
            },
            "session name",
        ),
    ];
    for (role, field) in cases {
        let err = ctx
            .cloud_builder(ctx.credentials(), &ctx.config())
            .assume_role(role.clone())
            .build()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{p}: {role:?}: {err}");
        assert_eq!(err.provider(), Some(p), "{p}: {err}");
        let text = err.to_string().replace('_', " ").to_lowercase();
        assert!(text.contains(field), "{p}: `{field}` not named in {err}");
        assert!(!text.contains(&ctx.secret.to_lowercase()), "{p}: {err}");
    }
    if p == Provider::Aws {
        for (role, field) in [
            (
                RoleSpec {
                    duration: Some(Duration::from_secs(60)),
                    ..good.clone()
                },
                "duration",
            ),
            (
                RoleSpec {
                    external_id: Some("no spaces allowed".into()),
                    ..good.clone()
                },
                "external_id",
            ),
        ] {
            let err = ctx
                .cloud_builder(ctx.credentials(), &ctx.config())
                .assume_role(role)
                .build()
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{p}: {err}");
            assert!(err.message().starts_with(field), "{p}: {err}");
            assert!(!err.to_string().contains("no spaces allowed"), "{p}: {err}");
        }
    }
    if let Some(emu) = &ctx.emulator {
        assert_eq!(
            emu.fault_counters().total(FaultKind::Throttle),
            0,
            "{p}: a request was sent"
        );
    }
}

/// Waiters poll on the client's clock: here a manual clock the emulator's transitions also
/// follow (30 s each), so every sleep of the waiter is known exactly and nothing really sleeps.
pub async fn waiter_polls(ctx: &Ctx) {
    let p = ctx.provider;
    // On moto, transitions are instant and moto has no clock of ours: only the client's is manual.
    let clock = ctx
        .clock
        .clone()
        .unwrap_or_else(|| ManualClock::new(std::time::SystemTime::now()));
    let config = ctx.config().with_clock(Arc::new(clock.clone()));
    let cloud = ctx
        .cloud_builder(ctx.credentials(), &config)
        .build()
        .await
        .unwrap();
    let compute = cloud.compute().with_poll_interval(Duration::from_secs(5));
    let ids = compute.create_instances(&ctx.spec(2)).await.unwrap();
    let first = compute
        .list_instances(InstanceQuery::ids(&ids))
        .await
        .unwrap();
    let before = clock.sleeps().len();
    let running = compute
        .wait_until(&ids, InstanceState::Running, WAIT)
        .await
        .unwrap();
    assert!(
        running.iter().all(|i| i.state == InstanceState::Running),
        "{p}"
    );
    let slept = clock.sleeps()[before..].to_vec();
    if !ctx.is_moto() {
        assert!(
            first.iter().all(|i| i.state == InstanceState::Pending),
            "{p}: a fresh instance is pending: {first:?}"
        );
        // Pending for 30 s, polled every 5 s: six sleeps, then the poll that sees it running.
        assert_eq!(slept, vec![Duration::from_secs(5); 6], "{p}");
    }
    // A waiter that cannot succeed gives up at its deadline on the same clock, for good.
    let before = clock.sleeps().len();
    let short = compute
        .wait_until(&ids, InstanceState::Stopped, Duration::from_secs(12))
        .await
        .unwrap_err();
    assert_eq!(short.kind(), ErrorKind::Timeout, "{p}: {short}");
    assert!(!short.is_retryable(), "{p}: {short}");
    assert_eq!(
        clock.sleeps()[before..],
        [5, 5, 2].map(Duration::from_secs),
        "{p}"
    );
    ctx.destroy_all(&compute, &ids).await;
}
