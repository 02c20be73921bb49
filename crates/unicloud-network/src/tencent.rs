//! Tencent Cloud VPC (API 3.0, 2017-03-12) route tables.

use std::net::Ipv4Addr;
use std::sync::Arc;

use unicloud_core::clock::BoxFuture;
use unicloud_core::ids::IdRule;
use unicloud_core::{Error, ErrorKind, Provider, Region};
use unicloud_tencent::client::TencentClient;
use unicloud_tencent::generated::{cvm, vpc};

use crate::batch::Op;
use crate::model::{
    Cidr, FilterKey, Route, RouteOrigin, RouteState, RouteTable, RouteTableFilters, RouteTarget,
    TargetKind,
};
use crate::{Backend, Limits, Network, Page, PageQuery, check_prefixed, unsupported_kind};

/// `RouteTableIds` ≤ 100 and `Limit` ≤ 100 per `DescribeRouteTables`.
const LIMITS: Limits = Limits {
    ids: 100,
    page: 100,
    min_page: 1,
};

const P: Provider = Provider::Tencent;

impl Network {
    /// Route tables on Tencent Cloud VPC through `client` (its region, credentials,
    /// endpoint, retry policy and clock). Instance next hops given by `ins-` id are resolved
    /// to their private IP with CVM `DescribeInstances`.
    pub fn tencent(client: &TencentClient) -> Self {
        Network::from_backend(Arc::new(TencentBackend {
            client: client.clone(),
        }))
    }
}

/// `rtb-` + 8 lowercase letters or digits.
const TABLE_RULE: IdRule = IdRule {
    noun: "route table",
    provider: P,
    is_valid: |id| {
        id.strip_prefix("rtb-").is_some_and(|rest| {
            rest.len() == 8
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
    },
};

#[derive(Debug)]
struct TencentBackend {
    client: TencentClient,
}

/// A VPC route's target from its `GatewayType` and `GatewayId`.
fn target_of(gateway_type: &str, id: &str) -> RouteTarget {
    let kind = match gateway_type {
        "NORMAL_CVM" => TargetKind::Instance,
        "NAT" => TargetKind::NatGateway,
        "VPN" => TargetKind::VpnGateway,
        "PEERCONNECTION" => TargetKind::PeeringConnection,
        "CCN" => TargetKind::TransitGateway,
        other => return RouteTarget::other(other, id),
    };
    RouteTarget::new(kind, id)
}

/// A target's `GatewayType` and `GatewayId` (instances already resolved to their IP).
fn gateway_of(t: &RouteTarget) -> Result<(String, String), Error> {
    let (ty, id) = match t {
        RouteTarget::Known { kind, id } => (
            match kind {
                TargetKind::Instance => "NORMAL_CVM",
                TargetKind::NatGateway => "NAT",
                TargetKind::VpnGateway => "VPN",
                TargetKind::PeeringConnection => "PEERCONNECTION",
                TargetKind::TransitGateway => "CCN",
                TargetKind::InternetGateway => {
                    return Err(unsupported_kind(
                        P,
                        t,
                        " (Tencent Cloud has no internet gateway: a public route is `other:EIP:0`, or go through `nat:`)",
                    ));
                }
                TargetKind::NetworkInterface => {
                    return Err(unsupported_kind(
                        P,
                        t,
                        " (Tencent Cloud routes to a floating IP through `other:HAVIP:havip-…`)",
                    ));
                }
                TargetKind::Local => {
                    return Err(unsupported_kind(
                        P,
                        t,
                        " (the VPC's own network is routed implicitly)",
                    ));
                }
            },
            id.as_str(),
        ),
        RouteTarget::Other { vendor_type, id } => {
            let plausible = !vendor_type.is_empty()
                && vendor_type
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
            if !plausible {
                return Err(unsupported_kind(
                    P,
                    t,
                    " (a Tencent Cloud GatewayType is upper case, e.g. HAVIP, EIP, DIRECTCONNECT)",
                ));
            }
            (vendor_type.as_str(), id.as_str())
        }
    };
    Ok((ty.to_owned(), id.to_owned()))
}

fn to_route(r: vpc::Route) -> Result<Route, Error> {
    let dest = r
        .destination_cidr_block
        .filter(|d| !d.is_empty())
        .or(r.destination_ipv6_cidr_block.filter(|d| !d.is_empty()))
        .unwrap_or_default();
    let destination: Cidr = dest.parse().map_err(|e: Error| {
        Error::new(
            ErrorKind::InvalidResponse,
            format!(
                "VPC returned a route whose destination is not a CIDR: {}",
                e.message()
            ),
        )
        .with_provider(P)
    })?;
    let target = target_of(
        r.gateway_type.as_deref().unwrap_or_default(),
        r.gateway_id.as_deref().unwrap_or_default(),
    );
    let mut route = Route::new(destination, target);
    route.state = match r.enabled {
        Some(false) => RouteState::Disabled,
        _ => RouteState::Active,
    };
    route.origin = match r.route_type.as_deref() {
        Some("USER") | None => RouteOrigin::Custom,
        Some("CCN") => RouteOrigin::Propagated,
        Some(_) => RouteOrigin::System,
    };
    route.route_id = r.route_id.map(|n| n.to_string());
    Ok(route)
}

fn to_table(t: vpc::RouteTable) -> Result<RouteTable, Error> {
    let id = t.route_table_id.ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidResponse,
            "a VPC route table without RouteTableId",
        )
        .with_provider(P)
    })?;
    let mut out = RouteTable::new(P, id, t.vpc_id.unwrap_or_default());
    out.name = t.route_table_name.filter(|n| !n.is_empty());
    out.main = t.main.unwrap_or(false);
    for a in t.association_set.unwrap_or_default() {
        if let Some(s) = a.subnet_id
            && !out.subnets.contains(&s)
        {
            out.subnets.push(s);
        }
    }
    for tag in t.tag_set.unwrap_or_default() {
        if let Some(k) = tag.key {
            out.tags.insert(k, tag.value.unwrap_or_default());
        }
    }
    for r in t.route_set.unwrap_or_default() {
        out.routes.push(to_route(r)?);
    }
    Ok(out)
}

