//! Instances, vendor-neutral: one state machine for the three clouds.
//!
//! A vendor front-end says only *whether* an operation is allowed from a state (its
//! [`Rules`]); what the operation does (the transitional state, the state reached after the
//! transition delay, the bookkeeping) is written once, here. Vendor state names (`pending`,
//! `RUNNING`, `Stopped`) are chosen at the wire edge, in each front-end.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

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
    /// Whether the instance is destroyed or being destroyed.
    pub fn is_gone(self) -> bool {
        matches!(self, Self::ShuttingDown | Self::Terminated)
    }
}

/// One emulated instance.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
    /// The create call's group id (AWS reservation, Alibaba order, Tencent request id).
    pub reservation_id: String,
    /// The last lifecycle action applied, by its vendor name (`RunInstances`, ...).
    pub last_action: String,
    /// Request id of that action.
    pub last_request_id: String,
    /// Creation order (stable listing order).
    pub seq: u64,
    /// When the instance reached `terminated`.
    pub terminated_at: Option<SystemTime>,
}

impl Instance {
    /// Moves to `transitional` now and schedules `target` after `delay`.
    fn begin(
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

/// A lifecycle operation on existing instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lifecycle {
    /// Boot a stopped instance.
    Start,
    /// Shut a running instance down.
    Stop,
    /// Destroy; `force` is Alibaba's `Force=true` (also from running and transitional states).
    Destroy {
        /// Whether the caller forced it.
        force: bool,
    },
}

impl Lifecycle {
    /// The transitional state entered at once and the state reached after the delay.
    fn transition(self) -> (InstanceState, InstanceState) {
        use InstanceState as S;
        match self {
            Self::Start => (S::Starting, S::Running),
            Self::Stop => (S::Stopping, S::Stopped),
            Self::Destroy { .. } => (S::ShuttingDown, S::Terminated),
        }
    }
}

/// What a vendor does with an operation in a given state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Begin the transition.
    Apply,
    /// Accept the call and leave the instance as it is (AWS stopping a stopped instance).
    Unchanged,
    /// Refuse the whole call (the vendor's "incorrect state" error).
    Refuse,
}

/// A vendor's lifecycle policy: everything that differs between the clouds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rules {
    /// Whether `op` is allowed from a state.
    pub(crate) verdict: fn(Lifecycle, InstanceState) -> Verdict,
    /// Whether destroyed instances stay listed (as `terminated`) for the retention period,
    /// as on AWS, or vanish once destroyed, as on Tencent Cloud and Alibaba Cloud.
    pub(crate) keeps_terminated: bool,
    /// What becomes of routes whose next-hop instance is destroyed.
    pub(crate) routes_to_gone_instances: crate::model::network::OnTargetGone,
}

/// One instance's part in a lifecycle call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Change {
    /// The instance.
    pub(crate) id: String,
    /// Its state before the call.
    pub(crate) previous: InstanceState,
    /// Its state after the call.
    pub(crate) current: InstanceState,
}

/// Why a lifecycle call was refused as a whole (nothing was changed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// These ids do not exist (in the order asked).
    NotFound(Vec<String>),
    /// This instance is in a state the vendor refuses the operation from.
    State {
        /// The instance.
        id: String,
        /// Its state.
        state: InstanceState,
    },
}

/// Who asked for a change, for each instance's "latest operation" fields.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caller<'a> {
    /// The vendor's action name.
    pub(crate) action: &'a str,
    /// The request id.
    pub(crate) request_id: &'a str,
    /// The emulator clock's time.
    pub(crate) now: SystemTime,
    /// How long transitions take.
    pub(crate) delay: Duration,
}

/// The instances of one (cloud, region).
#[derive(Debug, Default, Clone)]
pub(crate) struct Instances {
    by_id: HashMap<String, Instance>,
}

impl Instances {
    /// The instance with this id.
    pub(crate) fn get(&self, id: &str) -> Option<&Instance> {
        self.by_id.get(id)
    }

    /// Whether an instance with this id exists.
    pub(crate) fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    /// Every instance, in creation order.
    pub(crate) fn list(&self) -> Vec<&Instance> {
        let mut v: Vec<&Instance> = self.by_id.values().collect();
        v.sort_by_key(|i| i.seq);
        v
    }

    /// The ids in `ids` that do not exist, in order.
    pub(crate) fn missing(&self, ids: &[String]) -> Vec<String> {
        ids.iter().filter(|i| !self.contains(i)).cloned().collect()
    }

    /// Inserts (or replaces) an instance as it is.
    pub(crate) fn insert(&mut self, instance: Instance) {
        self.by_id.insert(instance.id.clone(), instance);
    }

    /// Adds a new instance in `Pending`, reaching `Running` after the delay.
    pub(crate) fn launch(&mut self, mut instance: Instance, caller: Caller<'_>) -> &Instance {
        instance.created = caller.now;
        instance.last_action = caller.action.to_owned();
        instance.last_request_id = caller.request_id.to_owned();
        instance.terminated_at = None;
        instance.begin(
            InstanceState::Pending,
            InstanceState::Running,
            caller.now,
            caller.delay,
        );
        let id = instance.id.clone();
        self.by_id.entry(id).or_insert(instance)
    }

