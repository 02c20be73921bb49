//! Instances, vendor-neutral: one state machine for the three clouds.
//!
//! A vendor front-end says only *whether* an operation is allowed from a state (its
//! [`Rules`]); what the operation does (the transitional state, the state reached after the
//! transition delay, the bookkeeping) is written once, here. Vendor state names (`pending`,
//! `RUNNING`, `Stopped`) are chosen at the wire edge, in each front-end.

use std::collections::{HashMap, HashSet};
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

/// Where a listing resumes: the creation-order key of the first instance to return.
///
/// Pages that resume from a cursor (EC2 and ECS `NextToken`) neither skip nor repeat an
/// instance when others are created or destroyed between pages, and cost no scan of the
/// instances before the cursor.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Cursor {
    seq: u64,
    id: String,
}

impl Cursor {
    /// The emulator's opaque page token for this cursor: `emu-`, the key's sequence number
    /// (16 hex digits) and the id, hex-encoded (so it is safe in XML and JSON).
    pub(crate) fn token(&self) -> String {
        format!("emu-{:016x}{}", self.seq, hex::encode(self.id.as_bytes()))
    }

    /// Reads a token made by [`Cursor::token`]; `None` for anything else.
    pub(crate) fn from_token(token: &str) -> Option<Self> {
        let rest = token.strip_prefix("emu-")?;
        let (seq, id) = (rest.get(..16)?, rest.get(16..)?);
        let seq = u64::from_str_radix(seq, 16).ok()?;
        let id = String::from_utf8(hex::decode(id).ok()?).ok()?;
        Some(Self { seq, id })
    }

    fn of(i: &Instance) -> Self {
        Self {
            seq: i.seq,
            id: i.id.clone(),
        }
    }
}

/// Where a page of a listing starts.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Start<'c> {
    /// After this many matching instances (Tencent `Offset`, Alibaba `PageNumber`).
    Offset(usize),
    /// At the first instance whose key is not below this cursor (a `NextToken`).
    At(&'c Cursor),
}

/// One page of a listing: see [`Instances::page`].
#[derive(Debug)]
pub(crate) struct Page<'a> {
    /// The instances of the page, in creation order.
    pub(crate) items: Vec<&'a Instance>,
    /// Where the next page starts: `None` when no matching instance follows the page, so an
    /// exactly full last page advertises no next page.
    pub(crate) next: Option<Cursor>,
    /// How many instances match in all, when asked for.
    pub(crate) total: Option<usize>,
}

/// The instances of one (cloud, region).
///
/// Kept in creation order (a sorted index beside the map) so that a page of a listing costs
/// about its own size, whatever the number of instances: a page at an offset of an unfiltered
/// listing, or at a cursor, is found without walking the instances before it. Transitions are
/// settled by visiting only the instances that have one due or are terminated, not all.
#[derive(Debug, Default, Clone)]
pub(crate) struct Instances {
    by_id: HashMap<String, Instance>,
    /// (seq, id) of every instance, sorted: the listing order.
    order: Vec<(u64, String)>,
    /// Ids of the instances [`Instances::settle`] must look at: those with a scheduled
    /// transition, and terminated ones (which may have to vanish).
    watch: HashSet<String>,
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

