//! Networks, vendor-neutral: VPCs, subnets (vSwitches), route tables and routes, internet
//! gateways, and what happens to a route when its target goes away.
//!
//! Front-ends name the vendor's ids and codes; this module only keeps the facts and their
//! rules: CIDRs are checked and normalised, a subnet lies inside its VPC and overlaps no
//! sibling, a destination appears once per table, a target must exist in the table's VPC, and
//! a route whose instance is destroyed turns `blackhole` (as on AWS) or stays as it was.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// An IPv4 or IPv6 network in CIDR notation, normalised (`10.0.0.0/16`, `2001:db8::/32`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

/// Why a CIDR string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadCidr(pub(crate) String);

impl FromStr for Cidr {
    type Err = BadCidr;

    /// Parses `addr/prefix`; host bits must be zero (`10.0.0.1/16` is refused, as the clouds
    /// refuse it).
    fn from_str(s: &str) -> Result<Self, BadCidr> {
        let bad = || BadCidr(s.to_owned());
        let (addr, prefix) = s.trim().split_once('/').ok_or_else(bad)?;
        if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) || prefix.len() > 3 {
            return Err(bad());
        }
        let addr: IpAddr = addr.parse().map_err(|_| bad())?;
        let prefix: u8 = prefix.parse().map_err(|_| bad())?;
        let cidr = Cidr { addr, prefix };
        if prefix > cidr.width() || cidr.masked() != addr {
            return Err(bad());
        }
        Ok(cidr)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl Cidr {
    fn width(&self) -> u8 {
        if self.addr.is_ipv4() { 32 } else { 128 }
    }

    fn bits(addr: IpAddr) -> u128 {
        match addr {
            IpAddr::V4(a) => u128::from(u32::from(a)),
            IpAddr::V6(a) => u128::from(a),
        }
    }

    fn mask(&self) -> u128 {
        let width = u32::from(self.width());
        let prefix = u32::from(self.prefix);
        if prefix == 0 {
            return 0;
        }
        let all = if width == 32 {
            u128::from(u32::MAX)
        } else {
            u128::MAX
        };
        all & !((1u128 << (width - prefix)) - 1).min(all)
    }

    fn masked(&self) -> IpAddr {
        let bits = Self::bits(self.addr) & self.mask();
        match self.addr {
            IpAddr::V4(_) => IpAddr::V4(std::net::Ipv4Addr::from(u32::try_from(bits).unwrap_or(0))),
            IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::from(bits)),
        }
    }

    /// Whether this is an IPv4 network.
    pub(crate) fn is_ipv4(&self) -> bool {
        self.addr.is_ipv4()
    }

    /// Whether `self` lies wholly inside `outer` (same family).
    pub(crate) fn within(&self, outer: &Cidr) -> bool {
        self.addr.is_ipv4() == outer.addr.is_ipv4()
            && self.prefix >= outer.prefix
            && Self::bits(self.addr) & outer.mask() == Self::bits(outer.addr)
    }

    /// Whether the two share any address.
    pub(crate) fn overlaps(&self, other: &Cidr) -> bool {
        self.within(other) || other.within(self)
    }

    /// The `n`th host address (`n` from 0), if the network has it.
    pub(crate) fn host(&self, n: u128) -> Option<IpAddr> {
        let size = u32::from(self.width() - self.prefix);
        if size < 128 && n >= (1u128 << size) {
            return None;
        }
        let bits = Self::bits(self.addr).checked_add(n)?;
        Some(match self.addr {
            IpAddr::V4(_) => IpAddr::V4(std::net::Ipv4Addr::from(u32::try_from(bits).ok()?)),
            IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::from(bits)),
        })
    }
}

/// What a route sends traffic to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum TargetKind {
    /// Inside the VPC.
    Local,
    /// An internet gateway.
    InternetGateway,
    /// A NAT gateway.
    NatGateway,
    /// An instance (by id).
    Instance,
    /// A network interface.
    NetworkInterface,
    /// A VPN gateway.
    VpnGateway,
    /// A peering connection.
    Peering,
    /// A transit gateway, CCN or CEN.
    Transit,
    /// Anything else, by the vendor's word.
    Other(String),
}

/// A route's next hop.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Target {
    pub(crate) kind: TargetKind,
    /// The target's id (`local` for [`TargetKind::Local`]).
    pub(crate) id: String,
    /// How the caller named the target when that is not its id, kept so the route still
    /// reads the same once the target is gone (Tencent's `NORMAL_CVM` routes name an
    /// instance by its private IP).
    pub(crate) address: Option<String>,
}

impl Target {
    /// A next hop named by its id.
    pub(crate) fn new(kind: TargetKind, id: impl Into<String>) -> Self {
        Target {
            kind,
            id: id.into(),
            address: None,
        }
    }
}

