//! Load balancers, vendor-neutral: load balancers, their listeners, the pools of backends
//! traffic goes to, and each backend's health, derived from its instance's real state.
//!
//! A *pool* is whatever a vendor registers backends in: an ELBv2 target group, a classic
//! ELB's instance set, a Tencent CLB listener, an Alibaba SLB's default server group or one of
//! its VServer groups. Front-ends choose the pool ids (a listener id, a load-balancer id, an
//! `rsp-…` id, a target-group ARN) and the vendor's words; this module keeps the facts.
//!
//! # Health
//!
//! A backend's health follows from the emulator clock and the compute model (see
//! [`LoadBalancers::health`]):
//!
//! - registered → [`Health::Initial`] for the transition delay, then [`Health::Healthy`] if
//!   its instance is running and [`Health::Unhealthy`] otherwise (pending, stopping, stopped,
//!   shutting down);
//! - deregistered → [`Health::Draining`] for the transition delay (ELBv2 only; the other
//!   vendors remove it at once), then it is gone;
//! - its instance destroyed: while the instance is still listed (AWS lists terminated
//!   instances for a while) the backend reads [`Health::Unused`] (ELBv2 `unused`,
//!   `Target.InvalidState`); once the instance is gone from the compute model the backend is
//!   removed from every pool, as AWS deregisters terminated instances and as Tencent Cloud
//!   and Alibaba Cloud unbind released instances. Tencent and Alibaba drop destroyed
//!   instances at once, so their backends vanish with them.

use std::collections::{BTreeMap, VecDeque};
use std::time::SystemTime;

use crate::model::compute::{InstanceState, Instances};

/// At most this many load balancers per (cloud, region).
pub(crate) const MAX_LOAD_BALANCERS: usize = 1000;
/// At most this many listeners per load balancer.
pub(crate) const MAX_LISTENERS: usize = 100;
/// At most this many pools per (cloud, region).
pub(crate) const MAX_POOLS: usize = 5000;
/// At most this many backends per pool (ELBv2 allows 1000 targets per target group).
pub(crate) const MAX_BACKENDS: usize = 1000;
/// At most this many asynchronous tasks are remembered per (cloud, region); the oldest go first.
pub(crate) const MAX_TASKS: usize = 10_000;

/// Who may reach a load balancer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum Scheme {
    /// From the internet (AWS `internet-facing`, Tencent `OPEN`, Alibaba `internet`).
    Public,
    /// From inside the VPC (AWS `internal`, Tencent `INTERNAL`, Alibaba `intranet`).
    Internal,
}

/// A listener: a port and protocol on a load balancer, sending traffic to a pool.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) struct Listener {
    /// Vendor-shaped id (`lbl-…`, an ARN; Alibaba names listeners by port, so its port).
    pub(crate) id: String,
    /// The caller's name (empty when none).
    pub(crate) name: String,
    /// The front-end port.
    pub(crate) port: u16,
    /// The protocol, in the vendor's word (`TCP`, `HTTP`, `tcp`...).
    pub(crate) protocol: String,
    /// The backend port (Alibaba `BackendServerPort`; `None` when backends name theirs).
    pub(crate) backend_port: Option<u16>,
    /// The pool it sends to (`None`: the load balancer's default pool or none yet).
    pub(crate) pool: Option<String>,
    /// Whether it is started (Alibaba listeners are created stopped).
    pub(crate) running: bool,
}

/// A load balancer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) struct LoadBalancer {
    /// Vendor-shaped id.
    pub(crate) id: String,
    /// The caller's name.
    pub(crate) name: String,
    /// The kind, in the vendor's word (`application`, `network`, `classic`...).
    pub(crate) kind: String,
    /// Public or internal.
    pub(crate) scheme: Scheme,
    /// Its VPC (empty when the vendor's classic network).
    pub(crate) vpc_id: String,
    /// Its subnets / vSwitches.
    pub(crate) subnets: Vec<String>,
    /// Its address.
    pub(crate) address: String,
    /// Its listeners, in creation order.
    pub(crate) listeners: Vec<Listener>,
    /// Creation time.
    pub(crate) created: SystemTime,
    /// Creation order.
    pub(crate) seq: u64,
    /// Until when an asynchronous task holds it (Tencent `ResourceInOperating`).
    pub(crate) busy_until: Option<SystemTime>,
}

