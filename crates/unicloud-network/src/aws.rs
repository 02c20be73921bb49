//! AWS VPC route tables (aws-sdk-ec2; Query protocol `2016-11-15`).

use std::fmt;
use std::sync::Arc;

use aws_sdk_ec2::types as ec2;
use unicloud_aws::codes::EC2;
use unicloud_aws::{AwsClient, map_sdk_error};
use unicloud_core::clock::BoxFuture;
use unicloud_core::ids::IdRule;
use unicloud_core::{Error, ErrorKind, Provider, Region};

use crate::batch::Op;
use crate::model::{
    Cidr, FilterKey, Route, RouteOrigin, RouteState, RouteTable, RouteTableFilters, RouteTarget,
    TargetKind,
};
use crate::{Backend, Limits, Network, Page, PageQuery, check_prefixed, unsupported_kind};

/// `DescribeRouteTables` takes `MaxResults` 5–100; ids per call are not documented, so a
/// conservative 100.
const LIMITS: Limits = Limits {
    ids: 100,
    page: 100,
    min_page: 5,
};

const P: Provider = Provider::Aws;

impl Network {
    /// Route tables on AWS VPC through `client` (the credentials and region of its
    /// `aws-config` [`SdkConfig`](unicloud_aws::SdkConfig), and the endpoint override,
    /// time-outs, retry policy and clock of its [`ClientConfig`](unicloud_core::ClientConfig)). The SDK's own retries are
    /// turned off: the [`RetryPolicy`](unicloud_core::RetryPolicy) retries instead.
    pub fn aws(client: &AwsClient) -> Self {
        Network::from_backend(Arc::new(AwsBackend {
            client: aws_sdk_ec2::Client::new(&client.service_config("ec2")),
            aws: client.clone(),
        }))
    }
}

/// `rtb-` + 8 or 17 lowercase hexadecimal digits.
const TABLE_RULE: IdRule = IdRule {
    noun: "route table",
    provider: P,
    is_valid: |id| {
        id.strip_prefix("rtb-").is_some_and(|rest| {
            (rest.len() == 8 || rest.len() == 17)
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
    },
};

struct AwsBackend {
    client: aws_sdk_ec2::Client,
    aws: AwsClient,
}

impl fmt::Debug for AwsBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsBackend")
            .field("aws", &self.aws)
            .finish_non_exhaustive()
    }
}

/// The `other:` types AWS routes take, as the request fields that carry them.
const OTHER_FIELDS: &[&str] = &[
    "EgressOnlyInternetGatewayId",
    "CarrierGatewayId",
    "LocalGatewayId",
    "VpcEndpointId",
    "CoreNetworkArn",
];

/// An EC2 route's target.
fn target_of(r: &ec2::Route) -> Option<RouteTarget> {
    let known = |k, id: &str| Some(RouteTarget::new(k, id));
    if let Some(id) = r.instance_id() {
        return known(TargetKind::Instance, id);
    }
    if let Some(id) = r.nat_gateway_id() {
        return known(TargetKind::NatGateway, id);
    }
    if let Some(id) = r.transit_gateway_id() {
        return known(TargetKind::TransitGateway, id);
    }
    if let Some(id) = r.vpc_peering_connection_id() {
        return known(TargetKind::PeeringConnection, id);
    }
    if let Some(id) = r.egress_only_internet_gateway_id() {
        return Some(RouteTarget::other("EgressOnlyInternetGatewayId", id));
    }
    if let Some(id) = r.carrier_gateway_id() {
        return Some(RouteTarget::other("CarrierGatewayId", id));
    }
    if let Some(id) = r.local_gateway_id() {
        return Some(RouteTarget::other("LocalGatewayId", id));
    }
    if let Some(id) = r.core_network_arn() {
        return Some(RouteTarget::other("CoreNetworkArn", id));
    }
    if let Some(id) = r.gateway_id() {
        return Some(match id {
            "local" => RouteTarget::local(),
            _ if id.starts_with("igw-") => RouteTarget::new(TargetKind::InternetGateway, id),
            _ if id.starts_with("vgw-") => RouteTarget::new(TargetKind::VpnGateway, id),
            _ if id.starts_with("vpce-") => RouteTarget::other("VpcEndpointId", id),
            _ => RouteTarget::other("GatewayId", id),
        });
    }
    // An instance route reports the instance; a route to an interface alone, the interface.
    r.network_interface_id()
        .and_then(|id| known(TargetKind::NetworkInterface, id))
}

