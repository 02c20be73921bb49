//! The unified route-table model: what every backend returns and accepts.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::Serialize;
use unicloud_core::{Error, Provider};

/// An IPv4 or IPv6 network in CIDR notation, its address the network's first (`10.0.0.0/16`,
/// `2001:db8::/32`).
///
/// Parsing refuses what the clouds refuse, before any request: a missing or out-of-range
/// prefix length, an address that is not one, and host bits set (`10.0.0.1/16`; the message
/// names the network meant).
///
/// ```
/// use unicloud_network::Cidr;
///
/// let c: Cidr = "10.1.0.0/16".parse()?;
/// assert!(c.is_ipv4());
/// assert_eq!(c.to_string(), "10.1.0.0/16");
/// assert!("10.1.0.1/16".parse::<Cidr>().is_err());
/// assert!("2001:db8::/32".parse::<Cidr>()?.is_ipv6());
/// # Ok::<(), unicloud_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// The network address.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether this is an IPv4 network.
    pub fn is_ipv4(&self) -> bool {
        self.addr.is_ipv4()
    }

    /// Whether this is an IPv6 network.
    pub fn is_ipv6(&self) -> bool {
        self.addr.is_ipv6()
    }
}

/// `s` shortened and escaped for a message.
pub(crate) fn shown(s: &str) -> String {
    let mut out: String = s.chars().take(60).flat_map(char::escape_debug).collect();
    if s.chars().count() > 60 {
        out.push('…');
    }
    out
}

impl FromStr for Cidr {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = |why: &str| Error::invalid_input(format!("`{}` is not a CIDR: {why}", shown(s)));
        let (addr, prefix) = s
            .split_once('/')
            .ok_or_else(|| bad("expected ADDRESS/PREFIX, e.g. 10.0.0.0/16"))?;
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| bad("the address is not an IPv4 or IPv6 address"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix: u8 = prefix
            .parse()
            .ok()
            .filter(|p| *p <= max && !prefix.starts_with('+'))
            .ok_or_else(|| bad(&format!("the prefix length must be 0 to {max}")))?;
        let network = mask(addr, prefix);
        if network != addr {
            return Err(bad(&format!(
                "host bits are set (the network is {network}/{prefix})"
            )));
        }
        Ok(Cidr { addr, prefix })
    }
}

/// `addr` with every bit after `prefix` cleared.
fn mask(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let bits = u32::from(a);
            let m = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4((bits & m).into())
        }
        IpAddr::V6(a) => {
            let bits = u128::from(a);
            let m = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6((bits & m).into())
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl Serialize for Cidr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The kind of a route's next hop. The vendor names of each are in the
/// [crate docs](crate#route-targets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum TargetKind {
    /// An internet gateway.
    InternetGateway,
    /// A NAT gateway.
    NatGateway,
    /// An instance (on Tencent Cloud addressed by its private IP).
    Instance,
    /// A network interface.
    NetworkInterface,
    /// A VPN gateway.
    VpnGateway,
    /// A VPC peering connection.
    PeeringConnection,
    /// AWS transit gateway, Tencent Cloud CCN, Alibaba Cloud CEN transit-router attachment.
    TransitGateway,
    /// The VPC's own network.
    Local,
}

impl TargetKind {
    /// Every kind, in the order of the CLI's list.
    pub const ALL: [TargetKind; 8] = [
        TargetKind::InternetGateway,
        TargetKind::NatGateway,
        TargetKind::Instance,
        TargetKind::NetworkInterface,
        TargetKind::VpnGateway,
        TargetKind::PeeringConnection,
        TargetKind::TransitGateway,
        TargetKind::Local,
    ];

