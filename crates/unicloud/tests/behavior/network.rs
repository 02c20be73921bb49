//! Route-table cases, written once against the unified network API. Each case builds its VPC,
//! subnet, custom route table and instances through the vendor's own API ([`Fixture`]).

use std::time::Duration;

use unicloud::base::{ErrorKind, Provider};
use unicloud::compute::{Compute, InstanceState};
use unicloud::network::{
    ChangeReport, Cidr, Network, RouteChange, RouteLeft, RouteState, RouteTable, RouteTableFilters,
    RouteTableQuery, RouteTarget,
};
use unicloud_alibaba::client::AlibabaClient;
use unicloud_alibaba::generated::vpc as ali;
use unicloud_emulator::FaultKind;
use unicloud_tencent::client::TencentClient;
use unicloud_tencent::generated::vpc as tc;

use crate::harness::{Ctx, RUN_TAG};

const WAIT: Duration = Duration::from_secs(120);

/// A VPC with one subnet, a custom route table associated with it, and instances in it.
pub struct Fixture {
    pub vpc_id: String,
    pub subnet_id: String,
    /// The custom table (associated with the subnet on AWS and Alibaba Cloud).
    pub table_id: String,
    pub table_name: String,
    /// The instances' ids.
    pub instances: Vec<String>,
    /// Each instance as a route target the caller gives (its id).
    pub given: Vec<RouteTarget>,
    /// Each instance as a route target the vendor reports (Tencent: its private IP).
    pub described: Vec<RouteTarget>,
    pub network: Network,
    pub compute: Compute,
}

fn cloud_client_err<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> String + '_ {
    move |e| format!("{what}: {e}")
}

impl Fixture {
    /// Builds the fixture with `instances` instances.
    pub async fn new(ctx: &Ctx, instances: u32) -> Fixture {
        let cloud = ctx
            .cloud_builder(ctx.credentials(), &ctx.config())
            .build()
            .await
            .unwrap();
        let network = cloud.network();
        let compute = Ctx::compute_of(&cloud);
        let table_name = format!("bhv-{}", &ctx.run[..8]);
        let (vpc_id, subnet_id, table_id) = match ctx.provider {
            Provider::Aws => aws_fixture(ctx, &table_name).await,
            Provider::Tencent => {
                tencent_fixture(ctx, cloud.tencent_client().unwrap(), &table_name).await
            }
            _ => alibaba_fixture(ctx, cloud.alibaba_client().unwrap(), &table_name).await,
        };
        let mut spec = ctx.spec(instances).subnet(&subnet_id);
        if ctx.provider == Provider::Tencent {
            spec = spec.vpc(&vpc_id);
        }
        let ids = if instances == 0 {
            Vec::new()
        } else {
            compute.create_instances(&spec).await.unwrap()
        };
        let mut described = Vec::new();
        if !ids.is_empty() {
            let running = compute
                .wait_until(&ids, InstanceState::Running, WAIT)
                .await
                .unwrap();
            for i in &running {
                assert_eq!(i.vpc_id.as_deref(), Some(vpc_id.as_str()), "{i:?}");
                assert_eq!(i.subnet_id.as_deref(), Some(subnet_id.as_str()), "{i:?}");
                let ip = i.private_ip().unwrap();
                assert!(
                    ip.starts_with("10.0.1."),
                    "{}: IP from the subnet: {ip}",
                    ctx.provider
                );
                described.push(match ctx.provider {
                    Provider::Tencent => RouteTarget::instance(ip),
                    _ => RouteTarget::instance(&i.id),
                });
            }
        }
        Fixture {
            vpc_id,
            subnet_id,
            table_id,
            table_name,
            given: ids.iter().map(RouteTarget::instance).collect(),
            instances: ids,
            described,
            network,
            compute,
        }
    }

    pub async fn table(&self) -> RouteTable {
        self.network.route_table(&self.table_id).await.unwrap()
    }
}