fn to_route(r: &ec2::Route) -> Result<Option<Route>, Error> {
    let dest = match (r.destination_cidr_block(), r.destination_ipv6_cidr_block()) {
        (Some(d), _) | (None, Some(d)) => d,
        // A managed prefix list (gateway endpoint): not a CIDR, not listed.
        (None, None) => return Ok(None),
    };
    let destination: Cidr = dest.parse().map_err(|e: Error| {
        Error::new(
            ErrorKind::InvalidResponse,
            format!(
                "EC2 returned a route whose destination is not a CIDR: {}",
                e.message()
            ),
        )
        .with_provider(P)
    })?;
    let Some(target) = target_of(r) else {
        return Err(Error::new(
            ErrorKind::InvalidResponse,
            format!("EC2 returned the route to {destination} without a target"),
        )
        .with_provider(P));
    };
    let state = match r.state().map(|s| s.as_str()) {
        Some("active") | None => RouteState::Active,
        Some("blackhole") => RouteState::Blackhole,
        Some(other) => RouteState::Unknown(other.to_owned()),
    };
    let origin = match r.origin().map(|o| o.as_str()) {
        Some("CreateRouteTable") => RouteOrigin::System,
        Some("EnableVgwRoutePropagation") => RouteOrigin::Propagated,
        _ => RouteOrigin::Custom,
    };
    let mut route = Route::new(destination, target);
    route.state = state;
    route.origin = origin;
    Ok(Some(route))
}

fn to_table(t: &ec2::RouteTable) -> Result<RouteTable, Error> {
    let id = t.route_table_id().ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidResponse,
            "an EC2 route table without routeTableId",
        )
        .with_provider(P)
    })?;
    let mut out = RouteTable::new(P, id, t.vpc_id().unwrap_or_default());
    for a in t.associations() {
        if a.main() == Some(true) {
            out.main = true;
        }
        if let Some(s) = a.subnet_id()
            && !out.subnets.iter().any(|x| x == s)
        {
            out.subnets.push(s.to_owned());
        }
    }
    for tag in t.tags() {
        if let Some(k) = tag.key() {
            out.tags
                .insert(k.to_owned(), tag.value().unwrap_or_default().to_owned());
        }
    }
    out.name = out.tags.get("Name").filter(|n| !n.is_empty()).cloned();
    for r in t.routes() {
        if let Some(route) = to_route(r)? {
            out.routes.push(route);
        }
    }
    Ok(out)
}

/// Unified filters → EC2 filters (every key has a native counterpart).
fn native_filters(filters: &RouteTableFilters) -> Vec<ec2::Filter> {
    filters
        .iter()
        .map(|(key, values)| {
            let name = match key {
                FilterKey::Vpc => "vpc-id".to_owned(),
                FilterKey::Name => "tag:Name".to_owned(),
                FilterKey::Subnet => "association.subnet-id".to_owned(),
                FilterKey::Tag(k) => format!("tag:{k}"),
            };
            ec2::Filter::builder()
                .name(name)
                .set_values(Some(values.to_vec()))
                .build()
        })
        .collect()
}