    /// The short name used in `KIND:ID` strings (`igw`, `nat`, `instance`, `eni`, `vpn`,
    /// `peering`, `transit`, `local`).
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::InternetGateway => "igw",
            TargetKind::NatGateway => "nat",
            TargetKind::Instance => "instance",
            TargetKind::NetworkInterface => "eni",
            TargetKind::VpnGateway => "vpn",
            TargetKind::PeeringConnection => "peering",
            TargetKind::TransitGateway => "transit",
            TargetKind::Local => "local",
        }
    }

    fn from_name(s: &str) -> Option<TargetKind> {
        Some(match s {
            "igw" | "internet-gateway" => TargetKind::InternetGateway,
            "nat" | "nat-gateway" => TargetKind::NatGateway,
            "instance" => TargetKind::Instance,
            "eni" | "network-interface" => TargetKind::NetworkInterface,
            "vpn" | "vpn-gateway" => TargetKind::VpnGateway,
            "peering" | "pcx" => TargetKind::PeeringConnection,
            "transit" | "tgw" | "ccn" | "cen" => TargetKind::TransitGateway,
            "local" => TargetKind::Local,
            _ => return None,
        })
    }
}

impl fmt::Display for TargetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A route's next hop: a kind and the vendor's id of the target.
///
/// The string form `KIND:ID` (`instance:i-0abc…`, `nat:nat-0123…`, `local`) is what the CLI
/// takes; `other:VENDOR_TYPE:ID` names a next-hop type unicloud has no kind for, in the
/// vendor's own words (e.g. `other:EgressOnlyInternetGatewayId:eigw-…` on AWS,
/// `other:HAVIP:havip-…` on Tencent Cloud).
///
/// ```
/// use unicloud_network::{RouteTarget, TargetKind};
///
/// let t: RouteTarget = "instance:i-0123456789abcdef0".parse()?;
/// assert_eq!(t.kind(), Some(TargetKind::Instance));
/// assert_eq!(t.id(), "i-0123456789abcdef0");
/// assert_eq!(t.to_string(), "instance:i-0123456789abcdef0");
/// assert_eq!("local".parse::<RouteTarget>()?, RouteTarget::local());
/// # Ok::<(), unicloud_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RouteTarget {
    /// A target of a kind unicloud knows.
    Known {
        /// The kind.
        kind: TargetKind,
        /// The vendor's id (`local` for [`TargetKind::Local`] on AWS).
        id: String,
    },
    /// A next-hop type unicloud has no kind for, in the vendor's words.
    Other {
        /// The vendor's next-hop type (AWS: the request field, e.g. `CarrierGatewayId`;
        /// Tencent: `GatewayType`; Alibaba: `NextHopType`).
        vendor_type: String,
        /// The vendor's id.
        id: String,
    },
}

impl RouteTarget {
    /// A target of `kind`.
    pub fn new(kind: TargetKind, id: impl Into<String>) -> Self {
        RouteTarget::Known {
            kind,
            id: id.into(),
        }
    }

    /// An instance (on Tencent Cloud its `ins-` id or its private IP).
    pub fn instance(id: impl Into<String>) -> Self {
        Self::new(TargetKind::Instance, id)
    }

    /// The VPC's own network.
    pub fn local() -> Self {
        Self::new(TargetKind::Local, "local")
    }

    /// A next-hop type unicloud has no kind for.
    pub fn other(vendor_type: impl Into<String>, id: impl Into<String>) -> Self {
        RouteTarget::Other {
            vendor_type: vendor_type.into(),
            id: id.into(),
        }
    }

    /// The kind, or `None` for [`RouteTarget::Other`].
    pub fn kind(&self) -> Option<TargetKind> {
        match self {
            RouteTarget::Known { kind, .. } => Some(*kind),
            RouteTarget::Other { .. } => None,
        }
    }

    /// The vendor's id of the target.
    pub fn id(&self) -> &str {
        match self {
            RouteTarget::Known { id, .. } | RouteTarget::Other { id, .. } => id,
        }
    }
}

impl fmt::Display for RouteTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteTarget::Known {
                kind: TargetKind::Local,
                id,
            } if id == "local" => f.write_str("local"),
            RouteTarget::Known { kind, id } => write!(f, "{kind}:{id}"),
            RouteTarget::Other { vendor_type, id } => write!(f, "other:{vendor_type}:{id}"),
        }
    }
}

