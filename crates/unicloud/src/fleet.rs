//! [`Fleet`]: one call over many regions (and accounts, and providers), as one stream of
//! results tagged with their region.

#[cfg(feature = "lb")]
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;

use futures::stream::{self, BoxStream, StreamExt};
use unicloud_core::{Error, Region};

use crate::Cloud;

/// One result of a fan-out: the region it comes from, and an item or the error that ended
/// that region's part.
#[derive(Debug)]
pub struct Regional<T> {
    /// The region (and so the provider) the result comes from.
    pub region: Region,
    /// An item, or the error that ended this region's listing (the region yields nothing
    /// after it; the other regions go on).
    pub result: Result<T, Error>,
}

/// Everything a fan-out returned, split into items and per-region failures: see
/// [`Fleet::collect`].
#[derive(Debug)]
#[non_exhaustive]
pub struct FleetReport<T> {
    /// Every item, with its region, in the order they arrived.
    pub items: Vec<(Region, T)>,
    /// The regions that failed, with their error (their items before the failure are in
    /// `items`).
    pub failures: Vec<(Region, Error)>,
}

impl<T> FleetReport<T> {
    /// Whether every region answered in full.
    pub fn is_complete(&self) -> bool {
        self.failures.is_empty()
    }
}

/// A set of [`Cloud`]s — usually one provider and account in several regions, but any mix
/// of providers and accounts — listed together.
///
/// Each listing runs in every cloud at once, at most [`concurrency`](Fleet::with_concurrency)
/// regions at a time, and comes back as one stream of [`Regional`] results. Every region's
/// part is lazy (a page is fetched when the items before it have been taken), so memory stays
/// at a page per active region however large the fleet. A region that fails (throttled past
/// its retries, unreachable, refused) yields one error item and ends; the others carry on.
/// The clouds of [`CloudBuilder::build_regions`](crate::CloudBuilder::build_regions) share
/// their credentials and their [rate-limit buckets](unicloud_core::ratelimit).
///
/// ```no_run
/// # async fn example() -> Result<(), unicloud::Error> {
/// use futures::StreamExt;
/// use unicloud::compute::InstanceQuery;
/// use unicloud::{Cloud, Provider};
///
/// let fleet = Cloud::builder(Provider::Tencent)
///     .build_regions(["ap-guangzhou", "ap-shanghai", "ap-singapore"])
///     .await?
///     .with_concurrency(2);
/// let mut all = fleet.describe_instances(InstanceQuery::all())?;
/// while let Some(r) = all.next().await {
///     match r.result {
///         Ok(instance) => println!("{} {} {}", r.region, instance.id, instance.state),
///         Err(e) => eprintln!("{}: {e}", r.region),
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Fleet {
    clouds: Vec<Cloud>,
    concurrency: usize,
}

/// How many regions a fan-out works in at once unless told otherwise.
pub const DEFAULT_CONCURRENCY: usize = 4;

impl Fleet {
    /// A fleet of these clouds, [`DEFAULT_CONCURRENCY`] regions at a time.
    pub fn new(clouds: impl IntoIterator<Item = Cloud>) -> Self {
        Self {
            clouds: clouds.into_iter().collect(),
            concurrency: DEFAULT_CONCURRENCY,
        }
    }

    /// Works in at most `regions` clouds at once (at least 1).
    #[must_use]
    pub fn with_concurrency(mut self, regions: usize) -> Self {
        self.concurrency = regions.max(1);
        self
    }

    /// The clouds, in the order given.
    pub fn clouds(&self) -> &[Cloud] {
        &self.clouds
    }

    /// The cloud of `region`, if the fleet has it.
    pub fn cloud(&self, region: &Region) -> Option<&Cloud> {
        self.clouds.iter().find(|c| c.region() == region)
    }

    /// How many regions a fan-out works in at once.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Runs `list` in every cloud and merges the streams it returns, at most
    /// [`concurrency`](Fleet::concurrency) at a time. `list` is called for every cloud before
    /// anything is sent, so input it refuses (an error from `list`) fails the whole call
    /// before any request; an error inside a region's stream ends that region only.
    pub fn fan_out<T, F>(&self, mut list: F) -> Result<BoxStream<'static, Regional<T>>, Error>
    where
        T: Send + 'static,
        F: FnMut(&Cloud) -> Result<BoxStream<'static, Result<T, Error>>, Error>,
    {
        let parts = self
            .clouds
            .iter()
            .map(|c| Ok((c.region().clone(), list(c)?)))
            .collect::<Result<Vec<_>, Error>>()?;
        let merged = stream::iter(
            parts
                .into_iter()
                .map(|(region, items)| tagged(region, items)),
        )
        .flatten_unordered(Some(self.concurrency));
        Ok(merged.boxed())
    }

