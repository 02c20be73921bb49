//! Alibaba Cloud VPC (RPC, 2016-04-28) route tables.

use std::sync::Arc;
use std::time::Duration;

use unicloud_alibaba::client::AlibabaClient;
use unicloud_alibaba::generated::vpc;
use unicloud_core::clock::BoxFuture;
use unicloud_core::ids::IdRule;
use unicloud_core::paging::collect_pages;
use unicloud_core::waiter::{self, Poll, WaitSpec};
use unicloud_core::{Error, ErrorKind, Provider, Region};

use crate::batch::Op;
use crate::model::{
    Cidr, FilterKey, Route, RouteOrigin, RouteState, RouteTable, RouteTableFilters, RouteTarget,
    TargetKind,
};
use crate::{Backend, Limits, Network, Page, PageQuery, check_prefixed, unsupported_kind};

/// `DescribeRouteTableList` takes one `RouteTableId` and `PageSize` ≤ 50;
/// `DescribeRouteEntryList` takes `MaxResult` ≤ 100.
const LIMITS: Limits = Limits {
    ids: 1,
    page: 50,
    min_page: 1,
};

/// Routes per `DescribeRouteEntryList` page.
const ENTRY_PAGE: i32 = 100;

/// How often, and how long apart, a change is repeated (on the core waiter) while the route
/// entry is still busy with the previous one (`IncorrectRouteEntryStatus`: a route is
/// `Modifying` for a moment after each change, and a rollback comes right after one).
const BUSY_RETRIES: u32 = 10;
const BUSY_WAIT: Duration = Duration::from_secs(1);

const P: Provider = Provider::Alibaba;

impl Network {
    /// Route tables on Alibaba Cloud VPC through `client` (its region, credentials,
    /// endpoint, retry policy and clock).
    pub fn alibaba(client: &AlibabaClient) -> Self {
        Network::from_backend(Arc::new(AlibabaBackend {
            client: client.clone(),
        }))
    }
}

/// `vtb-` + lowercase letters and digits.
const TABLE_RULE: IdRule = IdRule {
    noun: "route table",
    provider: P,
    is_valid: |id| {
        id.strip_prefix("vtb-").is_some_and(|rest| {
            (1..=64).contains(&rest.len())
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
    },
};

#[derive(Debug)]
struct AlibabaBackend {
    client: AlibabaClient,
}

/// A route entry's target from its `NextHopType` and `NextHopId`.
fn target_of(next_hop_type: &str, id: &str) -> RouteTarget {
    let kind = match next_hop_type {
        "Instance" => TargetKind::Instance,
        "NatGateway" => TargetKind::NatGateway,
        "NetworkInterface" => TargetKind::NetworkInterface,
        "VpnGateway" => TargetKind::VpnGateway,
        "VpcPeer" => TargetKind::PeeringConnection,
        "Attachment" => TargetKind::TransitGateway,
        "Ipv4Gateway" => TargetKind::InternetGateway,
        "local" => return RouteTarget::local(),
        other => return RouteTarget::other(other, id),
    };
    RouteTarget::new(kind, id)
}

/// A target's `NextHopType` and `NextHopId`.
fn next_hop_of(t: &RouteTarget) -> Result<(&str, &str), Error> {
    Ok(match t {
        RouteTarget::Known { kind, id } => (
            match kind {
                TargetKind::Instance => "Instance",
                TargetKind::NatGateway => "NatGateway",
                TargetKind::NetworkInterface => "NetworkInterface",
                TargetKind::VpnGateway => "VpnGateway",
                TargetKind::PeeringConnection => "VpcPeer",
                TargetKind::TransitGateway => "Attachment",
                TargetKind::InternetGateway => "Ipv4Gateway",
                TargetKind::Local => {
                    return Err(unsupported_kind(
                        P,
                        t,
                        " (system routes to the VPC's own network are made by the cloud)",
                    ));
                }
            },
            id.as_str(),
        ),
        RouteTarget::Other { vendor_type, id } => {
            let plausible = vendor_type.bytes().all(|b| b.is_ascii_alphanumeric())
                && vendor_type.starts_with(|c: char| c.is_ascii_uppercase());
            if !plausible {
                return Err(unsupported_kind(
                    P,
                    t,
                    " (an Alibaba Cloud NextHopType is a word such as HaVip, RouterInterface, IPv6Gateway)",
                ));
            }
            (vendor_type.as_str(), id.as_str())
        }
    })
}

fn to_route(e: vpc::DescribeRouteEntryListRouteEntry) -> Result<Route, Error> {
    let dest = e.destination_cidr_block.unwrap_or_default();
    let destination: Cidr = dest.parse().map_err(|err: Error| {
        Error::new(
            ErrorKind::InvalidResponse,
            format!(
                "VPC returned a route entry whose destination is not a CIDR: {}",
                err.message()
            ),
        )
        .with_provider(P)
    })?;
    let hops = e.next_hops.and_then(|h| h.next_hop).unwrap_or_default();
    let target = match hops.as_slice() {
        [one] => target_of(
            one.next_hop_type.as_deref().unwrap_or_default(),
            one.next_hop_id.as_deref().unwrap_or_default(),
        ),
        [] => RouteTarget::other("None", ""),
        // Equal-cost multi-path: several next hops of one type.
        many => RouteTarget::other(
            "ECMP",
            many.iter()
                .filter_map(|h| h.next_hop_id.as_deref())
                .collect::<Vec<_>>()
                .join("+"),
        ),
    };
    let mut route = Route::new(destination, target);
    route.state = match e.status.as_deref() {
        Some("Available") | None => RouteState::Active,
        Some("Pending" | "Modifying" | "Creating") => RouteState::Pending,
        Some(other) => RouteState::Unknown(other.to_owned()),
    };
    route.origin = match e.r#type.as_deref() {
        Some("Custom") | None => RouteOrigin::Custom,
        Some("System") => RouteOrigin::System,
        Some(_) => RouteOrigin::Propagated,
    };
    route.route_id = e.route_entry_id.filter(|id| !id.is_empty());
    Ok(route)
}

fn to_table(t: vpc::DescribeRouteTableListRouterTableListType) -> Result<RouteTable, Error> {
    let id = t.route_table_id.ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidResponse,
            "a VPC route table without RouteTableId",
        )
        .with_provider(P)
    })?;
    let mut out = RouteTable::new(P, id, t.vpc_id.unwrap_or_default());
    out.name = t.route_table_name.filter(|n| !n.is_empty());
    out.main = t.route_table_type.as_deref() == Some("System");
    out.subnets = t
        .v_switch_ids
        .and_then(|v| v.v_switch_id)
        .unwrap_or_default();
    for tag in t.tags.and_then(|t| t.tag).unwrap_or_default() {
        if let Some(k) = tag.key {
            out.tags.insert(k, tag.value.unwrap_or_default());
        }
    }
    Ok(out)
}

