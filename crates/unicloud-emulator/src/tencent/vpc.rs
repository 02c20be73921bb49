//! VPC `2017-03-12`: VPCs (each with its default route table), subnets, route tables and
//! routes (`CreateVpc`, `CreateSubnet`, `CreateRouteTable`, `DescribeRouteTables` with filters
//! and offset paging, `CreateRoutes`, `ReplaceRoutes`, `DeleteRoutes`), on the shared network
//! model. Requests are read with the generated types of `unicloud_tencent::generated::vpc`.
//!
//! Wire facts kept here: `Offset`/`Limit` of `DescribeRouteTables` are strings; a route is
//! addressed by its integer `RouteId` or its string `RouteItemId` (`rti-…`); a `NORMAL_CVM`
//! next hop is named by the instance's private IP; the VPC's own (local) route is not in
//! `RouteSet` but reported as `LocalCidrForCcn` (as the vendor's documented examples show a
//! new table: an empty `RouteSet` beside its local CIDR); every user route is `RouteType:
//! USER`; IPv6 routes have `RouteId` 0 and are addressed by `RouteItemId` only.

use std::collections::HashSet;

use serde_json::{Map, Value, json};
use unicloud_tencent::generated::vpc;

use super::{Handler, P, Service, cvm::RULES, required_region, typed};
use crate::auth::ApiError;
use crate::model::Region;
use crate::model::compute::Instances;
use crate::model::network::{
    Cidr, MAX_ROUTES_PER_TABLE, NetError, Route, RouteChange, RouteTable, Subnet, Target,
    TargetKind,
};
use crate::server::Ctx;
use crate::util::{LOWER_ALNUM, random_from, sha256_hex};

/// VPC as the emulator serves it.
pub(crate) const SERVICE: Service = Service {
    name: "vpc",
    actions: ACTIONS,
};

const ACTIONS: &[(&str, Handler)] = &[
    ("CreateVpc", create_vpc),
    ("CreateSubnet", create_subnet),
    ("CreateRouteTable", create_route_table),
    ("DescribeRouteTables", describe_route_tables),
    ("CreateRoutes", create_routes),
    ("ReplaceRoutes", replace_routes),
    ("DeleteRoutes", delete_routes),
];

/// The next-hop types the vendor documents for routes a user creates (`Route.GatewayType`).
const GATEWAY_TYPES: [&str; 12] = [
    "CVM",
    "VPN",
    "DIRECTCONNECT",
    "PEERCONNECTION",
    "HAVIP",
    "NAT",
    "NORMAL_CVM",
    "EIP",
    "LOCAL_GATEWAY",
    "INTRANAT",
    "USER_CCN",
    "GWLB_ENDPOINT",
];

/// The `DescribeRouteTables` filters the vendor documents.
const FILTERS: [&str; 7] = [
    "route-table-id",
    "route-table-name",
    "vpc-id",
    "association.main",
    "tag-key",
    "visible",
    "next-hop-type",
];

/// Names are at most 60 bytes (VPC, subnet, route table).
const MAX_NAME_BYTES: usize = 60;

fn err(code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(200, code, message)
}

fn new_id(prefix: &str) -> String {
    format!("{prefix}-{}", random_from(LOWER_ALNUM, 8))
}

/// The `RouteItemId` of route `number` of `table`: stable, so it needs no storage.
fn route_item_id(table: &str, number: u64) -> String {
    let h = sha256_hex(format!("{table}\n{number}").as_bytes());
    format!("rti-{}", h.get(..8).unwrap_or_default())
}

/// Turns JSON numbers into strings at `fields` (top level) and at `Routes[].route_fields`: a
/// flattened GET request carries every value as text, and a string field that looks like a
/// number (`GatewayId=0` for EIP, a numeric name) must still read as a string.
fn stringify(params: &mut Value, fields: &[&str], route_fields: &[&str]) {
    let fix = |v: &mut Value, name: &str| {
        if let Some(x) = v.get_mut(name)
            && let Value::Number(n) = x
        {
            *x = Value::String(n.to_string());
        }
    };
    for f in fields {
        fix(params, f);
    }
    if let Some(Value::Array(routes)) = params.get_mut("Routes") {
        for r in routes {
            for f in route_fields {
                fix(r, f);
            }
        }
    }
}

fn name_check(field: &str, name: &str) -> Result<(), ApiError> {
    if name.len() > MAX_NAME_BYTES {
        return Err(err(
            "InvalidParameterValue.TooLong",
            format!("The parameter {field} is longer than {MAX_NAME_BYTES} bytes."),
        ));
    }
    Ok(())
}