    /// Applies `op` to every instance in `ids`, or to none: every id must exist and the
    /// vendor's `rules` must allow the operation from every instance's state.
    pub(crate) fn change(
        &mut self,
        ids: &[String],
        op: Lifecycle,
        rules: &Rules,
        caller: Caller<'_>,
    ) -> Result<Vec<Change>, Refusal> {
        let missing = self.missing(ids);
        if !missing.is_empty() {
            return Err(Refusal::NotFound(missing));
        }
        let mut verdicts = Vec::with_capacity(ids.len());
        for id in ids {
            let state = self
                .by_id
                .get(id)
                .map_or(InstanceState::Terminated, |i| i.state);
            match (rules.verdict)(op, state) {
                Verdict::Refuse => {
                    return Err(Refusal::State {
                        id: id.clone(),
                        state,
                    });
                }
                v => verdicts.push(v),
            }
        }
        let (transitional, target) = op.transition();
        let mut changes = Vec::with_capacity(ids.len());
        for (id, verdict) in ids.iter().zip(verdicts) {
            if let Some(i) = self.by_id.get_mut(id) {
                let previous = i.state;
                if verdict == Verdict::Apply {
                    i.begin(transitional, target, caller.now, caller.delay);
                }
                i.last_action = caller.action.to_owned();
                i.last_request_id = caller.request_id.to_owned();
                changes.push(Change {
                    id: id.clone(),
                    previous,
                    current: i.state,
                });
            }
        }
        Ok(changes)
    }

    /// Applies every transition due at `now`. Destroyed instances vanish unless the rules keep
    /// them, and then only for `retention` after they were destroyed.
    pub(crate) fn settle(&mut self, now: SystemTime, rules: &Rules, retention: Duration) {
        self.by_id.retain(|_, inst| {
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
            rules.keeps_terminated
                && inst
                    .terminated_at
                    .is_none_or(|t| now.duration_since(t).map_or(true, |d| d <= retention))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: Rules = Rules {
        verdict: |op, s| match (op, s) {
            (Lifecycle::Start, InstanceState::Stopped)
            | (Lifecycle::Stop, InstanceState::Running)
            | (Lifecycle::Destroy { .. }, InstanceState::Running | InstanceState::Stopped) => {
                Verdict::Apply
            }
            (Lifecycle::Stop, InstanceState::Stopped) => Verdict::Unchanged,
            _ => Verdict::Refuse,
        },
        keeps_terminated: false,
        routes_to_gone_instances: crate::model::network::OnTargetGone::Keep,
    };

    fn inst(id: &str, state: InstanceState) -> Instance {
        Instance {
            id: id.into(),
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

    fn caller(now: SystemTime) -> Caller<'static> {
        Caller {
            action: "StopInstances",
            request_id: "req-1",
            now,
            delay: Duration::from_secs(5),
        }
    }

    #[test]
    fn transitions_happen_when_due() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let mut all = Instances::default();
        all.insert(inst("i-1", InstanceState::Running));
        let changes = all
            .change(&["i-1".into()], Lifecycle::Stop, &STRICT, caller(t0))
            .unwrap();
        assert_eq!(changes[0].previous, InstanceState::Running);
        assert_eq!(changes[0].current, InstanceState::Stopping);
        all.settle(t0, &STRICT, Duration::from_secs(60));
        assert_eq!(all.get("i-1").unwrap().state, InstanceState::Stopping);
        all.settle(
            t0 + Duration::from_secs(5),
            &STRICT,
            Duration::from_secs(60),
        );
        let i = all.get("i-1").unwrap();
        assert_eq!(i.state, InstanceState::Stopped);
        assert_eq!(
            (i.last_action.as_str(), i.last_request_id.as_str()),
            ("StopInstances", "req-1")
        );
    }

    #[test]
    fn a_refused_call_changes_nothing() {
        let t0 = SystemTime::UNIX_EPOCH;
        let mut all = Instances::default();
        all.insert(inst("i-1", InstanceState::Running));
        all.insert(inst("i-2", InstanceState::Pending));
        let ids = ["i-1".to_owned(), "i-2".to_owned()];
        let err = all
            .change(&ids, Lifecycle::Stop, &STRICT, caller(t0))
            .unwrap_err();
        assert_eq!(
            err,
            Refusal::State {
                id: "i-2".into(),
                state: InstanceState::Pending
            }
        );
        assert_eq!(all.get("i-1").unwrap().state, InstanceState::Running);
        let err = all
            .change(
                &["i-1".into(), "i-9".into()],
                Lifecycle::Stop,
                &STRICT,
                caller(t0),
            )
            .unwrap_err();
        assert_eq!(err, Refusal::NotFound(vec!["i-9".into()]));
        assert_eq!(all.get("i-1").unwrap().state, InstanceState::Running);
    }

    #[test]
    fn unchanged_verdicts_report_the_state_as_it_is() {
        let mut all = Instances::default();
        all.insert(inst("i-1", InstanceState::Stopped));
        let c = all
            .change(
                &["i-1".into()],
                Lifecycle::Stop,
                &STRICT,
                caller(SystemTime::UNIX_EPOCH),
            )
            .unwrap();
        assert_eq!(
            (c[0].previous, c[0].current),
            (InstanceState::Stopped, InstanceState::Stopped)
        );
        assert!(all.get("i-1").unwrap().pending.is_none());
    }

    #[test]
    fn destroyed_instances_vanish_unless_the_rules_keep_them() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        for keeps_terminated in [false, true] {
            let rules = Rules {
                keeps_terminated,
                ..STRICT
            };
            let mut all = Instances::default();
            all.insert(inst("i-1", InstanceState::Running));
            let mut c = caller(t0);
            c.delay = Duration::ZERO;
            all.change(
                &["i-1".into()],
                Lifecycle::Destroy { force: false },
                &rules,
                c,
            )
            .unwrap();
            all.settle(t0, &rules, Duration::from_secs(60));
            assert_eq!(all.contains("i-1"), keeps_terminated);
            all.settle(
                t0 + Duration::from_secs(61),
                &rules,
                Duration::from_secs(60),
            );
            assert!(!all.contains("i-1"), "kept past the retention");
        }
    }
}