/// The one value of a filter the vendor takes singly, if it has exactly one.
fn single<'a>(filters: &'a RouteTableFilters, key: &FilterKey) -> Option<&'a str> {
    match filters.values(key) {
        Some([one]) => Some(one.as_str()),
        _ => None,
    }
}

/// Whether `e` says the route entry (or its table) is still busy with an earlier change.
fn busy(e: &Error) -> bool {
    matches!(
        e.code(),
        Some(
            "IncorrectRouteEntryStatus" | "IncorrectStatus.RouteTableStatus" | "OperationConflict"
        )
    )
}

/// Codes the shared table does not say as precisely: a duplicate destination.
fn refine(err: Error) -> Error {
    match err.code() {
        Some(code @ ("RouterEntryConflict.Duplicated" | "InvalidCIDRBlock.Duplicate")) => {
            let code = code.to_owned();
            let mut e = Error::new(ErrorKind::AlreadyExists, err.message().to_owned())
                .with_provider(P)
                .with_code(code);
            if let Some(r) = err.request_id() {
                e = e.with_request_id(r);
            }
            if let Some(op) = err.operation() {
                e = e.with_operation(op.to_owned());
            }
            e
        }
        _ => err,
    }
}

impl AlibabaBackend {
    fn region_id(&self) -> String {
        self.client.region().as_str().to_owned()
    }

    /// Every route of `table_id`, following `NextToken`.
    async fn routes_of(&self, table_id: &str) -> Result<Vec<Route>, Error> {
        let entries = collect_pages(P, "DescribeRouteEntryList", |cursor| async move {
            let out = self
                .client
                .call(&vpc::DescribeRouteEntryListRequest {
                    region_id: self.region_id(),
                    route_table_id: table_id.to_owned(),
                    max_result: Some(ENTRY_PAGE),
                    next_token: cursor,
                    ..Default::default()
                })
                .await?;
            Ok(unicloud_core::paging::Page {
                items: out
                    .route_entrys
                    .and_then(|r| r.route_entry)
                    .unwrap_or_default(),
                next: out.next_token.filter(|t| !t.is_empty()),
            })
        })
        .await?;
        entries.into_iter().map(to_route).collect()
    }

