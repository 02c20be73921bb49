//! Load-balancer cases, written once against the unified lb API. Each case builds a VPC,
//! subnet and instances ([`network::Fixture`]), then a load balancer with a TCP listener on
//! port 80 through the vendor's own API (ELBv2 target group + listener; CLB load balancer +
//! listener; SLB load balancer + started TCP listener).

use std::time::Duration;

use unicloud::base::{ErrorKind, Provider};
use unicloud::compute::{InstanceState, StopMode};
use unicloud::lb::{Backend, BackendPool, HealthState, LoadBalancing};
use unicloud_alibaba::client::AlibabaClient;
use unicloud_alibaba::generated::slb;
use unicloud_emulator::FaultKind;
use unicloud_tencent::client::TencentClient;
use unicloud_tencent::generated::clb;

use crate::harness::Ctx;
use crate::network::Fixture;

const WAIT: Duration = Duration::from_secs(60);

/// A load balancer with a pool, over a [`Fixture`]'s instances.
pub struct LbFixture {
    pub net: Fixture,
    pub pool: BackendPool,
    pub lb: LoadBalancing,
}

impl LbFixture {
    pub async fn new(ctx: &Ctx, instances: u32) -> LbFixture {
        let net = Fixture::new(ctx, instances).await;
        let cloud = ctx
            .cloud_builder(ctx.credentials(), &ctx.config())
            .build()
            .await
            .unwrap();
        let pool = match ctx.provider {
            Provider::Aws => aws_pool(ctx, &net).await,
            Provider::Tencent => tencent_pool(ctx, cloud.tencent_client().unwrap(), &net).await,
            _ => alibaba_pool(ctx, cloud.alibaba_client().unwrap(), &net).await,
        };
        let lb = cloud
            .lb()
            .with_poll_interval(Duration::from_millis(50))
            .with_task_timeout(Duration::from_secs(30));
        LbFixture { net, pool, lb }
    }

    /// The fixture's instance `i` as a backend of the pool (port 80 where the pool names
    /// ports).
    pub fn backend(&self, i: usize) -> Backend {
        let b = Backend::new(&self.net.instances[i]);
        match self.pool {
            BackendPool::ClbListener { .. } => b.with_port(80),
            _ => b,
        }
    }
}

fn elbv2(ctx: &Ctx) -> aws_sdk_elasticloadbalancingv2::Client {
    use aws_sdk_elasticloadbalancingv2::config;
    let conf = config::Builder::new()
        .behavior_version(config::BehaviorVersion::latest())
        .region(config::Region::new(ctx.region().as_str().to_owned()))
        .endpoint_url(&ctx.endpoint)
        .credentials_provider(config::Credentials::new(
            &ctx.key_id,
            &ctx.secret,
            None,
            None,
            "suite",
        ))
        .build();
    aws_sdk_elasticloadbalancingv2::Client::from_conf(conf)
}

fn elb_classic(ctx: &Ctx) -> aws_sdk_elasticloadbalancing::Client {
    use aws_sdk_elasticloadbalancing::config;
    let conf = config::Builder::new()
        .behavior_version(config::BehaviorVersion::latest())
        .region(config::Region::new(ctx.region().as_str().to_owned()))
        .endpoint_url(&ctx.endpoint)
        .credentials_provider(config::Credentials::new(
            &ctx.key_id,
            &ctx.secret,
            None,
            None,
            "suite",
        ))
        .build();
    aws_sdk_elasticloadbalancing::Client::from_conf(conf)
}

