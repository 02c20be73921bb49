//! The behaviour suite: every case is written once against the unified compute, network, lb and storage APIs and runs
//! for every selected provider.
//!
//! - `UNICLOUD_TEST_PROVIDERS=aws,tencent,alibaba` — which providers (default: all the target
//!   speaks);
//! - `UNICLOUD_TEST_TARGET=emulator|moto` — a fresh in-process emulator per case (default), or
//!   a moto server (AWS only) at `UNICLOUD_TEST_ENDPOINT=http://127.0.0.1:PORT`;
//! - on moto, `UNICLOUD_TEST_MOTO_AUTH=1` with `UNICLOUD_TEST_AWS_ACCESS_KEY_ID` /
//!   `UNICLOUD_TEST_AWS_SECRET_ACCESS_KEY` says IAM auth is on (`.ci/moto.sh` sets it up).
//!
//! Cases moto cannot express (fault injection, ClientToken idempotency) say so and skip there;
//! everything else runs on both, so the emulator is checked against an independent AWS peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    unreachable_pub
)]

mod cases;
mod catalogue;
mod fleet;
mod harness;
mod lb;
mod network;
mod scale;
mod soak;
mod storage;

use std::time::{Duration, SystemTime};

use harness::{Ctx, EmuOpts};
use unicloud::base::Provider;
use unicloud::base::clock::ManualClock;
use unicloud_emulator::{FaultConfig, FaultRule};

/// One `#[tokio::test]` per case, looping over the selected providers.
macro_rules! behavior {
    ($name:ident, $opts:expr) => {
        behavior!(cases::$name, $opts);
    };
    ($module:ident :: $name:ident, $opts:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            for provider in harness::providers() {
                let ctx = Ctx::start(provider, $opts).await;
                Box::pin($module::$name(&ctx)).await;
                ctx.stop().await;
            }
        }
    };
}

behavior!(lifecycle, EmuOpts::slow());
behavior!(paging, EmuOpts::default());
behavior!(id_chunking, EmuOpts::default());
behavior!(unknown_id, EmuOpts::default());
behavior!(idempotent_create, EmuOpts::default());
behavior!(
    create_retried_after_drop,
    EmuOpts::faults(
        FaultConfig::default()
            .seed(7)
            .rule(FaultRule::new(None, "RunInstances").drop_after_apply(0.5))
    )
);
behavior!(
    throttling,
    EmuOpts::faults(
        FaultConfig::default()
            .seed(11)
            .rule(FaultRule::new(None, "*").throttle(0.4).server_error(0.1))
    )
);
behavior!(wrong_secret, EmuOpts::default());
behavior!(sts_credentials, EmuOpts::default());
behavior!(cloud_assume_role, EmuOpts::default());
// Every request would be throttled (and counted): the case proves none is sent.
behavior!(
    assume_role_invalid,
    EmuOpts::faults(
        FaultConfig::default()
            .seed(3)
            .rule(FaultRule::new(None, "*").throttle(1.0))
    )
);
// Transitions of 30 s on a manual clock the client shares: the waiter's sleeps are exact.
behavior!(
    waiter_polls,
    EmuOpts {
        delay: Duration::from_secs(30),
        clock: Some(ManualClock::new(SystemTime::now())),
        ..EmuOpts::default()
    }
);

// Route tables: the same cases on every provider.
behavior!(network::network_routes, EmuOpts::default());
behavior!(network::network_paging, EmuOpts::default());
behavior!(network::network_target_gone, EmuOpts::default());
// Every request would be throttled (and counted): the case proves none is sent.
behavior!(
    network::network_bad_input,
    EmuOpts::faults(
        FaultConfig::default()
            .seed(5)
            .rule(FaultRule::new(None, "*").throttle(1.0))
    )
);
// The 2nd route change is refused once (Tencent: its one ReplaceRoutes call, the 1st).
behavior!(
    network::network_rollback,
    EmuOpts::faults(
        FaultConfig::default()
            .rule(
                FaultRule::new(Some(Provider::Aws), "ReplaceRoute")
                    .after(1)
                    .times(1)
                    .reject(1.0)
            )
            .rule(
                FaultRule::new(Some(Provider::Alibaba), "ModifyRouteEntry")
                    .after(1)
                    .times(1)
                    .reject(1.0)
            )
            .rule(
                FaultRule::new(Some(Provider::Tencent), "ReplaceRoutes")
                    .times(1)
                    .reject(1.0)
            )
    )
);
// The 2nd route change and the rollback of the 1st are refused.
behavior!(
    network::network_rollback_fails,
    EmuOpts::faults(
        FaultConfig::default()
            .rule(
                FaultRule::new(Some(Provider::Aws), "ReplaceRoute")
                    .after(1)
                    .times(2)
                    .reject(1.0)
            )
            .rule(
                FaultRule::new(Some(Provider::Alibaba), "ModifyRouteEntry")
                    .after(1)
                    .times(2)
                    .reject(1.0)
            )
    )
);