/// The EC2 request fields for a target: the field and its value.
fn target_field(t: &RouteTarget) -> Result<(&'static str, &str), Error> {
    Ok(match t {
        RouteTarget::Known { kind, id } => (
            match kind {
                TargetKind::InternetGateway | TargetKind::VpnGateway | TargetKind::Local => {
                    "GatewayId"
                }
                TargetKind::NatGateway => "NatGatewayId",
                TargetKind::Instance => "InstanceId",
                TargetKind::NetworkInterface => "NetworkInterfaceId",
                TargetKind::PeeringConnection => "VpcPeeringConnectionId",
                TargetKind::TransitGateway => "TransitGatewayId",
            },
            id,
        ),
        RouteTarget::Other { vendor_type, id } => {
            match OTHER_FIELDS.iter().find(|f| **f == vendor_type) {
                Some(f) => (f, id),
                None => {
                    return Err(unsupported_kind(
                        P,
                        t,
                        &format!(" (AWS `other:` types: {})", OTHER_FIELDS.join(", ")),
                    ));
                }
            }
        }
    })
}

/// Sets the destination and target of a CreateRoute / ReplaceRoute builder.
macro_rules! route_fields {
    ($req:expr, $dest:expr, $target:expr) => {{
        let mut req = $req;
        let d = $dest.to_string();
        req = if $dest.is_ipv4() {
            req.destination_cidr_block(d)
        } else {
            req.destination_ipv6_cidr_block(d)
        };
        let (field, id) = target_field($target)?;
        let id = id.to_owned();
        match field {
            "GatewayId" => req.gateway_id(id),
            "NatGatewayId" => req.nat_gateway_id(id),
            "InstanceId" => req.instance_id(id),
            "NetworkInterfaceId" => req.network_interface_id(id),
            "VpcPeeringConnectionId" => req.vpc_peering_connection_id(id),
            "TransitGatewayId" => req.transit_gateway_id(id),
            "EgressOnlyInternetGatewayId" => req.egress_only_internet_gateway_id(id),
            "CarrierGatewayId" => req.carrier_gateway_id(id),
            "LocalGatewayId" => req.local_gateway_id(id),
            "VpcEndpointId" => req.vpc_endpoint_id(id),
            _ => req.core_network_arn(id),
        }
    }};
}

/// EC2's own errors for a route call, in unified kinds. `ReplaceRoute` on a destination the
/// table lacks answers `InvalidParameterValue` "There is no route defined for …" rather than
/// a not-found code (moto does the same): that is a `NotFound`.
fn refine(err: Error) -> Error {
    let kind = match err.code() {
        Some("RouteAlreadyExists") => Some(ErrorKind::AlreadyExists),
        Some("InvalidParameterValue") if err.message().contains("There is no route defined") => {
            Some(ErrorKind::NotFound)
        }
        _ => None,
    };
    match kind {
        Some(kind) => {
            let mut e = Error::new(kind, err.message().to_owned()).with_provider(P);
            if let Some(op) = err.operation() {
                e = e.with_operation(op.to_owned());
            }
            if let Some(c) = err.code() {
                e = e.with_code(c);
            }
            if let Some(r) = err.request_id() {
                e = e.with_request_id(r);
            }
            if let Some(s) = err.status() {
                e = e.with_status(s);
            }
            if err.earlier_attempt_may_have_applied() {
                // Keep what the retry loop learnt: the caller settles it with a describe.
                e = e.with_source(err);
            }
            e
        }
        None => err,
    }
}

impl AwsBackend {
    /// Runs one EC2 operation under the retry policy (see [`AwsClient::retry`]).
    async fn retry<T, F, Fut>(&self, operation: &'static str, op: F) -> Result<T, Error>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        self.aws.retry(operation, op).await.map_err(refine)
    }