impl FromStr for RouteTarget {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = |why: String| {
            Error::invalid_input(format!("`{}` is not a route target: {why}", shown(s)))
        };
        if s == "local" {
            return Ok(RouteTarget::local());
        }
        let (kind, id) = s.split_once(':').ok_or_else(|| {
            bad("expected KIND:ID (kinds: igw, nat, instance, eni, vpn, peering, transit, local, other:TYPE:ID)".into())
        })?;
        let well_formed = |id: &str| {
            !id.is_empty()
                && id.len() <= 256
                && id
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && b != b',' && b != b'=')
        };
        if kind == "other" {
            let (vendor_type, id) = id
                .split_once(':')
                .ok_or_else(|| bad("expected other:VENDOR_TYPE:ID".into()))?;
            if !well_formed(vendor_type) || !well_formed(id) {
                return Err(bad(
                    "the type and the id must be non-empty and printable".into()
                ));
            }
            return Ok(RouteTarget::other(vendor_type, id));
        }
        let kind = TargetKind::from_name(kind)
            .ok_or_else(|| bad(format!("unknown kind `{}`", shown(kind))))?;
        if !well_formed(id) {
            return Err(bad("the id must be non-empty and printable".into()));
        }
        Ok(RouteTarget::new(kind, id))
    }
}

impl Serialize for RouteTarget {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("RouteTarget", 2)?;
        match self {
            RouteTarget::Known { kind, id } => {
                st.serialize_field("Kind", kind.as_str())?;
                st.serialize_field("Id", id)?;
            }
            RouteTarget::Other { vendor_type, id } => {
                st.serialize_field("Kind", &format!("other:{vendor_type}"))?;
                st.serialize_field("Id", id)?;
            }
        }
        st.end()
    }
}

/// Whether a route carries traffic.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RouteState {
    /// In use.
    Active,
    /// Its target is gone (AWS `blackhole`): traffic is dropped.
    Blackhole,
    /// Turned off by the user (Tencent Cloud `Enabled=false`).
    Disabled,
    /// Being created or changed (Alibaba Cloud `Pending`, `Modifying`).
    Pending,
    /// A state unicloud does not know, in the vendor's words.
    Unknown(String),
}

impl RouteState {
    /// The unified name (`active`, `blackhole`, `disabled`, `pending`, or the vendor's word).
    pub fn as_str(&self) -> &str {
        match self {
            RouteState::Active => "active",
            RouteState::Blackhole => "blackhole",
            RouteState::Disabled => "disabled",
            RouteState::Pending => "pending",
            RouteState::Unknown(raw) => raw,
        }
    }
}

impl fmt::Display for RouteState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who made a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RouteOrigin {
    /// The cloud, with the table (the VPC's local route, Alibaba's system routes).
    System,
    /// A user.
    Custom,
    /// Learned from a gateway or peered network (AWS route propagation, Tencent CCN, Alibaba BGP/CEN).
    Propagated,
}

impl RouteOrigin {
    /// `system`, `custom` or `propagated`.
    pub fn as_str(self) -> &'static str {
        match self {
            RouteOrigin::System => "system",
            RouteOrigin::Custom => "custom",
            RouteOrigin::Propagated => "propagated",
        }
    }
}

/// One route of a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Route {
    /// Where the traffic goes.
    pub destination: Cidr,
    /// The next hop.
    pub target: RouteTarget,
    /// Whether it carries traffic.
    #[serde(serialize_with = "ser_display")]
    pub state: RouteState,
    /// Who made it.
    #[serde(serialize_with = "ser_origin")]
    pub origin: RouteOrigin,
    /// The vendor's own id of the route where it has one (Tencent `RouteId`, Alibaba
    /// `RouteEntryId`; AWS routes have none).
    pub route_id: Option<String>,
}

