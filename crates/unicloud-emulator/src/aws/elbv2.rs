//! Elastic Load Balancing v2 `2015-12-01` (Query protocol, XML): `CreateLoadBalancer`,
//! `DescribeLoadBalancers`, `CreateTargetGroup`, `DescribeTargetGroups`, `CreateListener`,
//! `RegisterTargets`, `DeregisterTargets`, `DescribeTargetHealth`, on the shared
//! load-balancer model. Element and parameter names follow the API as the AWS SDKs send and
//! parse it (`Targets.member.N.Id`, `<TargetHealthDescriptions><member>…`).
//!
//! Wire facts kept here: resources are named by ARN (`…:loadbalancer/app|net/NAME/ID`,
//! `…:targetgroup/NAME/ID`, `…:listener/app|net/NAME/LBID/ID`); an application load balancer
//! needs subnets in two zones, a network one at least one subnet, and the subnets must be
//! known to EC2 (`SubnetNotFound`); `CreateLoadBalancer`, `CreateTargetGroup` and
//! `CreateListener` are idempotent (the same name or port with the same settings answers with
//! what exists; different settings are `DuplicateLoadBalancerName`, `DuplicateTargetGroupName`,
//! `DuplicateListener`); targets must be instances of the region that are neither stopped nor
//! terminated, in the target group's VPC (`InvalidTarget`). `TargetHealth` states: `initial`
//! (`Elb.RegistrationInProgress`) for the transition delay after registration, then
//! `healthy`, or `unhealthy` (`Target.FailedHealthChecks`) when the instance does not run;
//! `draining` (`Target.DeregistrationInProgress`) for the transition delay after
//! deregistration; `unused` with `Target.NotInUse` while no listener forwards to the target
//! group, and with `Target.InvalidState` once the instance is terminated (until it is no
//! longer listed; then the target is gone).

use std::fmt::Write as _;

use super::ec2::RULES;
use super::{Handler, P, Query, Service};
use crate::auth::{AWS_ACCOUNT, ApiError};
use crate::model::Region;
use crate::model::lb::{
    Health, LbError, Listener, LoadBalancer, LoadBalancers, NewBackend, Pool, Scheme,
};
use crate::server::Ctx;
use crate::util::{HEX, iso8601_millis, random_from};
use crate::wire::xml::escape as x;

/// ELBv2 as the emulator serves it.
pub(crate) const SERVICE: Service = Service {
    name: "elasticloadbalancing",
    namespace: "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
    ec2_shape: false,
    actions: ACTIONS,
    throttle: (400, "Throttling", "Rate exceeded"),
    server_error: (500, "InternalFailure", "An internal error has occurred."),
};

/// The API version that selects this service among the `elasticloadbalancing` ones.
pub(crate) const VERSION: &str = "2015-12-01";

const ACTIONS: &[(&str, Handler)] = &[
    ("CreateLoadBalancer", create_load_balancer),
    ("DescribeLoadBalancers", describe_load_balancers),
    ("CreateTargetGroup", create_target_group),
    ("DescribeTargetGroups", describe_target_groups),
    ("CreateListener", create_listener),
    ("RegisterTargets", register_targets),
    ("DeregisterTargets", deregister_targets),
    ("DescribeTargetHealth", describe_target_health),
];

fn e400(code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(400, code, message)
}

fn validation(message: impl Into<String>) -> ApiError {
    e400("ValidationError", message)
}

