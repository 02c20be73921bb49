//! Route changes in batches: validation first, then one all-or-nothing call where the vendor
//! has one, else one call per route with rollback to the recorded previous targets.

use std::collections::HashSet;

use unicloud_core::{Error, ErrorKind};

use crate::Network;
use crate::model::{
    ChangeReport, Cidr, Route, RouteChange, RouteLeft, RouteOutcome, RouteTable, RouteTarget,
    RouteUpdate,
};

/// At most this many routes per call: the batch is validated, applied and (if need be)
/// rolled back as one, and its report must stay readable.
pub const MAX_CHANGES: usize = 100;

/// At most this many routes named in an error message (the [`ChangeReport`] lists every one).
const MAX_LISTED: usize = 10;

/// One route change as a backend applies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Op {
    /// Add a route to `destination`.
    Create {
        destination: Cidr,
        target: RouteTarget,
    },
    /// Point `route` (as described, with its vendor id) at `target`.
    Replace { route: Route, target: RouteTarget },
    /// Remove `route` (as described).
    Delete { route: Route },
}

impl Op {
    pub(crate) fn destination(&self) -> Cidr {
        match self {
            Op::Create { destination, .. } => *destination,
            Op::Replace { route, .. } | Op::Delete { route } => route.destination,
        }
    }

    /// The target before the op (`None`: no route).
    fn previous(&self) -> Option<&RouteTarget> {
        match self {
            Op::Create { .. } => None,
            Op::Replace { route, .. } | Op::Delete { route } => Some(&route.target),
        }
    }

    /// The target the op asks for (`None`: no route).
    fn requested(&self) -> Option<&RouteTarget> {
        match self {
            Op::Create { target, .. } | Op::Replace { target, .. } => Some(target),
            Op::Delete { .. } => None,
        }
    }

    fn update(&self) -> RouteUpdate {
        RouteUpdate {
            destination: self.destination(),
            previous: self.previous().cloned(),
            current: self.requested().cloned(),
        }
    }

    fn verb(&self) -> &'static str {
        match self {
            Op::Create { .. } => "creating",
            Op::Replace { .. } => "replacing",
            Op::Delete { .. } => "deleting",
        }
    }

    /// The op that takes the route from its state in `now` (the table as described after a
    /// failure, `None` when that describe failed too) back to `self`'s previous target;
    /// `None` when it is there already.
    fn undo(&self, now: Option<&RouteTable>) -> Option<Op> {
        let dest = self.destination();
        let prev = self.previous().cloned();
        match now.map(|t| t.route(&dest)) {
            Some(current) => match (current, prev) {
                (None, None) => None,
                (Some(r), Some(p)) if r.target == p => None,
                (Some(r), Some(p)) => Some(Op::Replace {
                    route: r.clone(),
                    target: p,
                }),
                (Some(r), None) => Some(Op::Delete { route: r.clone() }),
                (None, Some(p)) => Some(Op::Create {
                    destination: dest,
                    target: p,
                }),
            },
            // The table could not be read: invert the op from what was recorded.
            None => Some(match self {
                Op::Create {
                    destination,
                    target,
                } => Op::Delete {
                    route: Route::new(*destination, target.clone()),
                },
                Op::Replace { route, target } => {
                    let mut changed = route.clone();
                    changed.target = target.clone();
                    Op::Replace {
                        route: changed,
                        target: route.target.clone(),
                    }
                }
                Op::Delete { route } => Op::Create {
                    destination: route.destination,
                    target: route.target.clone(),
                },
            }),
        }
    }

    /// Whether `table` shows the op applied.
    fn holds_in(&self, table: &RouteTable) -> bool {
        let now = table.route(&self.destination()).map(|r| &r.target);
        now == self.requested()
    }
}

/// What the caller asked for.
pub(crate) enum Request<'a> {
    Create(&'a [RouteChange]),
    Replace(&'a [RouteChange]),
    Delete(&'a [Cidr]),
}

impl Request<'_> {
    fn len(&self) -> usize {
        match self {
            Request::Create(c) | Request::Replace(c) => c.len(),
            Request::Delete(d) => d.len(),
        }
    }

    fn destinations(&self) -> Vec<Cidr> {
        match self {
            Request::Create(c) | Request::Replace(c) => c.iter().map(|c| c.destination).collect(),
            Request::Delete(d) => d.to_vec(),
        }
    }

    fn noun(&self) -> &'static str {
        match self {
            Request::Create(_) => "create",
            Request::Replace(_) => "replace",
            Request::Delete(_) => "delete",
        }
    }
}

/// Whether `e` leaves open that the failed call was applied (a time-out or a broken
/// connection, or an error after a retry of such an attempt).
fn ambiguous(e: &Error) -> bool {
    e.may_have_been_applied() || e.earlier_attempt_may_have_applied()
}