impl Route {
    /// A custom, active route.
    pub fn new(destination: Cidr, target: RouteTarget) -> Self {
        Self {
            destination,
            target,
            state: RouteState::Active,
            origin: RouteOrigin::Custom,
            route_id: None,
        }
    }
}

fn ser_display<S: serde::Serializer, T: fmt::Display>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

fn ser_origin<S: serde::Serializer>(v: &RouteOrigin, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.as_str())
}

/// A route table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct RouteTable {
    /// Which cloud it is on.
    #[serde(serialize_with = "ser_display")]
    pub provider: Provider,
    /// Its id (`rtb-…` on AWS and Tencent Cloud, `vtb-…` on Alibaba Cloud).
    pub id: String,
    /// The VPC it belongs to.
    pub vpc_id: String,
    /// Its name (AWS: the `Name` tag), when it has one.
    pub name: Option<String>,
    /// Whether it is the VPC's main (default, system) table.
    pub main: bool,
    /// The subnets (vSwitches) explicitly associated with it.
    pub subnets: Vec<String>,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
    /// Its routes.
    pub routes: Vec<Route>,
}

impl RouteTable {
    /// A table with no routes, subnets or tags.
    pub fn new(provider: Provider, id: impl Into<String>, vpc_id: impl Into<String>) -> Self {
        Self {
            provider,
            id: id.into(),
            vpc_id: vpc_id.into(),
            name: None,
            main: false,
            subnets: Vec::new(),
            tags: BTreeMap::new(),
            routes: Vec::new(),
        }
    }

    /// The route to `destination`, if the table has one.
    pub fn route(&self, destination: &Cidr) -> Option<&Route> {
        self.routes.iter().find(|r| r.destination == *destination)
    }

    /// The value of tag `key`.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags.get(key).map(String::as_str)
    }
}

/// One route to create or replace: a destination and its (new) target.
///
/// The string form `CIDR=TARGET` (`10.0.0.0/16=instance:i-0abc…`) is what the CLI's
/// `--route` takes.
///
/// ```
/// use unicloud_network::RouteChange;
///
/// let c: RouteChange = "10.9.0.0/16=nat:nat-0123456789abcdef0".parse()?;
/// assert_eq!(c.destination.to_string(), "10.9.0.0/16");
/// assert_eq!(c.target.id(), "nat-0123456789abcdef0");
/// # Ok::<(), unicloud_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct RouteChange {
    /// The route's destination.
    pub destination: Cidr,
    /// Its target.
    pub target: RouteTarget,
}

impl RouteChange {
    /// A change of `destination` (parsed and checked) to `target`.
    pub fn new(destination: &str, target: RouteTarget) -> Result<Self, Error> {
        Ok(Self {
            destination: destination.parse()?,
            target,
        })
    }
}

impl FromStr for RouteChange {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let (cidr, target) = s.split_once('=').ok_or_else(|| {
            Error::invalid_input(format!(
                "`{}` is not a route: expected CIDR=KIND:ID, e.g. 10.0.0.0/16=instance:i-0123456789abcdef0",
                shown(s)
            ))
        })?;
        Ok(Self {
            destination: cidr.parse()?,
            target: target.parse()?,
        })
    }
}

/// What a create, replace or delete did to one route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct RouteUpdate {
    /// The route's destination.
    pub destination: Cidr,
    /// Its target before the call (`None`: the route was created).
    pub previous: Option<RouteTarget>,
    /// Its target after the call (`None`: the route was deleted).
    pub current: Option<RouteTarget>,
}

/// How a failed batch left one route (see [`ChangeReport`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum RouteLeft {
    /// Never changed.
    Unchanged,
    /// Changed, then restored to its previous target.
    RolledBack,
    /// Changed as asked and not restored (its rollback failed).
    Changed,
    /// Unknown: the call or its rollback failed without saying whether it was applied.
    Unknown,
}