/// Whether a route can carry traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RouteState {
    Active,
    /// Its target is gone.
    Blackhole,
}

/// One route of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route {
    /// The table-unique number vendors with route ids use (Tencent `RouteId`, Alibaba's entry
    /// ids are built from it).
    pub(crate) number: u64,
    pub(crate) destination: Cidr,
    pub(crate) target: Target,
    pub(crate) state: RouteState,
    /// Made by the cloud (the `local` route), not by a caller.
    pub(crate) system: bool,
    /// The caller's name for it (Alibaba `RouteEntryName`; empty when none).
    pub(crate) name: String,
    /// The caller's description (Tencent `RouteDescription`, Alibaba `Description`).
    pub(crate) description: String,
}

/// A route table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RouteTable {
    pub(crate) id: String,
    pub(crate) vpc_id: String,
    pub(crate) name: String,
    /// The caller's description (empty when none).
    pub(crate) description: String,
    /// The VPC's main (default, system) table.
    pub(crate) main: bool,
    /// Subnets associated explicitly, in association order.
    pub(crate) subnets: Vec<String>,
    pub(crate) tags: Vec<(String, String)>,
    /// Routes in creation order.
    pub(crate) routes: Vec<Route>,
    pub(crate) seq: u64,
    next_route: u64,
}

impl RouteTable {
    /// A table holding only the VPC's `local` route.
    fn with_local_route(
        id: String,
        vpc_id: String,
        cidr: Cidr,
        name: String,
        main: bool,
        seq: u64,
    ) -> Self {
        RouteTable {
            id,
            vpc_id,
            name,
            description: String::new(),
            main,
            subnets: Vec::new(),
            tags: Vec::new(),
            routes: vec![Route {
                number: 1,
                destination: cidr,
                target: Target::new(TargetKind::Local, "local"),
                state: RouteState::Active,
                system: true,
                name: String::new(),
                description: String::new(),
            }],
            seq,
            next_route: 2,
        }
    }

    /// The route to `destination`.
    pub(crate) fn route(&self, destination: &Cidr) -> Option<&Route> {
        self.routes.iter().find(|r| r.destination == *destination)
    }

    /// The route with this number.
    pub(crate) fn route_numbered(&self, number: u64) -> Option<&Route> {
        self.routes.iter().find(|r| r.number == number)
    }

    /// The route with this number, to change its name or description.
    pub(crate) fn route_numbered_mut(&mut self, number: u64) -> Option<&mut Route> {
        self.routes.iter_mut().find(|r| r.number == number)
    }

    /// How many routes callers made (system routes do not count against the quota).
    fn custom_routes(&self) -> usize {
        self.routes.iter().filter(|r| !r.system).count()
    }
}

/// A VPC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Vpc {
    pub(crate) id: String,
    pub(crate) cidr: Cidr,
    pub(crate) name: String,
    pub(crate) tags: Vec<(String, String)>,
    pub(crate) main_route_table: String,
    pub(crate) seq: u64,
}

/// A subnet (vSwitch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Subnet {
    pub(crate) id: String,
    pub(crate) vpc_id: String,
    pub(crate) cidr: Cidr,
    pub(crate) zone: String,
    pub(crate) name: String,
    /// Addresses handed out so far (the next instance gets the next host after the reserved
    /// ones).
    pub(crate) allocated: u128,
    pub(crate) seq: u64,
}

/// An internet gateway, attached to at most one VPC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Gateway {
    pub(crate) id: String,
    pub(crate) vpc_id: Option<String>,
}

/// Why a network operation was refused; front-ends turn these into the vendor's codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NetError {
    /// No such VPC.
    VpcNotFound(String),
    /// No such subnet.
    SubnetNotFound(String),
    /// No such route table.
    TableNotFound(String),
    /// The table has no route to this destination.
    RouteNotFound(Cidr),
    /// The table already has a route to this destination.
    RouteExists(Cidr),
    /// The subnet is not inside the VPC's CIDR.
    SubnetOutsideVpc(Cidr),
    /// The subnet overlaps another subnet of the VPC.
    SubnetOverlaps(Cidr),
    /// The target does not exist, or not in the table's VPC.
    TargetNotFound(Target),
    /// The `local` and other system routes cannot be changed or deleted.
    SystemRoute(Cidr),
    /// The subnet has no free address left.
    SubnetFull(String),
    /// The table has no route with this number.
    RouteNumberNotFound(u64),
    /// A quota of the region (or of the table) is used up.
    LimitExceeded(Quota),
}

/// The quotas the world keeps, so memory stays bounded whatever clients create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quota {
    /// [`MAX_VPCS`] per region.
    Vpcs,
    /// [`MAX_SUBNETS`] per region.
    Subnets,
    /// [`MAX_TABLES`] per region.
    Tables,
    /// [`MAX_ROUTES_PER_TABLE`] caller-made routes per table.
    Routes,
}

