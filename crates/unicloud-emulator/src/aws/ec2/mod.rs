//! EC2 `2016-11-15`: instances (`RunInstances`, `DescribeInstances` with filters and paging,
//! `StartInstances`, `StopInstances`, `TerminateInstances`), on the shared instance model, and
//! (in [`vpc`]) VPCs, subnets, gateways and route tables.

mod vpc;

use std::fmt::Write as _;

use super::{Handler, P, Query, Service};
use crate::auth::{AWS_ACCOUNT, ApiError};
use crate::model::compute::{
    Cursor, Instance, InstanceState, Lifecycle, Refusal, Rules, Start, Verdict,
};
use crate::model::network::OnTargetGone;
use crate::model::tokens::TokenRecord;
use crate::server::Ctx;
use crate::util::{HEX, iso8601_millis, random_from};
use crate::wire::xml::escape as x;

/// EC2 as the emulator serves it.
pub(crate) const SERVICE: Service = Service {
    name: "ec2",
    namespace: "http://ec2.amazonaws.com/doc/2016-11-15/",
    ec2_shape: true,
    actions: ACTIONS,
    throttle: (503, "RequestLimitExceeded", "Request limit exceeded."),
    server_error: (500, "InternalError", "An internal error has occurred."),
};

const ACTIONS: &[(&str, Handler)] = &[
    ("RunInstances", run_instances),
    ("DescribeInstances", describe_instances),
    ("StartInstances", |cx, p| {
        change(cx, p, "StartInstances", Lifecycle::Start)
    }),
    ("StopInstances", |cx, p| {
        change(cx, p, "StopInstances", Lifecycle::Stop)
    }),
    ("TerminateInstances", |cx, p| {
        change(
            cx,
            p,
            "TerminateInstances",
            Lifecycle::Destroy { force: false },
        )
    }),
    ("CreateVpc", vpc::create_vpc),
    ("CreateSubnet", vpc::create_subnet),
    ("CreateInternetGateway", vpc::create_internet_gateway),
    ("AttachInternetGateway", vpc::attach_internet_gateway),
    ("CreateRouteTable", vpc::create_route_table),
    ("DescribeRouteTables", vpc::describe_route_tables),
    ("AssociateRouteTable", vpc::associate_route_table),
    ("CreateRoute", vpc::create_route),
    ("ReplaceRoute", vpc::replace_route),
    ("DeleteRoute", vpc::delete_route),
];

/// EC2's lifecycle: starting a running instance or stopping a stopped one is accepted and
/// changes nothing; terminating works from every state; terminated instances stay listed.
pub(crate) const RULES: Rules = Rules {
    verdict: |op, state| {
        use InstanceState as S;
        match (op, state) {
            (Lifecycle::Start, S::Stopped) | (Lifecycle::Stop, S::Running) => Verdict::Apply,
            (Lifecycle::Start, S::Running | S::Pending | S::Starting)
            | (Lifecycle::Stop, S::Stopped | S::Stopping) => Verdict::Unchanged,
            (Lifecycle::Destroy { .. }, s) if s.is_gone() => Verdict::Unchanged,
            (Lifecycle::Destroy { .. }, _) => Verdict::Apply,
            _ => Verdict::Refuse,
        }
    },
    keeps_terminated: true,
    routes_to_gone_instances: OnTargetGone::Blackhole,
};

/// The `instanceState` name.
fn aws_name(s: InstanceState) -> &'static str {
    match s {
        InstanceState::Pending | InstanceState::Starting => "pending",
        InstanceState::Running => "running",
        InstanceState::Stopping => "stopping",
        InstanceState::Stopped => "stopped",
        InstanceState::ShuttingDown => "shutting-down",
        InstanceState::Terminated => "terminated",
    }
}

/// The `instanceState` code.
fn aws_code(s: InstanceState) -> u16 {
    match s {
        InstanceState::Pending | InstanceState::Starting => 0,
        InstanceState::Running => 16,
        InstanceState::ShuttingDown => 32,
        InstanceState::Terminated => 48,
        InstanceState::Stopping => 64,
        InstanceState::Stopped => 80,
    }
}

/// A client token reused with other parameters.
fn token_reused() -> ApiError {
    ApiError::new(
        400,
        "IdempotentParameterMismatch",
        "The client token you have provided is associated with a resource that is already deleted or has different parameters.",
    )
}