/// One route of a failed batch: what was asked and where it was left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct RouteOutcome {
    /// The route's destination.
    pub destination: Cidr,
    /// Its target before the call (`None`: it did not exist).
    pub previous: Option<RouteTarget>,
    /// The target asked for (`None`: asked to delete it).
    pub requested: Option<RouteTarget>,
    /// Where it was left.
    pub left: RouteLeft,
}

/// The per-route account of a batch that failed part-way, attached to the error as its
/// [source](std::error::Error::source) (get it back with [`ChangeReport::of`]).
///
/// After a successful rollback every route is [`RouteLeft::Unchanged`] or
/// [`RouteLeft::RolledBack`] and the error keeps the kind of the failure that stopped the
/// batch; when the rollback fails too, the error is
/// [`ErrorKind::PartialFailure`](unicloud_core::ErrorKind::PartialFailure) and some routes
/// are [`RouteLeft::Changed`] or [`RouteLeft::Unknown`].
#[derive(Debug)]
#[non_exhaustive]
pub struct ChangeReport {
    /// The table.
    pub table_id: String,
    /// Every route of the batch, in the order given.
    pub routes: Vec<RouteOutcome>,
    /// The failure that stopped the batch.
    pub cause: Error,
}

impl ChangeReport {
    /// The report attached to `err`, if `err` comes from a batch that failed part-way.
    pub fn of(err: &Error) -> Option<&ChangeReport> {
        std::error::Error::source(err).and_then(|s| s.downcast_ref::<ChangeReport>())
    }

    /// The routes left in `left`.
    pub fn left(&self, left: RouteLeft) -> impl Iterator<Item = &RouteOutcome> {
        self.routes.iter().filter(move |r| r.left == left)
    }
}

impl fmt::Display for ChangeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "table {}:", self.table_id)?;
        for r in &self.routes {
            let left = match r.left {
                RouteLeft::Unchanged => "unchanged",
                RouteLeft::RolledBack => "rolled back",
                RouteLeft::Changed => "changed",
                RouteLeft::Unknown => "unknown",
            };
            write!(f, " {} {left};", r.destination)?;
        }
        write!(f, " cause: {}", self.cause)
    }
}

impl std::error::Error for ChangeReport {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.cause)
    }
}

/// A unified route-table filter key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum FilterKey {
    /// `vpc`: the table's VPC id.
    Vpc,
    /// `name`: the table's name (exact).
    Name,
    /// `subnet`: a subnet (vSwitch) associated with the table.
    Subnet,
    /// `tag:<key>`: the value of a tag.
    Tag(String),
}

impl FilterKey {
    fn parse(s: &str) -> Result<Self, Error> {
        Ok(match s {
            "vpc" => FilterKey::Vpc,
            "name" => FilterKey::Name,
            "subnet" => FilterKey::Subnet,
            _ => match s.strip_prefix("tag:") {
                Some(k) if !k.is_empty() && k.len() <= 128 => FilterKey::Tag(k.to_owned()),
                _ => {
                    return Err(Error::invalid_input(format!(
                        "unknown route-table filter `{}` (known: vpc, name, subnet, tag:<key>)",
                        shown(s)
                    )));
                }
            },
        })
    }
}

/// Route-table filters on the unified keys: a table passes when, for every key given, one of
/// its values matches. Sent natively where the vendor can, and always re-checked client-side.
///
/// ```
/// use unicloud_network::RouteTableFilters;
///
/// let f = RouteTableFilters::new().vpc(["vpc-0123456789abcdef0"]).tag("env", ["prod"]);
/// let same = RouteTableFilters::parse(["vpc=vpc-0123456789abcdef0", "tag:env=prod"])?;
/// assert_eq!(f, same);
/// # Ok::<(), unicloud_core::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteTableFilters {
    map: BTreeMap<FilterKey, Vec<String>>,
}

impl RouteTableFilters {
    /// No filter: every table.
    pub fn new() -> Self {
        Self::default()
    }

    fn add<I, S>(mut self, key: FilterKey, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let entry = self.map.entry(key).or_default();
        for v in values {
            let v = v.into();
            if !entry.contains(&v) {
                entry.push(v);
            }
        }
        self
    }