/// One backend of a pool.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) struct Backend {
    /// The instance.
    pub(crate) instance_id: String,
    /// The backend port (0 when the listener's backend port applies).
    pub(crate) port: u16,
    /// Its weight.
    pub(crate) weight: u32,
    /// When it was registered.
    pub(crate) registered: SystemTime,
    /// When its health checks have run long enough to tell (registration + the delay).
    pub(crate) ready_at: SystemTime,
    /// When a deregistration finishes draining (`None`: not deregistered).
    pub(crate) gone_at: Option<SystemTime>,
}

/// A pool of backends.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) struct Pool {
    /// Vendor-shaped id.
    pub(crate) id: String,
    /// The caller's name.
    pub(crate) name: String,
    /// The load balancer it belongs to (`None`: an ELBv2 target group, which stands alone).
    pub(crate) lb_id: Option<String>,
    /// Its VPC (empty when unknown).
    pub(crate) vpc_id: String,
    /// The default backend port (ELBv2 target group port).
    pub(crate) port: Option<u16>,
    /// The protocol, in the vendor's word.
    pub(crate) protocol: String,
    /// Its backends, in registration order.
    pub(crate) backends: Vec<Backend>,
    /// Creation order.
    pub(crate) seq: u64,
}

/// A backend's health, vendor-neutral (front-ends name it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum Health {
    /// Registered; the first health checks are still running.
    Initial,
    /// Its instance is running.
    Healthy,
    /// Its instance is not running.
    Unhealthy,
    /// Being deregistered.
    Draining,
    /// Its instance is destroyed.
    Unused,
}

/// One backend to register: instance, port, weight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewBackend {
    /// The instance.
    pub(crate) instance_id: String,
    /// The port (0: the listener's).
    pub(crate) port: u16,
    /// The weight.
    pub(crate) weight: u32,
}

/// An asynchronous operation (Tencent `DescribeTaskStatus`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) struct Task {
    /// Its id (Tencent: the request id).
    pub(crate) id: String,
    /// When it finishes.
    pub(crate) done_at: SystemTime,
    /// The load balancers it touches.
    pub(crate) lb_ids: Vec<String>,
}

/// Why an operation was refused (nothing changed).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum LbError {
    /// No load balancer with this id.
    LoadBalancerNotFound(String),
    /// No listener with this id.
    ListenerNotFound(String),
    /// No pool with this id.
    PoolNotFound(String),
    /// A listener on this port (and protocol family) exists already.
    ListenerExists(u16),
    /// These backends (instance, port) are not registered.
    NotRegistered(Vec<(String, u16)>),
    /// The pool would hold more than [`MAX_BACKENDS`] backends.
    TooManyBackends,
    /// A quota (load balancers, listeners, pools) is used up.
    LimitExceeded(&'static str),
    /// The id is taken.
    Exists(String),
}

/// The load balancers, pools and tasks of one (cloud, region).
#[derive(Debug, Default, Clone)]
pub(crate) struct LoadBalancers {
    /// By id.
    pub(crate) lbs: BTreeMap<String, LoadBalancer>,
    /// By id.
    pub(crate) pools: BTreeMap<String, Pool>,
    /// Asynchronous tasks, oldest first.
    pub(crate) tasks: VecDeque<Task>,
}

impl LoadBalancers {
    /// Adds a load balancer.
    pub(crate) fn create_lb(&mut self, lb: LoadBalancer) -> Result<(), LbError> {
        if self.lbs.contains_key(&lb.id) {
            return Err(LbError::Exists(lb.id));
        }
        if self.lbs.len() >= MAX_LOAD_BALANCERS {
            return Err(LbError::LimitExceeded("load balancers"));
        }
        self.lbs.insert(lb.id.clone(), lb);
        Ok(())
    }

    /// The load balancer `id`.
    pub(crate) fn lb(&self, id: &str) -> Result<&LoadBalancer, LbError> {
        self.lbs
            .get(id)
            .ok_or_else(|| LbError::LoadBalancerNotFound(id.to_owned()))
    }

    /// Every load balancer, in creation order.
    pub(crate) fn lbs_in_order(&self) -> Vec<&LoadBalancer> {
        let mut v: Vec<&LoadBalancer> = self.lbs.values().collect();
        v.sort_by(|a, b| (a.seq, &a.id).cmp(&(b.seq, &b.id)));
        v
    }

