//! Describe-by-ids-or-filters, once for every resource type.
//!
//! Every unified `describe_*` call has the same shape: either no ids (list everything, with
//! the filters sent natively where the vendor can and re-checked here), or ids (sent in chunks
//! of the vendor's id limit, each chunk with all its pages, answered in the order asked, a
//! missing id `NotFound`). A resource type says how to fetch one page and how its items match
//! ([`Listing`]); [`describe`] and [`fetch_ids`] do the rest.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use futures::TryStreamExt;
//! use unicloud_core::clock::BoxFuture;
//! use unicloud_core::listing::{describe, Listing, PageQuery};
//! use unicloud_core::paging::Page;
//! use unicloud_core::{Error, ErrorKind, Provider};
//!
//! /// Ten numbered things, two to a page; the filter keeps the even ones.
//! #[derive(Clone)]
//! struct Things;
//!
//! impl Listing for Things {
//!     type Item = String;
//!     type Filters = bool;
//!     fn provider(&self) -> Provider { Provider::Aws }
//!     fn operation(&self) -> &'static str { "DescribeThings" }
//!     fn id(item: &String) -> &str { item }
//!     fn matches(even_only: &bool, item: &String) -> bool {
//!         !even_only || item.trim_start_matches("t-").parse::<u32>().unwrap() % 2 == 0
//!     }
//!     fn missing(&self, ids: &[&str]) -> Error {
//!         Error::new(ErrorKind::NotFound, format!("{} do not exist", ids.join(", ")))
//!     }
//!     fn page<'a>(&'a self, q: PageQuery<'a, bool>) -> BoxFuture<'a, Result<Page<String>, Error>> {
//!         Box::pin(async move {
//!             let all: Vec<String> = (0..10).map(|i| format!("t-{i}")).collect();
//!             if let Some(ids) = q.ids {
//!                 let items = all.into_iter().filter(|t| ids.contains(t)).collect();
//!                 return Ok(Page { items, next: None });
//!             }
//!             let at: usize = q.cursor.unwrap_or("0").parse().unwrap();
//!             let next = (at + 2 < 10).then(|| (at + 2).to_string());
//!             Ok(Page { items: all[at..at + 2].to_vec(), next })
//!         })
//!     }
//! }
//!
//! let even: Vec<String> = describe(Things, Vec::new(), 100, true, 2).try_collect().await?;
//! assert_eq!(even, ["t-0", "t-2", "t-4", "t-6", "t-8"]);
//! let asked = vec!["t-7".to_owned(), "t-3".to_owned()];
//! let in_order: Vec<String> = describe(Things, asked, 1, false, 2).try_collect().await?;
//! assert_eq!(in_order, ["t-7", "t-3"]);
//! let gone = describe(Things, vec!["t-99".to_owned()], 1, false, 2).try_collect::<Vec<_>>().await;
//! assert_eq!(gone.unwrap_err().kind(), ErrorKind::NotFound);
//! # Ok::<_, Error>(())
//! # }).unwrap();
//! ```

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use crate::clock::BoxFuture;
use crate::error::Error;
use crate::paging::{self, Page};
use crate::provider::Provider;

/// One page request to a vendor.
#[derive(Debug)]
pub struct PageQuery<'a, F> {
    /// A chunk of ids (at most the vendor's id limit); `None` to list everything.
    pub ids: Option<&'a [String]>,
    /// Filters to send natively where the vendor can (the defaults when `ids` is set).
    pub filters: &'a F,
    /// The page size to ask for.
    pub page_size: usize,
    /// The cursor the previous page returned.
    pub cursor: Option<&'a str>,
}

/// A resource type that can be listed page by page, by ids or by filters.
pub trait Listing: Clone + Send + Sync + 'static {
    /// One listed resource.
    type Item: Send + 'static;
    /// The unified filters of this resource type.
    type Filters: Default + Send + Sync + 'static;

    /// The provider asked (for errors).
    fn provider(&self) -> Provider;
    /// The vendor-neutral name of the describe call (for errors).
    fn operation(&self) -> &'static str;
    /// Fetches one page.
    fn page<'a>(
        &'a self,
        query: PageQuery<'a, Self::Filters>,
    ) -> BoxFuture<'a, Result<Page<Self::Item>, Error>>;
    /// The id of an item.
    fn id(item: &Self::Item) -> &str;
    /// Whether an item passes the filters (re-checked here whatever the vendor applied).
    fn matches(filters: &Self::Filters, item: &Self::Item) -> bool;
    /// The `NotFound` error for ids that do not exist.
    fn missing(&self, ids: &[&str]) -> Error;
}

/// Every item matching `filters` (no `ids`), or the items `ids` name in that order, in chunks
/// of `batch` ids, each chunk with all its pages; a missing id fails the stream with
/// [`Listing::missing`]. Lazy: a page is fetched when the items before it have been taken.
pub fn describe<L: Listing>(
    listing: L,
    ids: Vec<String>,
    batch: usize,
    filters: L::Filters,
    page_size: usize,
) -> BoxStream<'static, Result<L::Item, Error>> {
    let filters = Arc::new(filters);
    if ids.is_empty() {
        let provider = listing.provider();
        let operation = listing.operation();
        return paging::paginate(provider, operation, move |cursor| {
            let listing = listing.clone();
            let filters = filters.clone();
            async move {
                let mut page = listing
                    .page(PageQuery {
                        ids: None,
                        filters: &filters,
                        page_size,
                        cursor: cursor.as_deref(),
                    })
                    .await?;
                page.items.retain(|i| L::matches(&filters, i));
                Ok(page)
            }
        });
    }
    let chunks: VecDeque<Vec<String>> = ids.chunks(batch.max(1)).map(<[String]>::to_vec).collect();
    stream::try_unfold(chunks, move |mut chunks| {
        let listing = listing.clone();
        let filters = filters.clone();
        async move {
            let Some(chunk) = chunks.pop_front() else {
                return Ok(None);
            };
            let mut found = fetch_ids(&listing, &chunk, page_size, false).await?;
            found.retain(|i| L::matches(&filters, i));
            Ok::<_, Error>(Some((found, chunks)))
        }
    })
    .map_ok(|batch| stream::iter(batch.into_iter().map(Ok)))
    .try_flatten()
    .boxed()
}

/// Every page for one chunk of ids, in the order of `chunk` (each id once); a missing id is
/// [`Listing::missing`] unless `tolerate_missing`, when it is left out.
pub async fn fetch_ids<L: Listing>(
    listing: &L,
    chunk: &[String],
    page_size: usize,
    tolerate_missing: bool,
) -> Result<Vec<L::Item>, Error> {
    let none = L::Filters::default();
    let items = paging::collect_pages(listing.provider(), listing.operation(), |cursor| {
        let none = &none;
        async move {
            listing
                .page(PageQuery {
                    ids: Some(chunk),
                    filters: none,
                    page_size,
                    cursor: cursor.as_deref(),
                })
                .await
        }
    })
    .await?;
    let mut found: HashMap<String, L::Item> = items
        .into_iter()
        .map(|i| (L::id(&i).to_owned(), i))
        .collect();
    let mut out = Vec::with_capacity(chunk.len());
    let mut missing = Vec::new();
    for id in chunk {
        match found.remove(id) {
            Some(i) => out.push(i),
            None => missing.push(id.as_str()),
        }
    }
    if !missing.is_empty() && !tolerate_missing {
        return Err(listing.missing(&missing));
    }
    Ok(out)
}