fn cidr(field: &str, raw: &str) -> Result<Cidr, ApiError> {
    raw.parse().map_err(|_| {
        err(
            "InvalidParameterValue.Malformed",
            format!("The parameter {field} `{raw}` is not a valid CIDR block."),
        )
    })
}

fn tags(t: Option<&Vec<vpc::Tag>>) -> Vec<(String, String)> {
    t.into_iter()
        .flatten()
        .filter_map(|t| Some((t.key.clone()?, t.value.clone().unwrap_or_default())))
        .collect()
}

fn tags_json(t: &[(String, String)]) -> Value {
    Value::Array(
        t.iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect(),
    )
}

/// The vendor's error for a refused network operation.
fn net_error(e: NetError) -> ApiError {
    match e {
        NetError::VpcNotFound(id) => err(
            "ResourceNotFound",
            format!("The specified VPC {id} does not exist."),
        ),
        NetError::SubnetNotFound(id) => err(
            "ResourceNotFound",
            format!("The specified subnet {id} does not exist."),
        ),
        NetError::TableNotFound(id) => err(
            "ResourceNotFound",
            format!("The specified route table {id} does not exist."),
        ),
        NetError::RouteNotFound(d) => err(
            "ResourceNotFound",
            format!("The route table has no route to {d}."),
        ),
        NetError::RouteNumberNotFound(n) => err(
            "ResourceNotFound",
            format!("The specified route {n} does not exist."),
        ),
        NetError::RouteExists(d) => err(
            "InvalidParameterValue.Duplicate",
            format!("A route to {d} already exists in the route table."),
        ),
        NetError::SubnetOutsideVpc(c) => err(
            "InvalidParameterValue.SubnetRange",
            format!("The subnet CIDR {c} is not inside the VPC CIDR."),
        ),
        NetError::SubnetOverlaps(c) => err(
            "InvalidParameterValue.SubnetConflict",
            format!("The subnet CIDR {c} conflicts with another subnet of the VPC."),
        ),
        NetError::TargetNotFound(t) => match t.kind {
            TargetKind::Instance => err(
                "InvalidParameterValue.AddressIpNotInVpc",
                format!(
                    "The IP {} is not the address of an instance in the route table's VPC.",
                    t.address.as_deref().unwrap_or(&t.id)
                ),
            ),
            _ => err(
                "ResourceNotFound",
                format!("The next hop {} does not exist.", t.id),
            ),
        },
        NetError::SystemRoute(d) => err(
            "UnsupportedOperation.SystemRoute",
            format!("The route to {d} is a system route and cannot be changed."),
        ),
        NetError::SubnetFull(id) => err(
            "FailedOperation.NoAvailableIpAddressCountInSubnet",
            format!("The subnet {id} has no free address left."),
        ),
        NetError::LimitExceeded(q) => {
            err("LimitExceeded", format!("The quota of {q:?} is used up."))
        }
    }
}

fn vpc_json(rs: &Region, id: &str) -> Value {
    let Some(v) = rs.networks.vpcs.get(id) else {
        return Value::Null;
    };
    json!({
        "VpcId": v.id,
        "VpcName": v.name,
        "CidrBlock": v.cidr.to_string(),
        "IsDefault": false,
        "EnableMulticast": false,
        "EnableDhcp": true,
        "DnsServerSet": ["183.60.83.19", "183.60.82.98"],
        "DomainName": "",
        "DhcpOptionsId": "",
        "Ipv6CidrBlock": "",
        "TagSet": tags_json(&v.tags),
        "AssistantCidrSet": [],
        "EnableRouteVpcPublish": false,
        "Ipv6CidrBlockSet": [],
        "EnableRouteVpcPublishIpv6": false,
    })
}

fn subnet_json(rs: &Region, s: &Subnet) -> Value {
    let prefix = s
        .cidr
        .to_string()
        .rsplit('/')
        .next()
        .and_then(|p| p.parse::<u32>().ok())
        .unwrap_or(32)
        .min(32);
    let total = 1u64 << (32 - prefix);
    // The network address, the gateway and the broadcast address are the cloud's.
    let used = u64::try_from(s.allocated).unwrap_or(u64::MAX);
    let available = total.saturating_sub(3).saturating_sub(used);
    let table = rs
        .networks
        .subnet_table(&s.id)
        .map(|t| t.id.clone())
        .unwrap_or_default();
    json!({
        "VpcId": s.vpc_id,
        "SubnetId": s.id,
        "SubnetName": s.name,
        "CidrBlock": s.cidr.to_string(),
        "IsDefault": false,
        "EnableBroadcast": false,
        "Zone": s.zone,
        "RouteTableId": table,
        "AvailableIpAddressCount": available,
        "TotalIpAddressCount": total,
        "Ipv6CidrBlock": "",
        "NetworkAclId": "",
        "IsRemoteVpcSnat": false,
        "TagSet": [],
        "CdcId": "",
        "IsCdcSubnet": 0,
    })
}