    async fn apply_one(&self, table: &RouteTable, op: &Op) -> Result<(), Error> {
        let id = table.id.as_str();
        match op {
            Op::Create {
                destination,
                target,
            } => {
                let req = route_fields!(
                    self.client.create_route().route_table_id(id),
                    destination,
                    target
                );
                self.retry("CreateRoute", |_| {
                    let req = req.clone();
                    async move {
                        req.send()
                            .await
                            .map_err(|e| map_sdk_error("CreateRoute", &EC2, e))
                    }
                })
                .await?;
            }
            Op::Replace { route, target } => {
                let req = route_fields!(
                    self.client.replace_route().route_table_id(id),
                    route.destination,
                    target
                );
                self.retry("ReplaceRoute", |_| {
                    let req = req.clone();
                    async move {
                        req.send()
                            .await
                            .map_err(|e| map_sdk_error("ReplaceRoute", &EC2, e))
                    }
                })
                .await?;
            }
            Op::Delete { route } => {
                let d = route.destination.to_string();
                let mut req = self.client.delete_route().route_table_id(id);
                req = if route.destination.is_ipv4() {
                    req.destination_cidr_block(d)
                } else {
                    req.destination_ipv6_cidr_block(d)
                };
                self.retry("DeleteRoute", |_| {
                    let req = req.clone();
                    async move {
                        req.send()
                            .await
                            .map_err(|e| map_sdk_error("DeleteRoute", &EC2, e))
                    }
                })
                .await?;
            }
        }
        Ok(())
    }
}

impl Backend for AwsBackend {
    fn region(&self) -> &Region {
        self.aws.region()
    }

    fn limits(&self) -> Limits {
        LIMITS
    }

    fn table_rule(&self) -> IdRule {
        TABLE_RULE
    }

    fn check_target(&self, target: &RouteTarget) -> Result<(), Error> {
        target_field(target)?;
        let RouteTarget::Known { kind, id } = target else {
            return Ok(());
        };
        let (prefixes, noun): (&[&str], &str) = match kind {
            TargetKind::InternetGateway => (&["igw-"], "internet gateway"),
            TargetKind::NatGateway => (&["nat-"], "NAT gateway"),
            TargetKind::Instance => (&["i-"], "instance"),
            TargetKind::NetworkInterface => (&["eni-"], "network interface"),
            TargetKind::VpnGateway => (&["vgw-"], "VPN gateway"),
            TargetKind::PeeringConnection => (&["pcx-"], "peering connection"),
            TargetKind::TransitGateway => (&["tgw-"], "transit gateway"),
            TargetKind::Local => {
                return if id == "local" {
                    Ok(())
                } else {
                    Err(
                        Error::invalid_input("an AWS local route's target is `local`")
                            .with_provider(P),
                    )
                };
            }
        };
        check_prefixed(P, id, prefixes, noun)
    }

    fn atomic(&self) -> bool {
        false
    }

