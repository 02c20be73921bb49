//! The link between generated request types and the runtime that sends them.

/// How an Alibaba Cloud product's API is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiStyle {
    /// RPC style: the action and every parameter go to `/` as query parameters (see
    /// [`crate::encode`]); `x-acs-action`/`x-acs-version` name the call.
    Rpc,
}

/// An Alibaba Cloud OpenAPI action: implemented by every generated request type
/// (`generated::<product>::<Action>Request`).
///
/// The request is turned into query parameters by [`crate::encode::to_query_pairs`]; the JSON
/// body of a successful reply deserialises into [`Action::Output`].
///
/// ```
/// # #[cfg(feature = "ecs")] {
/// use unicloud_alibaba::action::{Action, ApiStyle};
/// use unicloud_alibaba::generated::ecs::DescribeInstancesRequest;
///
/// assert_eq!(DescribeInstancesRequest::PRODUCT, "Ecs");
/// assert_eq!(DescribeInstancesRequest::VERSION, "2014-05-26");
/// assert_eq!(DescribeInstancesRequest::ACTION, "DescribeInstances");
/// assert_eq!(DescribeInstancesRequest::STYLE, ApiStyle::Rpc);
/// # }
/// ```
pub trait Action: serde::Serialize {
    /// The body of a successful reply.
    type Output: serde::de::DeserializeOwned;
    /// The vendor's product code (`Ecs`).
    const PRODUCT: &'static str;
    /// API version (`2014-05-26`), sent as `x-acs-version` (or `Version`).
    const VERSION: &'static str;
    /// Action name (`DescribeInstances`), sent as `x-acs-action` (or `Action`).
    const ACTION: &'static str;
    /// How the product's API is called.
    const STYLE: ApiStyle;
    /// Whether sending the request twice has the effect of sending it once (a read, a create
    /// carrying a client token, a call that sets a state): only such calls are repeated after
    /// a time-out or a dropped connection. Decided by `cargo xtask codegen` from the action's
    /// name, its `ClientToken` field and the manifest's `idempotent` lists.
    const IDEMPOTENT: bool;
}

/// The retry decisions of the actions the verticals use, pinned: changing one is a deliberate
/// edit of `specs/manifest.toml` and of this test.
#[cfg(all(test, feature = "ecs", feature = "vpc", feature = "slb"))]
mod tests {
    use super::Action;
    use crate::generated::{ecs, slb, vpc};

    #[test]
    fn only_safe_actions_are_repeated() {
        let decisions = [
            // Reads.
            (
                "ecs::DescribeInstancesRequest",
                ecs::DescribeInstancesRequest::IDEMPOTENT,
                true,
            ),
            (
                "vpc::DescribeRouteTableListRequest",
                vpc::DescribeRouteTableListRequest::IDEMPOTENT,
                true,
            ),
            (
                "vpc::DescribeRouteEntryListRequest",
                vpc::DescribeRouteEntryListRequest::IDEMPOTENT,
                true,
            ),
            (
                "slb::DescribeHealthStatusRequest",
                slb::DescribeHealthStatusRequest::IDEMPOTENT,
                true,
            ),
            // Creates carrying a client token, and state setters.
            (
                "ecs::RunInstancesRequest",
                ecs::RunInstancesRequest::IDEMPOTENT,
                true,
            ),
            (
                "vpc::CreateRouteEntryRequest",
                vpc::CreateRouteEntryRequest::IDEMPOTENT,
                true,
            ),
            (
                "ecs::StartInstancesRequest",
                ecs::StartInstancesRequest::IDEMPOTENT,
                true,
            ),
            (
                "ecs::StopInstancesRequest",
                ecs::StopInstancesRequest::IDEMPOTENT,
                true,
            ),
            (
                "ecs::DeleteInstancesRequest",
                ecs::DeleteInstancesRequest::IDEMPOTENT,
                true,
            ),
            // ModifyRouteEntry writes the same next hop again.
            (
                "vpc::ModifyRouteEntryRequest",
                vpc::ModifyRouteEntryRequest::IDEMPOTENT,
                true,
            ),
            // A repeat fails as not-found and hides the first success.
            (
                "vpc::DeleteRouteEntryRequest",
                vpc::DeleteRouteEntryRequest::IDEMPOTENT,
                false,
            ),
            // Backend changes carry no token: not repeated.
            (
                "slb::AddBackendServersRequest",
                slb::AddBackendServersRequest::IDEMPOTENT,
                false,
            ),
            (
                "slb::RemoveBackendServersRequest",
                slb::RemoveBackendServersRequest::IDEMPOTENT,
                false,
            ),
        ];
        for (action, got, want) in decisions {
            assert_eq!(got, want, "{action}: IDEMPOTENT");
        }
    }
}