/// The `GatewayType` of a next hop.
fn gateway_type(t: &Target) -> String {
    match &t.kind {
        TargetKind::Local => "LOCAL".to_owned(),
        TargetKind::Instance => "NORMAL_CVM".to_owned(),
        TargetKind::NatGateway => "NAT".to_owned(),
        TargetKind::VpnGateway => "VPN".to_owned(),
        TargetKind::Peering => "PEERCONNECTION".to_owned(),
        TargetKind::Transit => "USER_CCN".to_owned(),
        TargetKind::InternetGateway => "EIP".to_owned(),
        TargetKind::NetworkInterface => "HAVIP".to_owned(),
        TargetKind::Other(kind) => kind.clone(),
    }
}

/// The `Route` structure.
fn route_json(table: &RouteTable, r: &Route) -> Value {
    let v6 = !r.destination.is_ipv4();
    let dest = r.destination.to_string();
    json!({
        "DestinationCidrBlock": if v6 { String::new() } else { dest.clone() },
        "DestinationIpv6CidrBlock": if v6 { dest } else { String::new() },
        "GatewayType": gateway_type(&r.target),
        "GatewayId": r.target.address.as_deref().unwrap_or(&r.target.id),
        // IPv6 routes have no meaningful number (the vendor reports 0).
        "RouteId": if v6 { 0 } else { r.number },
        "RouteItemId": route_item_id(&table.id, r.number),
        "RouteDescription": "",
        "Enabled": true,
        "RouteType": "USER",
        "RouteTableId": table.id,
        "PublishedToVbc": false,
        "CdcId": "",
    })
}

/// The `RouteTable` structure, with `routes` as its `RouteSet` (the caller's routes; the
/// local route shows as `LocalCidrForCcn`).
fn table_json(rs: &Region, t: &RouteTable, routes: &[&Route]) -> Value {
    let local: Vec<Value> = t
        .routes
        .iter()
        .filter(|r| r.system)
        .map(|r| json!({"Cidr": r.destination.to_string(), "PublishedToVbc": false}))
        .collect();
    let assoc: Vec<Value> = rs
        .networks
        .table_subnets(t)
        .into_iter()
        .map(|s| json!({"SubnetId": s, "RouteTableId": t.id}))
        .collect();
    json!({
        "VpcId": t.vpc_id,
        "RouteTableId": t.id,
        "RouteTableName": t.name,
        "AssociationSet": assoc,
        "RouteSet": routes.iter().map(|r| route_json(t, r)).collect::<Vec<_>>(),
        "Main": t.main,
        "TagSet": tags_json(&t.tags),
        "LocalCidrForCcn": local,
    })
}

fn user_routes(t: &RouteTable) -> Vec<&Route> {
    t.routes.iter().filter(|r| !r.system).collect()
}

fn create_vpc(cx: &Ctx<'_>, mut params: Value) -> Result<Map<String, Value>, ApiError> {
    let region = required_region(cx)?;
    stringify(&mut params, &["VpcName", "CidrBlock"], &[]);
    let req: vpc::CreateVpcRequest = typed(params)?;
    name_check("VpcName", &req.vpc_name)?;
    let raw = req.cidr_block.as_deref().ok_or_else(|| {
        err(
            "MissingParameter",
            "The request is missing a required parameter `CidrBlock`.",
        )
    })?;
    let block = cidr("CidrBlock", raw)?;
    // A VPC lives in one of the private ranges, with a mask of /12 to /28 (/16 to /28 in
    // 192.168.0.0/16).
    let private = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
        .iter()
        .filter_map(|r| r.parse::<Cidr>().ok())
        .any(|r| block.within(&r));
    let prefix: u8 = raw
        .rsplit('/')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let min = if raw.starts_with("192.168.") { 16 } else { 12 };
    if !private || !(min..=28).contains(&prefix) {
        return Err(err(
            "InvalidParameterValue.Range",
            format!(
                "The CidrBlock {raw} must lie in 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 with a mask of /12 to /28."
            ),
        ));
    }
    let tags = tags(req.tags.as_ref());
    let seq = cx.shared.world.next_seq();
    cx.shared.in_region(P, region, &RULES, |rs, _| {
        let (id, table) = (new_id("vpc"), new_id("rtb"));
        rs.networks
            .create_vpc(id.clone(), table.clone(), block, req.vpc_name.clone(), seq)
            .map_err(net_error)?;
        if let Some(v) = rs.networks.vpcs.get_mut(&id) {
            v.tags = tags.clone();
        }
        if let Some(t) = rs.networks.tables.get_mut(&table) {
            t.name = "default".to_owned();
        }
        let mut out = Map::new();
        out.insert("Vpc".into(), vpc_json(rs, &id));
        Ok(out)
    })
}

