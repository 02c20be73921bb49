//! VPC `2016-04-28`: VPCs (each with its vRouter and system route table), vSwitches, custom
//! route tables and their vSwitch associations, and route entries (`CreateVpc`,
//! `CreateVSwitch`, `CreateRouteTable`, `AssociateRouteTable`, `DescribeRouteTableList` with
//! page-number paging, `DescribeRouteEntryList` with token paging, `CreateRouteEntry`,
//! `DeleteRouteEntry`, `ModifyRouteEntry`), on the shared network model.
//!
//! Wire facts kept here: ECS `2014-05-26` has actions of the same names (`CreateVpc`,
//! `CreateRouteEntry`, ...), so this table is reached by the version only; a route entry is
//! named by `RouteEntryId` (`rte-…`) or by its table and destination; next hops are
//! `NextHops.NextHop[]` of `{NextHopType, NextHopId}`; the system route table and its entries
//! are `Type: System`, the caller's `Custom`; entries are `Available` at once; the create calls
//! honour `ClientToken`. Of the next-hop kinds, only instances are checked against the world
//! (they must exist, alive, in the table's VPC); the rest are taken as given.

use serde_json::{Map, Value, json};

use super::ecs::RULES;
use super::{Handler, P, Rpc, Service};
use crate::auth::ApiError;
use crate::model::Region;
use crate::model::network::{
    Cidr, MAX_ROUTES_PER_TABLE, NetError, Route, RouteChange, RouteTable, Target, TargetKind,
};
use crate::model::tokens::TokenRecord;
use crate::server::Ctx;
use crate::util::{LOWER_ALNUM, iso8601, random_from, sha256_hex};

/// VPC as the emulator serves it.
pub(crate) const SERVICE: Service = Service {
    version: "2016-04-28",
    product: "Vpc",
    actions: ACTIONS,
};

const ACTIONS: &[(&str, Handler)] = &[
    ("CreateVpc", create_vpc),
    ("CreateVSwitch", create_vswitch),
    ("CreateRouteTable", create_route_table),
    ("AssociateRouteTable", associate_route_table),
    ("DescribeRouteTableList", describe_route_table_list),
    ("DescribeRouteEntryList", describe_route_entry_list),
    ("CreateRouteEntry", create_route_entry),
    ("DeleteRouteEntry", delete_route_entry),
    ("ModifyRouteEntry", modify_route_entry),
];

/// The next-hop types the vendor documents for custom route entries.
const NEXT_HOP_TYPES: [&str; 13] = [
    "Instance",
    "HaVip",
    "RouterInterface",
    "NetworkInterface",
    "VpnGateway",
    "IPv6Gateway",
    "NatGateway",
    "Attachment",
    "VpcPeer",
    "Ipv4Gateway",
    "GatewayEndpoint",
    "CenBasic",
    "Ecr",
];

/// The account's default resource group, which every resource joins.
const RESOURCE_GROUP: &str = "rg-acfmunicloudemu01";

/// The cloud's own range for its services: no custom route may point into it.
const SERVICE_RANGE: &str = "100.64.0.0/10";

/// The common parameters that do not make two create calls different.
pub(super) const COMMON: [&str; 6] = [
    "Signature",
    "SignatureNonce",
    "Timestamp",
    "AccessKeyId",
    "SecurityToken",
    "SignatureMethod",
];

fn new_id(prefix: &str) -> String {
    format!("{prefix}-{}", random_from(LOWER_ALNUM, 21))
}

fn derived(prefix: &str, seed: &str) -> String {
    let h = sha256_hex(seed.as_bytes());
    format!("{prefix}-{}", h.get(..21).unwrap_or_default())
}

/// The vRouter of a VPC (one each, named after it).
fn vrouter_id(vpc_id: &str) -> String {
    derived("vrt", vpc_id)
}

/// The `RouteEntryId` of route `number` of `table`: stable, so it needs no storage.
fn route_entry_id(table: &str, number: u64) -> String {
    derived("rte", &format!("{table}\n{number}"))
}

pub(super) fn e400(code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(400, code, message)
}

fn e404(code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(404, code, message)
}