    /// Adds `listener` to load balancer `lb_id`; `same_port` says which existing listener's
    /// port clashes (vendors differ on whether TCP and UDP may share a port).
    pub(crate) fn add_listener(
        &mut self,
        lb_id: &str,
        listener: Listener,
        same_port: impl Fn(&Listener, &Listener) -> bool,
    ) -> Result<(), LbError> {
        let lb = self
            .lbs
            .get_mut(lb_id)
            .ok_or_else(|| LbError::LoadBalancerNotFound(lb_id.to_owned()))?;
        if lb.listeners.iter().any(|l| same_port(l, &listener)) {
            return Err(LbError::ListenerExists(listener.port));
        }
        if lb.listeners.len() >= MAX_LISTENERS {
            return Err(LbError::LimitExceeded("listeners"));
        }
        lb.listeners.push(listener);
        Ok(())
    }

    /// The listener `id` of load balancer `lb_id`.
    pub(crate) fn listener(&self, lb_id: &str, id: &str) -> Result<&Listener, LbError> {
        self.lb(lb_id)?
            .listeners
            .iter()
            .find(|l| l.id == id)
            .ok_or_else(|| LbError::ListenerNotFound(id.to_owned()))
    }

    /// Adds an empty pool.
    pub(crate) fn create_pool(&mut self, pool: Pool) -> Result<(), LbError> {
        if self.pools.contains_key(&pool.id) {
            return Err(LbError::Exists(pool.id));
        }
        if self.pools.len() >= MAX_POOLS {
            return Err(LbError::LimitExceeded("pools"));
        }
        self.pools.insert(pool.id.clone(), pool);
        Ok(())
    }

    /// The pool `id`.
    pub(crate) fn pool(&self, id: &str) -> Result<&Pool, LbError> {
        self.pools
            .get(id)
            .ok_or_else(|| LbError::PoolNotFound(id.to_owned()))
    }

    /// Every pool, in creation order.
    pub(crate) fn pools_in_order(&self) -> Vec<&Pool> {
        let mut v: Vec<&Pool> = self.pools.values().collect();
        v.sort_by(|a, b| (a.seq, &a.id).cmp(&(b.seq, &b.id)));
        v
    }

    /// Registers `backends` in pool `pool_id`, all or none. A backend already registered
    /// (same instance and port) takes the new weight and stays as it is; one being drained is
    /// registered afresh. Its health is [`Health::Initial`] until `ready_at`.
    pub(crate) fn register(
        &mut self,
        pool_id: &str,
        backends: &[NewBackend],
        now: SystemTime,
        ready_at: SystemTime,
    ) -> Result<(), LbError> {
        let pool = self
            .pools
            .get_mut(pool_id)
            .ok_or_else(|| LbError::PoolNotFound(pool_id.to_owned()))?;
        let fresh = backends
            .iter()
            .enumerate()
            .filter(|(n, b)| {
                !pool
                    .backends
                    .iter()
                    .any(|x| x.instance_id == b.instance_id && x.port == b.port)
                    && !backends[..*n]
                        .iter()
                        .any(|y| y.instance_id == b.instance_id && y.port == b.port)
            })
            .count();
        if pool.backends.len().saturating_add(fresh) > MAX_BACKENDS {
            return Err(LbError::TooManyBackends);
        }
        for b in backends {
            match pool
                .backends
                .iter_mut()
                .find(|x| x.instance_id == b.instance_id && x.port == b.port)
            {
                Some(x) => {
                    x.weight = b.weight;
                    if x.gone_at.is_some() {
                        x.gone_at = None;
                        x.registered = now;
                        x.ready_at = ready_at;
                    }
                }
                None => pool.backends.push(Backend {
                    instance_id: b.instance_id.clone(),
                    port: b.port,
                    weight: b.weight,
                    registered: now,
                    ready_at,
                    gone_at: None,
                }),
            }
        }
        Ok(())
    }

    /// Deregisters the backends `keys` (instance, port; port `None` = every port of the
    /// instance) from pool `pool_id`, all or none: each must be registered (and not being
    /// drained already). With `drain_until` they drain until then (ELBv2); without, they go
    /// at once.
    pub(crate) fn deregister(
        &mut self,
        pool_id: &str,
        keys: &[(String, Option<u16>)],
        drain_until: Option<SystemTime>,
    ) -> Result<(), LbError> {
        let pool = self
            .pools
            .get_mut(pool_id)
            .ok_or_else(|| LbError::PoolNotFound(pool_id.to_owned()))?;
        let hit = |b: &Backend, (id, port): &(String, Option<u16>)| {
            b.instance_id == *id && port.is_none_or(|p| p == b.port) && b.gone_at.is_none()
        };
        let missing: Vec<(String, u16)> = keys
            .iter()
            .filter(|k| !pool.backends.iter().any(|b| hit(b, k)))
            .map(|(id, port)| (id.clone(), port.unwrap_or(0)))
            .collect();
        if !missing.is_empty() {
            return Err(LbError::NotRegistered(missing));
        }
        match drain_until {
            Some(until) => {
                for b in &mut pool.backends {
                    if keys.iter().any(|k| hit(b, k)) {
                        b.gone_at = Some(until);
                    }
                }
            }
            None => pool.backends.retain(|b| !keys.iter().any(|k| hit(b, k))),
        }
        Ok(())
    }