fn create_subnet(cx: &Ctx<'_>, mut params: Value) -> Result<Map<String, Value>, ApiError> {
    let region = required_region(cx)?;
    stringify(&mut params, &["SubnetName"], &[]);
    let req: vpc::CreateSubnetRequest = typed(params)?;
    name_check("SubnetName", &req.subnet_name)?;
    let raw = req.cidr_block.as_deref().ok_or_else(|| {
        err(
            "MissingParameter",
            "The request is missing a required parameter `CidrBlock`.",
        )
    })?;
    let block = cidr("CidrBlock", raw)?;
    let prefix: u8 = raw
        .rsplit('/')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    if !block.is_ipv4() || prefix > 28 {
        return Err(err(
            "InvalidParameterValue.SubnetRange",
            format!("The subnet CIDR {raw} must be IPv4 with a mask of at most /28."),
        ));
    }
    let seq = cx.shared.world.next_seq();
    cx.shared.in_region(P, region, &RULES, |rs, _| {
        let id = new_id("subnet");
        rs.networks
            .create_subnet(
                id.clone(),
                &req.vpc_id,
                block,
                req.zone.clone(),
                req.subnet_name.clone(),
                seq,
            )
            .map_err(net_error)?;
        let subnet = rs
            .networks
            .subnets
            .get(&id)
            .ok_or_else(|| net_error(NetError::SubnetNotFound(id.clone())))?;
        let mut body = subnet_json(rs, subnet);
        if let Some(o) = body.as_object_mut() {
            o.insert("TagSet".into(), tags_json(&tags(req.tags.as_ref())));
        }
        let mut out = Map::new();
        out.insert("Subnet".into(), body);
        Ok(out)
    })
}

fn create_route_table(cx: &Ctx<'_>, mut params: Value) -> Result<Map<String, Value>, ApiError> {
    let region = required_region(cx)?;
    stringify(&mut params, &["RouteTableName"], &[]);
    let req: vpc::CreateRouteTableRequest = typed(params)?;
    name_check("RouteTableName", &req.route_table_name)?;
    let tags = tags(req.tags.as_ref());
    let seq = cx.shared.world.next_seq();
    cx.shared.in_region(P, region, &RULES, |rs, _| {
        let id = new_id("rtb");
        rs.networks
            .create_table(id.clone(), &req.vpc_id, req.route_table_name.clone(), seq)
            .map_err(net_error)?;
        let table = rs.networks.tables.get_mut(&id).map(|t| {
            t.tags = tags.clone();
            t.clone()
        });
        let table = table.ok_or_else(|| net_error(NetError::TableNotFound(id.clone())))?;
        let mut out = Map::new();
        out.insert("RouteTable".into(), table_json(rs, &table, &[]));
        Ok(out)
    })
}

/// An integer carried as a string (`Offset`, `Limit`).
fn int_param(name: &str, v: Option<&str>, default: usize) -> Result<usize, ApiError> {
    match v {
        None => Ok(default),
        Some(s) => s.trim().parse::<usize>().map_err(|_| {
            err(
                "InvalidParameterValue.Malformed",
                format!("The parameter {name} `{s}` is not a non-negative integer."),
            )
        }),
    }
}

/// Whether `t` passes the filter `name` = any of `values`.
fn filter_match(t: &RouteTable, name: &str, values: &[String]) -> bool {
    let any = |field: &str| values.iter().any(|v| v == field);
    match name {
        "route-table-id" => any(&t.id),
        "route-table-name" => any(&t.name),
        "vpc-id" => any(&t.vpc_id),
        "association.main" => any(if t.main { "true" } else { "false" }),
        "tag-key" => t.tags.iter().any(|(k, _)| any(k)),
        "visible" => any("true"),
        "next-hop-type" => t
            .routes
            .iter()
            .filter(|r| !r.system)
            .any(|r| any(&gateway_type(&r.target))),
        other => other
            .strip_prefix("tag:")
            .is_some_and(|key| t.tags.iter().any(|(k, v)| k == key && any(v))),
    }
}