    async fn apply_one(&self, table: &RouteTable, op: &Op, token: &str) -> Result<(), Error> {
        let region_id = self.region_id();
        let table_id = table.id.clone();
        match op {
            Op::Create {
                destination,
                target,
            } => {
                let (ty, id) = next_hop_of(target)?;
                self.client
                    .call(&vpc::CreateRouteEntryRequest {
                        region_id: Some(region_id),
                        route_table_id: table_id,
                        destination_cidr_block: destination.to_string(),
                        next_hop_type: Some(ty.to_owned()),
                        next_hop_id: Some(id.to_owned()),
                        client_token: Some(token.to_owned()),
                        ..Default::default()
                    })
                    .await
                    .map(drop)
            }
            Op::Replace { route, target } => {
                let (ty, id) = next_hop_of(target)?;
                // Addressed by table and destination, as the official SDK sends it
                // (wire capture 023).
                self.client
                    .call(&vpc::ModifyRouteEntryRequest {
                        region_id,
                        route_table_id: Some(table_id),
                        destination_cidr_block: Some(route.destination.to_string()),
                        new_next_hop_type: Some(ty.to_owned()),
                        new_next_hop_id: Some(id.to_owned()),
                        ..Default::default()
                    })
                    .await
                    .map(drop)
            }
            Op::Delete { route } => {
                let req = match &route.route_id {
                    Some(entry) => vpc::DeleteRouteEntryRequest {
                        region_id: Some(region_id),
                        route_entry_id: Some(entry.clone()),
                        ..Default::default()
                    },
                    None => vpc::DeleteRouteEntryRequest {
                        region_id: Some(region_id),
                        route_table_id: Some(table_id),
                        destination_cidr_block: Some(route.destination.to_string()),
                        ..Default::default()
                    },
                };
                self.client.call(&req).await.map(drop)
            }
        }
    }
}

