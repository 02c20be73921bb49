//! The shared layer (validation, paging, batches, rollback) against an in-memory backend.

#![allow(clippy::unwrap_used)]

use std::sync::Mutex;

use unicloud_core::ErrorKind;

use super::*;

/// What the fake does on its `n`-th apply call (counted from 1).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    /// A refusal the vendor gave without applying.
    Reject,
    /// Applied, then the connection broke.
    AppliedThenTimeout,
    /// Not applied, and the connection broke.
    LostThenTimeout,
}

#[derive(Debug, Default)]
struct State {
    tables: Vec<RouteTable>,
    /// (call number, fault)
    faults: Vec<(usize, Fault)>,
    calls: usize,
    /// Every apply call: (ops, token).
    log: Vec<(Vec<Op>, String)>,
    describes: usize,
    /// Describes fail from this count on.
    describe_fails_after: Option<usize>,
}

#[derive(Debug)]
struct Fake {
    atomic: bool,
    region: Region,
    state: Mutex<State>,
}

const RULE: IdRule = IdRule {
    noun: "route table",
    provider: Provider::Aws,
    is_valid: |id| id.starts_with("rtb-"),
};

impl Fake {
    fn new(atomic: bool) -> Arc<Fake> {
        let mut t = RouteTable::new(Provider::Aws, "rtb-1", "vpc-1");
        t.routes.push(route("10.0.0.0/16", RouteTarget::local()));
        for (i, d) in ["10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16"]
            .iter()
            .enumerate()
        {
            t.routes
                .push(route(d, RouteTarget::instance(format!("i-old{i}"))));
        }
        let mut tables = vec![t];
        for n in 2..=12 {
            let mut t = RouteTable::new(Provider::Aws, format!("rtb-{n}"), "vpc-2");
            t.name = Some(format!("t{n}"));
            if n % 2 == 0 {
                t.tags.insert("env".into(), "prod".into());
            }
            tables.push(t);
        }
        Arc::new(Fake {
            atomic,
            region: Region::new(Provider::Aws, "us-east-1").unwrap(),
            state: Mutex::new(State {
                tables,
                ..State::default()
            }),
        })
    }

    fn fail(&self, call: usize, fault: Fault) {
        self.state.lock().unwrap().faults.push((call, fault));
    }

    fn table(&self) -> RouteTable {
        self.state.lock().unwrap().tables[0].clone()
    }

    fn calls(&self) -> usize {
        self.state.lock().unwrap().calls
    }
}

fn route(d: &str, t: RouteTarget) -> Route {
    Route::new(d.parse().unwrap(), t)
}

fn network(fake: &Arc<Fake>) -> Network {
    Network::from_backend(fake.clone())
}

fn apply_to(table: &mut RouteTable, op: &Op) -> Result<(), Error> {
    let dest = op.destination();
    let pos = table.routes.iter().position(|r| r.destination == dest);
    match (op, pos) {
        (
            Op::Create {
                destination,
                target,
            },
            None,
        ) => {
            table.routes.push(Route::new(*destination, target.clone()));
        }
        (Op::Replace { target, .. }, Some(i)) => table.routes[i].target = target.clone(),
        (Op::Delete { .. }, Some(i)) => {
            table.routes.remove(i);
        }
        (Op::Create { .. }, Some(_)) => {
            return Err(Error::new(ErrorKind::AlreadyExists, "exists"));
        }
        (_, None) => return Err(Error::new(ErrorKind::NotFound, "no such route")),
    }
    Ok(())
}

impl Backend for Fake {
    fn region(&self) -> &Region {
        &self.region
    }

    fn limits(&self) -> Limits {
        Limits {
            ids: 2,
            page: 5,
            min_page: 1,
        }
    }

    fn table_rule(&self) -> IdRule {
        RULE
    }

    fn check_target(&self, target: &RouteTarget) -> Result<(), Error> {
        match target.kind() {
            Some(TargetKind::TransitGateway) => Err(Error::invalid_input("no transit here")),
            _ => Ok(()),
        }
    }

    fn atomic(&self) -> bool {
        self.atomic
    }