/// A network load balancer in the fixture's subnet, a TCP target group on port 80 and a
/// listener forwarding to it.
async fn aws_pool(ctx: &Ctx, net: &Fixture) -> BackendPool {
    use aws_sdk_elasticloadbalancingv2::types::{
        Action, ActionTypeEnum, LoadBalancerSchemeEnum, LoadBalancerTypeEnum, ProtocolEnum,
        TargetTypeEnum,
    };
    let c = elbv2(ctx);
    let name = format!("bhv-{}", &ctx.run[..8]);
    let lb = c
        .create_load_balancer()
        .name(&name)
        .r#type(LoadBalancerTypeEnum::Network)
        .scheme(LoadBalancerSchemeEnum::Internal)
        .subnets(&net.subnet_id)
        .send()
        .await
        .unwrap();
    let lb_arn = lb.load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    let tg = c
        .create_target_group()
        .name(&name)
        .protocol(ProtocolEnum::Tcp)
        .port(80)
        .vpc_id(&net.vpc_id)
        .target_type(TargetTypeEnum::Instance)
        .send()
        .await
        .unwrap();
    let tg_arn = tg.target_groups()[0].target_group_arn().unwrap().to_owned();
    c.create_listener()
        .load_balancer_arn(&lb_arn)
        .protocol(ProtocolEnum::Tcp)
        .port(80)
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::Forward)
                .target_group_arn(&tg_arn)
                .build(),
        )
        .send()
        .await
        .unwrap();
    tg_arn.parse().unwrap()
}

