//! Route tables on AWS VPC, Tencent Cloud VPC and Alibaba Cloud VPC behind one API.
//!
//! A [`Network`] is built from a provider client and offers the same operations everywhere:
//! describe route tables (a stream over every page, or collected), and create, replace and
//! delete routes in a table, each a batch that is applied **all or nothing**.
//!
//! | operation | AWS | Tencent Cloud | Alibaba Cloud |
//! |---|---|---|---|
//! | [`Network::describe_route_tables`] / [`Network::list_route_tables`] | EC2 `DescribeRouteTables` | VPC `DescribeRouteTables` | VPC `DescribeRouteTableList` + `DescribeRouteEntryList` per table |
//! | [`Network::replace_routes`] | `ReplaceRoute` per route, rolled back on failure | one `ReplaceRoutes` (atomic) | `ModifyRouteEntry` per route, rolled back on failure |
//! | [`Network::create_routes`] | `CreateRoute` per route, rolled back on failure | one `CreateRoutes` (atomic) | `CreateRouteEntry` per route (client token each), rolled back on failure |
//! | [`Network::delete_routes`] | `DeleteRoute` per route, rolled back on failure | one `DeleteRoutes` (atomic) | `DeleteRouteEntry` per route, rolled back on failure |
//!
//! Each backend sits behind a cargo feature (`aws`, `tencent`, `alibaba`; all on by default).
//!
//! # Examples
//!
//! AWS (credentials, region and endpoint through `aws-config`):
//!
//! ```no_run
//! # #[cfg(feature = "aws")]
//! # async fn example() -> Result<(), unicloud_core::Error> {
//! use unicloud_aws::{load_sdk_config, AwsClient, AwsConfigOptions};
//! use unicloud_core::{ClientConfig, Provider, Region};
//! use unicloud_network::{Network, RouteChange, RouteTableFilters, RouteTarget};
//!
//! let sdk = load_sdk_config(&AwsConfigOptions {
//!     region: Some(Region::new(Provider::Aws, "us-east-1")?),
//!     ..Default::default()
//! })
//! .await;
//! let network = Network::aws(&AwsClient::new(sdk, ClientConfig::default())?);
//!
//! for table in network
//!     .list_route_tables(RouteTableFilters::new().vpc(["vpc-0123456789abcdef0"]))
//!     .await?
//! {
//!     println!("{} main={} routes={}", table.id, table.main, table.routes.len());
//! }
//!
//! // Both routes move to the standby appliance, or neither does.
//! let changes = [
//!     RouteChange::new("10.8.0.0/16", RouteTarget::instance("i-0fedcba9876543210"))?,
//!     RouteChange::new("10.9.0.0/16", RouteTarget::instance("i-0fedcba9876543210"))?,
//! ];
//! for update in network.replace_routes("rtb-0123456789abcdef0", &changes).await? {
//!     println!("{}: {:?} -> {:?}", update.destination, update.previous, update.current);
//! }
//! # Ok(()) }
//! ```
//!
//! Tencent Cloud (an instance next hop is its private IP; an `ins-` id is resolved to it):
//!
//! ```no_run
//! # #[cfg(feature = "tencent")]
//! # async fn example() -> Result<(), unicloud_core::Error> {
//! use unicloud_core::{Credentials, Provider, Region};
//! use unicloud_network::{Network, RouteChange};
//! use unicloud_tencent::client::TencentClient;
//!
//! let client = TencentClient::builder(Region::new(Provider::Tencent, "ap-guangzhou")?)
//!     .credentials(Credentials::new("AKID...", "secret"))
//!     .build()?;
//! let network = Network::tencent(&client);
//!
//! let table = network.route_table("rtb-azd4dt1c").await?;
//! println!("{} routes in {}", table.routes.len(), table.vpc_id);
//! network
//!     .create_routes("rtb-azd4dt1c", &["10.99.0.0/16=instance:ins-2zmkq8lp".parse()?])
//!     .await?;
//! network
//!     .replace_routes("rtb-azd4dt1c", &["10.99.0.0/16=instance:172.16.32.79".parse()?])
//!     .await?;
//! network.delete_routes("rtb-azd4dt1c", &["10.99.0.0/16".parse()?]).await?;
//! # Ok(()) }
//! ```
//!
//! Alibaba Cloud:
//!
//! ```no_run
//! # #[cfg(feature = "alibaba")]
//! # async fn example() -> Result<(), unicloud_core::Error> {
//! use unicloud_alibaba::client::AlibabaClient;
//! use unicloud_core::{Credentials, ErrorKind, Provider, Region};
//! use unicloud_network::{ChangeReport, Network, RouteChange};
//!
//! let client = AlibabaClient::builder(Region::new(Provider::Alibaba, "cn-hangzhou")?)
//!     .credentials(Credentials::new("LTAI...", "secret"))
//!     .build()?;
//! let network = Network::alibaba(&client);
//!
//! let changes: Vec<RouteChange> = ["10.1.0.0/16=instance:i-bp67acfmxazb4p", "10.2.0.0/16=nat:ngw-bp1uewa15k4iy"]
//!     .iter()
//!     .map(|s| s.parse())
//!     .collect::<Result<_, _>>()?;
//! match network.replace_routes("vtb-bp145q7glnuzdvzu2", &changes).await {
//!     Ok(updates) => println!("{} routes moved", updates.len()),
//!     Err(e) if e.kind() == ErrorKind::PartialFailure => {
//!         // The rollback failed too: the report says where each route was left.
//!         if let Some(report) = ChangeReport::of(&e) {
//!             for r in &report.routes {
//!                 eprintln!("{}: {:?}", r.destination, r.left);
//!             }
//!         }
//!     }
//!     Err(e) => eprintln!("nothing changed: {e}"),
//! }
//! # Ok(()) }
//! ```
//!
//! # Route targets
//!
//! A [`RouteTarget`] is a [`TargetKind`] and the vendor's id (string form `KIND:ID`). A kind a
//! vendor lacks is an [`ErrorKind::InvalidInput`] error before any request, and so is an id
//! of the wrong shape where the vendor's ids have a fixed prefix.
//!
//! | kind (`KIND:`) | AWS field | Tencent `GatewayType` | Alibaba `NextHopType` |
//! |---|---|---|---|
//! | internet gateway (`igw:`) | `GatewayId` (`igw-…`) | — (use `other:EIP:0`) | `Ipv4Gateway` |
//! | NAT gateway (`nat:`) | `NatGatewayId` (`nat-…`) | `NAT` | `NatGateway` |
//! | instance (`instance:`) | `InstanceId` (`i-…`) | `NORMAL_CVM` (the private IP; `ins-…` is resolved) | `Instance` |
//! | network interface (`eni:`) | `NetworkInterfaceId` (`eni-…`) | — | `NetworkInterface` |
//! | VPN gateway (`vpn:`) | `GatewayId` (`vgw-…`) | `VPN` | `VpnGateway` |
//! | peering connection (`peering:`) | `VpcPeeringConnectionId` (`pcx-…`) | `PEERCONNECTION` | `VpcPeer` |
//! | transit gateway / CCN / CEN (`transit:`) | `TransitGatewayId` (`tgw-…`) | `CCN` | `Attachment` |
//! | local (`local`) | `GatewayId=local` | — (implicit) | `local` (system routes) |
//! | anything else (`other:TYPE:ID`) | the request field named by `TYPE` (`EgressOnlyInternetGatewayId`, `CarrierGatewayId`, `LocalGatewayId`, `VpcEndpointId`, `CoreNetworkArn`) | `GatewayType=TYPE` | `NextHopType=TYPE` |
//!
//! Route states: AWS `active`/`blackhole`; Tencent `Enabled` (false → `disabled`); Alibaba
//! `Available` → `active`, `Pending`/`Modifying`/`Creating` → `pending`. Origins: AWS
//! `CreateRouteTable` → system, `CreateRoute` → custom, `EnableVgwRoutePropagation` →
//! propagated; Tencent `RouteType` `USER` → custom, `CCN` → propagated, others → system;
//! Alibaba `Type` `Custom` → custom, `System` → system, others (`BGP`, `CEN`, …) →
//! propagated. AWS routes to a managed prefix list (gateway endpoints) are not listed: their
//! destination is not a CIDR.
//!
//! # Filters
//!
//! | unified key | AWS | Tencent Cloud | Alibaba Cloud |
//! |---|---|---|---|
//! | `vpc` | `vpc-id` | `vpc-id` | `VpcId` (one value; several → client) |
//! | `name` | `tag:Name` | `route-table-name` | `RouteTableName` (one value; several → client) |
//! | `subnet` | `association.subnet-id` | client | client (`VSwitchIds` of each table) |
//! | `tag:<key>` | `tag:<key>` | `tag:<key>` | `Tag.N.Key`/`Tag.N.Value` (one value; several → client) |
//!
//! Every filter is also checked client-side, so results match exactly everywhere. With ids,
//! the ids are sent natively and the filters applied client-side.
//!
//! # Behaviour
//!
//! - **Validation first**: a malformed table id or CIDR, an empty change list, more than
//!   [`MAX_CHANGES`] routes, a destination given twice, a target kind the vendor lacks or an
//!   IPv6 destination where the vendor takes IPv4 only → [`ErrorKind::InvalidInput`] before
//!   any request.
//! - **Against the table as it is**: every call first reads the table. An unknown table, or a
//!   destination to replace or delete that the table lacks → [`ErrorKind::NotFound`]; a
//!   destination to create that it has → [`ErrorKind::AlreadyExists`]. The targets read then
//!   are the ones a rollback restores (a concurrent writer between the read and the change
//!   is not detected).
//! - **All or nothing**: where the vendor applies one route per call (AWS, Alibaba), a
//!   failure part-way puts back the routes already changed (newest first, each to the state
//!   read before the call), and the error keeps the failure's kind and says which routes were
//!   rolled back. If a rollback call fails too, the error is [`ErrorKind::PartialFailure`].
//!   Either way [`ChangeReport::of`] gives, per route, where it was left.
//! - **Ambiguous failures** (a time-out or a broken connection after sending) are settled by
//!   reading the table: a change found applied counts as done, so a retried or repeated call
//!   never loses or duplicates a route. Alibaba's `CreateRouteEntry` carries a client token
//!   per route, the same for each attempt.
//! - **Retries** on throttling, 5xx and broken connections through the client's
//!   [`RetryPolicy`](unicloud_core::RetryPolicy); only the idempotent calls are repeated after
//!   an ambiguous failure (AWS [`unicloud_aws::idempotency()`] table, the vendors' generated
//!   `IDEMPOTENT` flags).
//! - **Paging**: AWS `NextToken` (`MaxResults` 5–100), Tencent `Offset`/`Limit` 100, Alibaba
//!   `PageNumber`/`PageSize` 50 for tables and `NextToken`/`MaxResult` 100 for each table's
//!   routes — every page is followed.