/// An EC2 client on the case's endpoint and keys (the fixtures' vendor API).
fn ec2(ctx: &Ctx) -> aws_sdk_ec2::Client {
    let conf = aws_sdk_ec2::Config::builder()
        .behavior_version(aws_sdk_ec2::config::BehaviorVersion::latest())
        .region(aws_sdk_ec2::config::Region::new(
            ctx.region().as_str().to_owned(),
        ))
        .endpoint_url(&ctx.endpoint)
        .credentials_provider(aws_sdk_ec2::config::Credentials::new(
            &ctx.key_id,
            &ctx.secret,
            None,
            None,
            "suite",
        ))
        .build();
    aws_sdk_ec2::Client::from_conf(conf)
}

async fn aws_fixture(ctx: &Ctx, name: &str) -> (String, String, String) {
    use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};
    let ec2 = ec2(ctx);
    let tags = |rt: ResourceType| {
        TagSpecification::builder()
            .resource_type(rt)
            .tags(Tag::builder().key(RUN_TAG).value(&ctx.run).build())
            .tags(Tag::builder().key("Name").value(name).build())
            .build()
    };
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .tag_specifications(tags(ResourceType::Vpc))
        .send()
        .await
        .map_err(cloud_client_err("CreateVpc"))
        .unwrap();
    let vpc_id = vpc.vpc().unwrap().vpc_id().unwrap().to_owned();
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .cidr_block("10.0.1.0/24")
        .availability_zone("us-east-1a")
        .send()
        .await
        .map_err(cloud_client_err("CreateSubnet"))
        .unwrap();
    let subnet_id = subnet.subnet().unwrap().subnet_id().unwrap().to_owned();
    let table = ec2
        .create_route_table()
        .vpc_id(&vpc_id)
        .tag_specifications(tags(ResourceType::RouteTable))
        .send()
        .await
        .map_err(cloud_client_err("CreateRouteTable"))
        .unwrap();
    let table_id = table
        .route_table()
        .unwrap()
        .route_table_id()
        .unwrap()
        .to_owned();
    ec2.associate_route_table()
        .route_table_id(&table_id)
        .subnet_id(&subnet_id)
        .send()
        .await
        .map_err(cloud_client_err("AssociateRouteTable"))
        .unwrap();
    (vpc_id, subnet_id, table_id)
}