impl Network {
    /// Checks `req` against the vendor's rules; nothing is sent.
    fn check_request(&self, table_id: &str, req: &Request<'_>) -> Result<String, Error> {
        let id = self
            .backend
            .table_rule()
            .check([table_id], true)?
            .into_iter()
            .next()
            .ok_or_else(|| self.invalid("no route table id given"))?;
        if req.len() == 0 {
            return Err(self.invalid(format!("no route to {} given", req.noun())));
        }
        if req.len() > MAX_CHANGES {
            return Err(self.invalid(format!(
                "at most {MAX_CHANGES} routes per call (got {})",
                req.len()
            )));
        }
        let mut seen = HashSet::new();
        for d in req.destinations() {
            if !seen.insert(d) {
                return Err(self.invalid(format!("destination {d} is given twice")));
            }
        }
        if let Request::Create(c) | Request::Replace(c) = req {
            for change in *c {
                self.backend
                    .check_target(&change.target)
                    .map_err(|e| e.with_provider(self.provider()))?;
                if change.destination.is_ipv6() && !self.backend.supports_ipv6() {
                    return Err(self.invalid(format!(
                        "{} routes take IPv4 destinations here ({} is IPv6)",
                        self.provider().display_name(),
                        change.destination
                    )));
                }
            }
        }
        Ok(id)
    }

    /// Validates, resolves targets, reads the table, and applies `req`: see
    /// [`Network::replace_routes`].
    pub(crate) async fn run(
        &self,
        table_id: &str,
        req: Request<'_>,
    ) -> Result<Vec<RouteUpdate>, Error> {
        let id = self.check_request(table_id, &req)?;
        // Targets in the form the vendor stores (Tencent: an instance's private IP).
        let targets = match &req {
            Request::Create(c) | Request::Replace(c) => {
                let given: Vec<RouteTarget> = c.iter().map(|c| c.target.clone()).collect();
                self.backend.resolve_targets(given).await?
            }
            Request::Delete(_) => Vec::new(),
        };
        let table = self.route_table(&id).await?;
        let mut ops = Vec::with_capacity(req.len());
        match &req {
            Request::Create(c) => {
                for (change, target) in c.iter().zip(targets) {
                    if let Some(r) = table.route(&change.destination) {
                        return Err(Error::new(
                            ErrorKind::AlreadyExists,
                            format!(
                                "table {id} already has a route to {} (to {})",
                                change.destination, r.target
                            ),
                        )
                        .with_provider(self.provider()));
                    }
                    ops.push(Op::Create {
                        destination: change.destination,
                        target,
                    });
                }
            }
            Request::Replace(c) => {
                for (change, target) in c.iter().zip(targets) {
                    let route = self.existing(&table, &change.destination)?;
                    ops.push(Op::Replace {
                        route: route.clone(),
                        target,
                    });
                }
            }
            Request::Delete(d) => {
                for dest in *d {
                    let route = self.existing(&table, dest)?;
                    ops.push(Op::Delete {
                        route: route.clone(),
                    });
                }
            }
        }
        if self.backend.atomic() {
            self.apply_atomically(&table, &ops).await
        } else {
            self.apply_one_by_one(&table, &ops).await
        }
    }