fn describe_route_tables(cx: &Ctx<'_>, mut params: Value) -> Result<Map<String, Value>, ApiError> {
    let region = required_region(cx)?;
    stringify(&mut params, &["Offset", "Limit"], &[]);
    let req: vpc::DescribeRouteTablesRequest = typed(params)?;
    let offset = int_param("Offset", req.offset.as_deref(), 0)?;
    let limit = int_param("Limit", req.limit.as_deref(), 20)?;
    if !(1..=100).contains(&limit) {
        return Err(err(
            "InvalidParameterValue.Range",
            format!("The parameter Limit {limit} is out of range: it must be 1 to 100."),
        ));
    }
    let ids = req.route_table_ids.clone().unwrap_or_default();
    let filters = req.filters.clone().unwrap_or_default();
    if !ids.is_empty() && !filters.is_empty() {
        return Err(err(
            "InvalidParameter.Coexist",
            "The parameters RouteTableIds and Filters cannot be given together.",
        ));
    }
    if ids.len() > 100 {
        return Err(err(
            "InvalidParameterValue.LimitExceeded",
            "RouteTableIds holds more than 100 ids.",
        ));
    }
    if let Some(bad) = ids.iter().find(|i| !well_formed(i, "rtb-")) {
        return Err(err(
            "InvalidParameterValue.Malformed",
            format!("The route table id `{bad}` is malformed: expected `rtb-xxxxxxxx`."),
        ));
    }
    if let Some(f) = filters
        .iter()
        .find(|f| !FILTERS.contains(&f.name.as_str()) && !f.name.starts_with("tag:"))
    {
        return Err(err(
            "InvalidParameter.FilterInvalidKey",
            format!("The filter `{}` does not exist.", f.name),
        ));
    }
    let named = |n: &str| filters.iter().any(|f| f.name == n);
    if named("next-hop-type") && !(named("route-table-id") && named("vpc-id")) {
        return Err(err(
            "InvalidParameter.FilterMissParameter",
            "The filter next-hop-type needs the filters route-table-id and vpc-id too.",
        ));
    }
    cx.shared.in_region(P, region, &RULES, |rs, _| {
        if let Some(missing) = ids.iter().find(|id| !rs.networks.tables.contains_key(*id)) {
            return Err(net_error(NetError::TableNotFound(missing.clone())));
        }
        let mut list = rs.networks.tables_in_order();
        if !ids.is_empty() {
            list.retain(|t| ids.contains(&t.id));
        }
        for f in &filters {
            list.retain(|t| filter_match(t, &f.name, &f.values));
        }
        let total = list.len();
        let page: Vec<Value> = list
            .iter()
            .skip(offset)
            .take(limit)
            .map(|t| {
                if req.need_router_info == Some(false) {
                    table_json(rs, t, &[])
                } else {
                    table_json(rs, t, &user_routes(t))
                }
            })
            .collect();
        let mut out = Map::new();
        out.insert("TotalCount".into(), json!(total));
        out.insert("RouteTableSet".into(), Value::Array(page));
        Ok(out)
    })
}