fn run_instances(cx: &Ctx<'_>, p: &Query) -> Result<String, ApiError> {
    p.dry_run()?;
    let image = p.required("ImageId")?.to_owned();
    let min = p.int("MinCount")?.ok_or_else(|| {
        p.required("MinCount")
            .err()
            .unwrap_or_else(|| ApiError::new(400, "MissingParameter", "MinCount"))
    })?;
    let max = p.int("MaxCount")?.ok_or_else(|| {
        p.required("MaxCount")
            .err()
            .unwrap_or_else(|| ApiError::new(400, "MissingParameter", "MaxCount"))
    })?;
    if min < 1 || max < min {
        return Err(ApiError::new(
            400,
            "InvalidParameterValue",
            "MinCount must be at least 1 and no more than MaxCount.",
        ));
    }
    if min > 100 {
        return Err(ApiError::new(
            400,
            "InstanceLimitExceeded",
            "You have requested more instances than your current instance limit of 100 allows.",
        ));
    }
    let count = max.min(100);
    let fingerprint = p.0.fingerprint(&[]);
    let token = p
        .get("ClientToken")
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    let tags = p.tags_for("instance");
    let region = cx.region;
    let zone = p
        .get("Placement.AvailabilityZone")
        .map_or_else(|| format!("{region}a"), str::to_owned);
    let seq_base = cx.shared.world.next_seq();
    cx.shared.in_region(P, region, &RULES, |rs, now| {
        let ttl = cx.shared.token_ttl;
        let replay = rs
            .tokens
            .replay("RunInstances", token.as_deref(), &fingerprint, now, ttl)
            .map_err(|_| token_reused())?;
        if let Some(rec) = replay {
            let items: String = rec
                .ids
                .iter()
                .filter_map(|id| rs.instances.get(id))
                .map(instance_xml)
                .collect();
            return Ok(reservation_xml(&rec.group_id, &items));
        }
        let reservation = format!("r-{}", random_from(HEX, 17));
        let caller = cx.caller("RunInstances", now);
        let mut items = String::new();
        let mut ids = Vec::new();
        for n in 0..count {
            let id = format!("i-{}", random_from(HEX, 17));
            let seq = seq_base * 1000 + u64::try_from(n).unwrap_or(0);
            let mut inst = Instance::template(P, region, &id);
            inst.zone = zone.clone();
            inst.name = tags
                .iter()
                .find(|(k, _)| k == "Name")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            inst.image_id = image.clone();
            inst.instance_type = p.get("InstanceType").unwrap_or("m1.small").to_owned();
            inst.subnet_id = p.get("SubnetId").unwrap_or("subnet-1a2b3c4d").to_owned();
            inst.private_ip = format!("172.31.{}.{}", (seq / 250) % 250, seq % 250 + 4);
            // In a subnet the emulator knows, the instance lives in its VPC and takes the
            // subnet's next free address (an unknown subnet id keeps the defaults above).
            if let Some(subnet) = rs.networks.subnets.get(&inst.subnet_id) {
                inst.vpc_id = subnet.vpc_id.clone();
                inst.zone = subnet.zone.clone();
                inst.private_ip = rs
                    .networks
                    .allocate_ip(&inst.subnet_id.clone())
                    .map_err(|_| {
                        ApiError::new(
                            400,
                            "InsufficientFreeAddressesInSubnet",
                            format!("There are not enough free addresses in subnet '{}' to satisfy the requested number of instances.", inst.subnet_id),
                        )
                    })?
                    .to_string();
            }
            inst.tags = tags.clone();
            inst.client_token = token.clone().unwrap_or_default();
            inst.reservation_id = reservation.clone();
            inst.seq = seq;
            items.push_str(&instance_xml(rs.instances.launch(inst, caller)));
            ids.push(id);
        }
        if let Some(t) = token {
            let record = TokenRecord {
                fingerprint,
                ids,
                group_id: reservation.clone(),
            };
            rs.tokens.insert("RunInstances", t, record, now, ttl);
        }
        Ok(reservation_xml(&reservation, &items))
    })
}