    fn existing<'t>(&self, table: &'t RouteTable, dest: &Cidr) -> Result<&'t Route, Error> {
        table.route(dest).ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("table {} has no route to {dest}", table.id),
            )
            .with_provider(self.provider())
        })
    }

    /// One call for the whole batch (Tencent Cloud); after an ambiguous failure the table
    /// is read to see whether it was applied.
    async fn apply_atomically(
        &self,
        table: &RouteTable,
        ops: &[Op],
    ) -> Result<Vec<RouteUpdate>, Error> {
        let token = unicloud_core::ids::new_client_token();
        match self.backend.apply(table, ops, &token).await {
            Ok(()) => Ok(ops.iter().map(Op::update).collect()),
            Err(e) if ambiguous(&e) => match self.route_table(&table.id).await {
                Ok(now) if ops.iter().all(|op| op.holds_in(&now)) => {
                    tracing::debug!(table = %table.id, "an ambiguous batch was found applied");
                    Ok(ops.iter().map(Op::update).collect())
                }
                _ => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    /// One call per route (AWS, Alibaba Cloud), undoing the applied ones when one fails.
    async fn apply_one_by_one(
        &self,
        table: &RouteTable,
        ops: &[Op],
    ) -> Result<Vec<RouteUpdate>, Error> {
        let token = unicloud_core::ids::new_client_token();
        let mut applied = 0;
        for (i, op) in ops.iter().enumerate() {
            // One token per route, the same for every attempt of it.
            let op_token = format!("{token}-{i}");
            match self
                .backend
                .apply(table, std::slice::from_ref(op), &op_token)
                .await
            {
                Ok(()) => applied += 1,
                Err(e) => {
                    let maybe = ambiguous(&e);
                    if maybe && self.confirm(table, op).await {
                        tracing::debug!(table = %table.id, destination = %op.destination(), "an ambiguous change was found applied");
                        applied += 1;
                        continue;
                    }
                    return Err(self.roll_back(table, ops, applied, maybe, e).await);
                }
            }
        }
        Ok(ops.iter().map(Op::update).collect())
    }

    /// Whether the table now shows `op` applied.
    async fn confirm(&self, table: &RouteTable, op: &Op) -> bool {
        self.route_table(&table.id)
            .await
            .is_ok_and(|now| op.holds_in(&now))
    }

    /// Restores the routes of `ops[..applied]` (and `ops[applied]` when its failure was
    /// ambiguous), newest first, and builds the error that says how each was left.
    async fn roll_back(
        &self,
        table: &RouteTable,
        ops: &[Op],
        applied: usize,
        failed_maybe_applied: bool,
        cause: Error,
    ) -> Error {
        let mut left: Vec<RouteLeft> = vec![RouteLeft::Unchanged; ops.len()];
        let touched = if failed_maybe_applied {
            applied + 1
        } else {
            applied
        };
        if touched > 0 {
            let now = self.route_table(&table.id).await.ok();
            let token = unicloud_core::ids::new_client_token();
            for i in (0..touched).rev() {
                let Some(op) = ops.get(i) else { continue };
                let confirmed = i < applied;
                let outcome = match op.undo(now.as_ref()) {
                    None if confirmed => RouteLeft::RolledBack,
                    None => RouteLeft::Unchanged,
                    Some(undo) => {
                        let undo_token = format!("{token}-undo-{i}");
                        match self
                            .backend
                            .apply(table, std::slice::from_ref(&undo), &undo_token)
                            .await
                        {
                            Ok(()) => RouteLeft::RolledBack,
                            Err(e) => {
                                tracing::warn!(table = %table.id, destination = %op.destination(), error = %e, "rollback failed");
                                if confirmed {
                                    RouteLeft::Changed
                                } else {
                                    RouteLeft::Unknown
                                }
                            }
                        }
                    }
                };
                if let Some(slot) = left.get_mut(i) {
                    *slot = outcome;
                }
            }
        }
        if applied == 0 && left.iter().all(|l| *l == RouteLeft::Unchanged) {
            // Nothing had changed: the failure speaks for itself.
            return cause;
        }
        let failed_at = ops
            .get(applied)
            .map(|op| format!("{} the route to {}", op.verb(), op.destination()))
            .unwrap_or_else(|| "the batch".into());
        let list = |want: &[RouteLeft]| {
            let names: Vec<String> = ops
                .iter()
                .zip(&left)
                .filter(|(_, l)| want.contains(l))
                .map(|(op, _)| op.destination().to_string())
                .collect();
            let more = names.len().saturating_sub(MAX_LISTED);
            let mut s = names
                .into_iter()
                .take(MAX_LISTED)
                .collect::<Vec<_>>()
                .join(", ");
            if more > 0 {
                s.push_str(&format!(" and {more} more"));
            }
            s
        };
        let stuck = left
            .iter()
            .any(|l| matches!(l, RouteLeft::Changed | RouteLeft::Unknown));
        let routes = ops
            .iter()
            .zip(&left)
            .map(|(op, l)| RouteOutcome {
                destination: op.destination(),
                previous: op.previous().cloned(),
                requested: op.requested().cloned(),
                left: *l,
            })
            .collect();
        let (kind, message) = if stuck {
            (
                ErrorKind::PartialFailure,
                format!(
                    "table {}: {failed_at} failed ({}), and the rollback failed too: left changed: [{}]; unknown: [{}]; rolled back: [{}]",
                    table.id,
                    cause.message(),
                    list(&[RouteLeft::Changed]),
                    list(&[RouteLeft::Unknown]),
                    list(&[RouteLeft::RolledBack]),
                ),
            )
        } else {
            (
                cause.kind(),
                format!(
                    "table {}: {failed_at} failed ({}); rolled back the routes already changed: [{}]",
                    table.id,
                    cause.message(),
                    list(&[RouteLeft::RolledBack]),
                ),
            )
        };
        let mut err = Error::new(kind, message).with_provider(self.provider());
        if let Some(op) = cause.operation() {
            err = err.with_operation(op.to_owned());
        }
        if let Some(c) = cause.code() {
            err = err.with_code(c);
        }
        if let Some(r) = cause.request_id() {
            err = err.with_request_id(r);
        }
        if let Some(s) = cause.status() {
            err = err.with_status(s);
        }
        if stuck {
            err = err.with_retryable(false);
        } else {
            err = err.with_retryable(cause.is_retryable()).with_not_applied();
        }
        err.with_source(ChangeReport {
            table_id: table.id.clone(),
            routes,
            cause,
        })
    }
}
