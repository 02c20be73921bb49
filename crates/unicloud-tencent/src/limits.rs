//! Tencent Cloud's published per-action request limits, for the client-side
//! [rate limiter](unicloud_core::ratelimit).
//!
//! Tencent Cloud counts each API's requests per second per (sub-)account and per access
//! region, and documents the limit on each action's page ("a maximum of N requests can be
//! initiated per second"). The buckets here are therefore scoped by region; no burst above the
//! per-second figure is published, so the burst equals it. An action not listed gets
//! [`DEFAULT`], the lowest limit Tencent Cloud publishes for the actions unicloud uses.
//!
//! ```
//! use unicloud_core::ratelimit::Rate;
//! use unicloud_tencent::limits;
//!
//! assert_eq!(limits::rate("cvm", "DescribeInstances"), Rate::per_second(40));
//! assert_eq!(limits::rate("CVM", "SomethingNew"), limits::DEFAULT);
//! let api = limits::api("vpc", "ReplaceRoutes", "ap-guangzhou");
//! assert_eq!(api.key.scope(), Some("ap-guangzhou"));
//! ```

use unicloud_core::Provider;
use unicloud_core::ratelimit::{ApiLimit, LimitKey, Rate, published};

/// The rate of an action Tencent Cloud publishes no figure for (among the actions unicloud
/// sends, the lowest published figure is 10 a second).
pub const DEFAULT: Rate = Rate::per_second(10);

/// (service, action, limit), from each action's API reference page.
pub const PUBLISHED: &[(&str, &str, Rate)] = &[
    ("cvm", "DescribeInstances", Rate::per_second(40)),
    ("cvm", "RunInstances", Rate::per_second(10)),
    ("cvm", "StartInstances", Rate::per_second(10)),
    ("cvm", "StopInstances", Rate::per_second(10)),
    ("cvm", "TerminateInstances", Rate::per_second(10)),
    ("vpc", "DescribeRouteTables", Rate::per_second(100)),
    ("vpc", "CreateRoutes", Rate::per_second(100)),
    ("vpc", "DeleteRoutes", Rate::per_second(100)),
    // Published as 100 in the current reference and 50 in an older copy: the lower one.
    ("vpc", "ReplaceRoutes", Rate::per_second(50)),
    ("clb", "DescribeTargetHealth", Rate::per_second(20)),
    ("clb", "RegisterTargets", Rate::per_second(20)),
    ("clb", "DeregisterTargets", Rate::per_second(20)),
    ("clb", "DescribeTaskStatus", Rate::per_second(20)),
    ("clb", "DescribeLoadBalancers", Rate::per_second(20)),
    ("clb", "DescribeTargets", Rate::per_second(20)),
    ("clb", "DescribeListeners", Rate::per_second(20)),
    ("sts", "AssumeRole", Rate::per_second(600)),
];

/// The published limit of `action` of `service` (`cvm`, `vpc`, `clb`, `sts`, matched
/// without regard to case), else [`DEFAULT`].
pub fn rate(service: &str, action: &str) -> Rate {
    published(PUBLISHED, service, action).unwrap_or(DEFAULT)
}

/// The bucket of `action` of `service` sent to `region`, with its published limit.
pub fn api(service: &str, action: &str, region: &str) -> ApiLimit {
    ApiLimit {
        key: LimitKey::new(Provider::Tencent, service, action).scoped(region),
        default: rate(service, action),
    }
}

/// COS serves about 30 000 requests a second per bucket before it needs raising; object
/// requests are limited per bucket at that rate.
pub const COS_PER_BUCKET: Rate = Rate::per_second(30_000);