// Without any backend feature the crate still builds (the shared layer has no user then).
#![cfg_attr(
    not(any(feature = "aws", feature = "tencent", feature = "alibaba")),
    allow(dead_code)
)]

use std::fmt;
use std::sync::Arc;

use futures::stream::{BoxStream, TryStreamExt};
use unicloud_core::clock::BoxFuture;
use unicloud_core::ids::{self, IdRule};
use unicloud_core::listing;
use unicloud_core::paging;
use unicloud_core::{Error, ErrorKind, Provider, Region};

#[cfg(feature = "alibaba")]
mod alibaba;
#[cfg(feature = "aws")]
mod aws;
mod batch;
mod model;
#[cfg(feature = "tencent")]
mod tencent;

pub use batch::MAX_CHANGES;
pub use model::{
    ChangeReport, Cidr, FilterKey, Route, RouteChange, RouteLeft, RouteOrigin, RouteOutcome,
    RouteState, RouteTable, RouteTableFilters, RouteTableQuery, RouteTarget, RouteUpdate,
    TargetKind,
};

use batch::{Op, Request};

/// A stream of route tables, following every page (see [`Network::describe_route_tables`]).
pub type RouteTableStream = BoxStream<'static, Result<RouteTable, Error>>;

/// The vendor-neutral name of the describe call, for errors.
const DESCRIBE: &str = "DescribeRouteTables";