/// The vendor's error for a refused network operation.
fn net_error(e: NetError) -> ApiError {
    match e {
        NetError::VpcNotFound(id) => e404(
            "InvalidVpcId.NotFound",
            format!("The specified VPC {id} does not exist."),
        ),
        NetError::SubnetNotFound(id) => e404(
            "InvalidVSwitchId.NotFound",
            format!("The specified vSwitch {id} does not exist."),
        ),
        NetError::TableNotFound(id) => e404(
            "InvalidRouteTableId.NotFound",
            format!("The specified route table {id} does not exist."),
        ),
        NetError::RouteNotFound(d) => e404(
            "InvalidRouteEntry.NotFound",
            format!("The specified route entry to {d} does not exist."),
        ),
        NetError::RouteNumberNotFound(_) => e404(
            "InvalidRouteEntry.NotFound",
            "The specified route entry does not exist.",
        ),
        NetError::RouteExists(d) => e400(
            "RouterEntryConflict.Duplicated",
            format!("A route entry to {d} already exists in the route table."),
        ),
        NetError::SubnetOutsideVpc(c) => e400(
            "InvalidCidrBlock.Malformed",
            format!("The vSwitch CIDR block {c} is not inside the VPC CIDR block."),
        ),
        NetError::SubnetOverlaps(c) => e400(
            "InvalidCidrBlock.Overlapped",
            format!("The CIDR block {c} overlaps another vSwitch of the VPC."),
        ),
        NetError::TargetNotFound(t) => match t.kind {
            TargetKind::Instance => e404(
                "InvalidInstanceId.NotFound",
                "The specified InstanceId does not exist.",
            ),
            _ => e404(
                "InvalidNextHopId.NotFound",
                format!("The specified next hop {} does not exist.", t.id),
            ),
        },
        NetError::SystemRoute(d) => e400(
            "IncorrectRouteEntryStatus",
            format!("The route entry to {d} is a system route entry and cannot be changed."),
        ),
        NetError::SubnetFull(id) => e400(
            "InvalidVSwitchId.IpNotEnough",
            format!("The vSwitch {id} has no free private IP address left."),
        ),
        NetError::LimitExceeded(q) => e400(
            "QuotaExceeded",
            format!(
                "The quota of {q:?} is used up ({MAX_ROUTES_PER_TABLE} custom route entries per table)."
            ),
        ),
    }
}

pub(super) fn region(p: &Rpc) -> Result<String, ApiError> {
    p.required("RegionId").map(str::to_owned)
}

fn cidr(name: &str, raw: &str) -> Result<Cidr, ApiError> {
    raw.parse().map_err(|_| {
        e400(
            "InvalidCidrBlock.Malformed",
            format!("The specified {name} `{raw}` is not a valid CIDR block."),
        )
    })
}

fn prefix_of(raw: &str) -> u8 {
    raw.rsplit('/')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0)
}

/// Runs `create` unless a call with the same `ClientToken` (and parameters) already did:
/// then answers with the ids it made.
pub(super) fn idempotent(
    cx: &Ctx<'_>,
    rs: &mut Region,
    now: std::time::SystemTime,
    op: &'static str,
    p: &Rpc,
    create: impl FnOnce(&mut Region) -> Result<Vec<String>, ApiError>,
) -> Result<Vec<String>, ApiError> {
    let ttl = cx.shared.token_ttl;
    let token = p.get("ClientToken").map(str::to_owned);
    let fingerprint = p.0.fingerprint(&COMMON);
    let replay = rs
        .tokens
        .replay(op, token.as_deref(), &fingerprint, now, ttl)
        .map_err(|_| {
            e400(
                "IdempotentParameterMismatch",
                "The specified parameters are different from before with the same ClientToken.",
            )
        })?;
    if let Some(rec) = replay {
        return Ok(rec.ids.clone());
    }
    let ids = create(rs)?;
    if let Some(t) = token {
        let record = TokenRecord {
            fingerprint,
            ids: ids.clone(),
            group_id: String::new(),
        };
        rs.tokens.insert(op, t, record, now, ttl);
    }
    Ok(ids)
}