fn lb_error(e: LbError) -> ApiError {
    match e {
        LbError::LoadBalancerNotFound(_) => ApiError::new(
            400,
            "LoadBalancerNotFound",
            "One or more load balancers not found",
        ),
        LbError::PoolNotFound(_) => ApiError::new(
            400,
            "TargetGroupNotFound",
            "One or more target groups not found",
        ),
        LbError::ListenerNotFound(_) => {
            ApiError::new(400, "ListenerNotFound", "One or more listeners not found")
        }
        LbError::ListenerExists(_) => ApiError::new(
            400,
            "DuplicateListener",
            "A listener already exists on this port for this load balancer",
        ),
        LbError::NotRegistered(list) => e400(
            "InvalidTarget",
            format!(
                "The following targets are not registered in target group: {}",
                list.iter()
                    .map(|(i, _)| i.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        LbError::TooManyBackends => e400(
            "TooManyTargets",
            "You've reached the limit on the number of targets",
        ),
        LbError::LimitExceeded(q) => e400(
            if q == "load balancers" {
                "TooManyLoadBalancers"
            } else {
                "TooManyTargetGroups"
            },
            format!("You've reached the limit on the number of {q}"),
        ),
        LbError::Exists(id) => e400("DuplicateLoadBalancerName", format!("{id} already exists")),
    }
}

/// An ELBv2 load balancer (not a classic one, which shares the region's table).
fn is_v2(lb: &LoadBalancer) -> bool {
    matches!(lb.kind.as_str(), "application" | "network")
}

fn arn(cx: &Ctx<'_>, rest: &str) -> String {
    format!(
        "arn:aws:elasticloadbalancing:{}:{AWS_ACCOUNT}:{rest}",
        cx.region
    )
}

/// `Name.member.1`, `Name.member.2`, ...
fn members(p: &Query, name: &str) -> Vec<String> {
    p.list(&format!("{name}.member"))
}

/// The short kind in ARNs (`app`, `net`).
fn short(kind: &str) -> &'static str {
    if kind == "network" { "net" } else { "app" }
}

fn name_check(what: &str, name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 32
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.starts_with("internal-");
    if ok {
        Ok(())
    } else {
        Err(validation(format!(
            "{what} name '{name}' must be 1 to 32 alphanumeric characters or hyphens, and must not begin or end with a hyphen"
        )))
    }
}

fn create_load_balancer(cx: &Ctx<'_>, p: &Query) -> Result<String, ApiError> {
    let name = p.required("Name")?.to_owned();
    name_check("Load balancer", &name)?;
    let kind = p.get("Type").unwrap_or("application").to_owned();
    if !matches!(kind.as_str(), "application" | "network") {
        return Err(validation(format!(
            "Load balancer type '{kind}' is not supported by the emulator (application, network)"
        )));
    }
    let scheme = match p.get("Scheme").unwrap_or("internet-facing") {
        "internet-facing" => Scheme::Public,
        "internal" => Scheme::Internal,
        other => {
            return Err(validation(format!(
                "1 validation error detected: Value '{other}' at 'scheme' failed to satisfy constraint: Member must satisfy enum value set: [internal, internet-facing]"
            )));
        }
    };
    let mut subnets = members(p, "Subnets");
    for n in 1..=50 {
        if let Some(s) = p.get(&format!("SubnetMappings.member.{n}.SubnetId")) {
            subnets.push(s.to_owned());
        }
    }
    if subnets.is_empty() {
        return Err(validation("At least one subnet must be specified"));
    }
    if subnets.len() > 50 {
        return Err(validation("At most 50 subnets can be specified"));
    }
    cx.shared.in_region(P, cx.region, &RULES, |rs, now| {
        // Idempotent: the same name with the same settings answers with the one that exists.
        if let Some(l) = rs.lbs.lbs.values().find(|l| l.name == name && is_v2(l)) {
            let mut want = subnets.clone();
            let mut have = l.subnets.clone();
            want.sort();
            have.sort();
            if l.kind == kind && l.scheme == scheme && want == have {
                return Ok(format!(
                    "<LoadBalancers><member>{}</member></LoadBalancers>",
                    lb_xml(rs, l)
                ));
            }
            return Err(e400(
                "DuplicateLoadBalancerName",
                "A load balancer with the same name exists, but with different settings",
            ));
        }
        let mut vpc = String::new();
        let mut zones: Vec<(String, String)> = Vec::new();
        for s in &subnets {
            let subnet = rs.networks.subnets.get(s).ok_or_else(|| {
                e400("SubnetNotFound", format!("The subnet ID '{s}' is not valid"))
            })?;
            if !vpc.is_empty() && vpc != subnet.vpc_id {
                return Err(e400(
                    "InvalidConfigurationRequest",
                    "The subnets must all be in the same VPC",
                ));
            }
            vpc.clone_from(&subnet.vpc_id);
            if zones.iter().any(|(z, _)| *z == subnet.zone) {
                return Err(e400(
                    "InvalidConfigurationRequest",
                    "A load balancer cannot be attached to multiple subnets in the same Availability Zone",
                ));
            }
            zones.push((subnet.zone.clone(), s.clone()));
        }
        if kind == "application" && zones.len() < 2 {
            return Err(validation(
                "At least two subnets in two different Availability Zones must be specified",
            ));
        }
        let id = random_from(HEX, 16);
        let lb_arn = arn(cx, &format!("loadbalancer/{}/{name}/{id}", short(&kind)));
        rs.lbs
            .create_lb(LoadBalancer {
                id: lb_arn.clone(),
                name: name.clone(),
                kind: kind.clone(),
                scheme,
                vpc_id: vpc,
                subnets: subnets.clone(),
                address: format!(
                    "{}{name}-{id}.elb.{}.amazonaws.com",
                    if scheme == Scheme::Internal { "internal-" } else { "" },
                    cx.region
                ),
                listeners: vec![],
                created: now,
                seq: cx.shared.world.next_seq(),
                busy_until: None,
            })
            .map_err(lb_error)?;
        let lb = rs.lbs.lb(&lb_arn).map_err(lb_error)?;
        Ok(format!(
            "<LoadBalancers><member>{}</member></LoadBalancers>",
            lb_xml(rs, lb)
        ))
    })
}

fn lb_xml(rs: &Region, lb: &LoadBalancer) -> String {
    let mut zones = String::new();
    for s in &lb.subnets {
        let zone = rs
            .networks
            .subnets
            .get(s)
            .map(|x| x.zone.clone())
            .unwrap_or_default();
        let _ = write!(
            zones,
            "<member><ZoneName>{}</ZoneName><SubnetId>{}</SubnetId><LoadBalancerAddresses/></member>",
            x(&zone),
            x(s)
        );
    }
    format!(
        "<LoadBalancerArn>{}</LoadBalancerArn><DNSName>{}</DNSName><CanonicalHostedZoneId>Z35SXDOTRQ7X7K</CanonicalHostedZoneId><CreatedTime>{}</CreatedTime><LoadBalancerName>{}</LoadBalancerName><Scheme>{}</Scheme><VpcId>{}</VpcId><State><Code>active</Code></State><Type>{}</Type><AvailabilityZones>{zones}</AvailabilityZones><SecurityGroups/><IpAddressType>ipv4</IpAddressType>",
        x(&lb.id),
        x(&lb.address),
        iso8601_millis(lb.created),
        x(&lb.name),
        if lb.scheme == Scheme::Public {
            "internet-facing"
        } else {
            "internal"
        },
        x(&lb.vpc_id),
        x(&lb.kind),
    )
}

/// `Marker` as an offset (the emulator's own markers are `emu-<offset>`).
fn page(p: &Query) -> Result<(usize, usize), ApiError> {
    let start = match p.get("Marker") {
        None | Some("") => 0,
        Some(m) => m
            .strip_prefix("emu-")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| validation("Invalid value for Marker"))?,
    };
    let size = match p.int("PageSize")? {
        None => 400,
        Some(n) if (1..=400).contains(&n) => usize::try_from(n).unwrap_or(400),
        Some(_) => return Err(validation("PageSize must be between 1 and 400")),
    };
    Ok((start, size))
}

fn next_marker(start: usize, size: usize, total: usize) -> String {
    if start.saturating_add(size) < total {
        format!("<NextMarker>emu-{}</NextMarker>", start + size)
    } else {
        String::new()
    }
}

fn describe_load_balancers(cx: &Ctx<'_>, p: &Query) -> Result<String, ApiError> {
    let arns = members(p, "LoadBalancerArns");
    let names = members(p, "Names");
    if !arns.is_empty() && !names.is_empty() {
        return Err(validation(
            "Load balancer names and load balancer ARNs cannot be specified at the same time",
        ));
    }
    let (start, size) = page(p)?;
    cx.shared.in_region(P, cx.region, &RULES, |rs, _| {
        let mut list = rs.lbs.lbs_in_order();
        list.retain(|l| is_v2(l));
        if !arns.is_empty() {
            if arns.iter().any(|a| !rs.lbs.lbs.contains_key(a)) {
                return Err(lb_error(LbError::LoadBalancerNotFound(String::new())));
            }
            list.retain(|l| arns.contains(&l.id));
        }
        if !names.is_empty() {
            if let Some(n) = names.iter().find(|n| !list.iter().any(|l| &l.name == *n)) {
                return Err(e400(
                    "LoadBalancerNotFound",
                    format!("Load balancers '[{n}]' not found"),
                ));
            }
            list.retain(|l| names.contains(&l.name));
        }
        let total = list.len();
        let body: String = list
            .iter()
            .skip(start)
            .take(size)
            .map(|l| format!("<member>{}</member>", lb_xml(rs, l)))
            .collect();
        Ok(format!(
            "<LoadBalancers>{body}</LoadBalancers>{}",
            next_marker(start, size, total)
        ))
    })
}

fn create_target_group(cx: &Ctx<'_>, p: &Query) -> Result<String, ApiError> {
    let name = p.required("Name")?.to_owned();
    name_check("Target group", &name)?;
    let target_type = p.get("TargetType").unwrap_or("instance");
    if target_type != "instance" {
        return Err(validation(format!(
            "Target type '{target_type}' is not supported by the emulator (instance)"
        )));
    }
    let protocol = p.required("Protocol")?.to_owned();
    if !matches!(
        protocol.as_str(),
        "HTTP" | "HTTPS" | "TCP" | "TLS" | "UDP" | "TCP_UDP"
    ) {
        return Err(validation(format!(
            "Protocol '{protocol}' must be one of HTTP, HTTPS, TCP, TLS, UDP, TCP_UDP"
        )));
    }
    let port = port_param(p, "Port")?;
    let vpc = p.required("VpcId")?.to_owned();
    cx.shared.in_region(P, cx.region, &RULES, |rs, _| {
        if !rs.networks.vpcs.contains_key(&vpc) {
            return Err(validation(format!("The VPC ID '{vpc}' is not found")));
        }
        if let Some(existing) = rs
            .lbs
            .pools
            .values()
            .find(|t| t.lb_id.is_none() && t.name == name)
        {
            // Creating a target group with the same name and settings returns it.
            if existing.protocol == protocol
                && existing.port == Some(port)
                && existing.vpc_id == vpc
            {
                return Ok(format!(
                    "<TargetGroups><member>{}</member></TargetGroups>",
                    tg_xml(rs, existing)
                ));
            }
            return Err(e400(
                "DuplicateTargetGroupName",
                "A target group with the same name exists, but with different settings",
            ));
        }
        let id = arn(cx, &format!("targetgroup/{name}/{}", random_from(HEX, 16)));
        rs.lbs
            .create_pool(Pool {
                id: id.clone(),
                name: name.clone(),
                lb_id: None,
                vpc_id: vpc.clone(),
                port: Some(port),
                protocol: protocol.clone(),
                backends: vec![],
                seq: cx.shared.world.next_seq(),
            })
            .map_err(lb_error)?;
        let tg = rs.lbs.pool(&id).map_err(lb_error)?;
        Ok(format!(
            "<TargetGroups><member>{}</member></TargetGroups>",
            tg_xml(rs, tg)
        ))
    })
}

fn port_param(p: &Query, name: &str) -> Result<u16, ApiError> {
    let n = p.int(name)?.ok_or_else(|| {
        ApiError::new(
            400,
            "ValidationError",
            format!("A {name} must be specified"),
        )
    })?;
    u16::try_from(n)
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| validation(format!("{name} '{n}' must be between 1 and 65535")))
}