    /// Tables of one of these VPCs.
    #[must_use]
    pub fn vpc<I: IntoIterator<Item = S>, S: Into<String>>(self, ids: I) -> Self {
        self.add(FilterKey::Vpc, ids)
    }

    /// Tables named exactly one of these.
    #[must_use]
    pub fn name<I: IntoIterator<Item = S>, S: Into<String>>(self, names: I) -> Self {
        self.add(FilterKey::Name, names)
    }

    /// Tables associated with one of these subnets (vSwitches).
    #[must_use]
    pub fn subnet<I: IntoIterator<Item = S>, S: Into<String>>(self, ids: I) -> Self {
        self.add(FilterKey::Subnet, ids)
    }

    /// Tables whose tag `key` has one of these values.
    #[must_use]
    pub fn tag<I: IntoIterator<Item = S>, S: Into<String>>(
        self,
        key: impl Into<String>,
        values: I,
    ) -> Self {
        self.add(FilterKey::Tag(key.into()), values)
    }

    /// Parses `KEY=VALUE[,VALUE…]` pairs (the CLI's `--filter`); repeated keys add values.
    pub fn parse<I: IntoIterator<Item = S>, S: AsRef<str>>(pairs: I) -> Result<Self, Error> {
        let mut out = Self::new();
        for pair in pairs {
            let pair = pair.as_ref();
            let (k, v) = pair.split_once('=').ok_or_else(|| {
                Error::invalid_input(format!(
                    "`{}` is not a filter: expected KEY=VALUE (keys: vpc, name, subnet, tag:<key>)",
                    shown(pair)
                ))
            })?;
            let values: Vec<&str> = v.split(',').collect();
            if values.iter().any(|v| v.is_empty()) {
                return Err(Error::invalid_input(format!(
                    "filter `{}` has an empty value",
                    shown(k)
                )));
            }
            out = out.add(FilterKey::parse(k)?, values);
        }
        Ok(out)
    }

    /// Whether no filter is set.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The values of `key`, if it is set.
    pub fn values(&self, key: &FilterKey) -> Option<&[String]> {
        self.map.get(key).map(Vec::as_slice)
    }

    /// Every key with its values.
    pub fn iter(&self) -> impl Iterator<Item = (&FilterKey, &[String])> {
        self.map.iter().map(|(k, v)| (k, v.as_slice()))
    }

    /// Whether `table` passes every filter.
    pub fn matches(&self, table: &RouteTable) -> bool {
        self.map.iter().all(|(key, values)| match key {
            FilterKey::Vpc => values.contains(&table.vpc_id),
            FilterKey::Name => table.name.as_ref().is_some_and(|n| values.contains(n)),
            FilterKey::Subnet => table.subnets.iter().any(|s| values.contains(s)),
            FilterKey::Tag(k) => table.tags.get(k).is_some_and(|v| values.contains(v)),
        })
    }
}

/// Which route tables to describe: some ids (none for every table) and filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RouteTableQuery {
    /// Table ids; empty for every table.
    pub ids: Vec<String>,
    /// Filters applied to the tables found.
    pub filters: RouteTableFilters,
}

impl RouteTableQuery {
    /// Every table.
    pub fn all() -> Self {
        Self::default()
    }

    /// The tables with these ids.
    pub fn ids<I: IntoIterator<Item = S>, S: Into<String>>(ids: I) -> Self {
        Self {
            ids: ids.into_iter().map(Into::into).collect(),
            filters: RouteTableFilters::new(),
        }
    }

    /// Adds filters.
    #[must_use]
    pub fn filters(mut self, filters: RouteTableFilters) -> Self {
        self.filters = filters;
        self
    }
}