fn create_vpc(cx: &Ctx<'_>, p: &Rpc) -> Result<Map<String, Value>, ApiError> {
    let region = region(p)?;
    let raw = p.get("CidrBlock").unwrap_or("172.16.0.0/12").to_owned();
    let block = cidr("CidrBlock", &raw)?;
    if !block.is_ipv4() || !(8..=28).contains(&prefix_of(&raw)) {
        return Err(e400(
            "InvalidCidrBlock.Malformed",
            format!("The VPC CIDR block {raw} must be IPv4 with a mask of /8 to /28."),
        ));
    }
    if p.flag("DryRun") {
        return Err(e400(
            "DryRunOperation",
            "Request validation has been passed with DryRun flag set.",
        ));
    }
    let name = p.get("VpcName").unwrap_or_default().to_owned();
    let tags = p.tags();
    let seq = cx.shared.world.next_seq();
    cx.shared.in_region(P, &region, &RULES, |rs, now| {
        let ids = idempotent(cx, rs, now, "CreateVpc", p, |rs| {
            let (id, table) = (new_id("vpc"), new_id("vtb"));
            rs.networks
                .create_vpc(id.clone(), table.clone(), block, name, seq)
                .map_err(net_error)?;
            if let Some(v) = rs.networks.vpcs.get_mut(&id) {
                v.tags = tags;
            }
            Ok(vec![id, table])
        })?;
        let (vpc, table) = match ids.as_slice() {
            [v, t] => (v.clone(), t.clone()),
            _ => return Err(net_error(NetError::VpcNotFound(String::new()))),
        };
        let mut out = Map::new();
        out.insert("VRouterId".into(), json!(vrouter_id(&vpc)));
        out.insert("VpcId".into(), json!(vpc));
        out.insert("RouteTableId".into(), json!(table));
        out.insert("ResourceGroupId".into(), json!(RESOURCE_GROUP));
        Ok(out)
    })
}

fn create_vswitch(cx: &Ctx<'_>, p: &Rpc) -> Result<Map<String, Value>, ApiError> {
    let region = region(p)?;
    let vpc_id = p.required("VpcId")?.to_owned();
    let zone = p.required("ZoneId")?.to_owned();
    let raw = p.required("CidrBlock")?.to_owned();
    let block = cidr("CidrBlock", &raw)?;
    if !block.is_ipv4() || !(16..=29).contains(&prefix_of(&raw)) {
        return Err(e400(
            "InvalidCidrBlock.Malformed",
            format!("The vSwitch CIDR block {raw} must be IPv4 with a mask of /16 to /29."),
        ));
    }
    let name = p.get("VSwitchName").unwrap_or_default().to_owned();
    let seq = cx.shared.world.next_seq();
    cx.shared.in_region(P, &region, &RULES, |rs, now| {
        let ids = idempotent(cx, rs, now, "CreateVSwitch", p, |rs| {
            let id = new_id("vsw");
            rs.networks
                .create_subnet(id.clone(), &vpc_id, block, zone, name, seq)
                .map_err(net_error)?;
            Ok(vec![id])
        })?;
        let mut out = Map::new();
        out.insert("VSwitchId".into(), json!(ids.first()));
        Ok(out)
    })
}

fn create_route_table(cx: &Ctx<'_>, p: &Rpc) -> Result<Map<String, Value>, ApiError> {
    let region = region(p)?;
    let vpc_id = p.required("VpcId")?.to_owned();
    if let Some(t) = p.get("AssociateType")
        && t != "VSwitch"
    {
        return Err(e400(
            "InvalidAssociateType.NotSupported",
            format!("The emulator serves route tables associated with vSwitches, not `{t}`."),
        ));
    }
    let name = p.get("RouteTableName").unwrap_or_default().to_owned();
    let description = p.get("Description").unwrap_or_default().to_owned();
    let tags = p.tags();
    let seq = cx.shared.world.next_seq();
    cx.shared.in_region(P, &region, &RULES, |rs, now| {
        let ids = idempotent(cx, rs, now, "CreateRouteTable", p, |rs| {
            let id = new_id("vtb");
            rs.networks
                .create_table(id.clone(), &vpc_id, name, seq)
                .map_err(net_error)?;
            if let Some(t) = rs.networks.tables.get_mut(&id) {
                t.tags = tags;
                t.description = description;
            }
            Ok(vec![id])
        })?;
        let mut out = Map::new();
        out.insert("RouteTableId".into(), json!(ids.first()));
        Ok(out)
    })
}