fn describe_instances(cx: &Ctx<'_>, p: &Query) -> Result<String, ApiError> {
    p.dry_run()?;
    let ids = p.list("InstanceId");
    let max = p.int("MaxResults")?;
    if max.is_some() && !ids.is_empty() {
        return Err(ApiError::new(
            400,
            "InvalidParameterCombination",
            "The parameter instancesSet cannot be used with the parameter maxResults",
        ));
    }
    if let Some(m) = max
        && !(5..=1000).contains(&m)
    {
        return Err(ApiError::new(
            400,
            "InvalidParameterValue",
            format!(
                "Value ( {m} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000."
            ),
        ));
    }
    check_ids(&ids)?;
    let filters = p.filters();
    let probe = Instance::template(P, cx.region, "i-0");
    if let Some((name, _)) = filters
        .iter()
        .find(|(name, values)| filter_match(&probe, name, values).is_none())
    {
        return Err(ApiError::new(
            400,
            "InvalidParameterValue",
            format!("The filter '{name}' is invalid"),
        ));
    }
    // The emulator's tokens are cursors (`Cursor::token`): a page costs its own size, and
    // instances created or destroyed between pages shift nothing.
    let cursor = match p.get("NextToken") {
        None | Some("") => None,
        Some(t) => Some(Cursor::from_token(t).ok_or_else(|| {
            ApiError::new(400, "InvalidParameterValue", "Invalid value for NextToken")
        })?),
    };
    cx.shared.in_region(P, cx.region, &RULES, |rs, _| {
        let missing = rs.instances.missing(&ids);
        if !missing.is_empty() {
            return Err(not_found(&missing));
        }
        let keep = |i: &Instance| {
            filters
                .iter()
                .all(|(name, values)| filter_match(i, name, values) == Some(true))
        };
        // Without MaxResults EC2 answers every match in one page.
        let size = max.map_or(usize::MAX, |m| usize::try_from(m).unwrap_or(1000));
        let start = cursor.as_ref().map_or(Start::Offset(0), Start::At);
        let listing = rs.instances.page(
            (!ids.is_empty()).then_some(ids.as_slice()),
            (!filters.is_empty()).then_some(&keep as &dyn Fn(&Instance) -> bool),
            start,
            size,
            false,
        );
        let page = listing.items;
        let mut out = String::from("<reservationSet>");
        let mut i = 0;
        while i < page.len() {
            let r = &page[i].reservation_id;
            let mut items = String::new();
            while i < page.len() && page[i].reservation_id == *r {
                items.push_str(&instance_xml(page[i]));
                i += 1;
            }
            let _ = write!(out, "<item>{}</item>", reservation_xml(r, &items));
        }
        out.push_str("</reservationSet>");
        // "null when there are no more items to return": an exactly full last page has none.
        if let Some(next) = listing.next {
            let _ = write!(out, "<nextToken>{}</nextToken>", next.token());
        }
        Ok(out)
    })
}

/// Start, Stop and TerminateInstances: `instancesSet` of current and previous states.
fn change(cx: &Ctx<'_>, p: &Query, action: &str, op: Lifecycle) -> Result<String, ApiError> {
    p.dry_run()?;
    let ids = p.list("InstanceId");
    if ids.is_empty() {
        p.required("InstanceId.1")?;
    }
    check_ids(&ids)?;
    cx.shared.in_region(P, cx.region, &RULES, |rs, now| {
        let changes = rs
            .instances
            .change(&ids, op, &RULES, cx.caller(action, now))
            .map_err(|refusal| match refusal {
                Refusal::NotFound(missing) => not_found(&missing),
                Refusal::State { id, .. } => ApiError::new(
                    400,
                    "IncorrectInstanceState",
                    format!(
                        "The instance '{id}' is not in a state from which it can be {}.",
                        if op == Lifecycle::Start {
                            "started"
                        } else {
                            "stopped"
                        }
                    ),
                ),
            })?;
        let mut out = String::from("<instancesSet>");
        for c in changes {
            let _ = write!(
                out,
                "<item><instanceId>{}</instanceId>{}{}</item>",
                x(&c.id),
                state_xml("currentState", c.current),
                state_xml("previousState", c.previous)
            );
        }
        out.push_str("</instancesSet>");
        Ok(out)
    })
}

fn state_xml(tag: &str, s: InstanceState) -> String {
    format!(
        "<{tag}><code>{}</code><name>{}</name></{tag}>",
        aws_code(s),
        aws_name(s)
    )
}

fn instance_xml(i: &Instance) -> String {
    let mut tags = String::new();
    for (k, v) in &i.tags {
        let _ = write!(
            tags,
            "<item><key>{}</key><value>{}</value></item>",
            x(k),
            x(v)
        );
    }
    let dns = format!("ip-{}.ec2.internal", i.private_ip.replace('.', "-"));
    let reason = match i.state {
        InstanceState::Stopped | InstanceState::Stopping => {
            "<stateReason><code>Client.UserInitiatedShutdown</code><message>Client.UserInitiatedShutdown: User initiated shutdown</message></stateReason>"
        }
        InstanceState::Terminated | InstanceState::ShuttingDown => {
            "<stateReason><code>Client.UserInitiatedShutdown</code><message>Client.UserInitiatedShutdown: User initiated shutdown</message></stateReason>"
        }
        _ => "",
    };
    format!(
        "<item><instanceId>{id}</instanceId><imageId>{image}</imageId>{state}<privateDnsName>{dns}</privateDnsName><dnsName/><reason/><amiLaunchIndex>0</amiLaunchIndex><productCodes/><instanceType>{itype}</instanceType><launchTime>{launch}</launchTime><placement><availabilityZone>{zone}</availabilityZone><groupName/><tenancy>default</tenancy></placement><monitoring><state>disabled</state></monitoring><subnetId>{subnet}</subnetId><vpcId>{vpc}</vpcId><privateIpAddress>{ip}</privateIpAddress><sourceDestCheck>true</sourceDestCheck><groupSet/>{reason}<architecture>x86_64</architecture><rootDeviceType>ebs</rootDeviceType><rootDeviceName>/dev/xvda</rootDeviceName><blockDeviceMapping/><virtualizationType>hvm</virtualizationType><clientToken>{token}</clientToken><tagSet>{tags}</tagSet><hypervisor>xen</hypervisor><networkInterfaceSet/><ebsOptimized>false</ebsOptimized></item>",
        id = x(&i.id),
        image = x(&i.image_id),
        state = state_xml("instanceState", i.state),
        itype = x(&i.instance_type),
        launch = iso8601_millis(i.created),
        zone = x(&i.zone),
        subnet = x(&i.subnet_id),
        vpc = x(&i.vpc_id),
        ip = x(&i.private_ip),
        token = x(&i.client_token),
    )
}

