//! EC2 `2016-11-15` networking: VPCs (each with its main route table and `local` route),
//! subnets, internet gateways, route tables, routes and subnet associations, on the shared
//! network model. Element and parameter names follow the EC2 Query API as the AWS SDKs send
//! and parse it.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::super::{P, Query};
use super::RULES;
use crate::auth::{AWS_ACCOUNT, ApiError};
use crate::model::network::{
    Cidr, MAX_ROUTES_PER_TABLE, MAX_SUBNETS, MAX_TABLES, MAX_VPCS, NetError, Quota, RouteState,
    RouteTable, Target, TargetKind,
};
use crate::server::Ctx;
use crate::util::{HEX, random_from, sha256_hex};
use crate::wire::xml::escape as x;

fn new_id(prefix: &str) -> String {
    format!("{prefix}-{}", random_from(HEX, 17))
}

/// A stable association id for (table, subnet or `main`).
fn association_id(table: &str, what: &str) -> String {
    let h = sha256_hex(format!("{table}\n{what}").as_bytes());
    format!("rtbassoc-{}", h.get(..17).unwrap_or_default())
}

/// A CIDR parameter; `prefixes` bounds its size where EC2 does (VPCs and subnets: /16 to /28).
fn cidr_param(
    p: &Query,
    name: &str,
    prefixes: Option<(std::ops::RangeInclusive<u8>, &str)>,
) -> Result<Cidr, ApiError> {
    let raw = p.required(name)?;
    let cidr: Cidr = raw.parse().map_err(|_| {
        ApiError::new(
            400,
            "InvalidParameterValue",
            format!(
                "Value ({raw}) for parameter cidrBlock is invalid. This is not a valid CIDR block."
            ),
        )
    })?;
    if let Some((range, code)) = prefixes {
        // A VPC's or subnet's `CidrBlock` is IPv4 (IPv6 blocks have parameters of their own).
        if !cidr.is_ipv4() {
            return Err(ApiError::new(
                400,
                "InvalidParameterValue",
                format!(
                    "Value ({raw}) for parameter cidrBlock is invalid. This is not a valid IPv4 CIDR block."
                ),
            ));
        }
        let prefix: u8 = raw
            .rsplit('/')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        if !range.contains(&prefix) {
            return Err(ApiError::new(
                400,
                code,
                format!("The CIDR '{raw}' is invalid."),
            ));
        }
    }
    Ok(cidr)
}

fn tag_set(tags: &[(String, String)]) -> String {
    let mut out = String::from("<tagSet>");
    for (k, v) in tags {
        let _ = write!(
            out,
            "<item><key>{}</key><value>{}</value></item>",
            x(k),
            x(v)
        );
    }
    out.push_str("</tagSet>");
    out
}

/// The EC2 error for a refused network operation.
fn net_error(e: NetError) -> ApiError {
    let (code, message) = match e {
        NetError::VpcNotFound(id) => (
            "InvalidVpcID.NotFound",
            format!("The vpc ID '{id}' does not exist"),
        ),
        NetError::SubnetNotFound(id) => (
            "InvalidSubnetID.NotFound",
            format!("The subnet ID '{id}' does not exist"),
        ),
        NetError::TableNotFound(id) => (
            "InvalidRouteTableID.NotFound",
            format!("The routeTable ID '{id}' does not exist"),
        ),
        NetError::RouteNotFound(d) => (
            "InvalidRoute.NotFound",
            format!("no route with destination-cidr-block {d} in route table"),
        ),
        NetError::RouteExists(d) => (
            "RouteAlreadyExists",
            format!("The route identified by {d} already exists."),
        ),
        NetError::SubnetOutsideVpc(c) => {
            ("InvalidSubnet.Range", format!("The CIDR '{c}' is invalid."))
        }
        NetError::SubnetOverlaps(c) => (
            "InvalidSubnet.Conflict",
            format!("The CIDR '{c}' conflicts with another subnet"),
        ),
        NetError::TargetNotFound(t) => match t.kind {
            TargetKind::Instance => (
                "InvalidInstanceID.NotFound",
                format!("The instance ID '{}' does not exist", t.id),
            ),
            TargetKind::InternetGateway => (
                "InvalidGatewayID.NotFound",
                format!("The gateway ID '{}' does not exist in this VPC", t.id),
            ),
            _ => (
                "InvalidParameterValue",
                format!("The target '{}' is invalid", t.id),
            ),
        },
        NetError::SystemRoute(d) => (
            "InvalidParameterValue",
            format!("The route {d} is the VPC's local route and cannot be changed"),
        ),
        NetError::SubnetFull(id) => (
            "InsufficientFreeAddressesInSubnet",
            format!("There are not enough free addresses in subnet '{id}'."),
        ),
        // EC2 routes are named by destination; a number never comes from a caller.
        NetError::RouteNumberNotFound(n) => (
            "InvalidRoute.NotFound",
            format!("no route numbered {n} in route table"),
        ),
        NetError::LimitExceeded(q) => match q {
            Quota::Vpcs => (
                "VpcLimitExceeded",
                format!("The maximum number of VPCs ({MAX_VPCS}) has been reached."),
            ),
            Quota::Subnets => (
                "SubnetLimitExceeded",
                format!("The maximum number of subnets ({MAX_SUBNETS}) has been reached."),
            ),
            Quota::Tables => (
                "RouteTableLimitExceeded",
                format!("The maximum number of route tables ({MAX_TABLES}) has been reached."),
            ),
            Quota::Routes => (
                "RouteLimitExceeded",
                format!(
                    "The maximum number of routes ({MAX_ROUTES_PER_TABLE}) has been reached for this route table."
                ),
            ),
        },
    };
    ApiError::new(400, code, message)
}