/// The load balancers whose listeners forward to pool `id`.
fn lbs_of(rs: &Region, id: &str) -> Vec<String> {
    rs.lbs
        .lbs_in_order()
        .into_iter()
        .filter(|l| l.listeners.iter().any(|x| x.pool.as_deref() == Some(id)))
        .map(|l| l.id.clone())
        .collect()
}

fn tg_xml(rs: &Region, t: &Pool) -> String {
    let lbs: String = lbs_of(rs, &t.id)
        .iter()
        .map(|a| format!("<member>{}</member>", x(a)))
        .collect();
    let http = matches!(t.protocol.as_str(), "HTTP" | "HTTPS");
    format!(
        "<TargetGroupArn>{}</TargetGroupArn><TargetGroupName>{}</TargetGroupName><Protocol>{}</Protocol><Port>{}</Port><VpcId>{}</VpcId><HealthCheckProtocol>{}</HealthCheckProtocol><HealthCheckPort>traffic-port</HealthCheckPort><HealthCheckEnabled>true</HealthCheckEnabled><HealthCheckIntervalSeconds>30</HealthCheckIntervalSeconds><HealthCheckTimeoutSeconds>{}</HealthCheckTimeoutSeconds><HealthyThresholdCount>5</HealthyThresholdCount><UnhealthyThresholdCount>2</UnhealthyThresholdCount>{}<LoadBalancerArns>{lbs}</LoadBalancerArns><TargetType>instance</TargetType><IpAddressType>ipv4</IpAddressType>",
        x(&t.id),
        x(&t.name),
        x(&t.protocol),
        t.port.unwrap_or(0),
        x(&t.vpc_id),
        if http {
            x(&t.protocol)
        } else {
            "TCP".to_owned()
        },
        if http { 5 } else { 10 },
        if http {
            "<HealthCheckPath>/</HealthCheckPath><Matcher><HttpCode>200</HttpCode></Matcher>"
        } else {
            ""
        },
    )
}

