//! Provider and target selection, and everything a case needs to get a [`Compute`].

use std::sync::Arc;
use std::time::Duration;

use unicloud::base::clock::ManualClock;
use unicloud::base::{ClientConfig, Credentials, Provider, Region, RetryPolicy};
use unicloud::compute::{Compute, CreateInstancesSpec, InstanceState};
use unicloud_emulator::{EmulatorHandle, FaultConfig};

/// Where the suite runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A fresh in-process emulator per case (the default).
    Emulator,
    /// A moto server at this endpoint (AWS only).
    Moto(String),
}

/// `UNICLOUD_TEST_TARGET` (`emulator` | `moto`) with `UNICLOUD_TEST_ENDPOINT` for moto.
pub fn target() -> Target {
    match std::env::var("UNICLOUD_TEST_TARGET").as_deref() {
        Err(_) | Ok("") | Ok("emulator") => Target::Emulator,
        Ok("moto") => Target::Moto(
            std::env::var("UNICLOUD_TEST_ENDPOINT")
                .expect("UNICLOUD_TEST_TARGET=moto needs UNICLOUD_TEST_ENDPOINT=http://HOST:PORT"),
        ),
        Ok(other) => panic!("UNICLOUD_TEST_TARGET={other}: expected `emulator` or `moto`"),
    }
}

/// `UNICLOUD_TEST_PROVIDERS` (comma-separated; default every provider the target speaks).
pub fn providers() -> Vec<Provider> {
    let all = match target() {
        Target::Emulator => vec![Provider::Aws, Provider::Tencent, Provider::Alibaba],
        Target::Moto(_) => vec![Provider::Aws],
    };
    let Ok(list) = std::env::var("UNICLOUD_TEST_PROVIDERS") else {
        return all;
    };
    let mut out = Vec::new();
    for p in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let p: Provider = p
            .parse()
            .unwrap_or_else(|e| panic!("UNICLOUD_TEST_PROVIDERS: {e}"));
        assert!(
            all.contains(&p),
            "UNICLOUD_TEST_PROVIDERS asks for {p}, which target {:?} does not speak",
            target()
        );
        out.push(p);
    }
    out
}

/// The key pair the suite uses for `provider` on `target`.
pub fn keys(target: &Target, provider: Provider) -> (String, String) {
    match (target, provider) {
        (Target::Moto(_), _) => (
            std::env::var("UNICLOUD_TEST_AWS_ACCESS_KEY_ID").unwrap_or_else(|_| "testing".into()),
            std::env::var("UNICLOUD_TEST_AWS_SECRET_ACCESS_KEY")
                .unwrap_or_else(|_| "testing".into()),
        ),
        (_, Provider::Aws) => (
            "AKIAIOSFODNN7EXAMPLE".into(),
            "suite-aws-secret/K7MDENG".into(),
        ),
        (_, Provider::Tencent) => (
            "AKIDsuite0000000000000000000000000000".into(),
            "suite-tencent-secret".into(),
        ),
        _ => (
            "LTAI5tSuite00000000000".into(),
            "suite-alibaba-secret".into(),
        ),
    }
}

/// How a case wants its emulator.
#[derive(Clone, Default)]
pub struct EmuOpts {
    /// Faults to inject.
    pub faults: FaultConfig,
    /// How long pending/stopping/... last.
    pub delay: Duration,
    /// A manual clock for the emulator's transitions, shared with the case's client, so
    /// waiters are driven without real sleeps.
    pub clock: Option<ManualClock>,
}

impl EmuOpts {
    /// Transitions that last a little, so waiters really poll.
    pub fn slow() -> Self {
        Self {
            delay: Duration::from_millis(150),
            ..Self::default()
        }
    }

    /// These faults, instant transitions.
    pub fn faults(faults: FaultConfig) -> Self {
        Self {
            faults,
            ..Self::default()
        }
    }
}

/// One provider on one target for one case.
pub struct Ctx {
    pub provider: Provider,
    pub target: Target,
    pub endpoint: String,
    pub emulator: Option<EmulatorHandle>,
    pub key_id: String,
    pub secret: String,
    /// The manual clock the emulator runs on, if the case asked for one.
    pub clock: Option<ManualClock>,
    /// Unique per case run: tagged on every instance the case creates, so cases sharing a moto
    /// server never see each other's instances.
    pub run: String,
}

/// The tag key that scopes a case's instances.
pub const RUN_TAG: &str = "unicloud-suite-run";

impl Ctx {
    /// Starts an emulator for `provider` (or points at moto).
    pub async fn start(provider: Provider, opts: EmuOpts) -> Self {
        let run = uuid::Uuid::new_v4().simple().to_string();
        let target = target();
        let (key_id, secret) = keys(&target, provider);
        let (endpoint, emulator) = match &target {
            Target::Moto(e) => (e.clone(), None),
            Target::Emulator => {
                let emu = unicloud_emulator::Emulator::builder()
                    .listen("127.0.0.1:0".parse().unwrap())
                    .key(provider, key_id.clone(), secret.clone())
                    .transition_delay(opts.delay)
                    .faults(opts.faults);
                let emu = match &opts.clock {
                    Some(c) => emu.clock(Arc::new(c.clone())),
                    None => emu,
                };
                let emu = emu.start().await.expect("start the emulator");
                (emu.base_url(), Some(emu))
            }
        };
        Self {
            provider,
            target,
            endpoint,
            emulator,
            key_id,
            secret,
            clock: opts.clock,
            run,
        }
    }

