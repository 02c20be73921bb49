//! Lists that follow every page, whatever the vendor's cursor.
//!
//! A backend fetches one page given the previous page's cursor (AWS `NextToken`, Tencent's
//! offset, Alibaba's page number or `NextToken`, all carried as a string); [`paginate`] turns
//! that into a lazy stream of items that asks for the next page only when the items of the
//! current one have been taken, stops at the first error, and refuses a provider that returns
//! the same cursor twice (which would otherwise loop for ever).
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use futures::TryStreamExt;
//! use unicloud_core::paging::{paginate, Page};
//! use unicloud_core::Provider;
//!
//! // Three pages of two numbers; the cursor is the next offset.
//! let stream = paginate(Provider::Tencent, "DescribeThings", |cursor: Option<String>| async move {
//!     let offset: u32 = cursor.as_deref().unwrap_or("0").parse().unwrap();
//!     let next = (offset + 2 < 6).then(|| (offset + 2).to_string());
//!     Ok(Page { items: vec![offset, offset + 1], next })
//! });
//! let all: Vec<u32> = stream.try_collect().await?;
//! assert_eq!(all, [0, 1, 2, 3, 4, 5]);
//! # Ok::<_, unicloud_core::Error>(())
//! # }).unwrap();
//! ```

use std::future::Future;

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use crate::error::{Error, ErrorKind};
use crate::provider::Provider;

/// One page of a list: its items and the cursor of the next page (`None` on the last page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The cursor to ask for the next page with; `None` when this is the last page.
    pub next: Option<String>,
}

/// A stream of items following every page: see the [module docs](self).
///
/// `fetch` is called with `None` for the first page and then with each page's `next` cursor.
/// `operation` names the vendor call in the error a repeated cursor raises.
pub fn paginate<T, F, Fut>(
    provider: Provider,
    operation: &'static str,
    fetch: F,
) -> BoxStream<'static, Result<T, Error>>
where
    T: Send + 'static,
    F: FnMut(Option<String>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T>, Error>> + Send + 'static,
{
    stream::try_unfold(
        (fetch, Cursor::default()),
        move |(mut fetch, mut cursor)| async move {
            let Some(at) = cursor.next_request() else {
                return Ok::<_, Error>(None);
            };
            let page = fetch(at).await?;
            cursor.advance(page.next, provider, operation)?;
            Ok(Some((page.items, (fetch, cursor))))
        },
    )
    .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
    .try_flatten()
    .boxed()
}

/// Fetches every page into one vector (see [`paginate`]).
pub async fn collect_pages<T, F, Fut>(
    provider: Provider,
    operation: &'static str,
    mut fetch: F,
) -> Result<Vec<T>, Error>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Page<T>, Error>>,
{
    let mut out = Vec::new();
    let mut cursor = Cursor::default();
    while let Some(at) = cursor.next_request() {
        let page = fetch(at).await?;
        out.extend(page.items);
        cursor.advance(page.next, provider, operation)?;
    }
    Ok(out)
}

/// Where a listing stands: the cursor to send next, or done. Both [`paginate`] and
/// [`collect_pages`] walk pages through it, so the repeated-cursor guard lives once.
#[derive(Debug, Default)]
struct Cursor {
    /// The cursor of the next page (`None` before the first page).
    at: Option<String>,
    done: bool,
}

impl Cursor {
    /// The cursor to fetch with, or `None` once the last page has been seen.
    fn next_request(&self) -> Option<Option<String>> {
        (!self.done).then(|| self.at.clone())
    }

    /// Records a page's `next`; the same cursor twice in a row is an error.
    fn advance(
        &mut self,
        next: Option<String>,
        provider: Provider,
        operation: &'static str,
    ) -> Result<(), Error> {
        match next {
            Some(next) if self.at.as_ref() == Some(&next) => {
                Err(repeated_cursor(provider, operation))
            }
            Some(next) => {
                self.at = Some(next);
                Ok(())
            }
            None => {
                self.done = true;
                Ok(())
            }
        }
    }
}

fn repeated_cursor(provider: Provider, operation: &'static str) -> Error {
    Error::new(
        ErrorKind::InvalidResponse,
        "the provider returned the same page cursor twice",
    )
    .with_provider(provider)
    .with_operation(operation)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use futures::TryStreamExt;

    use super::*;

    #[tokio::test]
    async fn stream_is_lazy_and_stops_at_the_first_error() {
        let calls = Arc::new(AtomicU32::new(0));
        let c = calls.clone();
        let mut s = paginate(Provider::Aws, "DescribeX", move |cursor: Option<String>| {
            c.fetch_add(1, Ordering::SeqCst);
            async move {
                match cursor.as_deref() {
                    None => Ok(Page {
                        items: vec![1, 2],
                        next: Some("p2".into()),
                    }),
                    Some("p2") => Err(Error::new(ErrorKind::Unavailable, "page 2 failed")),
                    Some(_) => Ok(Page {
                        items: vec![99],
                        next: None,
                    }),
                }
            }
        });
        // Nothing is fetched before the stream is polled.
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        assert_eq!(s.try_next().await.unwrap(), Some(1));
        assert_eq!(s.try_next().await.unwrap(), Some(2));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let err = s.try_next().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        // After the error the stream ends; it never asks for a third page.
        assert!(s.try_next().await.unwrap().is_none());
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_repeated_cursor_is_an_error_not_a_loop() {
        let s = paginate(Provider::Alibaba, "DescribeY", |_cursor| async {
            Ok(Page {
                items: vec![0u8],
                next: Some("same".into()),
            })
        });
        let err = s.try_collect::<Vec<_>>().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse);
        assert_eq!(err.operation(), Some("DescribeY"));
        let err = collect_pages(Provider::Alibaba, "DescribeY", |_cursor| async {
            Ok(Page {
                items: vec![0u8],
                next: Some("same".into()),
            })
        })
        .await
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    }

    #[tokio::test]
    async fn empty_pages_with_a_cursor_are_followed() {
        let all = collect_pages(Provider::Tencent, "DescribeZ", |cursor| async move {
            Ok(match cursor.as_deref() {
                None => Page {
                    items: vec![],
                    next: Some("1".into()),
                },
                Some("1") => Page {
                    items: vec![5],
                    next: None,
                },
                Some(_) => unreachable!(),
            })
        })
        .await
        .unwrap();
        assert_eq!(all, [5]);
    }
}