async fn tencent_fixture(
    ctx: &Ctx,
    client: &TencentClient,
    name: &str,
) -> (String, String, String) {
    let tag = || {
        Some(vec![tc::Tag {
            key: Some(RUN_TAG.into()),
            value: Some(ctx.run.clone()),
        }])
    };
    let vpc = client
        .call(&tc::CreateVpcRequest {
            vpc_name: name.into(),
            cidr_block: Some("10.0.0.0/16".into()),
            tags: tag(),
            ..Default::default()
        })
        .await
        .unwrap();
    let vpc_id = vpc.vpc.unwrap().vpc_id.unwrap();
    let subnet = client
        .call(&tc::CreateSubnetRequest {
            vpc_id: vpc_id.clone(),
            subnet_name: name.into(),
            zone: "ap-guangzhou-3".into(),
            cidr_block: Some("10.0.1.0/24".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let subnet_id = subnet.subnet.unwrap().subnet_id.unwrap();
    let table = client
        .call(&tc::CreateRouteTableRequest {
            vpc_id: vpc_id.clone(),
            route_table_name: name.into(),
            tags: tag(),
        })
        .await
        .unwrap();
    let table_id = table.route_table.unwrap().route_table_id.unwrap();
    (vpc_id, subnet_id, table_id)
}

async fn alibaba_fixture(
    ctx: &Ctx,
    client: &AlibabaClient,
    name: &str,
) -> (String, String, String) {
    let region_id = ctx.region().as_str().to_owned();
    let vpc = client
        .call(&ali::CreateVpcRequest {
            region_id: region_id.clone(),
            cidr_block: Some("10.0.0.0/16".into()),
            vpc_name: Some(name.into()),
            client_token: Some(uuid::Uuid::new_v4().to_string()),
            ..Default::default()
        })
        .await
        .unwrap();
    let vpc_id = vpc.vpc_id.unwrap();
    assert!(
        vpc.route_table_id.is_some(),
        "CreateVpc returns the system table"
    );
    let vsw = client
        .call(&ali::CreateVSwitchRequest {
            region_id: Some(region_id.clone()),
            vpc_id: vpc_id.clone(),
            zone_id: "cn-hangzhou-i".into(),
            cidr_block: "10.0.1.0/24".into(),
            v_switch_name: Some(name.into()),
            client_token: Some(uuid::Uuid::new_v4().to_string()),
            ..Default::default()
        })
        .await
        .unwrap();
    let subnet_id = vsw.v_switch_id.unwrap();
    let table = client
        .call(&ali::CreateRouteTableRequest {
            region_id: region_id.clone(),
            vpc_id: vpc_id.clone(),
            route_table_name: Some(name.into()),
            client_token: Some(uuid::Uuid::new_v4().to_string()),
            tag: Some(vec![ali::CreateRouteTableTag {
                key: Some(RUN_TAG.into()),
                value: Some(ctx.run.clone()),
            }]),
            ..Default::default()
        })
        .await
        .unwrap();
    let table_id = table.route_table_id.unwrap();
    client
        .call(&ali::AssociateRouteTableRequest {
            region_id,
            route_table_id: table_id.clone(),
            v_switch_id: subnet_id.clone(),
            client_token: None,
        })
        .await
        .unwrap();
    (vpc_id, subnet_id, table_id)
}

fn cidr(s: &str) -> Cidr {
    s.parse().unwrap()
}

fn change(dest: &str, target: &RouteTarget) -> RouteChange {
    RouteChange::new(dest, target.clone()).unwrap()
}

fn target_at(t: &RouteTable, dest: &str) -> Option<RouteTarget> {
    t.route(&cidr(dest)).map(|r| r.target.clone())
}

/// A well-formed table id that does not exist.
fn unknown_table(p: Provider) -> &'static str {
    match p {
        Provider::Aws => "rtb-0123456789abcdef0",
        Provider::Tencent => "rtb-zzzz0000",
        _ => "vtb-bp1doesnotexist0000",
    }
}

/// Create → describe by id and by every filter → replace one → replace many → delete, with
/// previous and new targets reported, and the errors for what is not there.
pub async fn network_routes(ctx: &Ctx) {
    let p = ctx.provider;
    let fx = Fixture::new(ctx, 2).await;
    let (a, b) = (&fx.given[0], &fx.given[1]);
    let (da, db) = (&fx.described[0], &fx.described[1]);

    let created = fx
        .network
        .create_routes(
            &fx.table_id,
            &[change("10.50.0.0/16", a), change("10.51.0.0/16", a)],
        )
        .await
        .unwrap();
    assert_eq!(created.len(), 2, "{p}");
    assert!(created.iter().all(|u| u.previous.is_none()), "{p}");

    let t = fx.table().await;
    assert_eq!(t.provider, p);
    assert_eq!(t.vpc_id, fx.vpc_id, "{p}");
    assert!(!t.main, "{p}: a custom table");
    assert_eq!(t.name.as_deref(), Some(fx.table_name.as_str()), "{p}");
    assert_eq!(
        target_at(&t, "10.50.0.0/16").as_ref(),
        Some(da),
        "{p}: {t:?}"
    );
    assert_eq!(target_at(&t, "10.51.0.0/16").as_ref(), Some(da), "{p}");
    if p != Provider::Tencent {
        assert_eq!(
            t.subnets,
            std::slice::from_ref(&fx.subnet_id),
            "{p}: associated"
        );
    }

    // Every filter finds it, natively and client-side; a miss finds nothing.
    let in_vpc = || RouteTableFilters::new().vpc([fx.vpc_id.clone()]);
    let all_in_vpc = fx.network.list_route_tables(in_vpc()).await.unwrap();
    assert_eq!(
        all_in_vpc.len(),
        2,
        "{p}: the main table and ours: {all_in_vpc:?}"
    );
    assert_eq!(all_in_vpc.iter().filter(|t| t.main).count(), 1, "{p}");
    let cases: Vec<(&str, RouteTableFilters, usize)> = vec![
        ("name", in_vpc().name([fx.table_name.clone()]), 1),
        ("name miss", in_vpc().name(["nope"]), 0),
        ("tag", in_vpc().tag(RUN_TAG, [ctx.run.clone()]), 1),
        ("tag miss", in_vpc().tag(RUN_TAG, ["other"]), 0),
        (
            "vpc+name everywhere",
            RouteTableFilters::new().name([fx.table_name.clone()]),
            1,
        ),
    ];
    for (what, f, n) in cases {
        let got = fx.network.list_route_tables(f).await.unwrap();
        assert_eq!(got.len(), n, "{p} {what}: {got:?}");
        if n == 1 {
            assert_eq!(got[0].id, fx.table_id, "{p} {what}");
        }
    }
    if p != Provider::Tencent {
        let got = fx
            .network
            .list_route_tables(RouteTableFilters::new().subnet([fx.subnet_id.clone()]))
            .await
            .unwrap();
        assert_eq!(got.len(), 1, "{p} subnet: {got:?}");
        assert_eq!(got[0].id, fx.table_id, "{p} subnet");
    }
    // By id with a filter that excludes it.
    let got = fx
        .network
        .list_route_tables(
            RouteTableQuery::ids([fx.table_id.clone()])
                .filters(RouteTableFilters::new().name(["nope"])),
        )
        .await
        .unwrap();
    assert!(got.is_empty(), "{p}");

    // Replace one, then both.
    let one = fx
        .network
        .replace_routes(&fx.table_id, &[change("10.50.0.0/16", b)])
        .await
        .unwrap();
    assert_eq!(one[0].previous.as_ref(), Some(da), "{p}");
    assert_eq!(
        target_at(&fx.table().await, "10.50.0.0/16").as_ref(),
        Some(db),
        "{p}"
    );
    let both = fx
        .network
        .replace_routes(
            &fx.table_id,
            &[change("10.50.0.0/16", a), change("10.51.0.0/16", b)],
        )
        .await
        .unwrap();
    assert_eq!(both[0].previous.as_ref(), Some(db), "{p}");
    assert_eq!(both[1].previous.as_ref(), Some(da), "{p}");
    let t = fx.table().await;
    assert_eq!(target_at(&t, "10.50.0.0/16").as_ref(), Some(da), "{p}");
    assert_eq!(target_at(&t, "10.51.0.0/16").as_ref(), Some(db), "{p}");

    // What is not there.
    let e = fx
        .network
        .replace_routes(unknown_table(p), &[change("10.50.0.0/16", a)])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{p}: {e}");
    let e = fx
        .network
        .replace_routes(&fx.table_id, &[change("10.99.0.0/16", a)])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{p}: {e}");
    let e = fx
        .network
        .create_routes(&fx.table_id, &[change("10.50.0.0/16", b)])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyExists, "{p}: {e}");
    let e = fx
        .network
        .list_route_tables(RouteTableQuery::ids([unknown_table(p)]))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{p}: {e}");

    // Delete both: gone.
    let deleted = fx
        .network
        .delete_routes(&fx.table_id, &[cidr("10.50.0.0/16"), cidr("10.51.0.0/16")])
        .await
        .unwrap();
    assert!(deleted.iter().all(|u| u.current.is_none()), "{p}");
    let t = fx.table().await;
    assert!(target_at(&t, "10.50.0.0/16").is_none(), "{p}");
    assert!(target_at(&t, "10.51.0.0/16").is_none(), "{p}");

    ctx.destroy_all(&fx.compute, &fx.instances).await;
}

/// The vendor's call that changes one route (or, on Tencent Cloud, the whole batch).
pub fn replace_action(p: Provider) -> &'static str {
    match p {
        Provider::Aws => "ReplaceRoute",
        Provider::Tencent => "ReplaceRoutes",
        _ => "ModifyRouteEntry",
    }
}