/// `prefix` followed by 8 lower-case letters or digits.
fn well_formed(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix).is_some_and(|rest| {
        rest.len() == 8
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// The `Routes` parameter, present and at most [`MAX_ROUTES_PER_TABLE`] long.
fn routes_param(routes: Option<Vec<vpc::Route>>) -> Result<Vec<vpc::Route>, ApiError> {
    let routes = routes.unwrap_or_default();
    if routes.is_empty() {
        return Err(err(
            "MissingParameter",
            "The request is missing a required parameter `Routes`.",
        ));
    }
    if routes.len() > MAX_ROUTES_PER_TABLE {
        return Err(err(
            "InvalidParameterValue.LimitExceeded",
            format!("Routes holds more than {MAX_ROUTES_PER_TABLE} routes."),
        ));
    }
    Ok(routes)
}

/// A route's destination: `DestinationCidrBlock` or `DestinationIpv6CidrBlock`.
fn destination(i: usize, r: &vpc::Route) -> Result<Option<Cidr>, ApiError> {
    let v4 = r
        .destination_cidr_block
        .as_deref()
        .filter(|s| !s.is_empty());
    let v6 = r
        .destination_ipv6_cidr_block
        .as_deref()
        .filter(|s| !s.is_empty());
    match (v4, v6) {
        (Some(_), Some(_)) => Err(err(
            "InvalidParameterValue.Combination",
            format!("Routes.{i} gives both DestinationCidrBlock and DestinationIpv6CidrBlock."),
        )),
        (Some(d), None) => {
            let c = cidr(&format!("Routes.{i}.DestinationCidrBlock"), d)?;
            if !c.is_ipv4() {
                return Err(err(
                    "InvalidParameterValue.Malformed",
                    format!("Routes.{i}.DestinationCidrBlock `{d}` is not an IPv4 CIDR block."),
                ));
            }
            Ok(Some(c))
        }
        (None, Some(d)) => {
            let c = cidr(&format!("Routes.{i}.DestinationIpv6CidrBlock"), d)?;
            if c.is_ipv4() {
                return Err(err(
                    "InvalidParameterValue.Malformed",
                    format!("Routes.{i}.DestinationIpv6CidrBlock `{d}` is not an IPv6 CIDR block."),
                ));
            }
            Ok(Some(c))
        }
        (None, None) => Ok(None),
    }
}

/// The next hop a route names, checked against the world where the world knows the kind
/// (`NORMAL_CVM`: the private IP of a live instance in the table's VPC).
fn target(rs: &Region, vpc_id: &str, i: usize, r: &vpc::Route) -> Result<Target, ApiError> {
    let kind = r.gateway_type.as_deref().ok_or_else(|| {
        err(
            "MissingParameter",
            format!("The request is missing a required parameter `Routes.{i}.GatewayType`."),
        )
    })?;
    if !GATEWAY_TYPES.contains(&kind) {
        return Err(err(
            "InvalidParameterValue",
            format!(
                "Routes.{i}.GatewayType `{kind}` is not supported; expected one of {}.",
                GATEWAY_TYPES.join(", ")
            ),
        ));
    }
    let id = r
        .gateway_id
        .as_deref()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            err(
                "MissingParameter",
                format!("The request is missing a required parameter `Routes.{i}.GatewayId`."),
            )
        })?;
    Ok(match kind {
        "NORMAL_CVM" => {
            let found = rs.instances.list().into_iter().find(|inst| {
                !inst.state.is_gone() && inst.private_ip == id && inst.vpc_id == vpc_id
            });
            match found {
                Some(inst) => Target {
                    kind: TargetKind::Instance,
                    id: inst.id.clone(),
                    address: Some(id.to_owned()),
                },
                None => {
                    return Err(net_error(NetError::TargetNotFound(Target {
                        kind: TargetKind::Instance,
                        id: id.to_owned(),
                        address: Some(id.to_owned()),
                    })));
                }
            }
        }
        "NAT" => Target::new(TargetKind::NatGateway, id),
        "VPN" => Target::new(TargetKind::VpnGateway, id),
        "PEERCONNECTION" => Target::new(TargetKind::Peering, id),
        "USER_CCN" => Target::new(TargetKind::Transit, id),
        other => Target::new(TargetKind::Other(other.to_owned()), id),
    })
}

/// Refuses a destination inside the VPC's own CIDR (the vendor's rule for user routes).
fn outside_vpc(rs: &Region, table: &RouteTable, d: &Cidr) -> Result<(), ApiError> {
    let inside = rs
        .networks
        .vpcs
        .get(&table.vpc_id)
        .is_some_and(|v| d.within(&v.cidr));
    if inside {
        return Err(err(
            "InvalidParameterValue.VpcCidrConflict",
            format!("The destination {d} lies inside the VPC's CIDR block."),
        ));
    }
    Ok(())
}

/// The table's live instances by id and VPC, for the model's target check.
fn instance_vpc(instances: &Instances) -> impl Fn(&str) -> Option<String> + '_ {
    |id: &str| {
        instances
            .get(id)
            .filter(|i| !i.state.is_gone())
            .map(|i| i.vpc_id.clone())
    }
}

fn table_of<'a>(rs: &'a Region, id: &str) -> Result<&'a RouteTable, ApiError> {
    rs.networks
        .tables
        .get(id)
        .ok_or_else(|| net_error(NetError::TableNotFound(id.to_owned())))
}