    fn describe_page<'a>(&'a self, q: PageQuery<'a>) -> BoxFuture<'a, Result<Page, Error>> {
        Box::pin(async move {
            let filters = native_filters(q.filters);
            let max = i32::try_from(q.page_size.clamp(5, 100)).unwrap_or(100);
            let out = self
                .retry("DescribeRouteTables", |_| {
                    let mut req = self
                        .client
                        .describe_route_tables()
                        .set_next_token(q.cursor.map(str::to_owned));
                    match q.ids {
                        // EC2 refuses MaxResults together with ids on its describe calls.
                        Some(ids) => req = req.set_route_table_ids(Some(ids.to_vec())),
                        None => {
                            req = req.max_results(max);
                            if !filters.is_empty() {
                                req = req.set_filters(Some(filters.clone()));
                            }
                        }
                    }
                    async move {
                        req.send()
                            .await
                            .map_err(|e| map_sdk_error("DescribeRouteTables", &EC2, e))
                    }
                })
                .await?;
            let items = out
                .route_tables()
                .iter()
                .map(to_table)
                .collect::<Result<Vec<_>, _>>()?;
            let next = out
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
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
            for op in ops {
                self.apply_one(table, op).await?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn routes_map_every_target_field() {
        let base = || ec2::Route::builder().destination_cidr_block("10.1.0.0/16");
        let cases = [
            (base().gateway_id("local").build(), "local"),
            (base().gateway_id("igw-1").build(), "igw:igw-1"),
            (base().gateway_id("vgw-1").build(), "vpn:vgw-1"),
            (
                base().gateway_id("vpce-1").build(),
                "other:VpcEndpointId:vpce-1",
            ),
            (base().nat_gateway_id("nat-1").build(), "nat:nat-1"),
            (
                base()
                    .instance_id("i-1")
                    .network_interface_id("eni-1")
                    .build(),
                "instance:i-1",
            ),
            (base().network_interface_id("eni-1").build(), "eni:eni-1"),
            (
                base().vpc_peering_connection_id("pcx-1").build(),
                "peering:pcx-1",
            ),
            (base().transit_gateway_id("tgw-1").build(), "transit:tgw-1"),
            (
                base().egress_only_internet_gateway_id("eigw-1").build(),
                "other:EgressOnlyInternetGatewayId:eigw-1",
            ),
        ];
        for (r, want) in cases {
            let got = to_route(&r).unwrap().unwrap();
            assert_eq!(got.target.to_string(), want);
            // What is read is what can be written back (rollback depends on it).
            target_field(&got.target).unwrap();
        }
        let pl = ec2::Route::builder()
            .destination_prefix_list_id("pl-1")
            .gateway_id("vpce-1")
            .build();
        assert!(to_route(&pl).unwrap().is_none());
        let bh = base()
            .instance_id("i-1")
            .state(ec2::RouteState::Blackhole)
            .origin(ec2::RouteOrigin::CreateRoute)
            .build();
        let r = to_route(&bh).unwrap().unwrap();
        assert_eq!(r.state, RouteState::Blackhole);
        assert_eq!(r.origin, RouteOrigin::Custom);
        assert!(to_route(&base().build()).is_err());
    }

    #[test]
    fn tables_map_main_subnets_and_name() {
        let t = ec2::RouteTable::builder()
            .route_table_id("rtb-0123456789abcdef0")
            .vpc_id("vpc-1")
            .associations(ec2::RouteTableAssociation::builder().main(true).build())
            .associations(
                ec2::RouteTableAssociation::builder()
                    .main(false)
                    .subnet_id("subnet-1")
                    .build(),
            )
            .tags(ec2::Tag::builder().key("Name").value("edge").build())
            .routes(
                ec2::Route::builder()
                    .destination_cidr_block("10.0.0.0/16")
                    .gateway_id("local")
                    .origin(ec2::RouteOrigin::CreateRouteTable)
                    .build(),
            )
            .build();
        let u = to_table(&t).unwrap();
        assert!(u.main);
        assert_eq!(u.subnets, ["subnet-1"]);
        assert_eq!(u.name.as_deref(), Some("edge"));
        assert_eq!(u.routes[0].origin, RouteOrigin::System);
    }

    #[test]
    fn filters_and_targets_are_checked() {
        let f = RouteTableFilters::new()
            .vpc(["vpc-1"])
            .name(["edge"])
            .subnet(["subnet-1"])
            .tag("env", ["prod"]);
        let names: Vec<String> = native_filters(&f)
            .iter()
            .map(|f| f.name().unwrap().to_owned())
            .collect();
        assert_eq!(
            names,
            ["vpc-id", "tag:Name", "association.subnet-id", "tag:env"]
        );
        let b = |s: &str| s.parse::<RouteTarget>().unwrap();
        let backend_check = |t: &RouteTarget| {
            target_field(t)?;
            Ok::<_, Error>(())
        };
        assert!(backend_check(&b("other:HAVIP:havip-1")).is_err());
        assert!(check_prefixed(P, "nat-0abc", &["nat-"], "NAT gateway").is_ok());
        assert!(check_prefixed(P, "i-0abc", &["nat-"], "NAT gateway").is_err());
        assert!(check_prefixed(P, "nat-", &["nat-"], "NAT gateway").is_err());
    }

    #[test]
    fn replace_on_a_missing_route_is_not_found() {
        let e = Error::new(
            ErrorKind::InvalidInput,
            "There is no route defined for '10.9.0.0/16' in the route table. Use CreateRoute instead.",
        )
        .with_code("InvalidParameterValue");
        assert_eq!(refine(e).kind(), ErrorKind::NotFound);
        let e = Error::new(ErrorKind::InvalidInput, "exists").with_code("RouteAlreadyExists");
        assert_eq!(refine(e).kind(), ErrorKind::AlreadyExists);
    }
}
