//! The link between generated request types and the runtime that sends them.

/// A Tencent Cloud API 3.0 action: implemented by every generated request type
/// (`generated::<service>::<Action>Request`).
///
/// Everything the transport needs to address the call comes from the constants: the endpoint
/// host (`<SERVICE>.tencentcloudapi.com`), the `X-TC-Action` and `X-TC-Version` headers and the
/// TC3 credential scope (`<date>/<SERVICE>/tc3_request`). The request itself is the JSON body;
/// the body of a successful reply is `{"Response": Output}`.
///
/// ```
/// # #[cfg(feature = "cvm")] {
/// use unicloud_tencent::action::Action;
/// use unicloud_tencent::generated::cvm::DescribeInstancesRequest;
///
/// assert_eq!(DescribeInstancesRequest::SERVICE, "cvm");
/// assert_eq!(DescribeInstancesRequest::VERSION, "2017-03-12");
/// assert_eq!(DescribeInstancesRequest::ACTION, "DescribeInstances");
/// # }
/// ```
pub trait Action: serde::Serialize {
    /// What the `Response` envelope holds when the call succeeds.
    type Output: serde::de::DeserializeOwned;
    /// Service short name (`cvm`), used in the endpoint host and the signing scope.
    const SERVICE: &'static str;
    /// API version (`2017-03-12`), sent as `X-TC-Version`.
    const VERSION: &'static str;
    /// Action name (`DescribeInstances`), sent as `X-TC-Action`.
    const ACTION: &'static str;
    /// Whether sending the request twice has the effect of sending it once (a read, a create
    /// carrying a client token, a call that sets a state): only such calls are repeated after
    /// a time-out or a dropped connection. Decided by `cargo xtask codegen` from the action's
    /// name, its `ClientToken` field and the manifest's `idempotent` lists.
    const IDEMPOTENT: bool;
}

/// The retry decisions of the actions the verticals use, pinned: changing one is a deliberate
/// edit of `specs/manifest.toml` and of this test.
#[cfg(all(test, feature = "cvm", feature = "vpc", feature = "clb"))]
mod tests {
    use super::Action;
    use crate::generated::{clb, cvm, vpc};

    #[test]
    fn only_safe_actions_are_repeated() {
        let decisions = [
            // Reads.
            (
                "cvm::DescribeInstancesRequest",
                cvm::DescribeInstancesRequest::IDEMPOTENT,
                true,
            ),
            (
                "vpc::DescribeRouteTablesRequest",
                vpc::DescribeRouteTablesRequest::IDEMPOTENT,
                true,
            ),
            (
                "clb::DescribeTargetsRequest",
                clb::DescribeTargetsRequest::IDEMPOTENT,
                true,
            ),
            (
                "clb::DescribeTargetHealthRequest",
                clb::DescribeTargetHealthRequest::IDEMPOTENT,
                true,
            ),
            // A create carrying a client token, and state setters.
            (
                "cvm::RunInstancesRequest",
                cvm::RunInstancesRequest::IDEMPOTENT,
                true,
            ),
            (
                "cvm::StartInstancesRequest",
                cvm::StartInstancesRequest::IDEMPOTENT,
                true,
            ),
            (
                "cvm::StopInstancesRequest",
                cvm::StopInstancesRequest::IDEMPOTENT,
                true,
            ),
            (
                "cvm::TerminateInstancesRequest",
                cvm::TerminateInstancesRequest::IDEMPOTENT,
                true,
            ),
            // ReplaceRoutes writes the same target again.
            (
                "vpc::ReplaceRoutesRequest",
                vpc::ReplaceRoutesRequest::IDEMPOTENT,
                true,
            ),
            // No token: a repeat adds a duplicate route, or fails and hides the first success.
            (
                "vpc::CreateRoutesRequest",
                vpc::CreateRoutesRequest::IDEMPOTENT,
                false,
            ),
            (
                "vpc::DeleteRoutesRequest",
                vpc::DeleteRoutesRequest::IDEMPOTENT,
                false,
            ),
            // A repeated registration fails as a duplicate; a repeated removal as not registered.
            (
                "clb::RegisterTargetsRequest",
                clb::RegisterTargetsRequest::IDEMPOTENT,
                false,
            ),
            (
                "clb::DeregisterTargetsRequest",
                clb::DeregisterTargetsRequest::IDEMPOTENT,
                false,
            ),
        ];
        for (action, got, want) in decisions {
            assert_eq!(got, want, "{action}: IDEMPOTENT");
        }
    }
}