    /// The health of `b` at `now`, from its instance in `instances`.
    pub(crate) fn health(b: &Backend, instances: &Instances, now: SystemTime) -> Health {
        if b.gone_at.is_some() {
            return Health::Draining;
        }
        let state = instances.get(&b.instance_id).map(|i| i.state);
        match state {
            None | Some(InstanceState::Terminated) => Health::Unused,
            Some(_) if now < b.ready_at => Health::Initial,
            Some(InstanceState::Running) => Health::Healthy,
            Some(_) => Health::Unhealthy,
        }
    }

    /// Records an asynchronous task finishing at `done_at` and marks its load balancers busy
    /// until then; the oldest tasks are forgotten past [`MAX_TASKS`].
    pub(crate) fn start_task(&mut self, id: String, lb_ids: Vec<String>, done_at: SystemTime) {
        for lb in &lb_ids {
            if let Some(l) = self.lbs.get_mut(lb) {
                l.busy_until = Some(done_at);
            }
        }
        while self.tasks.len() >= MAX_TASKS {
            self.tasks.pop_front();
        }
        self.tasks.push_back(Task {
            id,
            done_at,
            lb_ids,
        });
    }

    /// The task `id`.
    pub(crate) fn task(&self, id: &str) -> Option<&Task> {
        self.tasks.iter().find(|t| t.id == id)
    }

    /// Whether load balancer `id` is held by a running task at `now`.
    pub(crate) fn busy(&self, id: &str, now: SystemTime) -> bool {
        self.lbs
            .get(id)
            .and_then(|l| l.busy_until)
            .is_some_and(|t| now < t)
    }