/// At most this many VPCs per (cloud, region). The clouds' default quotas are far lower
/// (AWS 5, Tencent Cloud 20, Alibaba Cloud 10 per region) but can be raised; the emulator only
/// needs a bound.
pub(crate) const MAX_VPCS: usize = 1000;
/// At most this many subnets (vSwitches) per (cloud, region).
pub(crate) const MAX_SUBNETS: usize = 10_000;
/// At most this many route tables per (cloud, region), main tables included.
pub(crate) const MAX_TABLES: usize = 10_000;
/// At most this many caller-made routes per table: the published quota of Alibaba Cloud (200
/// custom route entries per route table) and Tencent Cloud (200 routes per route table); AWS's
/// default is 50, adjustable to 1000.
pub(crate) const MAX_ROUTES_PER_TABLE: usize = 200;

/// One change of a [`Networks::replace_routes`] call: route `number` now sends `destination`
/// to `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RouteChange {
    pub(crate) number: u64,
    pub(crate) destination: Cidr,
    pub(crate) target: Target,
}

/// How a vendor treats routes whose instance is destroyed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnTargetGone {
    /// The route stays and turns `blackhole` (AWS).
    Blackhole,
    /// The route stays as it was (the vendor reports no state change).
    Keep,
}

/// The networks of one (cloud, region).
#[derive(Debug, Clone, Default)]
pub(crate) struct Networks {
    pub(crate) vpcs: BTreeMap<String, Vpc>,
    pub(crate) subnets: BTreeMap<String, Subnet>,
    pub(crate) tables: BTreeMap<String, RouteTable>,
    pub(crate) gateways: BTreeMap<String, Gateway>,
}

/// How many host addresses at the start of a subnet the clouds keep for themselves.
const RESERVED_HOSTS: u128 = 4;

impl Networks {
    /// Creates a VPC with its main route table (holding the `local` route), under the ids
    /// the vendor front-end chose.
    pub(crate) fn create_vpc(
        &mut self,
        id: String,
        table_id: String,
        cidr: Cidr,
        name: String,
        seq: u64,
    ) -> Result<&Vpc, NetError> {
        if self.vpcs.len() >= MAX_VPCS {
            return Err(NetError::LimitExceeded(Quota::Vpcs));
        }
        if self.tables.len() >= MAX_TABLES {
            return Err(NetError::LimitExceeded(Quota::Tables));
        }
        let table = RouteTable::with_local_route(
            table_id.clone(),
            id.clone(),
            cidr,
            String::new(),
            true,
            seq,
        );
        self.tables.insert(table_id.clone(), table);
        Ok(self.vpcs.entry(id.clone()).or_insert(Vpc {
            id,
            cidr,
            name,
            tags: Vec::new(),
            main_route_table: table_id,
            seq,
        }))
    }

    /// Creates a subnet inside `vpc_id`.
    pub(crate) fn create_subnet(
        &mut self,
        id: String,
        vpc_id: &str,
        cidr: Cidr,
        zone: String,
        name: String,
        seq: u64,
    ) -> Result<&Subnet, NetError> {
        let vpc = self
            .vpcs
            .get(vpc_id)
            .ok_or_else(|| NetError::VpcNotFound(vpc_id.to_owned()))?;
        if !cidr.within(&vpc.cidr) {
            return Err(NetError::SubnetOutsideVpc(cidr));
        }
        if self.subnets.len() >= MAX_SUBNETS {
            return Err(NetError::LimitExceeded(Quota::Subnets));
        }
        if self
            .subnets
            .values()
            .any(|s| s.vpc_id == vpc_id && s.cidr.overlaps(&cidr))
        {
            return Err(NetError::SubnetOverlaps(cidr));
        }
        Ok(self.subnets.entry(id.clone()).or_insert(Subnet {
            id,
            vpc_id: vpc_id.to_owned(),
            cidr,
            zone,
            name,
            allocated: 0,
            seq,
        }))
    }

    /// The next free private address of a subnet.
    pub(crate) fn allocate_ip(&mut self, subnet_id: &str) -> Result<IpAddr, NetError> {
        let subnet = self
            .subnets
            .get_mut(subnet_id)
            .ok_or_else(|| NetError::SubnetNotFound(subnet_id.to_owned()))?;
        // The last address is the broadcast address on IPv4 clouds; keep it free too.
        let ip = subnet
            .cidr
            .host(RESERVED_HOSTS + subnet.allocated)
            .filter(|ip| {
                subnet
                    .cidr
                    .host(RESERVED_HOSTS + subnet.allocated + 1)
                    .is_some()
                    || ip.is_ipv6()
            })
            .ok_or_else(|| NetError::SubnetFull(subnet_id.to_owned()))?;
        subnet.allocated += 1;
        Ok(ip)
    }