    fn describe_page<'a>(&'a self, q: PageQuery<'a>) -> BoxFuture<'a, Result<Page, Error>> {
        Box::pin(async move {
            let mut s = self.state.lock().unwrap();
            s.describes += 1;
            if s.describe_fails_after.is_some_and(|n| s.describes > n) {
                return Err(Error::new(ErrorKind::Unavailable, "describe down"));
            }
            let all: Vec<RouteTable> = match q.ids {
                Some(ids) => s
                    .tables
                    .iter()
                    .filter(|t| ids.contains(&t.id))
                    .cloned()
                    .collect(),
                None => s.tables.clone(),
            };
            let start: usize = q.cursor.map_or(0, |c| c.parse().unwrap());
            let end = (start + q.page_size).min(all.len());
            let items = all[start..end].to_vec();
            let next = (end < all.len()).then(|| end.to_string());
            Ok(Page { items, next })
        })
    }

    fn apply<'a>(
        &'a self,
        _table: &'a RouteTable,
        ops: &'a [Op],
        token: &'a str,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let mut s = self.state.lock().unwrap();
            s.calls += 1;
            let n = s.calls;
            s.log.push((ops.to_vec(), token.to_owned()));
            let fault = s.faults.iter().find(|(c, _)| *c == n).map(|(_, f)| *f);
            if fault == Some(Fault::Reject) {
                return Err(Error::new(ErrorKind::InvalidInput, "refused by the fake")
                    .with_code("InvalidParameterValue"));
            }
            if fault == Some(Fault::LostThenTimeout) {
                return Err(Error::new(ErrorKind::Timeout, "no answer"));
            }
            let mut t = s.tables[0].clone();
            for op in ops {
                apply_to(&mut t, op)?;
            }
            s.tables[0] = t;
            if fault == Some(Fault::AppliedThenTimeout) {
                return Err(Error::new(ErrorKind::Timeout, "no answer"));
            }
            Ok(())
        })
    }
}

fn changes(specs: &[&str]) -> Vec<RouteChange> {
    specs.iter().map(|s| s.parse().unwrap()).collect()
}

fn target_of(t: &RouteTable, d: &str) -> Option<String> {
    t.route(&d.parse().unwrap()).map(|r| r.target.to_string())
}