fn describe_target_groups(cx: &Ctx<'_>, p: &Query) -> Result<String, ApiError> {
    let arns = members(p, "TargetGroupArns");
    let names = members(p, "Names");
    let lb = p.get("LoadBalancerArn").map(str::to_owned);
    let (start, size) = page(p)?;
    cx.shared.in_region(P, cx.region, &RULES, |rs, _| {
        let mut list: Vec<&Pool> = rs
            .lbs
            .pools_in_order()
            .into_iter()
            .filter(|t| t.lb_id.is_none())
            .collect();
        if !arns.is_empty() {
            if arns.iter().any(|a| !list.iter().any(|t| &t.id == a)) {
                return Err(lb_error(LbError::PoolNotFound(String::new())));
            }
            list.retain(|t| arns.contains(&t.id));
        }
        if !names.is_empty() {
            if names.iter().any(|n| !list.iter().any(|t| &t.name == n)) {
                return Err(lb_error(LbError::PoolNotFound(String::new())));
            }
            list.retain(|t| names.contains(&t.name));
        }
        if let Some(lb) = &lb {
            rs.lbs.lb(lb).map_err(lb_error)?;
            list.retain(|t| lbs_of(rs, &t.id).contains(lb));
        }
        let total = list.len();
        let body: String = list
            .iter()
            .skip(start)
            .take(size)
            .map(|t| format!("<member>{}</member>", tg_xml(rs, t)))
            .collect();
        Ok(format!(
            "<TargetGroups>{body}</TargetGroups>{}",
            next_marker(start, size, total)
        ))
    })
}