    /// The next free private address of a subnet that `taken` does not name (an address a
    /// caller chose for an earlier instance); on failure nothing is used up.
    pub(crate) fn allocate_free_ip(
        &mut self,
        subnet_id: &str,
        taken: &dyn Fn(&IpAddr) -> bool,
    ) -> Result<IpAddr, NetError> {
        let start = self.subnets.get(subnet_id).map(|s| s.allocated);
        loop {
            match self.allocate_ip(subnet_id) {
                Ok(ip) if taken(&ip) => continue,
                Ok(ip) => return Ok(ip),
                Err(e) => {
                    if let (Some(n), Some(s)) = (start, self.subnets.get_mut(subnet_id)) {
                        s.allocated = n;
                    }
                    return Err(e);
                }
            }
        }
    }

    /// The subnets whose traffic `table` routes: those associated with it explicitly and, for
    /// a main table, every subnet of its VPC associated with no other table.
    pub(crate) fn table_subnets(&self, table: &RouteTable) -> Vec<String> {
        let mut out = table.subnets.clone();
        if table.main {
            let mut implicit: Vec<&Subnet> = self
                .subnets
                .values()
                .filter(|s| {
                    s.vpc_id == table.vpc_id
                        && !self.tables.values().any(|t| t.subnets.contains(&s.id))
                })
                .collect();
            implicit.sort_by_key(|s| s.seq);
            out.extend(implicit.into_iter().map(|s| s.id.clone()));
        }
        out
    }

    /// The table routing `subnet_id`'s traffic: the one it is associated with, else its VPC's
    /// main table.
    pub(crate) fn subnet_table(&self, subnet_id: &str) -> Option<&RouteTable> {
        let subnet = self.subnets.get(subnet_id)?;
        self.tables
            .values()
            .find(|t| t.subnets.iter().any(|s| s == subnet_id))
            .or_else(|| {
                let vpc = self.vpcs.get(&subnet.vpc_id)?;
                self.tables.get(&vpc.main_route_table)
            })
    }

    /// Creates an empty (but for `local`) route table in `vpc_id`.
    pub(crate) fn create_table(
        &mut self,
        id: String,
        vpc_id: &str,
        name: String,
        seq: u64,
    ) -> Result<&RouteTable, NetError> {
        let vpc = self
            .vpcs
            .get(vpc_id)
            .ok_or_else(|| NetError::VpcNotFound(vpc_id.to_owned()))?;
        let cidr = vpc.cidr;
        if self.tables.len() >= MAX_TABLES {
            return Err(NetError::LimitExceeded(Quota::Tables));
        }
        let table =
            RouteTable::with_local_route(id.clone(), vpc_id.to_owned(), cidr, name, false, seq);
        Ok(self.tables.entry(id).or_insert(table))
    }

    /// Associates `subnet_id` with `table_id` (moving it from any other table).
    pub(crate) fn associate(&mut self, table_id: &str, subnet_id: &str) -> Result<(), NetError> {
        let subnet_vpc = self
            .subnets
            .get(subnet_id)
            .map(|s| s.vpc_id.clone())
            .ok_or_else(|| NetError::SubnetNotFound(subnet_id.to_owned()))?;
        let table = self
            .tables
            .get(table_id)
            .ok_or_else(|| NetError::TableNotFound(table_id.to_owned()))?;
        if table.vpc_id != subnet_vpc {
            return Err(NetError::SubnetNotFound(subnet_id.to_owned()));
        }
        for t in self.tables.values_mut() {
            t.subnets.retain(|s| s != subnet_id);
        }
        if let Some(t) = self.tables.get_mut(table_id) {
            t.subnets.push(subnet_id.to_owned());
        }
        Ok(())
    }

    /// Creates an internet gateway.
    pub(crate) fn create_gateway(&mut self, id: String) -> &Gateway {
        self.gateways
            .entry(id.clone())
            .or_insert(Gateway { id, vpc_id: None })
    }

    /// Attaches a gateway to a VPC.
    pub(crate) fn attach_gateway(
        &mut self,
        gateway_id: &str,
        vpc_id: &str,
    ) -> Result<(), NetError> {
        if !self.vpcs.contains_key(vpc_id) {
            return Err(NetError::VpcNotFound(vpc_id.to_owned()));
        }
        let target = Target::new(TargetKind::InternetGateway, gateway_id);
        let g = self
            .gateways
            .get_mut(gateway_id)
            .ok_or(NetError::TargetNotFound(target))?;
        g.vpc_id = Some(vpc_id.to_owned());
        Ok(())
    }

    fn table_mut(&mut self, table_id: &str) -> Result<&mut RouteTable, NetError> {
        self.tables
            .get_mut(table_id)
            .ok_or_else(|| NetError::TableNotFound(table_id.to_owned()))
    }