/// A fixture with three routes to the first instance, and the changes that move them to the
/// second.
async fn three_routes(ctx: &Ctx) -> (Fixture, Vec<RouteChange>) {
    let fx = Fixture::new(ctx, 2).await;
    let (a, b) = (fx.given[0].clone(), fx.given[1].clone());
    let dests = ["10.60.0.0/16", "10.61.0.0/16", "10.62.0.0/16"];
    let create: Vec<RouteChange> = dests.iter().map(|d| change(d, &a)).collect();
    fx.network
        .create_routes(&fx.table_id, &create)
        .await
        .unwrap();
    let to_b = dests.iter().map(|d| change(d, &b)).collect();
    (fx, to_b)
}

/// The emulator refuses the second route change of a batch (started with a rule that fails
/// [`replace_action`] once, after one success; on Tencent Cloud the first, atomic, call).
/// Where the vendor changes routes one by one, the first is rolled back; on Tencent Cloud the
/// one call fails whole. Either way the table is as before, and once the fault is spent the
/// same call goes through.
pub async fn network_rollback(ctx: &Ctx) {
    if ctx.skip_on_moto("network_rollback", "moto has no fault injection") {
        return;
    }
    let p = ctx.provider;
    let (fx, to_b) = three_routes(ctx).await;
    let before = fx.table().await;
    let e = fx
        .network
        .replace_routes(&fx.table_id, &to_b)
        .await
        .unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::InvalidInput,
        "{p}: the refusal's kind: {e}"
    );
    assert_eq!(fx.table().await.routes, before.routes, "{p}: nothing moved");
    if p == Provider::Tencent {
        // One atomic call: nothing to roll back, the vendor's error as it is.
        assert!(ChangeReport::of(&e).is_none(), "{p}: {e}");
    } else {
        assert!(e.message().contains("rolled back"), "{p}: {e}");
        let report = ChangeReport::of(&e).unwrap();
        let left: Vec<RouteLeft> = report.routes.iter().map(|r| r.left).collect();
        assert_eq!(
            left,
            [
                RouteLeft::RolledBack,
                RouteLeft::Unchanged,
                RouteLeft::Unchanged
            ],
            "{p}"
        );
    }
    let emu = ctx.emulator.as_ref().unwrap();
    assert_eq!(
        emu.fault_counters()
            .get(p, replace_action(p), FaultKind::Reject),
        1,
        "{p}"
    );
    fx.network
        .replace_routes(&fx.table_id, &to_b)
        .await
        .unwrap();
    let t = fx.table().await;
    for d in ["10.60.0.0/16", "10.61.0.0/16", "10.62.0.0/16"] {
        assert_eq!(target_at(&t, d).as_ref(), Some(&fx.described[1]), "{p} {d}");
    }
    ctx.destroy_all(&fx.compute, &fx.instances).await;
}