    /// Runs `call` once in every cloud, at most [`concurrency`](Fleet::concurrency) at a
    /// time, and yields each region's answer as it comes.
    pub fn each<T, F, Fut>(&self, mut call: F) -> BoxStream<'static, Regional<T>>
    where
        T: Send + 'static,
        F: FnMut(Cloud) -> Fut,
        Fut: Future<Output = Result<T, Error>> + Send + 'static,
    {
        let calls: Vec<_> = self
            .clouds
            .iter()
            .map(|c| {
                let region = c.region().clone();
                let answer = call(c.clone());
                async move {
                    Regional {
                        region,
                        result: answer.await,
                    }
                }
            })
            .collect();
        stream::iter(calls)
            .buffer_unordered(self.concurrency)
            .boxed()
    }

    /// Drains a fan-out into items and per-region failures.
    pub async fn collect<T>(results: BoxStream<'_, Regional<T>>) -> FleetReport<T> {
        let mut report = FleetReport {
            items: Vec::new(),
            failures: Vec::new(),
        };
        let mut results = results;
        while let Some(r) = results.next().await {
            match r.result {
                Ok(item) => report.items.push((r.region, item)),
                Err(e) => report.failures.push((r.region, e)),
            }
        }
        report
    }

    /// [`Compute::describe_instances`](unicloud_compute::Compute::describe_instances) in every
    /// region, as one stream. Malformed ids fail the call before anything is sent.
    #[cfg(feature = "compute")]
    pub fn describe_instances(
        &self,
        query: impl Into<unicloud_compute::InstanceQuery>,
    ) -> Result<BoxStream<'static, Regional<unicloud_compute::Instance>>, Error> {
        let query = query.into();
        self.fan_out(|c| c.compute().describe_instances(query.clone()))
    }

    /// [`Network::describe_route_tables`](unicloud_network::Network::describe_route_tables) in
    /// every region, as one stream. Malformed ids fail the call before anything is sent.
    #[cfg(feature = "network")]
    pub fn describe_route_tables(
        &self,
        query: impl Into<unicloud_network::RouteTableQuery>,
    ) -> Result<BoxStream<'static, Regional<unicloud_network::RouteTable>>, Error> {
        let query = query.into();
        self.fan_out(|c| c.network().describe_route_tables(query.clone()))
    }

    /// The health of every backend of each pool, asked in the pool's region:
    /// `pools` pairs each pool with its region. A region the fleet has no cloud for is
    /// [`ErrorKind::InvalidInput`](unicloud_core::ErrorKind::InvalidInput) before anything is
    /// sent; a pool that fails is reported in its region's stream, and that region's other
    /// pools are still asked.
    #[cfg(feature = "lb")]
    pub fn describe_health(
        &self,
        pools: impl IntoIterator<Item = (Region, unicloud_lb::BackendPool)>,
    ) -> Result<BoxStream<'static, Regional<unicloud_lb::BackendHealth>>, Error> {
        let mut by_region: BTreeMap<Region, Vec<unicloud_lb::BackendPool>> = BTreeMap::new();
        for (region, pool) in pools {
            if self.cloud(&region).is_none() {
                return Err(Error::invalid_input(format!(
                    "the fleet has no cloud in {} ({}) for {pool}",
                    region,
                    region.provider()
                )));
            }
            by_region.entry(region).or_default().push(pool);
        }
        let parts: Vec<_> = by_region
            .into_iter()
            .filter_map(|(region, pools)| {
                let lb = self.cloud(&region)?.lb();
                let asks = stream::iter(pools).then(move |pool| {
                    let lb = lb.clone();
                    async move { lb.describe_health(&pool, &[]).await }
                });
                let items = asks.flat_map(|r| match r {
                    Ok(list) => stream::iter(list.into_iter().map(Ok).collect::<Vec<_>>()),
                    Err(e) => stream::iter(vec![Err(e)]),
                });
                Some(
                    items
                        .map(move |result| Regional {
                            region: region.clone(),
                            result,
                        })
                        .boxed(),
                )
            })
            .collect();
        Ok(stream::iter(parts)
            .flatten_unordered(Some(self.concurrency))
            .boxed())
    }
}

/// `items` tagged with `region`, ending after the first error.
fn tagged<T: Send + 'static>(
    region: Region,
    items: BoxStream<'static, Result<T, Error>>,
) -> BoxStream<'static, Regional<T>> {
    items
        .scan(false, move |failed, result| {
            if *failed {
                return futures::future::ready(None);
            }
            *failed = result.is_err();
            futures::future::ready(Some(Regional {
                region: region.clone(),
                result,
            }))
        })
        .boxed()
}

impl fmt::Debug for Fleet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fleet")
            .field(
                "regions",
                &self.clouds.iter().map(Cloud::region).collect::<Vec<_>>(),
            )
            .field("concurrency", &self.concurrency)
            .finish()
    }
}