impl From<RouteTableFilters> for RouteTableQuery {
    fn from(filters: RouteTableFilters) -> Self {
        Self {
            ids: Vec::new(),
            filters,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn cidrs_are_checked() {
        for ok in [
            "10.0.0.0/16",
            "0.0.0.0/0",
            "192.168.1.7/32",
            "2001:db8::/32",
            "::/0",
        ] {
            assert_eq!(ok.parse::<Cidr>().unwrap().to_string(), ok);
        }
        for bad in [
            "",
            "10.0.0.0",
            "10.0.0.0/33",
            "10.0.0.0/-1",
            "10.0.0.0/+8",
            "10.0.0/8",
            "10.0.0.1/16",
            "2001:db8::1/32",
            "2001:db8::/129",
            "x/8",
            "10.0.0.0/16/1",
            "10.0.0.0/ 16",
        ] {
            let e = bad.parse::<Cidr>().unwrap_err();
            assert_eq!(e.kind(), unicloud_core::ErrorKind::InvalidInput, "{bad}");
        }
        let e = "10.0.0.1/16".parse::<Cidr>().unwrap_err();
        assert!(e.message().contains("10.0.0.0/16"), "{e}");
    }

    #[test]
    fn targets_parse_and_print_round_trip() {
        for s in [
            "local",
            "igw:igw-0123",
            "nat:nat-1",
            "instance:10.0.0.5",
            "eni:eni-1",
            "vpn:vgw-1",
            "peering:pcx-1",
            "transit:tgw-1",
            "other:HAVIP:havip-1",
        ] {
            assert_eq!(s.parse::<RouteTarget>().unwrap().to_string(), s);
        }
        assert_eq!(
            "ccn:ccn-1".parse::<RouteTarget>().unwrap(),
            RouteTarget::new(TargetKind::TransitGateway, "ccn-1")
        );
        for bad in [
            "", "igw", "igw:", "bogus:1", "other:X", "other::1", "nat:a b", "nat:a,b",
        ] {
            assert!(bad.parse::<RouteTarget>().is_err(), "{bad}");
        }
        for k in TargetKind::ALL {
            assert_eq!(TargetKind::from_name(k.as_str()), Some(k));
        }
    }

    #[test]
    fn changes_and_filters_parse() {
        let c: RouteChange = "10.1.0.0/16=instance:i-1".parse().unwrap();
        assert_eq!(c.target, RouteTarget::instance("i-1"));
        assert!("10.1.0.0/16".parse::<RouteChange>().is_err());
        assert!("10.1.0.1/16=local".parse::<RouteChange>().is_err());
        let f = RouteTableFilters::parse(["vpc=vpc-1,vpc-2", "tag:env=prod", "vpc=vpc-3"]).unwrap();
        assert_eq!(
            f.values(&FilterKey::Vpc).unwrap(),
            ["vpc-1", "vpc-2", "vpc-3"]
        );
        for bad in ["vpc", "zone=a", "tag:=x", "vpc=", "vpc=a,,b"] {
            assert!(RouteTableFilters::parse([bad]).is_err(), "{bad}");
        }
        let mut t = RouteTable::new(Provider::Aws, "rtb-1", "vpc-2");
        t.subnets.push("subnet-1".into());
        t.tags.insert("env".into(), "prod".into());
        assert!(f.matches(&t));
        assert!(!RouteTableFilters::new().name(["x"]).matches(&t));
        assert!(RouteTableFilters::new().subnet(["subnet-1"]).matches(&t));
        assert!(!RouteTableFilters::new().tag("env", ["dev"]).matches(&t));
    }

    #[test]
    fn json_uses_pascal_case() {
        let mut t = RouteTable::new(Provider::Tencent, "rtb-1", "vpc-1");
        t.routes.push(Route::new(
            "10.0.0.0/8".parse().unwrap(),
            RouteTarget::instance("10.1.0.4"),
        ));
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(v["Id"], "rtb-1");
        assert_eq!(v["Routes"][0]["Destination"], "10.0.0.0/8");
        assert_eq!(v["Routes"][0]["Target"]["Kind"], "instance");
        assert_eq!(v["Routes"][0]["State"], "active");
        assert_eq!(v["Routes"][0]["Origin"], "custom");
    }
}