fn create_listener(cx: &Ctx<'_>, p: &Query) -> Result<String, ApiError> {
    let lb_arn = p.required("LoadBalancerArn")?.to_owned();
    let port = port_param(p, "Port")?;
    let protocol = p.get("Protocol").map(str::to_owned);
    let action = p.get("DefaultActions.member.1.Type").unwrap_or_default();
    if action != "forward" {
        return Err(validation(
            "The emulator supports one default action of type 'forward'",
        ));
    }
    let tg = p
        .get("DefaultActions.member.1.TargetGroupArn")
        .or_else(|| {
            p.get("DefaultActions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn")
        })
        .ok_or_else(|| validation("A target group ARN must be specified for a forward action"))?
        .to_owned();
    cx.shared.in_region(P, cx.region, &RULES, |rs, _| {
        let lb = rs.lbs.lb(&lb_arn).map_err(lb_error)?;
        let (kind, lb_name) = (lb.kind.clone(), lb.name.clone());
        let lb_id = lb_arn.rsplit('/').next().unwrap_or_default().to_owned();
        let pool = rs.lbs.pool(&tg).map_err(lb_error)?;
        let protocol = protocol.unwrap_or_else(|| {
            if kind == "network" {
                "TCP".into()
            } else {
                "HTTP".into()
            }
        });
        let l7 = matches!(protocol.as_str(), "HTTP" | "HTTPS");
        if (kind == "application") != l7 {
            return Err(validation(format!(
                "Protocol '{protocol}' is not supported for {kind} load balancers"
            )));
        }
        if pool.vpc_id != lb.vpc_id {
            return Err(e400(
                "InvalidConfigurationRequest",
                "The target group and the load balancer must be in the same VPC",
            ));
        }
        // Idempotent: the same port with the same settings answers with the listener there.
        if let Some(l) = lb.listeners.iter().find(|l| l.port == port) {
            if l.protocol == protocol && l.pool.as_deref() == Some(tg.as_str()) {
                return Ok(listener_xml(&l.id, &lb_arn, port, &protocol, &tg));
            }
            return Err(lb_error(LbError::ListenerExists(port)));
        }
        let id = arn(
            cx,
            &format!(
                "listener/{}/{lb_name}/{lb_id}/{}",
                short(&kind),
                random_from(HEX, 16)
            ),
        );
        rs.lbs
            .add_listener(
                &lb_arn,
                Listener {
                    id: id.clone(),
                    name: String::new(),
                    port,
                    protocol: protocol.clone(),
                    backend_port: None,
                    pool: Some(tg.clone()),
                    running: true,
                },
                |a, b| a.port == b.port,
            )
            .map_err(lb_error)?;
        Ok(listener_xml(&id, &lb_arn, port, &protocol, &tg))
    })
}