    /// Whether this runs against moto.
    pub fn is_moto(&self) -> bool {
        matches!(self.target, Target::Moto(_))
    }

    /// Whether moto checks signatures (`UNICLOUD_TEST_MOTO_AUTH=1`).
    pub fn moto_auth(&self) -> bool {
        self.is_moto() && std::env::var("UNICLOUD_TEST_MOTO_AUTH").as_deref() == Ok("1")
    }

    /// Prints why a case is skipped on moto and says whether to skip.
    pub fn skip_on_moto(&self, case: &str, reason: &str) -> bool {
        if self.is_moto() {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("SKIP {case} on moto: {reason}");
            }
            return true;
        }
        false
    }

    pub fn region(&self) -> Region {
        let name = match self.provider {
            Provider::Aws => "us-east-1",
            Provider::Tencent => "ap-guangzhou",
            _ => "cn-hangzhou",
        };
        Region::new(self.provider, name).unwrap()
    }

    /// The endpoint, fast retries (so injected faults do not make the suite slow).
    pub fn config(&self) -> ClientConfig {
        ClientConfig::default()
            .with_endpoint(&self.endpoint)
            .unwrap()
            .with_timeouts(Duration::from_secs(5), Duration::from_secs(30))
            .with_retry(
                RetryPolicy::default()
                    .with_max_attempts(10)
                    .with_base_backoff(Duration::from_millis(5))
                    .with_throttle_base_backoff(Duration::from_millis(5))
                    .with_max_backoff(Duration::from_millis(50)),
            )
    }

    pub fn credentials(&self) -> Credentials {
        Credentials::new(&self.key_id, &self.secret)
    }

    /// A `Compute` with the case's keys.
    pub async fn compute(&self) -> Compute {
        self.compute_with(self.credentials(), self.config()).await
    }

    /// A `Compute` with other credentials or configuration, built through the public entry
    /// point, [`unicloud::Cloud`].
    pub async fn compute_with(&self, creds: Credentials, config: ClientConfig) -> Compute {
        let cloud = self.cloud_builder(creds, &config).build().await.unwrap();
        assert_eq!(cloud.region(), &self.region());
        Self::compute_of(&cloud)
    }

    /// A [`unicloud::CloudBuilder`] for this case's region with `creds` and `config`'s
    /// endpoint, retries, time-outs and clock.
    pub fn cloud_builder(
        &self,
        creds: Credentials,
        config: &ClientConfig,
    ) -> unicloud::CloudBuilder {
        let mut b = unicloud::Cloud::builder(self.provider)
            .region(self.region().as_str())
            .credentials(creds)
            .retry(config.retry().clone())
            .timeouts(config.connect_timeout(), config.read_timeout())
            .clock(config.clock().clone());
        if let Some(e) = config.endpoint() {
            b = b.endpoint(e);
        }
        b
    }

    /// The cloud's `Compute`, polling fast.
    pub fn compute_of(cloud: &unicloud::Cloud) -> Compute {
        cloud
            .compute()
            .with_poll_interval(Duration::from_millis(50))
    }

    /// `count` small instances tagged with this run.
    pub fn spec(&self, count: u32) -> CreateInstancesSpec {
        let (image, itype, zone) = match self.provider {
            // moto checks neither the image nor (for these) the type; `us-east-1a` exists there.
            Provider::Aws => ("ami-0abcdef1234567890", "t3.micro", "us-east-1a"),
            Provider::Tencent => ("img-pi0ii46r", "S5.MEDIUM2", "ap-guangzhou-3"),
            _ => (
                "aliyun_3_x64_20G_alibase_20240819.vhd",
                "ecs.g7.large",
                "cn-hangzhou-i",
            ),
        };
        CreateInstancesSpec::new(image, itype)
            .count(count)
            .zone(zone)
            .tag(RUN_TAG, &self.run)
    }

    /// A well-formed id that does not exist.
    pub fn unknown_id(&self) -> &'static str {
        match self.provider {
            Provider::Aws => "i-0123456789abcdef0",
            Provider::Tencent => "ins-zzzz0000",
            _ => "i-bp1doesnotexist00000",
        }
    }

    /// A role this target's STS will let us assume.
    pub fn role_arn(&self) -> &'static str {
        match self.provider {
            Provider::Aws => "arn:aws:iam::123456789012:role/unicloud-suite",
            Provider::Tencent => "qcs::cam::uin/100000000001:roleName/unicloud-suite",
            _ => "acs:ram::1234567890123456:role/unicloud-suite",
        }
    }

    /// Creates `total` instances in batches of at most `batch`, returns every id.
    pub async fn create_many(&self, compute: &Compute, total: u32, batch: u32) -> Vec<String> {
        let mut ids = Vec::new();
        let mut left = total;
        while left > 0 {
            let n = left.min(batch);
            let mut got = compute.create_instances(&self.spec(n)).await.unwrap();
            assert_eq!(got.len(), n as usize, "{}: created {got:?}", self.provider);
            ids.append(&mut got);
            left -= n;
        }
        ids
    }

    /// Destroys `ids` and waits until they are gone.
    pub async fn destroy_all(&self, compute: &Compute, ids: &[String]) {
        if ids.is_empty() {
            return;
        }
        compute.destroy_instances(ids).await.unwrap();
        compute
            .wait_until(ids, InstanceState::Terminated, Duration::from_secs(120))
            .await
            .unwrap();
    }

    pub async fn stop(self) {
        if let Some(emu) = self.emulator {
            emu.shutdown().await;
        }
    }
}