fn create_routes(cx: &Ctx<'_>, mut params: Value) -> Result<Map<String, Value>, ApiError> {
    let region = required_region(cx)?;
    stringify(&mut params, &[], &["GatewayId", "RouteDescription"]);
    let req: vpc::CreateRoutesRequest = typed(params)?;
    let routes = routes_param(Some(req.routes))?;
    let table_id = req.route_table_id;
    cx.shared.in_region(P, region, &RULES, |rs, _| {
        let table = table_of(rs, &table_id)?.clone();
        // Everything is checked before anything is added: the call is all or nothing.
        let mut new: Vec<(Cidr, Target)> = Vec::with_capacity(routes.len());
        for (i, r) in routes.iter().enumerate() {
            let dest = destination(i, r)?.ok_or_else(|| {
                err(
                    "MissingParameter",
                    format!(
                        "The request is missing a required parameter `Routes.{i}.DestinationCidrBlock`."
                    ),
                )
            })?;
            outside_vpc(rs, &table, &dest)?;
            let t = target(rs, &table.vpc_id, i, r)?;
            if let Some(old) = table.route(&dest) {
                return Err(duplicate(&dest, old.target == t));
            }
            if new.iter().any(|(d, _)| *d == dest) {
                return Err(duplicate(&dest, true));
            }
            new.push((dest, t));
        }
        let lookup = instance_vpc(&rs.instances);
        let vpcs: Vec<(String, Option<String>)> = new
            .iter()
            .map(|(_, t)| (t.id.clone(), lookup(&t.id)))
            .collect();
        let answer = |id: &str| {
            vpcs.iter()
                .find(|(i, _)| i == id)
                .and_then(|(_, v)| v.clone())
        };
        // Checked above; should the model still refuse one (its quota), put the table back.
        let snapshot = table.clone();
        let mut numbers = Vec::with_capacity(new.len());
        for (dest, t) in new {
            match rs.networks.create_route(&table_id, dest, t, &answer) {
                Ok(n) => numbers.push(n),
                Err(e) => {
                    rs.networks.tables.insert(table_id.clone(), snapshot);
                    return Err(net_error(e));
                }
            }
        }
        let table = table_of(rs, &table_id)?;
        let created: Vec<&Route> = numbers
            .iter()
            .filter_map(|n| table.route_numbered(*n))
            .collect();
        let mut out = Map::new();
        out.insert("TotalCount".into(), json!(created.len()));
        out.insert(
            "RouteTableSet".into(),
            json!([table_json(rs, table, &created)]),
        );
        Ok(out)
    })
}

/// A destination that is taken: the same next hop again is a duplicate; another next hop
/// would make an equal-cost pair with the user's route, which the vendor refuses.
fn duplicate(dest: &Cidr, same_hop: bool) -> ApiError {
    if same_hop {
        net_error(NetError::RouteExists(*dest))
    } else {
        err(
            "UnsupportedOperation.EcmpWithUserRoute",
            format!(
                "A route to {dest} with another next hop exists: it would form ECMP with a user route."
            ),
        )
    }
}

/// The route number a request's route names by `RouteId` or `RouteItemId` (both must agree
/// when both are given); `not_found` is the vendor's code for one the table lacks.
fn route_number(
    table: &RouteTable,
    i: usize,
    r: &vpc::Route,
    not_found: &str,
) -> Result<u64, ApiError> {
    let by_item = r
        .route_item_id
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|item| {
            table
                .routes
                .iter()
                .filter(|r| !r.system)
                .find(|r| route_item_id(&table.id, r.number) == item)
                .map(|r| r.number)
                .ok_or_else(|| {
                    err(
                        not_found,
                        format!("The route {item} does not exist in {}.", table.id),
                    )
                })
        })
        .transpose()?;
    let by_id = r
        .route_id
        .filter(|n| *n != 0)
        .map(|n| {
            table
                .route_numbered(n)
                .filter(|r| !r.system && r.destination.is_ipv4())
                .map(|r| r.number)
                .ok_or_else(|| {
                    err(
                        not_found,
                        format!("The route {n} does not exist in {}.", table.id),
                    )
                })
        })
        .transpose()?;
    match (by_id, by_item) {
        (Some(a), Some(b)) if a != b => Err(err(
            "InvalidParameterValue",
            format!("Routes.{i}: RouteId and RouteItemId name different routes."),
        )),
        (Some(n), _) | (None, Some(n)) => Ok(n),
        (None, None) => Err(err(
            "MissingParameter",
            format!("The request is missing a required parameter `Routes.{i}.RouteId`."),
        )),
    }
}