/// One page request to a backend.
pub(crate) type PageQuery<'a> = listing::PageQuery<'a, RouteTableFilters>;

/// One page of route tables from a backend.
pub(crate) type Page = paging::Page<RouteTable>;

/// The vendor's per-call limits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Table ids per describe call.
    pub(crate) ids: usize,
    /// Largest page.
    pub(crate) page: usize,
    /// Smallest page the vendor accepts.
    pub(crate) min_page: usize,
}

/// What a provider must implement; validation, paging, client-side filters, batching and
/// rollback are shared.
pub(crate) trait Backend: Send + Sync + fmt::Debug {
    fn region(&self) -> &Region;
    fn limits(&self) -> Limits;
    /// The shape of this vendor's route-table ids (its provider is the backend's).
    fn table_rule(&self) -> IdRule;
    /// Whether `target` is a kind this vendor routes to, with an id of the right shape.
    fn check_target(&self, target: &RouteTarget) -> Result<(), Error>;
    /// Whether routes may have IPv6 destinations.
    fn supports_ipv6(&self) -> bool {
        true
    }
    /// Targets in the form the vendor stores them (Tencent: instance ids → private IPs).
    fn resolve_targets(
        &self,
        targets: Vec<RouteTarget>,
    ) -> BoxFuture<'_, Result<Vec<RouteTarget>, Error>> {
        Box::pin(async move { Ok(targets) })
    }
    /// Whether [`Backend::apply`] takes a whole batch of one kind in one all-or-nothing
    /// call; if not, it is given one op at a time.
    fn atomic(&self) -> bool;
    fn describe_page<'a>(&'a self, query: PageQuery<'a>) -> BoxFuture<'a, Result<Page, Error>>;
    /// Applies `ops` (all of one kind) to `table`; `token` is unique to this op (or batch)
    /// and the same for every attempt of it.
    fn apply<'a>(
        &'a self,
        table: &'a RouteTable,
        ops: &'a [Op],
        token: &'a str,
    ) -> BoxFuture<'a, Result<(), Error>>;
}

