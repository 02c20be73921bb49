//! The emulated world: one vendor-neutral state per (cloud, region), each behind its own lock,
//! so a long call in one region never waits for another region or cloud.
//!
//! A region holds one table per resource kind ([`compute::Instances`], [`network::Networks`], [`lb::LoadBalancers`]) and one
//! idempotency store ([`tokens::TokenStore`]). Vendor front-ends lock the region they serve,
//! apply the model's operations and write the reply in their vendor's terms; the model knows
//! no wire names.

pub(crate) mod compute;
pub(crate) mod lb;
pub(crate) mod network;
pub(crate) mod storage;
pub(crate) mod tokens;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use unicloud_core::Provider;

pub use compute::{Instance, InstanceState};

/// The state of one (cloud, region).
#[derive(Debug, Default, Clone)]
pub(crate) struct Region {
    /// Compute instances.
    pub(crate) instances: compute::Instances,
    /// VPCs, subnets, route tables and gateways.
    pub(crate) networks: network::Networks,
    /// Load balancers, their listeners and backend pools.
    pub(crate) lbs: lb::LoadBalancers,
    /// Client-token records of every service.
    pub(crate) tokens: tokens::TokenStore,
}

/// A read-only copy of one (cloud, region), for tests: see
/// [`EmulatorHandle::world`](crate::EmulatorHandle::world).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegionSnapshot {
    /// The instances, in creation order, with due transitions applied.
    pub instances: Vec<Instance>,
    /// Every route of every route table (system routes included), by table id, then in
    /// table order.
    pub routes: Vec<RouteSnapshot>,
    /// Every backend of every backend pool (draining ones included), by pool id, then in
    /// registration order.
    pub backends: Vec<BackendSnapshot>,
}

/// One route in a [`RegionSnapshot`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RouteSnapshot {
    /// The route table's id.
    pub table_id: String,
    /// The destination CIDR block, e.g. `10.8.0.0/16`.
    pub destination: String,
    /// The next hop's id: an instance id for routes to instances (also on Tencent Cloud,
    /// whose wire names the instance by its private IP), `local` for the VPC's own route.
    pub target_id: String,
    /// Whether the route leads to an instance.
    pub to_instance: bool,
    /// Made by the cloud (the `local` route), not by a caller.
    pub system: bool,
    /// Whether its target is gone (AWS `blackhole`).
    pub blackhole: bool,
}

/// One backend in a [`RegionSnapshot`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BackendSnapshot {
    /// The pool's id: an ELBv2 target group ARN, a classic ELB's name, a CLB listener id, an
    /// SLB load balancer id (its default server group) or VServer group id.
    pub pool_id: String,
    /// The instance (or IP address) registered.
    pub instance_id: String,
    /// Its port.
    pub port: u16,
    /// Its weight.
    pub weight: u32,
    /// Deregistered and draining (it leaves the pool when the drain ends).
    pub draining: bool,
}

/// At most this many (cloud, region) states exist; a request for one more region is refused
/// (regions are created by the first request that names them, and names are client input).
pub(crate) const MAX_REGIONS: usize = 4096;

/// One (cloud, region) state, shared by the requests that lock it.
pub(crate) type SharedRegion = Arc<Mutex<Region>>;

/// Every (cloud, region) state.
#[derive(Debug, Default)]
pub(crate) struct World {
    regions: Mutex<HashMap<(Provider, String), SharedRegion>>,
    seq: AtomicU64,
}

/// Too many regions exist already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooManyRegions;

/// Locks `m`, going on with the data when a handler panicked while holding it (the world is
/// plain data; a panic leaves it as consistent as the handler left it).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl World {
    /// The state of (`provider`, `region`), created on first use.
    pub(crate) fn region(
        &self,
        provider: Provider,
        region: &str,
    ) -> Result<SharedRegion, TooManyRegions> {
        let mut regions = lock(&self.regions);
        if let Some(r) = regions.get(&(provider, region.to_owned())) {
            return Ok(r.clone());
        }
        if regions.len() >= MAX_REGIONS {
            return Err(TooManyRegions);
        }
        let r = Arc::new(Mutex::new(Region::default()));
        regions.insert((provider, region.to_owned()), r.clone());
        Ok(r)
    }

    /// The state of (`provider`, `region`) if a request has created it.
    pub(crate) fn existing(&self, provider: Provider, region: &str) -> Option<SharedRegion> {
        lock(&self.regions)
            .get(&(provider, region.to_owned()))
            .cloned()
    }

    /// The next creation sequence number (creation order across the world).
    pub(crate) fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed) + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_separate_and_capped() {
        let w = World::default();
        let a = w.region(Provider::Aws, "us-east-1").unwrap();
        let b = w.region(Provider::Tencent, "us-east-1").unwrap();
        assert!(!Arc::ptr_eq(&a, &b));
        assert!(Arc::ptr_eq(
            &a,
            &w.region(Provider::Aws, "us-east-1").unwrap()
        ));
        assert!(w.existing(Provider::Alibaba, "cn-hangzhou").is_none());
        for n in 2..MAX_REGIONS {
            w.region(Provider::Alibaba, &format!("r{n}")).unwrap();
        }
        assert!(matches!(
            w.region(Provider::Alibaba, "one-more"),
            Err(TooManyRegions)
        ));
        assert!(
            w.region(Provider::Aws, "us-east-1").is_ok(),
            "existing regions still work"
        );
        assert!(w.next_seq() < w.next_seq());
    }
}