fn listener_xml(id: &str, lb_arn: &str, port: u16, protocol: &str, tg: &str) -> String {
    format!(
        "<Listeners><member><ListenerArn>{}</ListenerArn><LoadBalancerArn>{}</LoadBalancerArn><Port>{port}</Port><Protocol>{}</Protocol><DefaultActions><member><Type>forward</Type><TargetGroupArn>{}</TargetGroupArn><ForwardConfig><TargetGroups><member><TargetGroupArn>{}</TargetGroupArn><Weight>1</Weight></member></TargetGroups></ForwardConfig></member></DefaultActions></member></Listeners>",
        x(id),
        x(lb_arn),
        x(protocol),
        x(tg),
        x(tg)
    )
}

/// `Targets.member.N.Id` / `.Port`; the port defaults to the target group's.
fn targets(p: &Query) -> Result<Vec<(String, Option<u16>)>, ApiError> {
    let mut out = Vec::new();
    for n in 1..=1000 {
        let Some(id) = p.get(&format!("Targets.member.{n}.Id")) else {
            break;
        };
        let port =
            match p.int(&format!("Targets.member.{n}.Port"))? {
                None => None,
                Some(v) => Some(u16::try_from(v).ok().filter(|v| *v > 0).ok_or_else(|| {
                    validation(format!("Port '{v}' must be between 1 and 65535"))
                })?),
            };
        out.push((id.to_owned(), port));
    }
    if out.is_empty() {
        return Err(validation("At least one target must be specified"));
    }
    Ok(out)
}

fn register_targets(cx: &Ctx<'_>, p: &Query) -> Result<String, ApiError> {
    let tg = p.required("TargetGroupArn")?.to_owned();
    let list = targets(p)?;
    cx.shared.in_region(P, cx.region, &RULES, |rs, now| {
        let pool = rs.lbs.pool(&tg).map_err(lb_error)?;
        if pool.lb_id.is_some() {
            return Err(lb_error(LbError::PoolNotFound(tg.clone())));
        }
        let mut new = Vec::new();
        for (id, port) in &list {
            let inst = rs
                .instances
                .get(id)
                .filter(|i| i.state != crate::model::InstanceState::Terminated)
                .ok_or_else(|| {
                    e400(
                        "InvalidTarget",
                        format!("The following targets are not valid instances: '{id}'"),
                    )
                })?;
            if inst.state.is_gone()
                || matches!(
                    inst.state,
                    crate::model::InstanceState::Stopped | crate::model::InstanceState::Stopping
                )
            {
                return Err(e400(
                    "InvalidTarget",
                    format!("The following targets are not in a running state and cannot be registered: '{id}'"),
                ));
            }
            if !pool.vpc_id.is_empty() && inst.vpc_id != pool.vpc_id {
                return Err(e400(
                    "InvalidTarget",
                    format!("The following targets are not in the target group VPC '{}': '{id}'", pool.vpc_id),
                ));
            }
            new.push(NewBackend {
                instance_id: id.clone(),
                port: port.or(pool.port).unwrap_or(80),
                weight: 1,
            });
        }
        rs.lbs
            .register(&tg, &new, now, now + cx.shared.delay)
            .map_err(lb_error)?;
        Ok(String::new())
    })
}