#[tokio::test]
async fn bad_input_is_refused_before_any_request() {
    let fake = Fake::new(false);
    let net = network(&fake);
    let cases: Vec<(&str, Vec<RouteChange>)> = vec![
        ("rtb-1", vec![]),
        ("vtb-1", changes(&["10.1.0.0/16=instance:i-new"])),
        ("", changes(&["10.1.0.0/16=instance:i-new"])),
        (
            "rtb-1",
            changes(&["10.1.0.0/16=instance:i-a", "10.1.0.0/16=instance:i-b"]),
        ),
        ("rtb-1", changes(&["10.1.0.0/16=transit:tgw-1"])),
    ];
    for (table, c) in cases {
        let e = net.replace_routes(table, &c).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{table} {c:?}: {e}");
    }
    let many: Vec<RouteChange> = (0..=MAX_CHANGES)
        .map(|i| {
            format!("10.{}.{}.0/24=local", i / 256, i % 256)
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(
        net.create_routes("rtb-1", &many).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    let st = fake.state.lock().unwrap();
    assert_eq!((st.calls, st.describes), (0, 0), "nothing was sent");
}

#[tokio::test]
async fn unknown_tables_and_destinations_are_not_found() {
    let fake = Fake::new(false);
    let net = network(&fake);
    let e = net
        .replace_routes("rtb-404", &changes(&["10.1.0.0/16=instance:i-x"]))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    let e = net
        .replace_routes(
            "rtb-1",
            &changes(&["10.1.0.0/16=instance:i-x", "10.9.0.0/16=instance:i-x"]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.message().contains("10.9.0.0/16"), "{e}");
    let e = net
        .delete_routes("rtb-1", &["10.9.0.0/16".parse().unwrap()])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let e = net
        .create_routes("rtb-1", &changes(&["10.1.0.0/16=instance:i-x"]))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyExists);
    assert_eq!(fake.calls(), 0, "no change was sent");
}

#[tokio::test]
async fn replace_returns_previous_and_new_targets() {
    let fake = Fake::new(false);
    let net = network(&fake);
    let got = net
        .replace_routes(
            "rtb-1",
            &changes(&["10.2.0.0/16=instance:i-new", "10.1.0.0/16=nat:nat-1"]),
        )
        .await
        .unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].destination.to_string(), "10.2.0.0/16");
    assert_eq!(got[0].previous, Some(RouteTarget::instance("i-old1")));
    assert_eq!(got[0].current, Some(RouteTarget::instance("i-new")));
    let t = fake.table();
    assert_eq!(target_of(&t, "10.1.0.0/16").unwrap(), "nat:nat-1");
    assert_eq!(fake.calls(), 2, "one call per route");
    // Each route has its own token.
    let st = fake.state.lock().unwrap();
    assert_ne!(st.log[0].1, st.log[1].1);
}

#[tokio::test]
async fn a_failure_part_way_rolls_back_what_was_changed() {
    let fake = Fake::new(false);
    fake.fail(3, Fault::Reject);
    let net = network(&fake);
    let before = fake.table();
    let e = net
        .replace_routes(
            "rtb-1",
            &changes(&[
                "10.1.0.0/16=instance:i-new",
                "10.2.0.0/16=instance:i-new",
                "10.3.0.0/16=instance:i-new",
            ]),
        )
        .await
        .unwrap_err();
    // The failure's kind and code are kept; the message says what was undone.
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert_eq!(e.code(), Some("InvalidParameterValue"));
    assert!(e.message().contains("rolled back"), "{e}");
    assert!(e.message().contains("10.1.0.0/16, 10.2.0.0/16"), "{e}");
    assert!(!e.may_have_been_applied());
    let report = ChangeReport::of(&e).unwrap();
    let left: Vec<RouteLeft> = report.routes.iter().map(|r| r.left).collect();
    assert_eq!(
        left,
        [
            RouteLeft::RolledBack,
            RouteLeft::RolledBack,
            RouteLeft::Unchanged
        ]
    );
    assert_eq!(fake.table(), before, "every route is back");
    // 3 forward calls, then the two undos newest first.
    let st = fake.state.lock().unwrap();
    let undone: Vec<String> = st.log[3..]
        .iter()
        .map(|(ops, _)| ops[0].destination().to_string())
        .collect();
    assert_eq!(undone, ["10.2.0.0/16", "10.1.0.0/16"]);
}

#[tokio::test]
async fn a_failed_rollback_is_a_partial_failure_that_says_where_each_route_is() {
    let fake = Fake::new(false);
    // The 3rd change fails, and so does the first undo (call 4: of 10.2.0.0/16).
    fake.fail(3, Fault::Reject);
    fake.fail(4, Fault::Reject);
    let net = network(&fake);
    let e = net
        .replace_routes(
            "rtb-1",
            &changes(&[
                "10.1.0.0/16=instance:i-new",
                "10.2.0.0/16=instance:i-new",
                "10.3.0.0/16=instance:i-new",
            ]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PartialFailure, "{e}");
    assert!(!e.is_retryable());
    let report = ChangeReport::of(&e).unwrap();
    let left: Vec<RouteLeft> = report.routes.iter().map(|r| r.left).collect();
    assert_eq!(
        left,
        [
            RouteLeft::RolledBack,
            RouteLeft::Changed,
            RouteLeft::Unchanged
        ]
    );
    assert_eq!(
        report.routes[1].requested,
        Some(RouteTarget::instance("i-new"))
    );
    assert_eq!(report.cause.code(), Some("InvalidParameterValue"));
    let t = fake.table();
    assert_eq!(target_of(&t, "10.1.0.0/16").unwrap(), "instance:i-old0");
    assert_eq!(target_of(&t, "10.2.0.0/16").unwrap(), "instance:i-new");
    assert!(e.message().contains("left changed: [10.2.0.0/16]"), "{e}");
}

#[tokio::test]
async fn an_ambiguous_failure_found_applied_counts_as_done() {
    let fake = Fake::new(false);
    fake.fail(1, Fault::AppliedThenTimeout);
    let net = network(&fake);
    let got = net
        .create_routes(
            "rtb-1",
            &changes(&["10.7.0.0/16=instance:i-a", "10.8.0.0/16=instance:i-b"]),
        )
        .await
        .unwrap();
    assert_eq!(got.len(), 2);
    let t = fake.table();
    assert_eq!(t.routes.len(), 6, "each route once: nothing duplicated");
}

#[tokio::test]
async fn an_ambiguous_failure_not_applied_rolls_back_the_others() {
    let fake = Fake::new(false);
    fake.fail(2, Fault::LostThenTimeout);
    let net = network(&fake);
    let before = fake.table();
    let e = net
        .create_routes(
            "rtb-1",
            &changes(&["10.7.0.0/16=instance:i-a", "10.8.0.0/16=instance:i-b"]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert_eq!(fake.table(), before, "the first route was deleted again");
    let report = ChangeReport::of(&e).unwrap();
    assert_eq!(report.routes[0].left, RouteLeft::RolledBack);
    assert_eq!(report.routes[1].left, RouteLeft::Unchanged);
}

#[tokio::test]
async fn rollback_without_a_fresh_read_inverts_what_was_recorded() {
    let fake = Fake::new(false);
    // describe 1 reads the table before the changes; every later read fails.
    fake.state.lock().unwrap().describe_fails_after = Some(1);
    fake.fail(2, Fault::Reject);
    let net = network(&fake);
    let before = fake.table();
    let e = net
        .delete_routes(
            "rtb-1",
            &[
                "10.1.0.0/16".parse().unwrap(),
                "10.2.0.0/16".parse().unwrap(),
            ],
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    let sorted = |t: RouteTable| {
        let mut r: Vec<String> = t
            .routes
            .iter()
            .map(|r| format!("{}={}", r.destination, r.target))
            .collect();
        r.sort();
        r
    };
    assert_eq!(
        sorted(fake.table()),
        sorted(before),
        "the deleted route was created again"
    );
}

#[tokio::test]
async fn atomic_vendors_get_one_call() {
    let fake = Fake::new(true);
    let net = network(&fake);
    net.replace_routes(
        "rtb-1",
        &changes(&["10.1.0.0/16=instance:i-a", "10.2.0.0/16=instance:i-b"]),
    )
    .await
    .unwrap();
    assert_eq!(fake.calls(), 1);
    // A refused atomic batch is the vendor's error, unchanged, and nothing moved.
    fake.fail(2, Fault::Reject);
    let before = fake.table();
    let e = net
        .delete_routes("rtb-1", &["10.1.0.0/16".parse().unwrap()])
        .await
        .unwrap_err();
    assert_eq!(e.message(), "refused by the fake");
    assert!(ChangeReport::of(&e).is_none());
    assert_eq!(fake.table(), before);
    // Applied then the connection broke: read back, and reported as done.
    fake.fail(3, Fault::AppliedThenTimeout);
    net.delete_routes("rtb-1", &["10.1.0.0/16".parse().unwrap()])
        .await
        .unwrap();
    assert!(
        fake.table()
            .route(&"10.1.0.0/16".parse().unwrap())
            .is_none()
    );
}

#[tokio::test]
async fn describe_follows_pages_chunks_and_filters() {
    let fake = Fake::new(false);
    let net = network(&fake).with_page_size(3);
    let all = net.list_route_tables(RouteTableQuery::all()).await.unwrap();
    assert_eq!(all.len(), 12);
    let prod = net
        .list_route_tables(RouteTableFilters::new().tag("env", ["prod"]))
        .await
        .unwrap();
    assert_eq!(prod.len(), 6);
    // Ids in the order given, across chunks of 2.
    let ids = ["rtb-5", "rtb-1", "rtb-12"];
    let got = net
        .list_route_tables(RouteTableQuery::ids(ids))
        .await
        .unwrap();
    let got: Vec<&str> = got.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(got, ids);
    let e = net
        .list_route_tables(RouteTableQuery::ids(["rtb-1", "rtb-99"]))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.message().contains("rtb-99"), "{e}");
    // Ids and filters: filters apply client-side.
    let got = net
        .list_route_tables(
            RouteTableQuery::ids(["rtb-2", "rtb-3"]).filters(RouteTableFilters::new().name(["t3"])),
        )
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    assert!(
        net.describe_route_tables(RouteTableQuery::ids(["bad"]))
            .is_err()
    );
}