    /// Applies what is due at `now`: drained backends go, and backends whose instance no
    /// longer exists are removed from every pool.
    pub(crate) fn settle(&mut self, now: SystemTime, instances: &Instances) {
        for pool in self.pools.values_mut() {
            pool.backends.retain(|b| {
                b.gone_at.is_none_or(|t| now < t) && instances.contains(&b.instance_id)
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::model::compute::Instance;

    fn t(s: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1000 + s)
    }

    fn instance(id: &str, state: InstanceState) -> Instance {
        let mut i = Instance::template(unicloud_core::Provider::Aws, "r", id);
        i.state = state;
        i
    }

    fn world() -> (LoadBalancers, Instances) {
        let mut lbs = LoadBalancers::default();
        lbs.create_lb(LoadBalancer {
            id: "lb-1".into(),
            name: "web".into(),
            kind: "network".into(),
            scheme: Scheme::Public,
            vpc_id: "vpc-1".into(),
            subnets: vec!["subnet-1".into()],
            address: "10.0.0.9".into(),
            listeners: vec![],
            created: t(0),
            seq: 1,
            busy_until: None,
        })
        .unwrap();
        lbs.create_pool(Pool {
            id: "pool-1".into(),
            name: "p".into(),
            lb_id: Some("lb-1".into()),
            vpc_id: "vpc-1".into(),
            port: Some(80),
            protocol: "TCP".into(),
            backends: vec![],
            seq: 2,
        })
        .unwrap();
        let mut inst = Instances::default();
        inst.insert(instance("i-run", InstanceState::Running));
        inst.insert(instance("i-stop", InstanceState::Stopped));
        (lbs, inst)
    }

    fn nb(id: &str, port: u16) -> NewBackend {
        NewBackend {
            instance_id: id.into(),
            port,
            weight: 10,
        }
    }

    #[test]
    fn health_follows_the_clock_and_the_instance() {
        let (mut lbs, inst) = world();
        lbs.register("pool-1", &[nb("i-run", 80), nb("i-stop", 80)], t(0), t(5))
            .unwrap();
        let h = |lbs: &LoadBalancers, n: usize, at| {
            LoadBalancers::health(&lbs.pool("pool-1").unwrap().backends[n], &inst, at)
        };
        assert_eq!(h(&lbs, 0, t(1)), Health::Initial);
        assert_eq!(h(&lbs, 0, t(5)), Health::Healthy);
        assert_eq!(h(&lbs, 1, t(5)), Health::Unhealthy);
        // Registering again changes the weight only.
        let mut again = nb("i-run", 80);
        again.weight = 50;
        lbs.register("pool-1", &[again], t(9), t(14)).unwrap();
        let b = &lbs.pool("pool-1").unwrap().backends[0];
        assert_eq!((b.weight, b.ready_at), (50, t(5)));
        assert_eq!(lbs.pool("pool-1").unwrap().backends.len(), 2);
    }

    #[test]
    fn deregistering_drains_then_removes_or_removes_at_once() {
        let (mut lbs, inst) = world();
        lbs.register("pool-1", &[nb("i-run", 80), nb("i-stop", 80)], t(0), t(0))
            .unwrap();
        lbs.deregister("pool-1", &[("i-run".into(), Some(80))], Some(t(10)))
            .unwrap();
        let b = &lbs.pool("pool-1").unwrap().backends[0];
        assert_eq!(LoadBalancers::health(b, &inst, t(1)), Health::Draining);
        lbs.settle(t(9), &inst);
        assert_eq!(lbs.pool("pool-1").unwrap().backends.len(), 2);
        lbs.settle(t(10), &inst);
        assert_eq!(lbs.pool("pool-1").unwrap().backends.len(), 1);
        lbs.deregister("pool-1", &[("i-stop".into(), None)], None)
            .unwrap();
        assert!(lbs.pool("pool-1").unwrap().backends.is_empty());
        let e = lbs
            .deregister("pool-1", &[("i-stop".into(), Some(80))], None)
            .unwrap_err();
        assert_eq!(e, LbError::NotRegistered(vec![("i-stop".into(), 80)]));
        assert_eq!(
            lbs.deregister("pool-9", &[], None).unwrap_err(),
            LbError::PoolNotFound("pool-9".into())
        );
    }

    #[test]
    fn a_destroyed_instance_reads_unused_then_leaves_every_pool() {
        let (mut lbs, mut inst) = world();
        lbs.register("pool-1", &[nb("i-run", 80)], t(0), t(0))
            .unwrap();
        inst.insert(instance("i-run", InstanceState::Terminated));
        let b = lbs.pool("pool-1").unwrap().backends[0].clone();
        assert_eq!(LoadBalancers::health(&b, &inst, t(1)), Health::Unused);
        lbs.settle(t(1), &inst);
        assert_eq!(lbs.pool("pool-1").unwrap().backends.len(), 1);
        lbs.settle(t(2), &Instances::default());
        assert!(lbs.pool("pool-1").unwrap().backends.is_empty());
    }

    #[test]
    fn listeners_ports_tasks_and_quotas() {
        let (mut lbs, _) = world();
        let l = |id: &str, port| Listener {
            id: id.into(),
            name: String::new(),
            port,
            protocol: "TCP".into(),
            backend_port: None,
            pool: None,
            running: true,
        };
        let same = |a: &Listener, b: &Listener| a.port == b.port;
        lbs.add_listener("lb-1", l("lbl-1", 80), same).unwrap();
        assert_eq!(
            lbs.add_listener("lb-1", l("lbl-2", 80), same).unwrap_err(),
            LbError::ListenerExists(80)
        );
        assert_eq!(
            lbs.add_listener("lb-9", l("lbl-2", 81), same).unwrap_err(),
            LbError::LoadBalancerNotFound("lb-9".into())
        );
        assert_eq!(lbs.listener("lb-1", "lbl-1").unwrap().port, 80);
        lbs.start_task("task-1".into(), vec!["lb-1".into()], t(5));
        assert!(lbs.busy("lb-1", t(4)));
        assert!(!lbs.busy("lb-1", t(5)));
        assert_eq!(lbs.task("task-1").unwrap().done_at, t(5));
        let many: Vec<NewBackend> = (0..=MAX_BACKENDS)
            .map(|n| nb(&format!("i-{n}"), 80))
            .collect();
        assert_eq!(
            lbs.register("pool-1", &many, t(0), t(0)).unwrap_err(),
            LbError::TooManyBackends
        );
        assert!(lbs.pool("pool-1").unwrap().backends.is_empty());
    }
}