/// The target a CreateRoute or ReplaceRoute names: exactly one of the target parameters.
fn target_param(p: &Query) -> Result<Target, ApiError> {
    let kinds = [
        ("GatewayId", None),
        ("InstanceId", Some(TargetKind::Instance)),
        ("NatGatewayId", Some(TargetKind::NatGateway)),
        ("NetworkInterfaceId", Some(TargetKind::NetworkInterface)),
        ("VpcPeeringConnectionId", Some(TargetKind::Peering)),
        ("TransitGatewayId", Some(TargetKind::Transit)),
        (
            "EgressOnlyInternetGatewayId",
            Some(TargetKind::Other("egress-only-internet-gateway".into())),
        ),
        (
            "CarrierGatewayId",
            Some(TargetKind::Other("carrier-gateway".into())),
        ),
        (
            "LocalGatewayId",
            Some(TargetKind::Other("local-gateway".into())),
        ),
        (
            "VpcEndpointId",
            Some(TargetKind::Other("vpc-endpoint".into())),
        ),
    ];
    let given: Vec<(&str, Option<TargetKind>, &str)> = kinds
        .into_iter()
        .filter_map(|(name, kind)| Some((name, kind, p.get(name).filter(|v| !v.is_empty())?)))
        .collect();
    match given.as_slice() {
        [] => Err(ApiError::new(
            400,
            "MissingParameter",
            "The request must contain exactly one of gatewayId, natGatewayId, networkInterfaceId, vpcPeeringConnectionId, transitGatewayId, instanceId, egressOnlyInternetGatewayId, carrierGatewayId, localGatewayId or vpcEndpointId",
        )),
        [(_, kind, id)] => {
            let kind = kind.clone().unwrap_or_else(|| {
                if id.starts_with("igw-") {
                    TargetKind::InternetGateway
                } else if id.starts_with("vgw-") {
                    TargetKind::VpnGateway
                } else {
                    TargetKind::Other("gateway".into())
                }
            });
            Ok(Target::new(kind, *id))
        }
        _ => Err(ApiError::new(
            400,
            "InvalidParameterCombination",
            "More than one target was given for the route.",
        )),
    }
}

/// The route's destination: `DestinationCidrBlock` or `DestinationIpv6CidrBlock`.
fn destination_param(p: &Query) -> Result<Cidr, ApiError> {
    match (
        p.get("DestinationCidrBlock"),
        p.get("DestinationIpv6CidrBlock"),
    ) {
        (Some(_), None) => cidr_param(p, "DestinationCidrBlock", None),
        (None, Some(_)) => cidr_param(p, "DestinationIpv6CidrBlock", None),
        (None, None) => Err(ApiError::new(
            400,
            "MissingParameter",
            "The request must contain the parameter destinationCidrBlock or destinationIpv6CidrBlock",
        )),
        (Some(_), Some(_)) => Err(ApiError::new(
            400,
            "InvalidParameterCombination",
            "Only one of destinationCidrBlock and destinationIpv6CidrBlock may be given.",
        )),
    }
}