fn replace_routes(cx: &Ctx<'_>, mut params: Value) -> Result<Map<String, Value>, ApiError> {
    let region = required_region(cx)?;
    stringify(&mut params, &[], &["GatewayId", "RouteDescription"]);
    let req: vpc::ReplaceRoutesRequest = typed(params)?;
    let routes = routes_param(Some(req.routes))?;
    let table_id = req.route_table_id;
    cx.shared.in_region(P, region, &RULES, |rs, _| {
        let table = table_of(rs, &table_id)?.clone();
        let mut changes: Vec<RouteChange> = Vec::with_capacity(routes.len());
        let mut seen = HashSet::new();
        for (i, r) in routes.iter().enumerate() {
            let number = route_number(&table, i, r, "ResourceNotFound")?;
            if !seen.insert(number) {
                return Err(err(
                    "InvalidParameterValue.Duplicate",
                    format!("Routes.{i} names a route already named earlier in the request."),
                ));
            }
            let current = table
                .route_numbered(number)
                .map(|r| r.destination)
                .ok_or_else(|| net_error(NetError::RouteNumberNotFound(number)))?;
            let dest = destination(i, r)?.unwrap_or(current);
            outside_vpc(rs, &table, &dest)?;
            let t = target(rs, &table.vpc_id, i, r)?;
            changes.push(RouteChange {
                number,
                destination: dest,
                target: t,
            });
        }
        let lookup = instance_vpc(&rs.instances);
        let vpcs: Vec<(String, Option<String>)> = changes
            .iter()
            .map(|c| (c.target.id.clone(), lookup(&c.target.id)))
            .collect();
        let answer = |id: &str| {
            vpcs.iter()
                .find(|(i, _)| i == id)
                .and_then(|(_, v)| v.clone())
        };
        let done = rs
            .networks
            .replace_routes(&table_id, &changes, &answer)
            .map_err(|(_, e)| match e {
                NetError::RouteExists(d) => duplicate(&d, false),
                e => net_error(e),
            })?;
        let table = table_of(rs, &table_id)?;
        let mut out = Map::new();
        out.insert(
            "OldRouteSet".into(),
            Value::Array(done.iter().map(|(old, _)| route_json(table, old)).collect()),
        );
        out.insert(
            "NewRouteSet".into(),
            Value::Array(done.iter().map(|(_, new)| route_json(table, new)).collect()),
        );
        Ok(out)
    })
}

fn delete_routes(cx: &Ctx<'_>, mut params: Value) -> Result<Map<String, Value>, ApiError> {
    let region = required_region(cx)?;
    stringify(&mut params, &[], &["GatewayId", "RouteDescription"]);
    let req: vpc::DeleteRoutesRequest = typed(params)?;
    let routes = routes_param(req.routes)?;
    let table_id = req.route_table_id;
    cx.shared.in_region(P, region, &RULES, |rs, _| {
        let table = table_of(rs, &table_id)?.clone();
        let numbers = routes
            .iter()
            .enumerate()
            .map(|(i, r)| route_number(&table, i, r, "InvalidRouteId.NotFound"))
            .collect::<Result<Vec<u64>, ApiError>>()?;
        let gone = rs
            .networks
            .delete_routes(&table_id, &numbers)
            .map_err(|(_, e)| net_error(e))?;
        let mut out = Map::new();
        out.insert(
            "RouteSet".into(),
            Value::Array(gone.iter().map(|r| route_json(&table, r)).collect()),
        );
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_item_ids_are_stable_and_shaped() {
        let a = route_item_id("rtb-azd4dt1c", 1001);
        assert_eq!(a, route_item_id("rtb-azd4dt1c", 1001));
        assert_ne!(a, route_item_id("rtb-azd4dt1c", 1002));
        assert!(a.starts_with("rti-") && a.len() == 12, "{a}");
    }

    #[test]
    fn numbers_in_string_fields_read_as_strings() {
        let mut v = json!({"Limit": 10, "Offset": "0", "Routes": [{"GatewayId": 0, "RouteId": 5}]});
        stringify(&mut v, &["Limit", "Offset"], &["GatewayId"]);
        assert_eq!(
            v,
            json!({"Limit": "10", "Offset": "0", "Routes": [{"GatewayId": "0", "RouteId": 5}]})
        );
    }

    #[test]
    fn ids_are_checked_for_shape() {
        assert!(well_formed("rtb-azd4dt1c", "rtb-"));
        for bad in ["rtb-AZD4DT1C", "rtb-short", "vpc-azd4dt1c", "rtb-azd4dt1c0"] {
            assert!(!well_formed(bad, "rtb-"), "{bad}");
        }
    }
}
