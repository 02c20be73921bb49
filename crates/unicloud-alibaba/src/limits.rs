//! Alibaba Cloud's per-action request limits, for the client-side
//! [rate limiter](unicloud_core::ratelimit).
//!
//! Alibaba Cloud counts each API's requests per main account (its RAM users share the
//! budget) and per region, in windows of a minute, and shows the thresholds of some products
//! in their quota documentation; ECS shows them only in the Quota Center console. Buckets are
//! scoped by region. Where a figure is published it is used (per minute where it is given per
//! minute); elsewhere [`DEFAULT`] applies, which is conservative: raise it with
//! [`RateLimits`](unicloud_core::ratelimit::RateLimits) when the account's Quota Center
//! allows more.
//!
//! ```
//! use unicloud_core::ratelimit::Rate;
//! use unicloud_alibaba::limits;
//!
//! assert_eq!(limits::rate("slb", "AddBackendServers"), Rate::per_minute(90));
//! assert_eq!(limits::rate("ecs", "DescribeInstances"), limits::DEFAULT);
//! assert_eq!(limits::api("ecs", "RunInstances", "cn-hangzhou").key.scope(), Some("cn-hangzhou"));
//! ```

use unicloud_core::Provider;
use unicloud_core::ratelimit::{ApiLimit, LimitKey, Rate, published};

/// The rate of an action without a published figure (ECS publishes none outside the console).
pub const DEFAULT: Rate = Rate::per_second(10);

/// (product, action, limit), from the products' quota documentation. The VPC route-entry and
/// SLB RemoveBackendServers / DescribeHealthStatus figures are those of the same category on
/// the same page (ModifyRouteEntry; the other backend-server writes; the Describe* calls).
pub const PUBLISHED: &[(&str, &str, Rate)] = &[
    ("vpc", "CreateRouteEntry", Rate::per_minute(300)),
    ("vpc", "DeleteRouteEntry", Rate::per_minute(300)),
    ("slb", "AddBackendServers", Rate::per_minute(90)),
    ("slb", "RemoveBackendServers", Rate::per_minute(90)),
    ("slb", "DescribeHealthStatus", Rate::per_minute(3000)),
    ("sts", "AssumeRole", Rate::per_second(100)),
];

/// The limit of `action` of `product` (`ecs`, `vpc`, `slb`, `sts`, matched without regard to
/// case), else [`DEFAULT`].
pub fn rate(product: &str, action: &str) -> Rate {
    published(PUBLISHED, product, action).unwrap_or(DEFAULT)
}

/// The bucket of `action` of `product` in `region`, with its limit.
pub fn api(product: &str, action: &str, region: &str) -> ApiLimit {
    ApiLimit {
        key: LimitKey::new(Provider::Alibaba, product, action).scoped(region),
        default: rate(product, action),
    }
}

/// OSS serves about 10 000 requests a second per account; object requests share that bucket.
pub const OSS_PER_ACCOUNT: Rate = Rate::per_second(10_000);