fn route_table_xml(t: &RouteTable) -> String {
    let mut routes = String::from("<routeSet>");
    for r in &t.routes {
        let dest = if r.destination.to_string().contains(':') {
            "destinationIpv6CidrBlock"
        } else {
            "destinationCidrBlock"
        };
        let target = match &r.target.kind {
            TargetKind::Instance => format!(
                "<instanceId>{}</instanceId><instanceOwnerId>{AWS_ACCOUNT}</instanceOwnerId>",
                x(&r.target.id)
            ),
            TargetKind::NatGateway => format!("<natGatewayId>{}</natGatewayId>", x(&r.target.id)),
            TargetKind::NetworkInterface => {
                format!(
                    "<networkInterfaceId>{}</networkInterfaceId>",
                    x(&r.target.id)
                )
            }
            TargetKind::Peering => format!(
                "<vpcPeeringConnectionId>{}</vpcPeeringConnectionId>",
                x(&r.target.id)
            ),
            TargetKind::Transit => {
                format!("<transitGatewayId>{}</transitGatewayId>", x(&r.target.id))
            }
            TargetKind::Other(kind) if kind == "egress-only-internet-gateway" => format!(
                "<egressOnlyInternetGatewayId>{}</egressOnlyInternetGatewayId>",
                x(&r.target.id)
            ),
            TargetKind::Other(kind) if kind == "carrier-gateway" => {
                format!("<carrierGatewayId>{}</carrierGatewayId>", x(&r.target.id))
            }
            TargetKind::Other(kind) if kind == "local-gateway" => {
                format!("<localGatewayId>{}</localGatewayId>", x(&r.target.id))
            }
            _ => format!("<gatewayId>{}</gatewayId>", x(&r.target.id)),
        };
        let state = match r.state {
            RouteState::Active => "active",
            RouteState::Blackhole => "blackhole",
        };
        let origin = if r.system {
            "CreateRouteTable"
        } else {
            "CreateRoute"
        };
        let _ = write!(
            routes,
            "<item><{dest}>{}</{dest}>{target}<state>{state}</state><origin>{origin}</origin></item>",
            r.destination
        );
    }
    routes.push_str("</routeSet>");
    let mut assoc = String::from("<associationSet>");
    let state = "<associationState><state>associated</state></associationState>";
    if t.main {
        let _ = write!(
            assoc,
            "<item><main>true</main><routeTableAssociationId>{}</routeTableAssociationId><routeTableId>{}</routeTableId>{state}</item>",
            association_id(&t.id, "main"),
            x(&t.id)
        );
    }
    for s in &t.subnets {
        let _ = write!(
            assoc,
            "<item><main>false</main><routeTableAssociationId>{}</routeTableAssociationId><routeTableId>{}</routeTableId><subnetId>{}</subnetId>{state}</item>",
            association_id(&t.id, s),
            x(&t.id),
            x(s)
        );
    }
    assoc.push_str("</associationSet>");
    format!(
        "<item><routeTableId>{}</routeTableId><vpcId>{}</vpcId><ownerId>{AWS_ACCOUNT}</ownerId>{routes}{assoc}<propagatingVgwSet/>{}</item>",
        x(&t.id),
        x(&t.vpc_id),
        tag_set(&t.tags)
    )
}

/// Whether `t` passes the DescribeRouteTables filter `name` = any of `values`; `None` for a
/// filter EC2 does not have.
fn table_filter(t: &RouteTable, name: &str, values: &[String]) -> Option<bool> {
    let any = |field: &str| values.iter().any(|v| super::glob(v, field));
    Some(match name {
        "route-table-id" => any(&t.id),
        "vpc-id" => any(&t.vpc_id),
        "association.subnet-id" => t.subnets.iter().any(|s| any(s)),
        "association.main" => any(if t.main { "true" } else { "false" }),
        "association.route-table-association-id" => {
            (t.main && any(&association_id(&t.id, "main")))
                || t.subnets.iter().any(|s| any(&association_id(&t.id, s)))
        }
        "owner-id" => any(AWS_ACCOUNT),
        "route.destination-cidr-block" => t.routes.iter().any(|r| any(&r.destination.to_string())),
        "route.gateway-id" => t.routes.iter().any(|r| any(&r.target.id)),
        "route.instance-id" => t
            .routes
            .iter()
            .any(|r| r.target.kind == TargetKind::Instance && any(&r.target.id)),
        "route.state" => t.routes.iter().any(|r| {
            any(match r.state {
                RouteState::Active => "active",
                RouteState::Blackhole => "blackhole",
            })
        }),
        "tag-key" => t.tags.iter().any(|(k, _)| any(k)),
        other => {
            let key = other.strip_prefix("tag:")?;
            t.tags.iter().any(|(k, v)| k == key && any(v))
        }
    })
}

