//! The in-memory world: instances per (provider, region), their lifecycle and client tokens.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use unicloud_core::Provider;

/// A lifecycle state, common to the three vendors (each front-end maps it to the vendor's name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InstanceState {
    /// Being created.
    Pending,
    /// Booting from stopped (Tencent `STARTING`, Alibaba `Starting`; AWS reports `pending`).
    Starting,
    /// Running.
    Running,
    /// Stopping.
    Stopping,
    /// Stopped.
    Stopped,
    /// Being destroyed (AWS `shutting-down`, Tencent `TERMINATING`).
    ShuttingDown,
    /// Destroyed (AWS keeps these visible for a while; the others drop them).
    Terminated,
}

impl InstanceState {
    /// The AWS `instanceState` name.
    pub fn aws_name(self) -> &'static str {
        match self {
            Self::Pending | Self::Starting => "pending",
            Self::Running => "running",
            Self::Stopping => "stopping",
            Self::Stopped => "stopped",
            Self::ShuttingDown => "shutting-down",
            Self::Terminated => "terminated",
        }
    }

    /// The AWS `instanceState` code.
    pub fn aws_code(self) -> u16 {
        match self {
            Self::Pending | Self::Starting => 0,
            Self::Running => 16,
            Self::ShuttingDown => 32,
            Self::Terminated => 48,
            Self::Stopping => 64,
            Self::Stopped => 80,
        }
    }

    /// The Tencent CVM `InstanceState`.
    pub fn tencent_name(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Starting => "STARTING",
            Self::Running => "RUNNING",
            Self::Stopping => "STOPPING",
            Self::Stopped => "STOPPED",
            Self::ShuttingDown | Self::Terminated => "TERMINATING",
        }
    }

    /// The Alibaba ECS `Status`.
    pub fn alibaba_name(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Starting => "Starting",
            Self::Running => "Running",
            Self::Stopping => "Stopping",
            Self::Stopped => "Stopped",
            Self::ShuttingDown | Self::Terminated => "Deleted",
        }
    }
}

/// One emulated instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// Vendor-shaped id (`i-0123…`, `ins-abcd1234`, `i-bp1…`).
    pub id: String,
    /// Region the instance lives in.
    pub region: String,
    /// Availability zone.
    pub zone: String,
    /// Display name (empty when none).
    pub name: String,
    /// Image id.
    pub image_id: String,
    /// Instance type.
    pub instance_type: String,
    /// VPC id.
    pub vpc_id: String,
    /// Subnet / vSwitch id.
    pub subnet_id: String,
    /// Primary private IPv4 address.
    pub private_ip: String,
    /// Tags, in the order given.
    pub tags: Vec<(String, String)>,
    /// Current state.
    pub state: InstanceState,
    /// A scheduled transition: the state reached and when.
    pub pending: Option<(InstanceState, SystemTime)>,
    /// Creation time.
    pub created: SystemTime,
    /// The client token of the create call that made it.
    pub client_token: String,
    /// AWS reservation id (the create call's id for the other vendors).
    pub reservation_id: String,
    /// The last lifecycle action applied (`RunInstances`, `StopInstances`, ...).
    pub last_action: String,
    /// Request id of that action.
    pub last_request_id: String,
    /// Creation order (stable listing order).
    pub seq: u64,
    /// When the instance reached `terminated`.
    pub terminated_at: Option<SystemTime>,
}

/// What a create call with a client token produced (for idempotent replays).
#[derive(Debug, Clone)]
pub(crate) struct TokenRecord {
    /// A fingerprint of the create call's parameters.
    pub(crate) fingerprint: String,
    /// The instance ids created.
    pub(crate) ids: Vec<String>,
    /// The reservation / request id.
    pub(crate) reservation_id: String,
}

/// All state of one (provider, region).
#[derive(Debug, Default)]
pub(crate) struct RegionState {
    pub(crate) instances: HashMap<String, Instance>,
    pub(crate) tokens: HashMap<String, TokenRecord>,
}

/// The emulator's whole state.
#[derive(Debug, Default)]
pub(crate) struct World {
    regions: HashMap<(Provider, String), RegionState>,
    seq: u64,
}

impl World {
    /// The state of a region, created on first use.
    pub(crate) fn region(&mut self, provider: Provider, region: &str) -> &mut RegionState {
        self.regions
            .entry((provider, region.to_owned()))
            .or_default()
    }