    /// How many instances there are.
    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Every instance, in creation order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Instance> + '_ {
        self.order.iter().filter_map(|(_, id)| self.by_id.get(id))
    }

    /// Every instance, in creation order, collected.
    pub(crate) fn list(&self) -> Vec<&Instance> {
        self.iter().collect()
    }

    /// A page of the instances named by `ids` (all of them when `None`) that pass `keep`
    /// (every one when `None`), in creation order: `size` instances from `start`, the cursor
    /// of the next matching instance if there is one, and the number matching in all when
    /// `count` is set. Costs O(log n + size) without `ids` and `keep` (plus nothing for the
    /// count, which is the length); a filter costs a scan of what it rejects, never a copy.
    pub(crate) fn page<'a>(
        &'a self,
        ids: Option<&[String]>,
        keep: Option<&'a dyn Fn(&Instance) -> bool>,
        start: Start<'_>,
        size: usize,
        count: bool,
    ) -> Page<'a> {
        let pass = |i: &Instance| keep.is_none_or(|k| k(i));
        // The candidates in listing order: the named ones (looked up, not searched for), or
        // the index.
        let named: Option<Vec<&Instance>> = ids.map(|ids| {
            let mut v: Vec<&Instance> = ids.iter().filter_map(|id| self.by_id.get(id)).collect();
            v.sort_by(|a, b| (a.seq, &a.id).cmp(&(b.seq, &b.id)));
            v.dedup_by(|a, b| a.id == b.id);
            v
        });
        let total = count.then(|| match (&named, keep) {
            (None, None) => self.len(),
            (Some(v), _) => v.iter().filter(|i| pass(i)).count(),
            (None, Some(_)) => self.iter().filter(|i| pass(i)).count(),
        });
        let key_of = |i: &Instance| (i.seq, i.id.clone());
        let mut rest: Box<dyn Iterator<Item = &'a Instance> + 'a> = match (named, start) {
            (Some(v), Start::Offset(n)) => Box::new(
                v.into_iter()
                    .filter(move |i| keep.is_none_or(|k| k(i)))
                    .skip(n),
            ),
            (Some(v), Start::At(c)) => {
                let c = (c.seq, c.id.clone());
                Box::new(
                    v.into_iter()
                        .filter(move |i| key_of(i) >= c && keep.is_none_or(|k| k(i))),
                )
            }
            (None, Start::Offset(n)) if keep.is_none() => {
                let from = n.min(self.order.len());
                Box::new(
                    self.order[from..]
                        .iter()
                        .filter_map(|(_, id)| self.by_id.get(id)),
                )
            }
            (None, Start::Offset(n)) => Box::new(
                self.iter()
                    .filter(move |i| keep.is_none_or(|k| k(i)))
                    .skip(n),
            ),
            (None, Start::At(c)) => {
                let from = self
                    .order
                    .partition_point(|(s, id)| (*s, id.as_str()) < (c.seq, c.id.as_str()));
                Box::new(
                    self.order[from..]
                        .iter()
                        .filter_map(|(_, id)| self.by_id.get(id))
                        .filter(move |i| keep.is_none_or(|k| k(i))),
                )
            }
        };
        let items: Vec<&Instance> = rest.by_ref().take(size).collect();
        let next = rest.next().map(Cursor::of);
        Page { items, next, total }
    }

    /// The ids in `ids` that do not exist, in order.
    pub(crate) fn missing(&self, ids: &[String]) -> Vec<String> {
        ids.iter().filter(|i| !self.contains(i)).cloned().collect()
    }

    /// Inserts (or replaces) an instance as it is.
    pub(crate) fn insert(&mut self, instance: Instance) {
        let id = instance.id.clone();
        self.unindex(&id);
        let key = (instance.seq, id.clone());
        // New instances come last (their sequence numbers grow): usually a push.
        let at = self.order.partition_point(|k| *k < key);
        self.order.insert(at, key);
        if instance.pending.is_some() || instance.state == InstanceState::Terminated {
            self.watch.insert(id.clone());
        }
        self.by_id.insert(id, instance);
    }

    /// Takes `id` out of the order index and the watch list (not out of the map).
    fn unindex(&mut self, id: &str) {
        if let Some(old) = self.by_id.get(id) {
            let key = (old.seq, old.id.clone());
            if let Ok(at) = self.order.binary_search(&key) {
                self.order.remove(at);
            }
        }
        self.watch.remove(id);
    }

    /// Removes an instance.
    fn remove(&mut self, id: &str) {
        self.unindex(id);
        self.by_id.remove(id);
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
        if !self.by_id.contains_key(&id) {
            self.insert(instance);
        }
        &self.by_id[&id]
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
                    self.watch.insert(id.clone());
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
    /// them, and then only for `retention` after they were destroyed. Visits only the watched
    /// instances (with a transition scheduled, or terminated).
    pub(crate) fn settle(&mut self, now: SystemTime, rules: &Rules, retention: Duration) {
        if self.watch.is_empty() {
            return;
        }
        let mut gone = Vec::new();
        let mut settled = Vec::new();
        for id in &self.watch {
            let Some(inst) = self.by_id.get_mut(id) else {
                settled.push(id.clone());
                continue;
            };
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
                if inst.pending.is_none() {
                    settled.push(id.clone());
                }
                continue;
            }
            let kept = rules.keeps_terminated
                && inst
                    .terminated_at
                    .is_none_or(|t| now.duration_since(t).map_or(true, |d| d <= retention));
            if !kept {
                gone.push(id.clone());
            }
        }
        for id in settled {
            self.watch.remove(&id);
        }
        for id in gone {
            self.remove(&id);
        }
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

    fn many(n: u64) -> Instances {
        let mut all = Instances::default();
        for k in 1..=n {
            let mut i = inst(&format!("i-{k:05}"), InstanceState::Running);
            i.seq = k * 1000;
            all.insert(i);
        }
        all
    }

    fn ids(p: &Page<'_>) -> Vec<String> {
        p.items.iter().map(|i| i.id.clone()).collect()
    }

    #[test]
    fn cursors_round_trip_as_tokens() {
        let c = Cursor {
            seq: 42_000,
            id: "i-<odd>&id".into(),
        };
        let t = c.token();
        assert!(
            t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
            "{t}"
        );
        assert_eq!(Cursor::from_token(&t), Some(c));
        for bad in [
            "",
            "emu-",
            "emu-12",
            "emu-zzzzzzzzzzzzzzzz",
            "emu-0000000000000001zz",
            "x",
        ] {
            assert_eq!(Cursor::from_token(bad), None, "{bad}");
        }
    }

    #[test]
    fn pages_follow_creation_order_and_a_full_last_page_has_no_next() {
        let all = many(10);
        // By cursor: 4 + 4 + 2, then an exactly full split: 5 + 5 with no next after.
        let mut seen = Vec::new();
        let mut start = None;
        let mut trips = 0;
        loop {
            let page = all.page(
                None,
                None,
                start.as_ref().map_or(Start::Offset(0), Start::At),
                4,
                false,
            );
            trips += 1;
            seen.extend(ids(&page));
            match page.next {
                Some(c) => start = Some(c),
                None => break,
            }
        }
        assert_eq!((trips, seen.len()), (3, 10));
        assert_eq!(
            seen,
            all.list().iter().map(|i| i.id.clone()).collect::<Vec<_>>()
        );
        let first = all.page(None, None, Start::Offset(0), 5, true);
        let c = first.next.clone().unwrap();
        assert_eq!(first.total, Some(10));
        let last = all.page(None, None, Start::At(&c), 5, false);
        assert_eq!(ids(&last).first().map(String::as_str), Some("i-00006"));
        assert!(
            last.next.is_none(),
            "an exactly full last page advertises nothing"
        );
        // By offset, past the end: empty.
        assert!(
            all.page(None, None, Start::Offset(10), 5, false)
                .items
                .is_empty()
        );
        assert!(
            all.page(None, None, Start::Offset(usize::MAX), 5, false)
                .items
                .is_empty()
        );
    }

    #[test]
    fn filters_ids_and_changes_between_pages() {
        let mut all = many(10);
        let even = |i: &Instance| i.seq.is_multiple_of(2000);
        let p = all.page(None, Some(&even), Start::Offset(1), 2, true);
        assert_eq!(ids(&p), ["i-00004", "i-00006"]);
        assert_eq!(p.total, Some(5));
        let c = p.next.unwrap();
        // The instance the cursor names is destroyed: the next page starts after it anyway.
        all.remove("i-00008");
        let p = all.page(None, Some(&even), Start::At(&c), 2, false);
        assert_eq!(ids(&p), ["i-00010"]);
        assert!(p.next.is_none());
        // Named ids: looked up, deduplicated, in creation order; unknown ones left out.
        let named = [
            "i-00003".to_owned(),
            "i-00001".into(),
            "i-00003".into(),
            "i-nope".into(),
        ];
        let p = all.page(Some(&named), None, Start::Offset(0), 10, true);
        assert_eq!(ids(&p), ["i-00001", "i-00003"]);
        assert_eq!(p.total, Some(2));
        // Replacing an instance keeps one entry in the order.
        let mut again = inst("i-00001", InstanceState::Stopped);
        again.seq = 99_000;
        all.insert(again);
        assert_eq!(all.list().len(), all.len());
        assert_eq!(all.list().last().map(|i| i.id.as_str()), Some("i-00001"));
    }

    #[test]
    fn settling_visits_only_instances_in_transition() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let mut all = many(100);
        assert!(all.watch.is_empty());
        all.change(&["i-00007".into()], Lifecycle::Stop, &STRICT, caller(t0))
            .unwrap();
        assert_eq!(all.watch.len(), 1);
        all.settle(
            t0 + Duration::from_secs(5),
            &STRICT,
            Duration::from_secs(60),
        );
        assert!(all.watch.is_empty());
        assert_eq!(all.get("i-00007").unwrap().state, InstanceState::Stopped);
    }
}