pub(super) fn create_vpc(cx: &Ctx<'_>, p: &Query) -> Result<String, ApiError> {
    p.dry_run()?;
    let cidr = cidr_param(p, "CidrBlock", Some((16..=28, "InvalidVpc.Range")))?;
    let tags = p.tags_for("vpc");
    let seq = cx.shared.world.next_seq();
    cx.shared.in_region(P, cx.region, &RULES, |rs, _| {
        let (id, table) = (new_id("vpc"), new_id("rtb"));
        let name = tags.iter().find(|(k, _)| k == "Name").map(|(_, v)| v.clone()).unwrap_or_default();
        rs.networks
            .create_vpc(id.clone(), table, cidr, name, seq)
            .map_err(net_error)?;
        if let Some(v) = rs.networks.vpcs.get_mut(&id) {
            v.tags = tags.clone();
        }
        Ok(format!(
            "<vpc><vpcId>{id}</vpcId><ownerId>{AWS_ACCOUNT}</ownerId><state>available</state><cidrBlock>{cidr}</cidrBlock><cidrBlockAssociationSet><item><cidrBlock>{cidr}</cidrBlock><associationId>vpc-cidr-assoc-{}</associationId><cidrBlockState><state>associated</state></cidrBlockState></item></cidrBlockAssociationSet><ipv6CidrBlockAssociationSet/><dhcpOptionsId>default</dhcpOptionsId><instanceTenancy>default</instanceTenancy><isDefault>false</isDefault>{}</vpc>",
            random_from(HEX, 17),
            tag_set(&tags)
        ))
    })
}

pub(super) fn create_subnet(cx: &Ctx<'_>, p: &Query) -> Result<String, ApiError> {
    p.dry_run()?;
    let vpc_id = p.required("VpcId")?.to_owned();
    let cidr = cidr_param(p, "CidrBlock", Some((16..=28, "InvalidSubnet.Range")))?;
    let zone = p
        .get("AvailabilityZone")
        .map_or_else(|| format!("{}a", cx.region), str::to_owned);
    let tags = p.tags_for("subnet");
    let seq = cx.shared.world.next_seq();
    cx.shared.in_region(P, cx.region, &RULES, |rs, _| {
        let id = new_id("subnet");
        let name = tags.iter().find(|(k, _)| k == "Name").map(|(_, v)| v.clone()).unwrap_or_default();
        let s = rs
            .networks
            .create_subnet(id.clone(), &vpc_id, cidr, zone.clone(), name, seq)
            .map_err(net_error)?;
        // The first four addresses and the last are the cloud's.
        let free = 2u128.pow(u32::from(32 - cidr_prefix(&s.cidr))).saturating_sub(5);
        Ok(format!(
            "<subnet><subnetId>{id}</subnetId><subnetArn>arn:aws:ec2:{}:{AWS_ACCOUNT}:subnet/{id}</subnetArn><state>available</state><vpcId>{}</vpcId><ownerId>{AWS_ACCOUNT}</ownerId><cidrBlock>{cidr}</cidrBlock><ipv6CidrBlockAssociationSet/><availableIpAddressCount>{free}</availableIpAddressCount><availabilityZone>{}</availabilityZone><defaultForAz>false</defaultForAz><mapPublicIpOnLaunch>false</mapPublicIpOnLaunch><assignIpv6AddressOnCreation>false</assignIpv6AddressOnCreation>{}</subnet>",
            x(cx.region),
            x(&vpc_id),
            x(&zone),
            tag_set(&tags)
        ))
    })
}

fn cidr_prefix(c: &Cidr) -> u8 {
    c.to_string()
        .rsplit('/')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(32)
        .min(32)
}