// Load-balancer backends: the same cases on every provider (classic ELB on AWS only).
behavior!(lb::lb_backends, EmuOpts::default());
behavior!(lb::lb_unknown, EmuOpts::default());
behavior!(lb::lb_classic, EmuOpts::default());
// Every request would be throttled (and counted): the case proves none is sent.
behavior!(
    lb::lb_bad_input,
    EmuOpts::faults(
        FaultConfig::default()
            .seed(9)
            .rule(FaultRule::new(None, "*").throttle(1.0))
    )
);
// The unified calls' actions are throttled or fail with 5xx; the fixtures' are not.
behavior!(lb::lb_throttled, {
    let mut faults = FaultConfig::default().seed(13);
    for action in [
        "DescribeTargetHealth",
        "RegisterTargets",
        "DeregisterTargets",
        "DescribeTargets",
        "DescribeTaskStatus",
        "DescribeLoadBalancerAttribute",
        "DescribeHealthStatus",
        "AddBackendServers",
        "RemoveBackendServers",
    ] {
        faults = faults.rule(FaultRule::new(None, action).throttle(0.3).server_error(0.1));
    }
    EmuOpts::faults(faults)
});

// Object storage: the same cases on every provider.
behavior!(storage::storage_uploads, EmuOpts::default());
// The 2nd and 3rd part uploads answer a 5xx once each.
behavior!(
    storage::storage_part_retried,
    EmuOpts::faults(
        FaultConfig::default().rule(
            FaultRule::new(None, "UploadPart")
                .after(1)
                .times(2)
                .server_error(1.0)
        )
    )
);
// Every part upload after the 1st is refused with a client error.
behavior!(
    storage::storage_part_fails,
    EmuOpts::faults(
        FaultConfig::default().rule(FaultRule::new(None, "UploadPart").after(1).reject(1.0))
    )
);
behavior!(storage::storage_cancel, EmuOpts::default());
behavior!(storage::storage_resume, EmuOpts::default());
behavior!(storage::storage_refused, EmuOpts::default());
// Every request would be throttled (and counted): the case proves none is sent.
behavior!(
    storage::storage_bad_input,
    EmuOpts::faults(
        FaultConfig::default()
            .seed(17)
            .rule(FaultRule::new(None, "*").throttle(1.0))
    )
);

// The bad-input catalogue: every row is refused before any request (a counting relay sits in
// front of the emulator, which would also throttle, and count, every request it recognises).
fn throttle_everything(seed: u64) -> EmuOpts {
    EmuOpts::faults(
        FaultConfig::default()
            .seed(seed)
            .rule(FaultRule::new(None, "*").throttle(1.0)),
    )
}
behavior!(catalogue::catalogue_compute, throttle_everything(21));
behavior!(catalogue::catalogue_network, throttle_everything(22));
behavior!(catalogue::catalogue_lb, throttle_everything(23));
behavior!(catalogue::catalogue_storage, throttle_everything(24));
behavior!(catalogue::catalogue_config, throttle_everything(25));

// The fault soak: one emulator for every selected cloud, faults on every action
// (`SOAK_OPS`, `SOAK_SEED`; see soak.rs).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn soak() {
    Box::pin(soak::soak()).await;
}

// Fleet scale: client-side rate limits (on the emulator's clock, shared with the client) and
// fan-out over regions.
behavior!(
    fleet::rate_limit_stays_under_the_vendor_limit,
    EmuOpts {
        faults: FaultConfig::default().rule(
            FaultRule::new(None, "DescribeInstances")
                .rate(5.0)
                .burst(2.0)
        ),
        clock: Some(ManualClock::new(SystemTime::now())),
        ..EmuOpts::default()
    }
);
behavior!(
    fleet::rate_limit_adapts_to_throttling,
    EmuOpts {
        faults: FaultConfig::default().rule(
            FaultRule::new(None, "DescribeInstances")
                .times(3)
                .throttle(1.0)
        ),
        clock: Some(ManualClock::new(SystemTime::now())),
        ..EmuOpts::default()
    }
);
behavior!(fleet::fleet_fan_out, EmuOpts::default());
behavior!(fleet::fleet_network_and_lb, EmuOpts::default());

// Scale: 10 000 seeded instances listed lazily in ceil(N / page) requests (emulator only), on a
// manual clock the client shares, so its rate limiter never sleeps for real.
behavior!(
    scale::scale_listing,
    EmuOpts {
        clock: Some(ManualClock::new(SystemTime::now())),
        ..EmuOpts::default()
    }
);