fn associate_route_table(cx: &Ctx<'_>, p: &Rpc) -> Result<Map<String, Value>, ApiError> {
    let region = region(p)?;
    let table = p.required("RouteTableId")?.to_owned();
    let vsw = p.required("VSwitchId")?.to_owned();
    cx.shared.in_region(P, &region, &RULES, |rs, _| {
        if !rs.networks.tables.contains_key(&table) {
            return Err(net_error(NetError::TableNotFound(table.clone())));
        }
        rs.networks.associate(&table, &vsw).map_err(net_error)?;
        Ok(Map::new())
    })
}

fn table_type(t: &RouteTable) -> &'static str {
    if t.main { "System" } else { "Custom" }
}

fn table_json(rs: &Region, t: &RouteTable, now: std::time::SystemTime) -> Value {
    let tags: Vec<Value> = t
        .tags
        .iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect();
    // Only custom tables list their vSwitches; the system table serves the rest implicitly.
    let vsws = if t.main {
        Vec::new()
    } else {
        rs.networks.table_subnets(t)
    };
    json!({
        "VpcId": t.vpc_id,
        "RouteTableId": t.id,
        "RouteTableName": t.name,
        "RouteTableType": table_type(t),
        "RouterId": vrouter_id(&t.vpc_id),
        "RouterType": "VRouter",
        "AssociateType": "VSwitch",
        "Status": "Available",
        "Description": t.description,
        "CreationTime": iso8601(now),
        "OwnerId": 1_234_567_890_123_456_u64,
        "ResourceGroupId": RESOURCE_GROUP,
        "RoutePropagationEnable": true,
        "Tags": {"Tag": tags},
        "VSwitchIds": {"VSwitchId": vsws},
        "GatewayIds": {"GatewayIds": []},
    })
}

fn describe_route_table_list(cx: &Ctx<'_>, p: &Rpc) -> Result<Map<String, Value>, ApiError> {
    let region = region(p)?;
    let page = p.int("PageNumber", 1, 1..=i64::from(i32::MAX))?;
    let size = p.int("PageSize", 10, 1..=50)?;
    let router_type = p.get("RouterType").unwrap_or("VRouter").to_owned();
    if !matches!(router_type.as_str(), "VRouter" | "VBR") {
        return Err(e400(
            "InvalidParameter.RouterType",
            format!("The specified RouterType `{router_type}` is not valid."),
        ));
    }
    if let Some(t) = p.get("RouteTableType")
        && !matches!(t, "System" | "Custom")
    {
        return Err(e400(
            "InvalidParameter.RouteTableType",
            format!("The specified RouteTableType `{t}` is not valid."),
        ));
    }
    let tags = p.tags();
    cx.shared.in_region(P, &region, &RULES, |rs, now| {
        let mut list = rs.networks.tables_in_order();
        // The emulator has no virtual border routers: VBR tables are none.
        if router_type == "VBR" {
            list.clear();
        }
        let field = |t: &RouteTable, name: &str| -> String {
            match name {
                "RouteTableId" => t.id.clone(),
                "VpcId" => t.vpc_id.clone(),
                "RouteTableName" => t.name.clone(),
                "RouteTableType" => table_type(t).to_owned(),
                "RouterId" => vrouter_id(&t.vpc_id),
                _ => RESOURCE_GROUP.to_owned(),
            }
        };
        for name in [
            "RouteTableId",
            "VpcId",
            "RouteTableName",
            "RouteTableType",
            "RouterId",
            "ResourceGroupId",
        ] {
            if let Some(v) = p.get(name) {
                list.retain(|t| field(t, name) == v);
            }
        }
        for (k, v) in &tags {
            list.retain(|t| {
                t.tags
                    .iter()
                    .any(|(tk, tv)| tk == k && (v.is_empty() || tv == v))
            });
        }
        let total = list.len();
        let start = usize::try_from((page - 1).saturating_mul(size)).unwrap_or(usize::MAX);
        let take = usize::try_from(size).unwrap_or(10);
        let items: Vec<Value> = list
            .iter()
            .skip(start)
            .take(take)
            .map(|t| table_json(rs, t, now))
            .collect();
        let mut out = Map::new();
        out.insert("TotalCount".into(), json!(total));
        out.insert("PageNumber".into(), json!(page));
        out.insert("PageSize".into(), json!(size));
        out.insert(
            "RouterTableList".into(),
            json!({ "RouterTableListType": items }),
        );
        Ok(out)
    })
}