/// Route tables of one provider in one region: see the [crate docs](crate).
#[derive(Clone)]
pub struct Network {
    backend: Arc<dyn Backend>,
    page_size: Option<usize>,
}

impl fmt::Debug for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Network")
            .field("backend", &self.backend)
            .field("page_size", &self.page_size)
            .finish()
    }
}

impl Network {
    pub(crate) fn from_backend(backend: Arc<dyn Backend>) -> Self {
        Self {
            backend,
            page_size: None,
        }
    }

    /// Which cloud this talks to.
    pub fn provider(&self) -> Provider {
        self.backend.table_rule().provider
    }

    /// The region.
    pub fn region(&self) -> &Region {
        self.backend.region()
    }

    /// Asks for pages of at most `size` tables (default: the vendor's maximum; clamped to
    /// the vendor's range). Smaller pages mean more requests, each smaller.
    #[must_use]
    pub fn with_page_size(mut self, size: usize) -> Self {
        self.page_size = Some(size);
        self
    }

    fn page_size(&self) -> usize {
        let l = self.backend.limits();
        self.page_size
            .map_or(l.page, |p| p.clamp(l.min_page.min(l.page), l.page))
    }

    fn invalid(&self, message: impl Into<String>) -> Error {
        Error::invalid_input(message).with_provider(self.provider())
    }

    /// Describes route tables: those the query names (every table when it names none) that
    /// pass its filters, as a stream that follows every page. Takes a [`RouteTableQuery`], or
    /// [`RouteTableFilters`] alone.
    ///
    /// With ids, tables come in the order of the ids, and an id that does not exist fails the
    /// stream with [`ErrorKind::NotFound`]. Malformed ids are an [`ErrorKind::InvalidInput`]
    /// error right away; nothing is sent until the stream is polled.
    pub fn describe_route_tables(
        &self,
        query: impl Into<RouteTableQuery>,
    ) -> Result<RouteTableStream, Error> {
        let RouteTableQuery { ids, filters } = query.into();
        let ids = self.backend.table_rule().check(&ids, false)?;
        Ok(listing::describe(
            Tables(self.backend.clone()),
            ids,
            ids::batch_size(self.backend.limits().ids, None),
            filters,
            self.page_size(),
        ))
    }

    /// Collects [`Network::describe_route_tables`] into a vector.
    pub async fn list_route_tables(
        &self,
        query: impl Into<RouteTableQuery>,
    ) -> Result<Vec<RouteTable>, Error> {
        self.describe_route_tables(query)?.try_collect().await
    }

    /// The table `id` with all its routes; [`ErrorKind::NotFound`] when it does not exist.
    pub async fn route_table(&self, id: &str) -> Result<RouteTable, Error> {
        let ids = self.backend.table_rule().check([id], true)?;
        let mut found =
            listing::fetch_ids(&Tables(self.backend.clone()), &ids, self.page_size(), false)
                .await?;
        found.pop().ok_or_else(|| not_found(self.provider(), &ids))
    }