impl Backend for AlibabaBackend {
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
        next_hop_of(target)?;
        let RouteTarget::Known { kind, id } = target else {
            return Ok(());
        };
        let (prefixes, noun): (&[&str], &str) = match kind {
            TargetKind::Instance => (&["i-"], "instance"),
            TargetKind::NatGateway => (&["ngw-"], "NAT gateway"),
            TargetKind::NetworkInterface => (&["eni-"], "network interface"),
            TargetKind::VpnGateway => (&["vpn-"], "VPN gateway"),
            TargetKind::PeeringConnection => (&["pcc-"], "VPC peering connection"),
            TargetKind::TransitGateway => (&["tr-attach-"], "transit-router attachment"),
            TargetKind::InternetGateway => (&["igw-"], "IPv4 gateway"),
            TargetKind::Local => return Ok(()),
        };
        check_prefixed(P, id, prefixes, noun)
    }

    fn atomic(&self) -> bool {
        false
    }

    fn describe_page<'a>(&'a self, q: PageQuery<'a>) -> BoxFuture<'a, Result<Page, Error>> {
        Box::pin(async move {
            let page_number: i32 = match q.cursor {
                None => 1,
                Some(c) => c.parse().map_err(|_| {
                    Error::new(ErrorKind::InvalidInput, format!("bad page cursor `{c}`"))
                        .with_provider(P)
                })?,
            };
            let page_size = i32::try_from(q.page_size.clamp(1, 50)).unwrap_or(50);
            let mut req = vpc::DescribeRouteTableListRequest {
                region_id: self.region_id(),
                page_number: Some(page_number),
                page_size: Some(page_size),
                ..Default::default()
            };
            match q.ids {
                Some(ids) => req.route_table_id = ids.first().cloned(),
                None => {
                    req.vpc_id = single(q.filters, &FilterKey::Vpc).map(str::to_owned);
                    req.route_table_name = single(q.filters, &FilterKey::Name).map(str::to_owned);
                    let tags: Vec<vpc::DescribeRouteTableListTag> = q
                        .filters
                        .iter()
                        .filter_map(|(k, v)| match (k, v) {
                            (FilterKey::Tag(key), [value]) => {
                                Some(vpc::DescribeRouteTableListTag {
                                    key: Some(key.clone()),
                                    value: Some(value.clone()),
                                })
                            }
                            _ => None,
                        })
                        .collect();
                    req.tag = (!tags.is_empty()).then_some(tags);
                }
            }
            let out = self.client.call(&req).await?;
            let set = out
                .router_table_list
                .and_then(|l| l.router_table_list_type)
                .unwrap_or_default();
            let got = i64::try_from(set.len()).unwrap_or(0);
            let total = i64::from(out.total_count.unwrap_or(0));
            let mut items = Vec::with_capacity(set.len());
            for t in set {
                let mut table = to_table(t)?;
                // Only tables that pass the filters need their routes.
                if q.filters.matches(&table) {
                    table.routes = self.routes_of(&table.id).await?;
                }
                items.push(table);
            }
            let seen = i64::from(page_number.saturating_sub(1)) * i64::from(page_size) + got;
            let next = (got > 0 && seen < total).then(|| (page_number + 1).to_string());
            Ok(Page { items, next })
        })
    }

    fn apply<'a>(
        &'a self,
        table: &'a RouteTable,
        ops: &'a [Op],
        token: &'a str,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let clock = self.client.config().clock().clone();
            let spec = WaitSpec {
                provider: P,
                what: "the route entry to finish its previous change".into(),
                poll_interval: BUSY_WAIT,
                timeout: BUSY_WAIT * BUSY_RETRIES,
            };
            for op in ops {
                waiter::wait_until(clock.as_ref(), &spec, || async {
                    match self.apply_one(table, op, token).await {
                        Ok(()) => Ok(Poll::Ready(())),
                        Err(e) if busy(&e) => {
                            tracing::debug!(table = %table.id, destination = %op.destination(), "route entry busy; waiting");
                            Ok(Poll::Pending(format!("{} is busy", op.destination())))
                        }
                        Err(e) => Err(refine(e)),
                    }
                })
                .await?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The query of wire capture 023 (the official SDK's ModifyRouteEntry) is what a replace
    /// of the route to 10.99.0.0/16 with an instance target sends.
    #[test]
    fn replace_matches_the_captured_request() {
        let target = RouteTarget::instance("i-bp67acfmxazb4p****");
        let (ty, id) = next_hop_of(&target).unwrap();
        let req = vpc::ModifyRouteEntryRequest {
            region_id: "cn-hangzhou".into(),
            route_table_id: Some("vtb-bp145q7glnuzdvzu2****".into()),
            destination_cidr_block: Some("10.99.0.0/16".into()),
            new_next_hop_type: Some(ty.into()),
            new_next_hop_id: Some(id.into()),
            ..Default::default()
        };
        let mut got: Vec<(String, String)> = unicloud_alibaba::encode::to_query_pairs(&req)
            .unwrap()
            .into_iter()
            .collect();
        got.sort();
        let want = [
            ("DestinationCidrBlock", "10.99.0.0/16"),
            ("NewNextHopId", "i-bp67acfmxazb4p****"),
            ("NewNextHopType", "Instance"),
            ("RegionId", "cn-hangzhou"),
            ("RouteTableId", "vtb-bp145q7glnuzdvzu2****"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn entries_map_to_routes() {
        let e: vpc::DescribeRouteEntryListRouteEntry = serde_json::from_str(
            r#"{"DestinationCidrBlock":"10.1.0.0/16","RouteEntryId":"rte-1","Status":"Modifying","Type":"Custom",
                "NextHops":{"NextHop":[{"NextHopType":"Instance","NextHopId":"i-1"}]}}"#,
        )
        .unwrap();
        let r = to_route(e).unwrap();
        assert_eq!(r.target, RouteTarget::instance("i-1"));
        assert_eq!(r.state, RouteState::Pending);
        assert_eq!(r.route_id.as_deref(), Some("rte-1"));
        for (ty, kind) in [
            ("NatGateway", TargetKind::NatGateway),
            ("NetworkInterface", TargetKind::NetworkInterface),
            ("VpnGateway", TargetKind::VpnGateway),
            ("VpcPeer", TargetKind::PeeringConnection),
            ("Attachment", TargetKind::TransitGateway),
            ("Ipv4Gateway", TargetKind::InternetGateway),
        ] {
            let t = target_of(ty, "x-1");
            assert_eq!(t.kind(), Some(kind));
            assert_eq!(next_hop_of(&t).unwrap().0, ty);
        }
        assert_eq!(target_of("local", ""), RouteTarget::local());
        assert_eq!(
            next_hop_of(&target_of("HaVip", "havip-1")).unwrap(),
            ("HaVip", "havip-1")
        );
        assert!(next_hop_of(&RouteTarget::local()).is_err());
        assert!(next_hop_of(&RouteTarget::other("ha vip", "1")).is_err());
    }
}