/// The second change and the rollback of the first both fail (a rule that fails
/// [`replace_action`] twice after one success): a `PartialFailure` whose report says the
/// first route is left changed and the others untouched — and the table agrees.
pub async fn network_rollback_fails(ctx: &Ctx) {
    if ctx.skip_on_moto("network_rollback_fails", "moto has no fault injection") {
        return;
    }
    let p = ctx.provider;
    if p == Provider::Tencent {
        // ReplaceRoutes is one atomic call: there is no rollback to fail.
        return;
    }
    let (fx, to_b) = three_routes(ctx).await;
    let e = fx
        .network
        .replace_routes(&fx.table_id, &to_b)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PartialFailure, "{p}: {e}");
    assert!(!e.is_retryable(), "{p}");
    let report = ChangeReport::of(&e).unwrap();
    let left: Vec<RouteLeft> = report.routes.iter().map(|r| r.left).collect();
    assert_eq!(
        left,
        [
            RouteLeft::Changed,
            RouteLeft::Unchanged,
            RouteLeft::Unchanged
        ],
        "{p}"
    );
    assert_eq!(report.cause.kind(), ErrorKind::InvalidInput, "{p}");
    let t = fx.table().await;
    assert_eq!(
        target_at(&t, "10.60.0.0/16").as_ref(),
        Some(&fx.described[1]),
        "{p}"
    );
    assert_eq!(
        target_at(&t, "10.61.0.0/16").as_ref(),
        Some(&fx.described[0]),
        "{p}"
    );
    assert_eq!(
        target_at(&t, "10.62.0.0/16").as_ref(),
        Some(&fx.described[0]),
        "{p}"
    );
    ctx.destroy_all(&fx.compute, &fx.instances).await;
}