/// The vendor's `NextHopType` of a next hop.
fn next_hop_type(t: &Target) -> String {
    match &t.kind {
        TargetKind::Local => "local".to_owned(),
        TargetKind::Instance => "Instance".to_owned(),
        TargetKind::NatGateway => "NatGateway".to_owned(),
        TargetKind::NetworkInterface => "NetworkInterface".to_owned(),
        TargetKind::VpnGateway => "VpnGateway".to_owned(),
        TargetKind::Peering => "VpcPeer".to_owned(),
        TargetKind::Transit => "Attachment".to_owned(),
        TargetKind::InternetGateway => "Ipv4Gateway".to_owned(),
        TargetKind::Other(k) => k.clone(),
    }
}

fn entry_json(t: &RouteTable, r: &Route, region: &str, now: std::time::SystemTime) -> Value {
    let hop_id = if r.target.kind == TargetKind::Local {
        ""
    } else {
        r.target.id.as_str()
    };
    json!({
        "RouteEntryId": route_entry_id(&t.id, r.number),
        "RouteTableId": t.id,
        "DestinationCidrBlock": r.destination.to_string(),
        "Type": if r.system { "System" } else { "Custom" },
        "Status": "Available",
        "IpVersion": if r.destination.is_ipv4() { "ipv4" } else { "ipv6" },
        "RouteEntryName": r.name,
        "Description": r.description,
        "Origin": "",
        "ServiceType": "",
        "GmtModified": iso8601(now),
        "NextHops": {"NextHop": [{
            "NextHopType": next_hop_type(&r.target),
            "NextHopId": hop_id,
            "Enabled": 1,
            "Weight": 0,
            "NextHopRegionId": region,
            "NextHopRelatedInfo": {"InstanceId": "", "InstanceType": "", "RegionId": ""},
        }]},
    })
}

fn encode_token(offset: usize) -> String {
    format!("emu{offset:016x}")
}

fn decode_token(t: &str) -> Option<usize> {
    usize::from_str_radix(t.strip_prefix("emu")?, 16).ok()
}

fn describe_route_entry_list(cx: &Ctx<'_>, p: &Rpc) -> Result<Map<String, Value>, ApiError> {
    let region = region(p)?;
    let table_id = p.required("RouteTableId")?.to_owned();
    let max = usize::try_from(p.int("MaxResult", 100, 1..=500)?).unwrap_or(100);
    let start = match p.get("NextToken") {
        None => 0,
        Some(t) => decode_token(t).ok_or_else(|| {
            e400(
                "InvalidParameter.NextToken",
                "The specified NextToken is not valid.",
            )
        })?,
    };
    if let Some(t) = p.get("RouteEntryType")
        && !matches!(t, "System" | "Custom" | "BGP")
    {
        return Err(e400(
            "InvalidParameter.RouteEntryType",
            format!("The specified RouteEntryType `{t}` is not valid."),
        ));
    }
    let destination = p
        .get("DestinationCidrBlock")
        .map(destination_param)
        .transpose()?;
    let reg = region.clone();
    cx.shared.in_region(P, &region, &RULES, |rs, now| {
        let table = rs
            .networks
            .tables
            .get(&table_id)
            .ok_or_else(|| net_error(NetError::TableNotFound(table_id.clone())))?;
        let mut list: Vec<&Route> = table.routes.iter().collect();
        if let Some(d) = &destination {
            list.retain(|r| r.destination == *d);
        }
        if let Some(id) = p.get("RouteEntryId") {
            list.retain(|r| route_entry_id(&table.id, r.number) == id);
        }
        if let Some(t) = p.get("RouteEntryType") {
            list.retain(|r| (if r.system { "System" } else { "Custom" }) == t);
        }
        if let Some(t) = p.get("NextHopType") {
            list.retain(|r| next_hop_type(&r.target) == t);
        }
        if let Some(id) = p.get("NextHopId") {
            list.retain(|r| r.target.id == id);
        }
        if let Some(n) = p.get("RouteEntryName") {
            list.retain(|r| r.name == n);
        }
        if let Some(v) = p.get("IpVersion") {
            let v4 = v.eq_ignore_ascii_case("ipv4");
            list.retain(|r| r.destination.is_ipv4() == v4);
        }
        let entries: Vec<Value> = list
            .iter()
            .skip(start)
            .take(max)
            .map(|r| entry_json(table, r, &reg, now))
            .collect();
        let next = if start.saturating_add(max) < list.len() {
            encode_token(start + max)
        } else {
            String::new()
        };
        let mut out = Map::new();
        out.insert("NextToken".into(), json!(next));
        out.insert("RouteEntrys".into(), json!({ "RouteEntry": entries }));
        Ok(out)
    })
}