pub(super) fn create_route_table(cx: &Ctx<'_>, p: &Query) -> Result<String, ApiError> {
    p.dry_run()?;
    let vpc_id = p.required("VpcId")?.to_owned();
    let tags = p.tags_for("route-table");
    let token = p
        .get("ClientToken")
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    let fingerprint = p.0.fingerprint(&[]);
    let seq = cx.shared.world.next_seq();
    cx.shared.in_region(P, cx.region, &RULES, |rs, now| {
        let ttl = cx.shared.token_ttl;
        let replay = rs
            .tokens
            .replay("CreateRouteTable", token.as_deref(), &fingerprint, now, ttl)
            .map_err(|_| super::token_reused())?;
        let id = match replay.and_then(|r| r.ids.first().cloned()) {
            Some(id) => id,
            None => {
                let id = new_id("rtb");
                let name = tags
                    .iter()
                    .find(|(k, _)| k == "Name")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                rs.networks
                    .create_table(id.clone(), &vpc_id, name, seq)
                    .map_err(net_error)?;
                if let Some(t) = rs.networks.tables.get_mut(&id) {
                    t.tags = tags.clone();
                }
                if let Some(t) = &token {
                    let record = crate::model::tokens::TokenRecord {
                        fingerprint: fingerprint.clone(),
                        ids: vec![id.clone()],
                        group_id: String::new(),
                    };
                    rs.tokens
                        .insert("CreateRouteTable", t.clone(), record, now, ttl);
                }
                id
            }
        };
        let table = rs
            .networks
            .tables
            .get(&id)
            .ok_or_else(|| net_error(NetError::TableNotFound(id.clone())))?;
        let xml = route_table_xml(table);
        let inner = xml
            .strip_prefix("<item>")
            .and_then(|s| s.strip_suffix("</item>"))
            .unwrap_or(&xml);
        let token_xml = token
            .map(|t| format!("<clientToken>{}</clientToken>", x(&t)))
            .unwrap_or_default();
        Ok(format!("<routeTable>{inner}</routeTable>{token_xml}"))
    })
}

pub(super) fn describe_route_tables(cx: &Ctx<'_>, p: &Query) -> Result<String, ApiError> {
    p.dry_run()?;
    let ids = p.list("RouteTableId");
    let max = p.int("MaxResults")?;
    if let Some(m) = max
        && !(5..=100).contains(&m)
    {
        return Err(ApiError::new(
            400,
            "InvalidParameterValue",
            format!(
                "Value ( {m} ) for parameter maxResults is invalid. Expecting a value between 5 and 100."
            ),
        ));
    }
    let filters = p.filters();
    let start = p.page_start()?;
    cx.shared.in_region(P, cx.region, &RULES, |rs, _| {
        let mut list = rs.networks.tables_in_order();
        if let Some(missing) = ids.iter().find(|id| !rs.networks.tables.contains_key(*id)) {
            return Err(net_error(NetError::TableNotFound(missing.clone())));
        }
        if !ids.is_empty() {
            list.retain(|t| ids.contains(&t.id));
        }
        for (name, values) in &filters {
            if let Some(t) = list.first()
                && table_filter(t, name, values).is_none()
            {
                return Err(ApiError::new(
                    400,
                    "InvalidParameterValue",
                    format!("The filter '{name}' is invalid"),
                ));
            }
            if list.is_empty() && !(name.starts_with("tag:") || table_filter_known(name)) {
                return Err(ApiError::new(
                    400,
                    "InvalidParameterValue",
                    format!("The filter '{name}' is invalid"),
                ));
            }
            list.retain(|t| table_filter(t, name, values) == Some(true));
        }
        let size = max.map_or(usize::MAX, |m| usize::try_from(m).unwrap_or(100));
        let mut out = String::from("<routeTableSet>");
        for t in list.iter().skip(start).take(size) {
            out.push_str(&route_table_xml(t));
        }
        out.push_str("</routeTableSet>");
        if start.saturating_add(size) < list.len() {
            let _ = write!(out, "<nextToken>emu-{}</nextToken>", start + size);
        }
        Ok(out)
    })
}

fn table_filter_known(name: &str) -> bool {
    matches!(
        name,
        "route-table-id"
            | "vpc-id"
            | "association.subnet-id"
            | "association.main"
            | "association.route-table-association-id"
            | "owner-id"
            | "route.destination-cidr-block"
            | "route.gateway-id"
            | "route.instance-id"
            | "route.state"
            | "tag-key"
    )
}

/// The VPC of every live instance of the region, for target checks.
fn instance_vpcs(rs: &crate::model::Region) -> HashMap<String, String> {
    rs.instances
        .list()
        .into_iter()
        .filter(|i| !i.state.is_gone())
        .map(|i| (i.id.clone(), i.vpc_id.clone()))
        .collect()
}