/// Many tables in one VPC, listed in small pages: every one, once.
pub async fn network_paging(ctx: &Ctx) {
    let p = ctx.provider;
    let fx = Fixture::new(ctx, 0).await;
    let cloud = ctx
        .cloud_builder(ctx.credentials(), &ctx.config())
        .build()
        .await
        .unwrap();
    let extra = 11;
    for i in 0..extra {
        let name = format!("{}-{i}", fx.table_name);
        match p {
            Provider::Aws => {
                ec2(ctx)
                    .create_route_table()
                    .vpc_id(&fx.vpc_id)
                    .send()
                    .await
                    .unwrap();
            }
            Provider::Tencent => {
                cloud
                    .tencent_client()
                    .unwrap()
                    .call(&tc::CreateRouteTableRequest {
                        vpc_id: fx.vpc_id.clone(),
                        route_table_name: name,
                        tags: None,
                    })
                    .await
                    .unwrap();
            }
            _ => {
                cloud
                    .alibaba_client()
                    .unwrap()
                    .call(&ali::CreateRouteTableRequest {
                        region_id: ctx.region().as_str().to_owned(),
                        vpc_id: fx.vpc_id.clone(),
                        route_table_name: Some(name),
                        client_token: Some(uuid::Uuid::new_v4().to_string()),
                        ..Default::default()
                    })
                    .await
                    .unwrap();
            }
        }
    }
    let net = fx.network.clone().with_page_size(5);
    let got = net
        .list_route_tables(RouteTableFilters::new().vpc([fx.vpc_id.clone()]))
        .await
        .unwrap();
    // The main table, the fixture's, and the extra ones.
    assert_eq!(got.len(), extra + 2, "{p}");
    let mut ids: Vec<&str> = got.iter().map(|t| t.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), extra + 2, "{p}: no table twice");
}