    /// Points existing routes of `table_id` at new targets, all or nothing, and returns for
    /// each route its previous and its new target (in the order given).
    ///
    /// On AWS and Alibaba Cloud, which change one route per call, a failure part-way rolls
    /// back the routes already changed: see the [crate docs](crate#behaviour) and
    /// [`ChangeReport`]. A destination the table lacks is [`ErrorKind::NotFound`] before any
    /// change is sent.
    pub async fn replace_routes(
        &self,
        table_id: &str,
        changes: &[RouteChange],
    ) -> Result<Vec<RouteUpdate>, Error> {
        tracing::debug!(provider = %self.provider(), table = table_id, routes = changes.len(), "replace routes");
        self.run(table_id, Request::Replace(changes)).await
    }

    /// Adds routes to `table_id`, all or nothing (a destination the table has already is
    /// [`ErrorKind::AlreadyExists`] before any change is sent).
    pub async fn create_routes(
        &self,
        table_id: &str,
        routes: &[RouteChange],
    ) -> Result<Vec<RouteUpdate>, Error> {
        tracing::debug!(provider = %self.provider(), table = table_id, routes = routes.len(), "create routes");
        self.run(table_id, Request::Create(routes)).await
    }

    /// Removes the routes to `destinations` from `table_id`, all or nothing (a destination
    /// the table lacks is [`ErrorKind::NotFound`] before any change is sent).
    pub async fn delete_routes(
        &self,
        table_id: &str,
        destinations: &[Cidr],
    ) -> Result<Vec<RouteUpdate>, Error> {
        tracing::debug!(provider = %self.provider(), table = table_id, routes = destinations.len(), "delete routes");
        self.run(table_id, Request::Delete(destinations)).await
    }
}

fn not_found(provider: Provider, ids: &[impl AsRef<str>]) -> Error {
    let ids: Vec<&str> = ids.iter().map(AsRef::as_ref).collect();
    Error::new(
        ErrorKind::NotFound,
        format!("route table(s) {} do not exist", ids.join(", ")),
    )
    .with_provider(provider)
    .with_operation(DESCRIBE)
}

/// Route tables as a [`listing::Listing`]: the backend's pages, the unified filters.
#[derive(Clone)]
struct Tables(Arc<dyn Backend>);

impl listing::Listing for Tables {
    type Item = RouteTable;
    type Filters = RouteTableFilters;

    fn provider(&self) -> Provider {
        self.0.table_rule().provider
    }

    fn operation(&self) -> &'static str {
        DESCRIBE
    }

    fn page<'a>(&'a self, query: PageQuery<'a>) -> BoxFuture<'a, Result<Page, Error>> {
        Box::pin(async move {
            let ids = query.ids;
            match self.0.describe_page(query).await {
                // Some vendors answer an unknown id with an error, others with an empty
                // list: both become the same NotFound.
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    Err(not_found(self.provider(), ids.unwrap_or_default()))
                }
                other => other,
            }
        })
    }

    fn id(item: &RouteTable) -> &str {
        &item.id
    }

    fn matches(filters: &RouteTableFilters, item: &RouteTable) -> bool {
        filters.matches(item)
    }

    fn missing(&self, ids: &[&str]) -> Error {
        not_found(self.provider(), ids)
    }
}

/// Checks that `id` starts with one of `prefixes` followed by letters and digits, for a
/// target kind's id; `noun` names it in the message.
pub(crate) fn check_prefixed(
    provider: Provider,
    id: &str,
    prefixes: &[&str],
    noun: &str,
) -> Result<(), Error> {
    let ok = prefixes.iter().any(|p| {
        id.strip_prefix(p).is_some_and(|rest| {
            !rest.is_empty()
                && rest.len() <= 64
                && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
    });
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "`{}` is not a valid {} {noun} id (expected {}…)",
            model::shown(id),
            provider.display_name(),
            prefixes.join("… or ")
        ))
        .with_provider(provider))
    }
}

/// The error for a target kind the vendor has no next hop for.
pub(crate) fn unsupported_kind(provider: Provider, target: &RouteTarget, hint: &str) -> Error {
    Error::invalid_input(format!(
        "{} routes cannot point at {target}{hint}",
        provider.display_name()
    ))
    .with_provider(provider)
}

#[cfg(test)]
mod tests;