/// A destination: a CIDR block, or an address taken as a /32 (/128) as the vendor does.
fn destination_param(raw: &str) -> Result<Cidr, ApiError> {
    let with_mask = if raw.contains('/') {
        raw.to_owned()
    } else if raw.contains(':') {
        format!("{raw}/128")
    } else {
        format!("{raw}/32")
    };
    cidr("DestinationCidrBlock", &with_mask)
}

/// A next hop by its type and id, checked against the world for instances.
fn next_hop(
    rs: &Region,
    vpc_id: &str,
    kind: &str,
    id: &str,
    field: &str,
) -> Result<Target, ApiError> {
    if !NEXT_HOP_TYPES.contains(&kind) {
        return Err(e400(
            "InvalidNextHopType.NotSupported",
            format!(
                "The specified {field} `{kind}` is not supported; expected one of {}.",
                NEXT_HOP_TYPES.join(", ")
            ),
        ));
    }
    let target = match kind {
        "Instance" => Target::new(TargetKind::Instance, id),
        "NatGateway" => Target::new(TargetKind::NatGateway, id),
        "NetworkInterface" => Target::new(TargetKind::NetworkInterface, id),
        "VpnGateway" => Target::new(TargetKind::VpnGateway, id),
        "VpcPeer" => Target::new(TargetKind::Peering, id),
        "Attachment" => Target::new(TargetKind::Transit, id),
        "Ipv4Gateway" => Target::new(TargetKind::InternetGateway, id),
        other => Target::new(TargetKind::Other(other.to_owned()), id),
    };
    if target.kind == TargetKind::Instance {
        let alive = rs
            .instances
            .get(id)
            .is_some_and(|i| !i.state.is_gone() && i.vpc_id == vpc_id);
        if !alive {
            return Err(net_error(NetError::TargetNotFound(target)));
        }
    } else if target.kind == TargetKind::InternetGateway {
        // The emulator's Alibaba world has no IPv4 gateways to check: take it as given.
        return Ok(Target::new(TargetKind::Other("Ipv4Gateway".into()), id));
    }
    Ok(target)
}

/// Refuses destinations the vendor forbids for custom entries: the cloud's service range
/// (or inside it), and a vSwitch's CIDR block (or inside one) of the table's VPC.
fn destination_allowed(rs: &Region, table: &RouteTable, d: &Cidr) -> Result<(), ApiError> {
    if let Ok(service) = SERVICE_RANGE.parse::<Cidr>()
        && d.within(&service)
    {
        return Err(e400(
            "InvalidCidrBlock.Malformed",
            format!("The destination {d} lies in {SERVICE_RANGE}, which the cloud keeps."),
        ));
    }
    if let Some(vsw) = rs
        .networks
        .subnets
        .values()
        .find(|s| s.vpc_id == table.vpc_id && d.within(&s.cidr))
    {
        return Err(e400(
            "InvalidCidrBlock.Overlapped",
            format!(
                "The destination {d} is the CIDR block of vSwitch {} or lies inside it.",
                vsw.id
            ),
        ));
    }
    Ok(())
}