fn deregister_targets(cx: &Ctx<'_>, p: &Query) -> Result<String, ApiError> {
    let tg = p.required("TargetGroupArn")?.to_owned();
    let list = targets(p)?;
    cx.shared.in_region(P, cx.region, &RULES, |rs, now| {
        let pool = rs.lbs.pool(&tg).map_err(lb_error)?;
        if pool.lb_id.is_some() {
            return Err(lb_error(LbError::PoolNotFound(tg.clone())));
        }
        let default = pool.port;
        let keys: Vec<(String, Option<u16>)> = list
            .iter()
            .map(|(id, port)| (id.clone(), port.or(default)))
            .collect();
        rs.lbs
            .deregister(&tg, &keys, Some(now + cx.shared.delay))
            .map_err(lb_error)?;
        Ok(String::new())
    })
}

fn describe_target_health(cx: &Ctx<'_>, p: &Query) -> Result<String, ApiError> {
    let tg = p.required("TargetGroupArn")?.to_owned();
    let only: Option<Vec<(String, Option<u16>)>> = p
        .get("Targets.member.1.Id")
        .map(|_| targets(p))
        .transpose()?;
    cx.shared.in_region(P, cx.region, &RULES, |rs, now| {
        let pool = rs.lbs.pool(&tg).map_err(lb_error)?;
        if pool.lb_id.is_some() {
            return Err(lb_error(LbError::PoolNotFound(tg.clone())));
        }
        let in_use = !lbs_of(rs, &tg).is_empty();
        let mut body = String::new();
        let mut entry = |id: &str, port: u16, state: &str, reason: Option<(&str, &str)>| {
            let reason = reason
                .map(|(r, d)| format!("<Reason>{r}</Reason><Description>{d}</Description>"))
                .unwrap_or_default();
            let _ = write!(
                body,
                "<member><Target><Id>{}</Id><Port>{port}</Port></Target><HealthCheckPort>{port}</HealthCheckPort><TargetHealth><State>{state}</State>{reason}</TargetHealth></member>",
                x(id)
            );
        };
        let listed: Vec<_> = pool
            .backends
            .iter()
            .filter(|b| {
                only.as_ref().is_none_or(|o| {
                    o.iter()
                        .any(|(id, port)| *id == b.instance_id && port.is_none_or(|p| p == b.port))
                })
            })
            .collect();
        for b in &listed {
            let health = LoadBalancers::health(b, &rs.instances, now);
            let (state, reason) = match health {
                Health::Draining => (
                    "draining",
                    Some(("Target.DeregistrationInProgress", "Target deregistration is in progress")),
                ),
                Health::Unused => (
                    "unused",
                    Some(("Target.InvalidState", "Target is in the stopped or terminated state")),
                ),
                _ if !in_use => (
                    "unused",
                    Some(("Target.NotInUse", "Target group is not configured to receive traffic from the load balancer")),
                ),
                Health::Initial => (
                    "initial",
                    Some(("Elb.RegistrationInProgress", "Target registration is in progress")),
                ),
                Health::Healthy => ("healthy", None),
                _ => (
                    "unhealthy",
                    Some(("Target.FailedHealthChecks", "Health checks failed")),
                ),
            };
            entry(&b.instance_id, b.port, state, reason);
        }
        // Targets asked about that are not registered.
        for (id, port) in only.iter().flatten() {
            if !listed.iter().any(|b| b.instance_id == *id) {
                if !rs.instances.contains(id) {
                    return Err(e400(
                        "InvalidTarget",
                        format!("The following targets are not valid instances: '{id}'"),
                    ));
                }
                entry(
                    id,
                    port.or(pool.port).unwrap_or(0),
                    "unused",
                    Some(("Target.NotRegistered", "Target is not registered to the target group")),
                );
            }
        }
        Ok(format!(
            "<TargetHealthDescriptions>{body}</TargetHealthDescriptions>"
        ))
    })
}