    /// Checks that `target` can be a next hop in `vpc_id`: gateways must be attached to it;
    /// instances must exist in it (`instance_vpc` answers which VPC an instance is in). Kinds
    /// the world does not model are taken as given.
    fn check_target(
        &self,
        vpc_id: &str,
        target: &Target,
        instance_vpc: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(), NetError> {
        let ok = match target.kind {
            TargetKind::Local => false,
            TargetKind::InternetGateway => self
                .gateways
                .get(&target.id)
                .is_some_and(|g| g.vpc_id.as_deref() == Some(vpc_id)),
            TargetKind::Instance => instance_vpc(&target.id).as_deref() == Some(vpc_id),
            _ => !target.id.is_empty(),
        };
        if ok {
            Ok(())
        } else {
            Err(NetError::TargetNotFound(target.clone()))
        }
    }

    /// Adds a route; returns its number.
    pub(crate) fn create_route(
        &mut self,
        table_id: &str,
        destination: Cidr,
        target: Target,
        instance_vpc: &dyn Fn(&str) -> Option<String>,
    ) -> Result<u64, NetError> {
        self.create_route_numbered(table_id, None, destination, target, instance_vpc)
    }

    /// Adds a route under `number` (the table's next number when `None`, or when that number
    /// is taken); returns the number it got.
    pub(crate) fn create_route_numbered(
        &mut self,
        table_id: &str,
        number: Option<u64>,
        destination: Cidr,
        target: Target,
        instance_vpc: &dyn Fn(&str) -> Option<String>,
    ) -> Result<u64, NetError> {
        let vpc_id = self.table_mut(table_id)?.vpc_id.clone();
        self.check_target(&vpc_id, &target, instance_vpc)?;
        let table = self.table_mut(table_id)?;
        if table.route(&destination).is_some() {
            return Err(NetError::RouteExists(destination));
        }
        if table.custom_routes() >= MAX_ROUTES_PER_TABLE {
            return Err(NetError::LimitExceeded(Quota::Routes));
        }
        let number = match number {
            Some(n) if n > 0 && table.route_numbered(n).is_none() => n,
            _ => table.next_route,
        };
        table.next_route = table.next_route.max(number.saturating_add(1));
        table.routes.push(Route {
            number,
            destination,
            target,
            state: RouteState::Active,
            system: false,
            name: String::new(),
            description: String::new(),
        });
        Ok(number)
    }

    /// Applies every change to the routes of `table_id` in order, or none of them: each is
    /// checked against the table as the earlier changes left it (the route must exist and be
    /// the caller's, the new destination free, the target valid). Returns each route before
    /// and after; on a refusal, the index of the change refused and why.
    pub(crate) fn replace_routes(
        &mut self,
        table_id: &str,
        changes: &[RouteChange],
        instance_vpc: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Vec<(Route, Route)>, (usize, NetError)> {
        let mut table = self
            .tables
            .get(table_id)
            .cloned()
            .ok_or_else(|| (0, NetError::TableNotFound(table_id.to_owned())))?;
        let mut out = Vec::with_capacity(changes.len());
        for (i, c) in changes.iter().enumerate() {
            let at = table
                .routes
                .iter()
                .position(|r| r.number == c.number)
                .ok_or((i, NetError::RouteNumberNotFound(c.number)))?;
            let before = table.routes[at].clone();
            if before.system {
                return Err((i, NetError::SystemRoute(before.destination)));
            }
            if table
                .routes
                .iter()
                .any(|r| r.number != c.number && r.destination == c.destination)
            {
                return Err((i, NetError::RouteExists(c.destination)));
            }
            self.check_target(&table.vpc_id, &c.target, instance_vpc)
                .map_err(|e| (i, e))?;
            let route = &mut table.routes[at];
            route.destination = c.destination;
            route.target = c.target.clone();
            route.state = RouteState::Active;
            out.push((before, route.clone()));
        }
        self.tables.insert(table_id.to_owned(), table);
        Ok(out)
    }

    /// Removes the routes numbered `numbers`, all or none; returns them in the order asked.
    pub(crate) fn delete_routes(
        &mut self,
        table_id: &str,
        numbers: &[u64],
    ) -> Result<Vec<Route>, (usize, NetError)> {
        let table = self
            .tables
            .get_mut(table_id)
            .ok_or_else(|| (0, NetError::TableNotFound(table_id.to_owned())))?;
        let mut out = Vec::with_capacity(numbers.len());
        for (i, n) in numbers.iter().enumerate() {
            let route = table
                .route_numbered(*n)
                .ok_or((i, NetError::RouteNumberNotFound(*n)))?;
            if route.system {
                return Err((i, NetError::SystemRoute(route.destination)));
            }
            if !out.iter().any(|r: &Route| r.number == *n) {
                out.push(route.clone());
            }
        }
        table.routes.retain(|r| !numbers.contains(&r.number));
        Ok(out)
    }

    /// Points the route to `destination` at `target`; returns the previous target.
    pub(crate) fn replace_route(
        &mut self,
        table_id: &str,
        destination: &Cidr,
        target: Target,
        instance_vpc: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Target, NetError> {
        let vpc_id = self.table_mut(table_id)?.vpc_id.clone();
        let table = self.table_mut(table_id)?;
        let route = table
            .routes
            .iter()
            .find(|r| r.destination == *destination)
            .ok_or(NetError::RouteNotFound(*destination))?;
        if route.system {
            return Err(NetError::SystemRoute(*destination));
        }
        self.check_target(&vpc_id, &target, instance_vpc)?;
        let table = self.table_mut(table_id)?;
        let route = table
            .routes
            .iter_mut()
            .find(|r| r.destination == *destination)
            .ok_or(NetError::RouteNotFound(*destination))?;
        let previous = std::mem::replace(&mut route.target, target);
        route.state = RouteState::Active;
        Ok(previous)
    }

    /// Removes the route to `destination`; returns it.
    pub(crate) fn delete_route(
        &mut self,
        table_id: &str,
        destination: &Cidr,
    ) -> Result<Route, NetError> {
        let table = self.table_mut(table_id)?;
        let at = table
            .routes
            .iter()
            .position(|r| r.destination == *destination)
            .ok_or(NetError::RouteNotFound(*destination))?;
        if table.routes[at].system {
            return Err(NetError::SystemRoute(*destination));
        }
        Ok(table.routes.remove(at))
    }

    /// Applies `on_gone` to every route whose instance target `alive` says is gone.
    pub(crate) fn targets_gone(&mut self, alive: &dyn Fn(&str) -> bool, on_gone: OnTargetGone) {
        if on_gone == OnTargetGone::Keep {
            return;
        }
        for table in self.tables.values_mut() {
            for route in &mut table.routes {
                if route.target.kind == TargetKind::Instance && !alive(&route.target.id) {
                    route.state = RouteState::Blackhole;
                }
            }
        }
    }

    /// Every table, in creation order.
    pub(crate) fn tables_in_order(&self) -> Vec<&RouteTable> {
        let mut v: Vec<&RouteTable> = self.tables.values().collect();
        v.sort_by_key(|t| t.seq);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(s: &str) -> Cidr {
        s.parse().unwrap()
    }

    fn world() -> Networks {
        let mut n = Networks::default();
        n.create_vpc(
            "vpc-1".into(),
            "rtb-main".into(),
            cidr("10.0.0.0/16"),
            String::new(),
            1,
        )
        .unwrap();
        n
    }

    fn instance(kind: TargetKind, id: &str) -> Target {
        Target::new(kind, id)
    }

    #[test]
    fn cidrs_are_checked_and_normalised() {
        assert_eq!(cidr("10.0.0.0/16").to_string(), "10.0.0.0/16");
        assert_eq!(cidr("2001:db8::/32").to_string(), "2001:db8::/32");
        assert_eq!(cidr("0.0.0.0/0").to_string(), "0.0.0.0/0");
        assert_eq!(cidr("::/0").to_string(), "::/0");
        for bad in [
            "10.0.0.1/16",
            "10.0.0.0/33",
            "10.0.0.0",
            "10.0.0.0/",
            "300.0.0.0/8",
            "10.0.0.0/+8",
            "::/129",
            "a/b",
            "10.0.0.0/0008",
            "",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
        assert!(cidr("10.0.1.0/24").within(&cidr("10.0.0.0/16")));
        assert!(!cidr("10.1.0.0/24").within(&cidr("10.0.0.0/16")));
        assert!(cidr("10.0.0.0/8").overlaps(&cidr("10.2.0.0/16")));
        assert!(!cidr("::/0").within(&cidr("0.0.0.0/0")));
        assert_eq!(cidr("10.0.1.0/24").host(5).unwrap().to_string(), "10.0.1.5");
        assert!(cidr("10.0.1.0/30").host(4).is_none());
    }

    #[test]
    fn a_vpc_comes_with_a_main_table_and_its_local_route() {
        let n = world();
        let t = &n.tables["rtb-main"];
        assert!(t.main);
        assert_eq!(t.routes.len(), 1);
        assert_eq!(t.routes[0].target.kind, TargetKind::Local);
        assert!(t.routes[0].system);
    }

    #[test]
    fn subnets_lie_inside_their_vpc_and_never_overlap() {
        let mut n = world();
        n.create_subnet(
            "sub-1".into(),
            "vpc-1",
            cidr("10.0.1.0/24"),
            "z".into(),
            String::new(),
            2,
        )
        .unwrap();
        assert_eq!(
            n.create_subnet(
                "sub-2".into(),
                "vpc-1",
                cidr("10.0.1.128/25"),
                "z".into(),
                String::new(),
                3
            ),
            Err(NetError::SubnetOverlaps(cidr("10.0.1.128/25")))
        );
        assert_eq!(
            n.create_subnet(
                "sub-3".into(),
                "vpc-1",
                cidr("10.9.0.0/24"),
                "z".into(),
                String::new(),
                4
            ),
            Err(NetError::SubnetOutsideVpc(cidr("10.9.0.0/24")))
        );
        assert_eq!(n.allocate_ip("sub-1").unwrap().to_string(), "10.0.1.4");
        assert_eq!(n.allocate_ip("sub-1").unwrap().to_string(), "10.0.1.5");
        n.create_table("rtb-2".into(), "vpc-1", "custom".into(), 5)
            .unwrap();
        n.associate("rtb-2", "sub-1").unwrap();
        assert_eq!(n.tables["rtb-2"].subnets, ["sub-1"]);
        n.create_table("rtb-3".into(), "vpc-1", "other".into(), 6)
            .unwrap();
        n.associate("rtb-3", "sub-1").unwrap();
        assert!(
            n.tables["rtb-2"].subnets.is_empty(),
            "a subnet has one table"
        );
        assert_eq!(
            n.associate("rtb-3", "sub-9"),
            Err(NetError::SubnetNotFound("sub-9".into()))
        );
    }

    #[test]
    fn a_small_subnet_runs_out_of_addresses() {
        let mut n = world();
        n.create_subnet(
            "sub-1".into(),
            "vpc-1",
            cidr("10.0.0.0/29"),
            "z".into(),
            String::new(),
            2,
        )
        .unwrap();
        // 8 addresses: 4 reserved, the last kept as broadcast: 3 usable.
        for _ in 0..3 {
            n.allocate_ip("sub-1").unwrap();
        }
        assert_eq!(
            n.allocate_ip("sub-1"),
            Err(NetError::SubnetFull("sub-1".into()))
        );
    }

    #[test]
    fn routes_are_created_replaced_and_deleted_by_destination() {
        let mut n = world();
        let in_vpc = |id: &str| (id == "i-1" || id == "i-2").then(|| "vpc-1".to_owned());
        let dest = cidr("0.0.0.0/0");
        let num = n
            .create_route(
                "rtb-main",
                dest,
                instance(TargetKind::Instance, "i-1"),
                &in_vpc,
            )
            .unwrap();
        assert_eq!(num, 2);
        assert_eq!(
            n.create_route(
                "rtb-main",
                dest,
                instance(TargetKind::Instance, "i-2"),
                &in_vpc
            ),
            Err(NetError::RouteExists(dest))
        );
        let previous = n
            .replace_route(
                "rtb-main",
                &dest,
                instance(TargetKind::Instance, "i-2"),
                &in_vpc,
            )
            .unwrap();
        assert_eq!(previous.id, "i-1");
        assert_eq!(
            n.replace_route(
                "rtb-main",
                &dest,
                instance(TargetKind::Instance, "i-9"),
                &in_vpc
            ),
            Err(NetError::TargetNotFound(instance(
                TargetKind::Instance,
                "i-9"
            )))
        );
        assert_eq!(
            n.tables["rtb-main"].route(&dest).unwrap().target.id,
            "i-2",
            "a refused replace changes nothing"
        );
        assert_eq!(
            n.replace_route(
                "rtb-main",
                &cidr("10.0.0.0/16"),
                instance(TargetKind::Instance, "i-1"),
                &in_vpc
            ),
            Err(NetError::SystemRoute(cidr("10.0.0.0/16")))
        );
        assert_eq!(
            n.replace_route(
                "rtb-main",
                &cidr("192.168.0.0/16"),
                instance(TargetKind::Instance, "i-1"),
                &in_vpc
            ),
            Err(NetError::RouteNotFound(cidr("192.168.0.0/16")))
        );
        assert_eq!(n.delete_route("rtb-main", &dest).unwrap().target.id, "i-2");
        assert_eq!(
            n.delete_route("rtb-main", &dest),
            Err(NetError::RouteNotFound(dest))
        );
        assert_eq!(
            n.delete_route("rtb-main", &cidr("10.0.0.0/16")),
            Err(NetError::SystemRoute(cidr("10.0.0.0/16")))
        );
    }

    #[test]
    fn gateways_must_be_attached_to_the_tables_vpc() {
        let mut n = world();
        let none = |_: &str| None;
        n.create_gateway("igw-1".into());
        let igw = instance(TargetKind::InternetGateway, "igw-1");
        let dest = cidr("0.0.0.0/0");
        assert_eq!(
            n.create_route("rtb-main", dest, igw.clone(), &none),
            Err(NetError::TargetNotFound(igw.clone()))
        );
        n.attach_gateway("igw-1", "vpc-1").unwrap();
        n.create_route("rtb-main", dest, igw, &none).unwrap();
    }

    #[test]
    fn replacing_several_routes_is_all_or_nothing() {
        let mut n = world();
        let in_vpc = |id: &str| id.starts_with("i-").then(|| "vpc-1".to_owned());
        let a = n
            .create_route(
                "rtb-main",
                cidr("10.9.0.0/16"),
                instance(TargetKind::Instance, "i-1"),
                &in_vpc,
            )
            .unwrap();
        let b = n
            .create_route_numbered(
                "rtb-main",
                Some(1001),
                cidr("10.8.0.0/16"),
                instance(TargetKind::Instance, "i-1"),
                &in_vpc,
            )
            .unwrap();
        assert_eq!(b, 1001);
        let change = |number, dest: &str, id: &str| RouteChange {
            number,
            destination: cidr(dest),
            target: instance(TargetKind::Instance, id),
        };
        let before = n.tables["rtb-main"].clone();
        // The second change names a target that does not exist: nothing changes.
        assert_eq!(
            n.replace_routes(
                "rtb-main",
                &[
                    change(a, "10.9.0.0/16", "i-2"),
                    change(b, "10.8.0.0/16", "x-9")
                ],
                &in_vpc
            ),
            Err((
                1,
                NetError::TargetNotFound(instance(TargetKind::Instance, "x-9"))
            ))
        );
        assert_eq!(n.tables["rtb-main"], before);
        for (changes, refusal) in [
            (
                vec![change(77, "10.7.0.0/16", "i-2")],
                NetError::RouteNumberNotFound(77),
            ),
            (
                vec![change(1, "10.0.0.0/16", "i-2")],
                NetError::SystemRoute(cidr("10.0.0.0/16")),
            ),
            (
                vec![change(a, "10.8.0.0/16", "i-2")],
                NetError::RouteExists(cidr("10.8.0.0/16")),
            ),
        ] {
            assert_eq!(
                n.replace_routes("rtb-main", &changes, &in_vpc),
                Err((0, refusal))
            );
        }
        // Swapping two destinations works in order.
        let done = n
            .replace_routes(
                "rtb-main",
                &[
                    change(a, "10.6.0.0/16", "i-2"),
                    change(b, "10.9.0.0/16", "i-3"),
                ],
                &in_vpc,
            )
            .unwrap();
        assert_eq!(done[0].0.target.id, "i-1");
        assert_eq!(done[1].1.destination, cidr("10.9.0.0/16"));
        assert_eq!(
            n.delete_routes("rtb-main", &[a, 5]),
            Err((1, NetError::RouteNumberNotFound(5)))
        );
        assert_eq!(
            n.tables["rtb-main"].routes.len(),
            3,
            "a refused delete keeps all"
        );
        assert_eq!(n.delete_routes("rtb-main", &[a, b]).unwrap().len(), 2);
        assert_eq!(n.tables["rtb-main"].routes.len(), 1);
    }

    #[test]
    fn quotas_bound_routes_and_tables() {
        let mut n = world();
        let any = |_: &str| Some("vpc-1".to_owned());
        for i in 0..MAX_ROUTES_PER_TABLE {
            let dest = cidr(&format!("192.168.{i}.0/24"));
            n.create_route(
                "rtb-main",
                dest,
                instance(TargetKind::Instance, "i-1"),
                &any,
            )
            .unwrap();
        }
        assert_eq!(
            n.create_route(
                "rtb-main",
                cidr("172.16.0.0/16"),
                instance(TargetKind::Instance, "i-1"),
                &any
            ),
            Err(NetError::LimitExceeded(Quota::Routes))
        );
        for i in 1..MAX_TABLES {
            n.create_table(format!("rtb-{i}"), "vpc-1", String::new(), 0)
                .unwrap();
        }
        assert!(matches!(
            n.create_table("rtb-x".into(), "vpc-1", String::new(), 0),
            Err(NetError::LimitExceeded(Quota::Tables))
        ));
        assert!(matches!(
            n.create_vpc(
                "vpc-2".into(),
                "rtb-y".into(),
                cidr("10.1.0.0/16"),
                String::new(),
                0
            ),
            Err(NetError::LimitExceeded(Quota::Tables))
        ));
    }

    #[test]
    fn a_destroyed_instance_blackholes_its_routes_where_the_vendor_does() {
        for (on_gone, want) in [
            (OnTargetGone::Blackhole, RouteState::Blackhole),
            (OnTargetGone::Keep, RouteState::Active),
        ] {
            let mut n = world();
            let in_vpc = |_: &str| Some("vpc-1".to_owned());
            let dest = cidr("0.0.0.0/0");
            n.create_route(
                "rtb-main",
                dest,
                instance(TargetKind::Instance, "i-1"),
                &in_vpc,
            )
            .unwrap();
            n.targets_gone(&|id| id != "i-1", on_gone);
            assert_eq!(n.tables["rtb-main"].route(&dest).unwrap().state, want);
        }
    }
}
