//! AWS Query protocol.
use axum::response::Response;
use crate::server::{Incoming, Shared};
pub(crate) async fn handle(_shared: &Shared, _req: Incoming) -> Response { Response::default() }