async fn tencent_pool(ctx: &Ctx, client: &TencentClient, net: &Fixture) -> BackendPool {
    let lb = client
        .call(&clb::CreateLoadBalancerRequest {
            load_balancer_type: "INTERNAL".into(),
            load_balancer_name: Some(format!("bhv-{}", &ctx.run[..8])),
            vpc_id: Some(net.vpc_id.clone()),
            subnet_id: Some(net.subnet_id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    let lb_id = lb.load_balancer_ids.unwrap().remove(0);
    let l = client
        .call(&clb::CreateListenerRequest {
            load_balancer_id: lb_id.clone(),
            ports: vec![80],
            protocol: "TCP".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let listener = l.listener_ids.unwrap().remove(0);
    BackendPool::clb_listener(lb_id, listener)
}

async fn alibaba_pool(ctx: &Ctx, client: &AlibabaClient, net: &Fixture) -> BackendPool {
    let region = ctx.region().as_str().to_owned();
    let lb = client
        .call(&slb::CreateLoadBalancerRequest {
            region_id: region.clone(),
            address_type: Some("intranet".into()),
            load_balancer_name: Some(format!("bhv-{}", &ctx.run[..8])),
            vpc_id: Some(net.vpc_id.clone()),
            v_switch_id: Some(net.subnet_id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    let lb_id = lb.load_balancer_id.unwrap();
    client
        .call(&slb::CreateLoadBalancerTcpListenerRequest {
            region_id: Some(region.clone()),
            load_balancer_id: lb_id.clone(),
            listener_port: 80,
            backend_server_port: Some(80),
            bandwidth: -1,
            ..Default::default()
        })
        .await
        .unwrap();
    client
        .call(&slb::StartLoadBalancerListenerRequest {
            region_id: Some(region),
            load_balancer_id: lb_id.clone(),
            listener_port: 80,
            listener_protocol: None,
        })
        .await
        .unwrap();
    BackendPool::slb(lb_id)
}

/// Register → healthy → a stopped instance turns unhealthy → deregister → gone; register
/// twice and deregister twice change nothing.
pub async fn lb_backends(ctx: &Ctx) {
    let p = ctx.provider;
    let fx = LbFixture::new(ctx, 2).await;
    let both = [fx.backend(0), fx.backend(1)];
    let out = fx.lb.register(&fx.pool, &both).await.unwrap();
    assert_eq!(out.changed.len(), 2, "{p}: {out:?}");
    let healthy = fx
        .lb
        .wait_until_healthy(&fx.pool, &both, WAIT)
        .await
        .unwrap();
    assert_eq!(healthy.len(), 2, "{p}: {healthy:?}");
    for h in &healthy {
        assert_eq!(h.state, HealthState::Healthy, "{p}: {h:?}");
    }
    let health = fx.lb.describe_health(&fx.pool, &[]).await.unwrap();
    let mut ids: Vec<&str> = health
        .iter()
        .map(|h| h.backend.instance_id.as_str())
        .collect();
    ids.sort_unstable();
    let mut want: Vec<&str> = fx.net.instances.iter().map(String::as_str).collect();
    want.sort_unstable();
    assert_eq!(ids, want, "{p}: {health:?}");

    // Twice is a no-op.
    let again = fx.lb.register(&fx.pool, &both).await.unwrap();
    assert!(again.changed.is_empty(), "{p}: {again:?}");
    assert_eq!(again.unchanged.len(), 2, "{p}");

    // A stopped instance's backend is unhealthy (moto keeps it healthy: not checked there).
    fx.net
        .compute
        .stop_instances(&fx.net.instances[..1], StopMode::Force)
        .await
        .unwrap();
    fx.net
        .compute
        .wait_until(&fx.net.instances[..1], InstanceState::Stopped, WAIT)
        .await
        .unwrap();
    let h = fx
        .lb
        .describe_health(&fx.pool, &[fx.backend(0)])
        .await
        .unwrap();
    assert_eq!(h.len(), 1, "{p}: {h:?}");
    if !ctx.is_moto() {
        assert_eq!(h[0].state, HealthState::Unhealthy, "{p}: {h:?}");
    }
    let err = fx
        .lb
        .wait_until_healthy(&fx.pool, &[fx.backend(0)], Duration::from_millis(200))
        .await;
    if !ctx.is_moto() {
        assert_eq!(err.unwrap_err().kind(), ErrorKind::Timeout, "{p}");
    }

    // Deregister both; twice changes nothing.
    let out = fx.lb.deregister(&fx.pool, &both).await.unwrap();
    assert_eq!(out.changed.len(), 2, "{p}: {out:?}");
    fx.lb
        .wait_until_deregistered(&fx.pool, &both, WAIT)
        .await
        .unwrap();
    let again = fx.lb.deregister(&fx.pool, &both).await.unwrap();
    assert!(again.changed.is_empty(), "{p}: {again:?}");
    let left = fx.lb.describe_health(&fx.pool, &[]).await.unwrap();
    assert!(left.is_empty(), "{p}: {left:?}");
    // Asked about, a backend that is not registered says so.
    let h = fx
        .lb
        .describe_health(&fx.pool, &[fx.backend(1)])
        .await
        .unwrap();
    assert_eq!(h[0].state, HealthState::Unused, "{p}: {h:?}");
    ctx.destroy_all(&fx.net.compute, &fx.net.instances).await;
}

/// An unknown pool is NotFound; an unknown instance is NotFound or InvalidInput with the
/// vendor's code; nothing is registered.
pub async fn lb_unknown(ctx: &Ctx) {
    let p = ctx.provider;
    let fx = LbFixture::new(ctx, 1).await;
    let unknown_pool: BackendPool = match p {
        Provider::Aws => {
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/nope/0123456789abcdef"
        }
        Provider::Tencent => "lb-zzzz0000/lbl-zzzz0000",
        _ => "lb-bp1doesnotexist00000",
    }
    .parse()
    .unwrap();
    for result in [
        fx.lb.describe_health(&unknown_pool, &[]).await.map(drop),
        fx.lb
            .register(&unknown_pool, &[fx.backend(0)])
            .await
            .map(drop),
    ] {
        let e = result.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{p}: {e}");
        assert!(e.code().is_some(), "{p}: the vendor's code is kept: {e}");
    }
    if ctx.is_moto() {
        // moto accepts a nonexistent instance as a target (AWS refuses it with InvalidTarget).
        return;
    }
    let mut ghost = Backend::new(ctx.unknown_id());
    if let BackendPool::ClbListener { .. } = fx.pool {
        ghost = ghost.with_port(80);
    }
    let e = fx.lb.register(&fx.pool, &[ghost]).await.unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::NotFound | ErrorKind::InvalidInput),
        "{p}: {e}"
    );
    assert!(e.code().is_some(), "{p}: {e}");
    assert!(
        fx.lb
            .describe_health(&fx.pool, &[])
            .await
            .unwrap()
            .is_empty(),
        "{p}"
    );
    ctx.destroy_all(&fx.net.compute, &fx.net.instances).await;
}

/// Malformed pools and backends, and pools of another cloud, are refused before any request
/// (every request would be throttled and counted).
pub async fn lb_bad_input(ctx: &Ctx) {
    let p = ctx.provider;
    let cloud = ctx
        .cloud_builder(ctx.credentials(), &ctx.config())
        .build()
        .await
        .unwrap();
    let lb = cloud.lb();
    for s in [
        "",
        "tg-1",
        "elb:",
        "lb-b7pj5p3q/lbl-",
        "lb-x:0",
        "arn:aws:s3:::bucket",
    ] {
        assert_eq!(
            s.parse::<BackendPool>().unwrap_err().kind(),
            ErrorKind::InvalidInput,
            "{s:?}"
        );
    }
    let foreign: BackendPool = match p {
        Provider::Aws => "lb-b7pj5p3q/lbl-qe0xmaxa",
        _ => "elb:web",
    }
    .parse()
    .unwrap();
    let e = lb
        .register(&foreign, &[Backend::new("i-1")])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{p}: {e}");
    let pool: BackendPool = match p {
        Provider::Aws => {
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef"
        }
        Provider::Tencent => "lb-b7pj5p3q/lbl-qe0xmaxa",
        _ => "lb-bp1qjwo61pqz3ahmtd5bk",
    }
    .parse()
    .unwrap();
    for backends in [
        vec![],
        vec![Backend::new("bogus")],
        vec![Backend::new(ctx.unknown_id()).with_weight(500)],
    ] {
        let e = lb.register(&pool, &backends).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{p}: {backends:?}: {e}");
    }
    if let Some(emu) = &ctx.emulator {
        assert_eq!(
            emu.fault_counters().total(FaultKind::Throttle),
            0,
            "{p}: a request was sent"
        );
    }
}

/// Register, health and deregister recover from throttling and 5xx answers by retrying.
pub async fn lb_throttled(ctx: &Ctx) {
    let p = ctx.provider;
    let fx = LbFixture::new(ctx, 1).await;
    let b = [fx.backend(0)];
    fx.lb.register(&fx.pool, &b).await.unwrap();
    let h = fx.lb.wait_until_healthy(&fx.pool, &b, WAIT).await.unwrap();
    assert_eq!(h[0].state, HealthState::Healthy, "{p}");
    fx.lb.deregister(&fx.pool, &b).await.unwrap();
    fx.lb
        .wait_until_deregistered(&fx.pool, &b, WAIT)
        .await
        .unwrap();
    if let Some(emu) = &ctx.emulator {
        assert!(
            emu.fault_counters().total(FaultKind::Throttle) > 0,
            "{p}: nothing was throttled; the case proved nothing"
        );
    }
}

/// AWS classic load balancers (`elb:NAME`): register, InService, deregister.
pub async fn lb_classic(ctx: &Ctx) {
    if ctx.provider != Provider::Aws {
        return;
    }
    use aws_sdk_elasticloadbalancing::types::Listener;
    let net = Fixture::new(ctx, 1).await;
    let name = format!("bhv-c-{}", &ctx.run[..8]);
    elb_classic(ctx)
        .create_load_balancer()
        .load_balancer_name(&name)
        .listeners(
            Listener::builder()
                .protocol("TCP")
                .load_balancer_port(80)
                .instance_port(80)
                .build()
                .unwrap(),
        )
        .subnets(&net.subnet_id)
        .send()
        .await
        .unwrap();
    let cloud = ctx
        .cloud_builder(ctx.credentials(), &ctx.config())
        .build()
        .await
        .unwrap();
    let lb = cloud.lb().with_poll_interval(Duration::from_millis(50));
    let pool: BackendPool = format!("elb:{name}").parse().unwrap();
    let b = [Backend::new(&net.instances[0])];
    let out = lb.register(&pool, &b).await.unwrap();
    assert_eq!(out.changed.len(), 1, "{out:?}");
    let h = lb.wait_until_healthy(&pool, &b, WAIT).await.unwrap();
    assert_eq!(h[0].raw_state, "InService", "{h:?}");
    assert!(lb.register(&pool, &b).await.unwrap().changed.is_empty());
    // A port is refused before any request: classic instances take the listeners' ports.
    let e = lb
        .register(&pool, &[Backend::new(&net.instances[0]).with_port(80)])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    lb.deregister(&pool, &b).await.unwrap();
    lb.wait_until_deregistered(&pool, &b, WAIT).await.unwrap();
    assert!(lb.deregister(&pool, &b).await.unwrap().changed.is_empty());
    let e = lb
        .describe_health(&"elb:no-such-lb".parse().unwrap(), &[])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    ctx.destroy_all(&net.compute, &net.instances).await;
}