/// Unified filters → VPC `Filters`; `subnet` has no native counterpart (client only).
fn native_filters(filters: &RouteTableFilters) -> Vec<vpc::Filter> {
    filters
        .iter()
        .filter_map(|(key, values)| {
            let name = match key {
                FilterKey::Vpc => "vpc-id".to_owned(),
                FilterKey::Name => "route-table-name".to_owned(),
                FilterKey::Tag(k) => format!("tag:{k}"),
                FilterKey::Subnet => return None,
            };
            Some(vpc::Filter {
                name,
                values: values.to_vec(),
            })
        })
        .collect()
}

/// The route as a `Routes` entry addressed by its `RouteId`.
fn addressed(route: &Route) -> Result<vpc::Route, Error> {
    let route_id = route
        .route_id
        .as_deref()
        .and_then(|id| id.parse::<u64>().ok())
        .ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidResponse,
                format!("the route to {} has no RouteId", route.destination),
            )
            .with_provider(P)
        })?;
    Ok(vpc::Route {
        route_id: Some(route_id),
        ..Default::default()
    })
}

/// `route` with its destination and target set.
fn with_target(mut r: vpc::Route, dest: Cidr, target: &RouteTarget) -> Result<vpc::Route, Error> {
    let (ty, id) = gateway_of(target)?;
    if dest.is_ipv4() {
        r.destination_cidr_block = Some(dest.to_string());
    } else {
        r.destination_ipv6_cidr_block = Some(dest.to_string());
    }
    r.gateway_type = Some(ty);
    r.gateway_id = Some(id);
    Ok(r)
}

/// A duplicate destination is `InvalidParameterValue.Duplicate`: an `AlreadyExists`.
fn refine(err: Error) -> Error {
    if err.code() == Some("InvalidParameterValue.Duplicate") {
        return err.with_kind(ErrorKind::AlreadyExists);
    }
    err
}

impl Backend for TencentBackend {
    fn region(&self) -> &Region {
        self.client.region()
    }

    fn limits(&self) -> Limits {
        LIMITS
    }

    fn table_rule(&self) -> IdRule {
        TABLE_RULE
    }