/// Bad input is refused before any request (every request would be throttled and counted).
pub async fn network_bad_input(ctx: &Ctx) {
    if ctx.skip_on_moto(
        "network_bad_input",
        "the proof counts requests at the emulator",
    ) {
        return;
    }
    let p = ctx.provider;
    let cloud = ctx
        .cloud_builder(ctx.credentials(), &ctx.config())
        .build()
        .await
        .unwrap();
    let net = cloud.network();
    let table = unknown_table(p);
    let inst = match p {
        Provider::Aws => RouteTarget::instance("i-0123456789abcdef0"),
        Provider::Tencent => RouteTarget::instance("10.0.1.5"),
        _ => RouteTarget::instance("i-bp1doesnotexist0000"),
    };
    let wrong_kind: RouteTarget = match p {
        Provider::Aws => "other:HAVIP:havip-1",
        Provider::Tencent => "igw:igw-1",
        _ => "local",
    }
    .parse()
    .unwrap();
    let wrong_shape = RouteTarget::new(unicloud::network::TargetKind::NatGateway, "i-notanat");
    let cases: Vec<(&str, String, Vec<RouteChange>)> = vec![
        ("no change", table.into(), vec![]),
        (
            "bad table id",
            "tbl-1".into(),
            vec![change("10.1.0.0/16", &inst)],
        ),
        (
            "empty table id",
            String::new(),
            vec![change("10.1.0.0/16", &inst)],
        ),
        (
            "other vendor's table id",
            match p {
                Provider::Alibaba => "rtb-0123456789abcdef0".into(),
                _ => "vtb-bp1x".into(),
            },
            vec![change("10.1.0.0/16", &inst)],
        ),
        (
            "destination twice",
            table.into(),
            vec![change("10.1.0.0/16", &inst), change("10.1.0.0/16", &inst)],
        ),
        (
            "wrong kind",
            table.into(),
            vec![change("10.1.0.0/16", &wrong_kind)],
        ),
        (
            "wrong id shape",
            table.into(),
            vec![change("10.1.0.0/16", &wrong_shape)],
        ),
    ];
    for (what, t, c) in &cases {
        for res in [
            net.replace_routes(t, c).await,
            net.create_routes(t, c).await,
        ] {
            let e = res.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{p} {what}: {e}");
            assert_eq!(e.provider(), Some(p), "{p} {what}");
        }
    }
    for bad in ["10.0.0.1/16", "10.0.0.0/33", "10.0.0.0", "x/8", ""] {
        assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        assert!(
            format!("{bad}=local").parse::<RouteChange>().is_err(),
            "{bad}"
        );
    }
    assert!(
        net.describe_route_tables(RouteTableQuery::ids(["nope"]))
            .is_err()
    );
    assert!(RouteTableFilters::parse(["zone=a"]).is_err());
    let counts = ctx.emulator.as_ref().unwrap().fault_counters();
    assert_eq!(
        counts.total(FaultKind::Throttle),
        0,
        "{p}: no request was sent: {counts:?}"
    );
}

/// A route whose instance is destroyed stays in the table: on AWS it turns `Blackhole` (traffic
/// to it is dropped); Tencent Cloud and Alibaba Cloud report no state change for it, so it
/// stays as it was. Either way the other routes are untouched and the route can be replaced.
/// (On moto the route stays `active`, unlike EC2; the state is checked on the emulator only.)
pub async fn network_target_gone(ctx: &Ctx) {
    let p = ctx.provider;
    let fx = Fixture::new(ctx, 2).await;
    fx.network
        .create_routes(
            &fx.table_id,
            &[
                change("10.70.0.0/16", &fx.given[0]),
                change("10.71.0.0/16", &fx.given[1]),
            ],
        )
        .await
        .unwrap();
    ctx.destroy_all(&fx.compute, &fx.instances[..1]).await;
    let t = fx.table().await;
    let gone = t.route(&cidr("10.70.0.0/16")).unwrap();
    let kept = t.route(&cidr("10.71.0.0/16")).unwrap();
    assert_eq!(gone.target, fx.described[0], "{p}: the route stays");
    let want = if p == Provider::Aws {
        RouteState::Blackhole
    } else {
        RouteState::Active
    };
    // moto keeps such a route `active` (real EC2 turns it `blackhole`): not checked there.
    if !ctx.is_moto() {
        assert_eq!(gone.state, want, "{p}: {gone:?}");
    }
    assert_eq!(kept.state, RouteState::Active, "{p}: {kept:?}");
    // The dead route can be pointed at a live target.
    fx.network
        .replace_routes(&fx.table_id, &[change("10.70.0.0/16", &fx.given[1])])
        .await
        .unwrap();
    let t = fx.table().await;
    let moved = t.route(&cidr("10.70.0.0/16")).unwrap();
    assert_eq!(moved.target, fx.described[1], "{p}");
    assert_eq!(moved.state, RouteState::Active, "{p}: {moved:?}");
    ctx.destroy_all(&fx.compute, &fx.instances[1..]).await;
}