/// An instance check for the model: the live instances of the region and their VPC.
fn instance_vpc(rs: &Region) -> Vec<(String, String)> {
    rs.instances
        .list()
        .into_iter()
        .filter(|i| !i.state.is_gone())
        .map(|i| (i.id.clone(), i.vpc_id.clone()))
        .collect()
}

fn lookup(v: &[(String, String)]) -> impl Fn(&str) -> Option<String> + '_ {
    |id: &str| v.iter().find(|(i, _)| i == id).map(|(_, vpc)| vpc.clone())
}

fn create_route_entry(cx: &Ctx<'_>, p: &Rpc) -> Result<Map<String, Value>, ApiError> {
    let region = region(p)?;
    let table_id = p.required("RouteTableId")?.to_owned();
    let dest = destination_param(p.required("DestinationCidrBlock")?)?;
    if p.get("NextHopList.1.NextHopType").is_some() || p.get("NextHopList.1.NextHopId").is_some() {
        return Err(e400(
            "InvalidParameter.NextHopList",
            "ECMP route entries (NextHopList) are not served by the emulator; give NextHopType and NextHopId.",
        ));
    }
    let kind = p.required("NextHopType")?.to_owned();
    let hop = p.required("NextHopId")?.to_owned();
    let name = p.get("RouteEntryName").unwrap_or_default().to_owned();
    let description = p.get("Description").unwrap_or_default().to_owned();
    cx.shared.in_region(P, &region, &RULES, |rs, now| {
        let ids = idempotent(cx, rs, now, "CreateRouteEntry", p, |rs| {
            let table = rs
                .networks
                .tables
                .get(&table_id)
                .cloned()
                .ok_or_else(|| net_error(NetError::TableNotFound(table_id.clone())))?;
            destination_allowed(rs, &table, &dest)?;
            let target = next_hop(rs, &table.vpc_id, &kind, &hop, "NextHopType")?;
            let vpcs = instance_vpc(rs);
            let number = rs
                .networks
                .create_route(&table_id, dest, target, &lookup(&vpcs))
                .map_err(net_error)?;
            if let Some(r) = rs
                .networks
                .tables
                .get_mut(&table_id)
                .and_then(|t| t.route_numbered_mut(number))
            {
                r.name = name;
                r.description = description;
            }
            Ok(vec![route_entry_id(&table_id, number)])
        })?;
        let mut out = Map::new();
        out.insert("RouteEntryId".into(), json!(ids.first()));
        Ok(out)
    })
}

/// The (table, route number) a request names: by `RouteEntryId`, or by `RouteTableId` and
/// `DestinationCidrBlock`.
fn find_entry(rs: &Region, p: &Rpc) -> Result<(String, u64), ApiError> {
    if let Some(id) = p.get("RouteEntryId") {
        let found = rs.networks.tables.values().find_map(|t| {
            t.routes
                .iter()
                .find(|r| route_entry_id(&t.id, r.number) == id)
                .map(|r| (t.id.clone(), r.number))
        });
        let (table, number) = found.ok_or_else(|| {
            e404(
                "InvalidRouteEntry.NotFound",
                format!("The specified route entry {id} does not exist."),
            )
        })?;
        if let Some(t) = p.get("RouteTableId")
            && t != table
        {
            return Err(e404(
                "InvalidRouteEntry.NotFound",
                format!("The route entry {id} is not in the route table {t}."),
            ));
        }
        return Ok((table, number));
    }
    let table_id = p.required("RouteTableId").map_err(|_| {
        e400(
            "MissingParameter",
            "The input parameter \"RouteEntryId\" (or \"RouteTableId\" with \"DestinationCidrBlock\") that is mandatory for processing this request is not supplied.",
        )
    })?;
    let dest = destination_param(p.required("DestinationCidrBlock")?)?;
    let table = rs
        .networks
        .tables
        .get(table_id)
        .ok_or_else(|| net_error(NetError::TableNotFound(table_id.to_owned())))?;
    let route = table
        .route(&dest)
        .ok_or_else(|| net_error(NetError::RouteNotFound(dest)))?;
    Ok((table.id.clone(), route.number))
}