    /// The next creation sequence number.
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Applies every transition due at `now`, for every region of `provider`.
    pub(crate) fn settle(&mut self, provider: Provider, now: SystemTime, retention: Duration) {
        for ((p, _), region) in self.regions.iter_mut() {
            if *p == provider {
                settle_region(provider, region, now, retention);
            }
        }
    }

    /// A snapshot of the instances of a region, in creation order.
    pub(crate) fn list(&self, provider: Provider, region: &str) -> Vec<Instance> {
        let mut v: Vec<Instance> = self
            .regions
            .get(&(provider, region.to_owned()))
            .map(|r| r.instances.values().cloned().collect())
            .unwrap_or_default();
        v.sort_by_key(|i| i.seq);
        v
    }
}

/// Applies due transitions in one region. Destroyed Tencent/Alibaba instances disappear; AWS
/// `terminated` instances stay visible for `retention` after termination.
pub(crate) fn settle_region(
    provider: Provider,
    region: &mut RegionState,
    now: SystemTime,
    retention: Duration,
) {
    region.instances.retain(|_, inst| {
        if let Some((target, at)) = inst.pending
            && at <= now
        {
            inst.state = target;
            inst.pending = None;
            if target == InstanceState::Terminated {
                inst.terminated_at = Some(at);
            }
        }
        if inst.state != InstanceState::Terminated {
            return true;
        }
        provider == Provider::Aws
            && inst
                .terminated_at
                .is_none_or(|t| now.duration_since(t).map_or(true, |d| d <= retention))
    });
}

impl Instance {
    /// Moves to `transitional` now and schedules `target` after `delay`.
    pub(crate) fn begin(
        &mut self,
        transitional: InstanceState,
        target: InstanceState,
        now: SystemTime,
        delay: Duration,
    ) {
        self.state = transitional;
        self.pending = Some((target, now + delay));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(state: InstanceState) -> Instance {
        Instance {
            id: "i-1".into(),
            region: "r".into(),
            zone: "z".into(),
            name: String::new(),
            image_id: "img".into(),
            instance_type: "t".into(),
            vpc_id: "vpc".into(),
            subnet_id: "sub".into(),
            private_ip: "10.0.0.1".into(),
            tags: vec![],
            state,
            pending: None,
            created: SystemTime::UNIX_EPOCH,
            client_token: String::new(),
            reservation_id: "r-1".into(),
            last_action: String::new(),
            last_request_id: String::new(),
            seq: 1,
            terminated_at: None,
        }
    }

    #[test]
    fn transitions_happen_when_due() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let mut region = RegionState::default();
        let mut i = inst(InstanceState::Running);
        i.begin(
            InstanceState::Stopping,
            InstanceState::Stopped,
            t0,
            Duration::from_secs(5),
        );
        region.instances.insert(i.id.clone(), i);
        settle_region(Provider::Tencent, &mut region, t0, Duration::from_secs(60));
        assert_eq!(region.instances["i-1"].state, InstanceState::Stopping);
        settle_region(
            Provider::Tencent,
            &mut region,
            t0 + Duration::from_secs(5),
            Duration::from_secs(60),
        );
        assert_eq!(region.instances["i-1"].state, InstanceState::Stopped);
    }

    #[test]
    fn destroyed_instances_vanish_except_on_aws() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        for (p, kept) in [
            (Provider::Tencent, false),
            (Provider::Alibaba, false),
            (Provider::Aws, true),
        ] {
            let mut region = RegionState::default();
            let mut i = inst(InstanceState::Running);
            i.begin(
                InstanceState::ShuttingDown,
                InstanceState::Terminated,
                t0,
                Duration::ZERO,
            );
            region.instances.insert(i.id.clone(), i);
            settle_region(p, &mut region, t0, Duration::from_secs(60));
            assert_eq!(region.instances.contains_key("i-1"), kept, "{p:?}");
        }
    }

    #[test]
    fn vendor_state_names() {
        assert_eq!(InstanceState::Stopped.aws_code(), 80);
        assert_eq!(InstanceState::ShuttingDown.aws_name(), "shutting-down");
        assert_eq!(InstanceState::Pending.tencent_name(), "PENDING");
        assert_eq!(InstanceState::Starting.alibaba_name(), "Starting");
    }
}