fn reservation_xml(reservation: &str, items: &str) -> String {
    format!(
        "<reservationId>{}</reservationId><ownerId>{AWS_ACCOUNT}</ownerId><groupSet/><instancesSet>{items}</instancesSet>",
        x(reservation)
    )
}

fn filter_match(i: &Instance, name: &str, values: &[String]) -> Option<bool> {
    let field: String = match name {
        "instance-state-name" => aws_name(i.state).to_owned(),
        "instance-state-code" => aws_code(i.state).to_string(),
        "instance-id" => i.id.clone(),
        "instance-type" => i.instance_type.clone(),
        "vpc-id" => i.vpc_id.clone(),
        "subnet-id" => i.subnet_id.clone(),
        "image-id" => i.image_id.clone(),
        "availability-zone" => i.zone.clone(),
        "private-ip-address" => i.private_ip.clone(),
        "client-token" => i.client_token.clone(),
        "reservation-id" => i.reservation_id.clone(),
        "tag-key" => {
            return Some(
                i.tags
                    .iter()
                    .any(|(k, _)| values.iter().any(|v| glob(v, k))),
            );
        }
        "tag-value" => {
            return Some(
                i.tags
                    .iter()
                    .any(|(_, tv)| values.iter().any(|v| glob(v, tv))),
            );
        }
        other => {
            let key = other.strip_prefix("tag:")?;
            return Some(
                i.tags
                    .iter()
                    .any(|(k, tv)| k == key && values.iter().any(|v| glob(v, tv))),
            );
        }
    };
    Some(values.iter().any(|v| glob(v, &field)))
}

/// EC2 filter values accept `*` (any run) and `?` (one character).
///
/// Greedy matching that backtracks only to the most recent `*`: at most
/// `pattern.len() × text.len()` steps, whatever the pattern (a recursive matcher takes
/// exponential time on `*a*a*a…b` against a long run of `a`).
pub(super) fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    // Where the last `*` was, and the text position it is currently standing for.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(c) if *c == '?' || *c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    // Let the last `*` swallow one more character and retry after it.
                    star = Some((sp, st + 1));
                    pi = sp + 1;
                    ti = st + 1;
                }
                None => return false,
            },
        }
    }
    p[pi.min(p.len())..].iter().all(|c| *c == '*')
}

fn check_ids(ids: &[String]) -> Result<(), ApiError> {
    if let Some(bad) = ids.iter().find(|i| {
        !(i.starts_with("i-") && i.len() > 2 && i[2..].bytes().all(|b| b.is_ascii_alphanumeric()))
    }) {
        return Err(ApiError::new(
            400,
            "InvalidInstanceID.Malformed",
            format!("Invalid id: \"{bad}\""),
        ));
    }
    Ok(())
}

fn not_found(ids: &[String]) -> ApiError {
    let list = ids
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join("', '");
    ApiError::new(
        400,
        "InvalidInstanceID.NotFound",
        if ids.len() == 1 {
            format!("The instance ID '{list}' does not exist")
        } else {
            format!("The instance IDs '{list}' do not exist")
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("web*", "web-1"));
        assert!(glob("w?b", "web"));
        assert!(!glob("web", "web-1"));
        assert!(glob("*", ""));
        assert!(glob("", ""));
        assert!(!glob("", "a"));
        assert!(!glob("?", ""));
        assert!(glob("a*b*c", "aXbYbZc"));
        assert!(!glob("a*b*c", "aXbYbZ"));
        assert!(glob("*-1", "web-1-1"));
        assert!(glob("w*?", "web"));
        assert!(!glob("w*??", "we"));
        let long = "a".repeat(64);
        assert!(!glob(&format!("{}b", "*a".repeat(20)), &long));
        assert!(glob(&format!("{}a", "*a".repeat(20)), &long));
    }
}