fn delete_route_entry(cx: &Ctx<'_>, p: &Rpc) -> Result<Map<String, Value>, ApiError> {
    let region = region(p)?;
    cx.shared.in_region(P, &region, &RULES, |rs, _| {
        let (table, number) = find_entry(rs, p)?;
        if let Some(hop) = p.get("NextHopId") {
            let matches = rs
                .networks
                .tables
                .get(&table)
                .and_then(|t| t.route_numbered(number))
                .is_some_and(|r| r.target.id == hop);
            if !matches {
                return Err(e404(
                    "InvalidRouteEntry.NotFound",
                    format!("The route entry has no next hop {hop}."),
                ));
            }
        }
        rs.networks
            .delete_routes(&table, &[number])
            .map_err(|(_, e)| net_error(e))?;
        Ok(Map::new())
    })
}

fn modify_route_entry(cx: &Ctx<'_>, p: &Rpc) -> Result<Map<String, Value>, ApiError> {
    let region = region(p)?;
    let new_type = p.get("NewNextHopType").map(str::to_owned);
    let new_id = p.get("NewNextHopId").map(str::to_owned);
    let name = p.get("RouteEntryName").map(str::to_owned);
    let description = p.get("Description").map(str::to_owned);
    cx.shared.in_region(P, &region, &RULES, |rs, _| {
        let (table_id, number) = find_entry(rs, p)?;
        let table = rs
            .networks
            .tables
            .get(&table_id)
            .cloned()
            .ok_or_else(|| net_error(NetError::TableNotFound(table_id.clone())))?;
        let route = table
            .route_numbered(number)
            .cloned()
            .ok_or_else(|| net_error(NetError::RouteNumberNotFound(number)))?;
        if route.system {
            return Err(net_error(NetError::SystemRoute(route.destination)));
        }
        match (&new_type, &new_id) {
            (Some(kind), Some(id)) => {
                let target = next_hop(rs, &table.vpc_id, kind, id, "NewNextHopType")?;
                let vpcs = instance_vpc(rs);
                let change = RouteChange {
                    number,
                    destination: route.destination,
                    target,
                };
                rs.networks
                    .replace_routes(&table_id, &[change], &lookup(&vpcs))
                    .map_err(|(_, e)| net_error(e))?;
            }
            (None, None) => {}
            (Some(_), None) | (None, Some(_)) => {
                let absent = if new_type.is_none() {
                    "NewNextHopType"
                } else {
                    "NewNextHopId"
                };
                return Err(e400(
                    "MissingParameter",
                    format!("The input parameter \"{absent}\" that is mandatory for processing this request is not supplied."),
                ));
            }
        }
        if let Some(r) = rs
            .networks
            .tables
            .get_mut(&table_id)
            .and_then(|t| t.route_numbered_mut(number))
        {
            if let Some(n) = name {
                r.name = n;
            }
            if let Some(d) = description {
                r.description = d;
            }
        }
        Ok(Map::new())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_stable_and_shaped() {
        let a = route_entry_id("vtb-1", 7);
        assert_eq!(a, route_entry_id("vtb-1", 7));
        assert_ne!(a, route_entry_id("vtb-1", 8));
        assert!(a.starts_with("rte-") && a.len() == 25, "{a}");
        assert!(vrouter_id("vpc-1").starts_with("vrt-"));
    }

    #[test]
    fn destinations_without_a_mask_are_hosts() {
        assert_eq!(
            destination_param("10.0.0.1").unwrap().to_string(),
            "10.0.0.1/32"
        );
        assert_eq!(
            destination_param("2001:db8::1").unwrap().to_string(),
            "2001:db8::1/128"
        );
        assert!(destination_param("10.0.0.1/16").is_err());
    }

    #[test]
    fn page_tokens_round_trip() {
        assert_eq!(decode_token(&encode_token(42)), Some(42));
        assert_eq!(decode_token("x"), None);
    }
}