    fn check_target(&self, target: &RouteTarget) -> Result<(), Error> {
        gateway_of(target)?;
        let RouteTarget::Known { kind, id } = target else {
            return Ok(());
        };
        match kind {
            TargetKind::Instance => {
                if id.parse::<Ipv4Addr>().is_ok() {
                    Ok(())
                } else {
                    check_prefixed(P, id, &["ins-"], "instance").map_err(|_| {
                        Error::invalid_input(format!(
                            "`{}` is neither a valid Tencent Cloud instance id (expected ins-…) \
                             nor a private IPv4 address",
                            crate::model::shown(id)
                        ))
                        .with_provider(P)
                    })
                }
            }
            TargetKind::NatGateway => check_prefixed(P, id, &["nat-"], "NAT gateway"),
            TargetKind::VpnGateway => check_prefixed(P, id, &["vpngw-"], "VPN gateway"),
            TargetKind::PeeringConnection => check_prefixed(P, id, &["pcx-"], "peering connection"),
            TargetKind::TransitGateway => check_prefixed(P, id, &["ccn-"], "CCN"),
            _ => Ok(()),
        }
    }

    fn resolve_targets(
        &self,
        targets: Vec<RouteTarget>,
    ) -> BoxFuture<'_, Result<Vec<RouteTarget>, Error>> {
        Box::pin(async move {
            let wanted: Vec<String> = targets
                .iter()
                .filter(|t| t.kind() == Some(TargetKind::Instance) && t.id().starts_with("ins-"))
                .map(|t| t.id().to_owned())
                .collect();
            if wanted.is_empty() {
                return Ok(targets);
            }
            let mut ids = wanted.clone();
            ids.sort();
            ids.dedup();
            let out = self
                .client
                .call(&cvm::DescribeInstancesRequest {
                    instance_ids: Some(ids),
                    limit: Some(100),
                    ..Default::default()
                })
                .await?;
            let ips: Vec<(String, String)> = out
                .instance_set
                .unwrap_or_default()
                .into_iter()
                .filter_map(|i| {
                    let ip = i.private_ip_addresses?.into_iter().next()?;
                    Some((i.instance_id?, ip))
                })
                .collect();
            targets
                .into_iter()
                .map(|t| {
                    if t.kind() != Some(TargetKind::Instance) || !t.id().starts_with("ins-") {
                        return Ok(t);
                    }
                    ips.iter()
                        .find(|(id, _)| id == t.id())
                        .map(|(_, ip)| RouteTarget::instance(ip.clone()))
                        .ok_or_else(|| {
                            Error::new(
                                ErrorKind::NotFound,
                                format!("instance {} does not exist or has no private IP", t.id()),
                            )
                            .with_provider(P)
                            .with_operation("DescribeInstances")
                        })
                })
                .collect()
        })
    }

    fn atomic(&self) -> bool {
        true
    }

    fn describe_page<'a>(&'a self, q: PageQuery<'a>) -> BoxFuture<'a, Result<Page, Error>> {
        Box::pin(async move {
            let offset: u64 = match q.cursor {
                None => 0,
                Some(c) => c.parse().map_err(|_| {
                    Error::new(ErrorKind::InvalidInput, format!("bad page cursor `{c}`"))
                        .with_provider(P)
                })?,
            };
            let filters = native_filters(q.filters);
            let req = vpc::DescribeRouteTablesRequest {
                route_table_ids: q.ids.map(<[String]>::to_vec),
                // The vendor refuses ids and filters together.
                filters: (q.ids.is_none() && !filters.is_empty()).then_some(filters),
                offset: Some(offset.to_string()),
                limit: Some(q.page_size.clamp(1, 100).to_string()),
                need_router_info: None,
            };
            let out = self.client.call(&req).await?;
            let set = out.route_table_set.unwrap_or_default();
            let got = u64::try_from(set.len()).unwrap_or(0);
            let total = out.total_count.unwrap_or(0);
            let items = set
                .into_iter()
                .map(to_table)
                .collect::<Result<Vec<_>, _>>()?;
            let next_offset = offset.saturating_add(got);
            let next = (got > 0 && next_offset < total).then(|| next_offset.to_string());
            Ok(Page { items, next })
        })
    }

    fn apply<'a>(
        &'a self,
        table: &'a RouteTable,
        ops: &'a [Op],
        _token: &'a str,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let route_table_id = table.id.clone();
            let result = match ops.first() {
                None => return Ok(()),
                Some(Op::Create { .. }) => {
                    let routes = ops
                        .iter()
                        .map(|op| match op {
                            Op::Create {
                                destination,
                                target,
                            } => with_target(vpc::Route::default(), *destination, target),
                            _ => Err(mixed()),
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    self.client
                        .call(&vpc::CreateRoutesRequest {
                            route_table_id,
                            routes,
                        })
                        .await
                        .map(drop)
                }
                Some(Op::Replace { .. }) => {
                    let routes = ops
                        .iter()
                        .map(|op| match op {
                            Op::Replace { route, target } => {
                                with_target(addressed(route)?, route.destination, target)
                            }
                            _ => Err(mixed()),
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    self.client
                        .call(&vpc::ReplaceRoutesRequest {
                            route_table_id,
                            routes,
                        })
                        .await
                        .map(drop)
                }
                Some(Op::Delete { .. }) => {
                    let routes = ops
                        .iter()
                        .map(|op| match op {
                            Op::Delete { route } => addressed(route),
                            _ => Err(mixed()),
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    self.client
                        .call(&vpc::DeleteRoutesRequest {
                            route_table_id,
                            routes: Some(routes),
                        })
                        .await
                        .map(drop)
                }
            };
            result.map_err(refine)
        })
    }
}

/// A batch mixing kinds of change (never built by the shared layer).
fn mixed() -> Error {
    Error::new(ErrorKind::Other, "a route batch mixes kinds of change").with_provider(P)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The request of wire capture 005 (the official SDK's ReplaceRoutes), built from the
    /// unified model.
    #[test]
    fn replace_matches_the_captured_request() {
        let mut route = Route::new(
            "10.99.0.0/16".parse().unwrap(),
            RouteTarget::instance("172.16.32.78"),
        );
        route.route_id = Some("1001".into());
        let r = with_target(
            addressed(&route).unwrap(),
            route.destination,
            &RouteTarget::instance("172.16.32.79"),
        )
        .unwrap();
        let req = vpc::ReplaceRoutesRequest {
            route_table_id: "rtb-azd4dt1c".into(),
            routes: vec![r],
        };
        let got = serde_json::to_value(&req).unwrap();
        let want: serde_json::Value = serde_json::from_str(
            r#"{"RouteTableId": "rtb-azd4dt1c", "Routes": [{"DestinationCidrBlock": "10.99.0.0/16", "GatewayType": "NORMAL_CVM", "GatewayId": "172.16.32.79", "RouteId": 1001}]}"#,
        )
        .unwrap();
        assert_eq!(got, want);
    }

    /// The response of wire capture 005, read into the model.
    #[test]
    fn captured_routes_read_back() {
        let old: vpc::Route = serde_json::from_str(
            r#"{"DestinationCidrBlock": "10.99.0.0/16", "GatewayType": "NORMAL_CVM", "GatewayId": "172.16.32.78", "RouteId": 1001, "RouteItemId": "rti-aaaa1111", "Enabled": true, "RouteType": "USER", "RouteTableId": "rtb-azd4dt1c"}"#,
        )
        .unwrap();
        let r = to_route(old).unwrap();
        assert_eq!(r.target, RouteTarget::instance("172.16.32.78"));
        assert_eq!(r.route_id.as_deref(), Some("1001"));
        assert_eq!(r.state, RouteState::Active);
        assert_eq!(r.origin, RouteOrigin::Custom);
        for (ty, kind) in [
            ("NAT", TargetKind::NatGateway),
            ("VPN", TargetKind::VpnGateway),
            ("PEERCONNECTION", TargetKind::PeeringConnection),
            ("CCN", TargetKind::TransitGateway),
        ] {
            let t = target_of(ty, "x-1");
            assert_eq!(t.kind(), Some(kind));
            assert_eq!(gateway_of(&t).unwrap().0, ty);
        }
        let havip = target_of("HAVIP", "havip-1");
        assert_eq!(
            gateway_of(&havip).unwrap(),
            ("HAVIP".into(), "havip-1".into())
        );
    }

    #[test]
    fn kinds_tencent_lacks_are_refused() {
        for t in ["igw:igw-1", "eni:eni-1", "local", "other:havip:1"] {
            let t: RouteTarget = t.parse().unwrap();
            assert_eq!(
                gateway_of(&t).unwrap_err().kind(),
                ErrorKind::InvalidInput,
                "{t}"
            );
        }
        let f = RouteTableFilters::new().subnet(["subnet-1"]).vpc(["vpc-1"]);
        let names: Vec<String> = native_filters(&f).into_iter().map(|f| f.name).collect();
        assert_eq!(names, ["vpc-id"]);
    }
}