pub(super) fn create_route(cx: &Ctx<'_>, p: &Query) -> Result<String, ApiError> {
    p.dry_run()?;
    let table = p.required("RouteTableId")?.to_owned();
    let destination = destination_param(p)?;
    let target = target_param(p)?;
    cx.shared.in_region(P, cx.region, &RULES, |rs, _| {
        let vpcs = instance_vpcs(rs);
        rs.networks
            .create_route(&table, destination, target, &|id| vpcs.get(id).cloned())
            .map_err(net_error)?;
        Ok("<return>true</return>".to_owned())
    })
}

pub(super) fn replace_route(cx: &Ctx<'_>, p: &Query) -> Result<String, ApiError> {
    p.dry_run()?;
    let table = p.required("RouteTableId")?.to_owned();
    let destination = destination_param(p)?;
    let target = target_param(p)?;
    cx.shared.in_region(P, cx.region, &RULES, |rs, _| {
        let vpcs = instance_vpcs(rs);
        rs.networks
            .replace_route(&table, &destination, target, &|id| vpcs.get(id).cloned())
            .map_err(|e| match e {
                // EC2 answers a replace of a missing route this way (DeleteRoute says
                // InvalidRoute.NotFound); moto matches it.
                NetError::RouteNotFound(d) => ApiError::new(
                    400,
                    "InvalidParameterValue",
                    format!("There is no route defined for '{d}' in the route table. Use CreateRoute instead."),
                ),
                e => net_error(e),
            })?;
        Ok("<return>true</return>".to_owned())
    })
}

pub(super) fn delete_route(cx: &Ctx<'_>, p: &Query) -> Result<String, ApiError> {
    p.dry_run()?;
    let table = p.required("RouteTableId")?.to_owned();
    let destination = destination_param(p)?;
    cx.shared.in_region(P, cx.region, &RULES, |rs, _| {
        rs.networks
            .delete_route(&table, &destination)
            .map_err(net_error)?;
        Ok("<return>true</return>".to_owned())
    })
}

pub(super) fn associate_route_table(cx: &Ctx<'_>, p: &Query) -> Result<String, ApiError> {
    p.dry_run()?;
    let table = p.required("RouteTableId")?.to_owned();
    let subnet = p.required("SubnetId")?.to_owned();
    cx.shared.in_region(P, cx.region, &RULES, |rs, _| {
        rs.networks.associate(&table, &subnet).map_err(net_error)?;
        Ok(format!(
            "<associationId>{}</associationId><associationState><state>associated</state></associationState>",
            association_id(&table, &subnet)
        ))
    })
}

pub(super) fn create_internet_gateway(cx: &Ctx<'_>, p: &Query) -> Result<String, ApiError> {
    p.dry_run()?;
    let tags = p.tags_for("internet-gateway");
    cx.shared.in_region(P, cx.region, &RULES, |rs, _| {
        let id = new_id("igw");
        rs.networks.create_gateway(id.clone());
        Ok(format!(
            "<internetGateway><internetGatewayId>{id}</internetGatewayId><ownerId>{AWS_ACCOUNT}</ownerId><attachmentSet/>{}</internetGateway>",
            tag_set(&tags)
        ))
    })
}

pub(super) fn attach_internet_gateway(cx: &Ctx<'_>, p: &Query) -> Result<String, ApiError> {
    p.dry_run()?;
    let gateway = p.required("InternetGatewayId")?.to_owned();
    let vpc = p.required("VpcId")?.to_owned();
    cx.shared.in_region(P, cx.region, &RULES, |rs, _| {
        if !rs.networks.gateways.contains_key(&gateway) {
            return Err(ApiError::new(
                400,
                "InvalidInternetGatewayID.NotFound",
                format!("The internetGateway ID '{gateway}' does not exist"),
            ));
        }
        rs.networks
            .attach_gateway(&gateway, &vpc)
            .map_err(net_error)?;
        Ok("<return>true</return>".to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn association_ids_are_stable_and_distinct() {
        assert_eq!(
            association_id("rtb-1", "subnet-1"),
            association_id("rtb-1", "subnet-1")
        );
        assert_ne!(
            association_id("rtb-1", "subnet-1"),
            association_id("rtb-1", "main")
        );
        assert!(association_id("rtb-1", "main").starts_with("rtbassoc-"));
    }
}
