//! ECS `2014-05-26`: instances (`DescribeInstances` with page-number and token paging,
//! `RunInstances`, `StartInstances`, `StopInstances`, `DeleteInstances`), on the shared
//! instance model.

use serde_json::{Map, Value, json};

use super::{Handler, P, Rpc, Service};
use crate::auth::ApiError;
use crate::model::compute::{
    Cursor, Instance, InstanceState, Lifecycle, Refusal, Rules, Start, Verdict,
};
use crate::model::network::OnTargetGone;
use crate::model::tokens::TokenRecord;
use crate::server::Ctx;
use crate::util::{LOWER_ALNUM, iso8601_minutes, random_from};

/// ECS as the emulator serves it.
pub(crate) const SERVICE: Service = Service {
    product: "Ecs",
    version: "2014-05-26",
    actions: ACTIONS,
};

const ACTIONS: &[(&str, Handler)] = &[
    ("DescribeInstances", describe_instances),
    ("RunInstances", run_instances),
    ("StartInstances", |cx, p| {
        change(cx, p, "StartInstances", Lifecycle::Start)
    }),
    ("StopInstances", |cx, p| {
        change(cx, p, "StopInstances", Lifecycle::Stop)
    }),
    ("DeleteInstances", |cx, p| {
        let force = p.flag("Force");
        change(cx, p, "DeleteInstances", Lifecycle::Destroy { force })
    }),
];

/// ECS's lifecycle: start only from stopped, stop only from running; delete only stopped
/// instances unless forced, then from every state but gone; deleted instances vanish.
pub(crate) const RULES: Rules = Rules {
    verdict: |op, state| {
        use InstanceState as S;
        match (op, state) {
            (Lifecycle::Start, S::Stopped)
            | (Lifecycle::Stop, S::Running)
            | (Lifecycle::Destroy { force: false }, S::Stopped) => Verdict::Apply,
            (Lifecycle::Destroy { force: true }, s) if !s.is_gone() => Verdict::Apply,
            _ => Verdict::Refuse,
        }
    },
    keeps_terminated: false,
    // Unverified: the VPC API reference documents route entry `Status` values (Pending,
    // Available, Modifying, ...) but not what a route entry whose next-hop instance is
    // released turns into, so the entry stays as it was (`Available`, same `NextHopId`).
    routes_to_gone_instances: OnTargetGone::Keep,
};

/// The ECS `Status`.
fn alibaba_name(s: InstanceState) -> &'static str {
    match s {
        InstanceState::Pending => "Pending",
        InstanceState::Starting => "Starting",
        InstanceState::Running => "Running",
        InstanceState::Stopping => "Stopping",
        InstanceState::Stopped => "Stopped",
        InstanceState::ShuttingDown | InstanceState::Terminated => "Deleted",
    }
}

/// A field of an instance an equality filter compares.
type Field = fn(&Instance) -> &str;

fn describe_instances(_cx: &Ctx<'_>, p: &Rpc) -> Result<Map<String, Value>, ApiError> {
    let region = p.required("RegionId")?;
    let ids = p.json_list("InstanceIds")?;
    if ids.as_ref().is_some_and(|ids| ids.len() > 100) {
        return Err(ApiError::new(
            400,
            "InvalidParameter.InstanceIds",
            "InstanceIds holds more than 100 ids.",
        ));
    }
    let ips = p.json_list("PrivateIpAddresses")?;
    let token_mode = p.get("NextToken").is_some() || p.get("MaxResults").is_some();
    // NextToken paging resumes at a cursor (`Cursor::token`); PageNumber paging at an offset.
    let (cursor, offset, size, page_number) = if token_mode {
        let size = p.int("MaxResults", 10, 1..=100)?;
        let cursor = match p.get("NextToken") {
            None | Some("") => None,
            Some(t) => Some(Cursor::from_token(t).ok_or_else(|| {
                ApiError::new(
                    400,
                    "InvalidParameter.NextToken",
                    "The specified NextToken is not valid.",
                )
            })?),
        };
        (cursor, 0, size, 1)
    } else {
        let number = p.int("PageNumber", 1, 1..=i64::from(i32::MAX))?;
        let size = p.int("PageSize", 10, 1..=100)?;
        (None, (number - 1).saturating_mul(size), size, number)
    };
    let fields: [(&str, Field); 5] = [
        ("ZoneId", |i| &i.zone),
        ("VpcId", |i| &i.vpc_id),
        ("VSwitchId", |i| &i.subnet_id),
        ("InstanceType", |i| &i.instance_type),
        ("ImageId", |i| &i.image_id),
    ];
    let wanted: Vec<(Field, &str)> = fields
        .iter()
        .filter_map(|(param, field)| Some((*field, p.get(param)?)))
        .collect();
    let tags = p.tags();
    let status = p.get("Status");
    let name = p.get("InstanceName");
    let filtered = ips.is_some()
        || status.is_some()
        || name.is_some()
        || !wanted.is_empty()
        || !tags.is_empty();
    let keep = |i: &Instance| {
        ips.as_ref().is_none_or(|ips| ips.contains(&i.private_ip))
            && status.is_none_or(|v| alibaba_name(i.state) == v)
            && name.is_none_or(|v| match v.strip_suffix('*') {
                Some(prefix) => i.name.starts_with(prefix),
                None => i.name == v,
            })
            && wanted.iter().all(|(field, v)| field(i) == *v)
            && tags.iter().all(|(k, v)| {
                i.tags
                    .iter()
                    .any(|(tk, tv)| tk == k && (v.is_empty() || tv == v))
            })
    };
    _cx.shared.in_region(P, region, &RULES, |rs, _| {
        let start = match &cursor {
            Some(c) => Start::At(c),
            None => Start::Offset(usize::try_from(offset).unwrap_or(usize::MAX)),
        };
        let listing = rs.instances.page(
            ids.as_deref(),
            filtered.then_some(&keep as &dyn Fn(&Instance) -> bool),
            start,
            usize::try_from(size).unwrap_or(10),
            true,
        );
        let page: Vec<Value> = listing.items.into_iter().map(instance_json).collect();
        // "If NextToken is empty, no next page exists": an exactly full last page has none.
        let next = match listing.next {
            Some(c) if token_mode => c.token(),
            _ => String::new(),
        };
        let mut out = Map::new();
        out.insert("TotalCount".into(), json!(listing.total.unwrap_or(0)));
        out.insert("PageNumber".into(), json!(page_number));
        out.insert("PageSize".into(), json!(size));
        out.insert("NextToken".into(), json!(next));
        out.insert("Instances".into(), json!({ "Instance": page }));
        Ok(out)
    })
}

fn run_instances(cx: &Ctx<'_>, p: &Rpc) -> Result<Map<String, Value>, ApiError> {
    let region = p.required("RegionId")?.to_owned();
    let image = p.required("ImageId")?.to_owned();
    let itype = p.required("InstanceType")?.to_owned();
    let amount = p.int("Amount", 1, 1..=100)?;
    if p.flag("DryRun") {
        return Err(ApiError::new(
            400,
            "DryRunOperation",
            "Request validation has been passed with DryRun flag set.",
        ));
    }
    let fingerprint = p.0.fingerprint(&[
        "Signature",
        "SignatureNonce",
        "Timestamp",
        "AccessKeyId",
        "SecurityToken",
    ]);
    let token = p.get("ClientToken").map(str::to_owned);
    let zone = p
        .get("ZoneId")
        .map_or_else(|| format!("{region}-i"), str::to_owned);
    let tags = p.tags();
    let seq_base = cx.shared.world.next_seq();
    cx.shared.in_region(P, &region, &RULES, |rs, now| {
        let ttl = cx.shared.token_ttl;
        let mut out = Map::new();
        let replay = rs
            .tokens
            .replay("RunInstances", token.as_deref(), &fingerprint, now, ttl)
            .map_err(|_| {
                ApiError::new(
                    400,
                    "IdempotentParameterMismatch",
                    "The specified parameters are different from before with the same ClientToken.",
                )
            })?;
        if let Some(rec) = replay {
            out.insert("InstanceIdSets".into(), json!({ "InstanceIdSet": rec.ids }));
            out.insert("OrderId".into(), json!(rec.group_id));
            out.insert("TradePrice".into(), json!(0.0));
            return Ok(out);
        }
        let placed = place(rs, p, &zone, amount)?;
        let order = format!("2{}", random_from(b"0123456789", 14));
        let caller = cx.caller("RunInstances", now);
        let mut ids = Vec::new();
        for n in 0..amount {
            let id = format!("i-{}", random_from(LOWER_ALNUM, 20));
            let seq = seq_base * 1000 + u64::try_from(n).unwrap_or(0);
            let mut inst = Instance::template(P, &region, &id);
            inst.zone = zone.clone();
            inst.name = p.get("InstanceName").unwrap_or(&id).to_owned();
            inst.image_id = image.clone();
            inst.instance_type = itype.clone();
            inst.private_ip = format!("172.16.{}.{}", (seq / 250) % 250, seq % 250 + 4);
            if let Some((vpc, vsw, zone, ips)) = &placed {
                inst.vpc_id = vpc.clone();
                inst.subnet_id = vsw.clone();
                inst.zone = zone.clone();
                if let Some(ip) = ips.get(usize::try_from(n).unwrap_or(0)) {
                    inst.private_ip = ip.clone();
                }
            }
            inst.tags = tags.clone();
            inst.client_token = token.clone().unwrap_or_default();
            inst.reservation_id = order.clone();
            inst.seq = seq;
            rs.instances.launch(inst, caller);
            ids.push(id);
        }
        if let Some(t) = token {
            let record = TokenRecord {
                fingerprint,
                ids: ids.clone(),
                group_id: order.clone(),
            };
            rs.tokens.insert("RunInstances", t, record, now, ttl);
        }
        out.insert("InstanceIdSets".into(), json!({ "InstanceIdSet": ids }));
        out.insert("OrderId".into(), json!(order));
        out.insert("TradePrice".into(), json!(0.0));
        Ok(out)
    })
}

/// Where `VSwitchId` puts `amount` new instances: the vSwitch's VPC and zone, and a private
/// address each from its CIDR block (`PrivateIpAddress` for a single instance, else the next
/// free ones). `None` without `VSwitchId` (the emulator's default VPC and vSwitch then). Nothing
/// is used up on a refusal.
#[allow(clippy::type_complexity)]
fn place(
    rs: &mut crate::model::Region,
    p: &Rpc,
    zone: &str,
    amount: i64,
) -> Result<Option<(String, String, String, Vec<String>)>, ApiError> {
    let Some(vsw) = p.get("VSwitchId") else {
        return Ok(None);
    };
    let subnet = rs.networks.subnets.get(vsw).cloned().ok_or_else(|| {
        ApiError::new(
            404,
            "InvalidVSwitchId.NotFound",
            format!("The specified vSwitch {vsw} does not exist."),
        )
    })?;
    if p.get("ZoneId").is_some() && subnet.zone != zone {
        return Err(ApiError::new(
            400,
            "InvalidParameter.Mismatch",
            format!(
                "The vSwitch {vsw} is in zone {}, not in {zone}.",
                subnet.zone
            ),
        ));
    }
    let used: std::collections::HashSet<String> = rs
        .instances
        .list()
        .into_iter()
        .filter(|i| !i.state.is_gone() && i.vpc_id == subnet.vpc_id)
        .map(|i| i.private_ip.clone())
        .collect();
    let mut ips = Vec::new();
    if let Some(ip) = p.get("PrivateIpAddress") {
        let inside = format!("{ip}/32")
            .parse::<crate::model::network::Cidr>()
            .is_ok_and(|c| c.within(&subnet.cidr));
        if amount != 1 || !inside {
            return Err(ApiError::new(
                400,
                "InvalidPrivateIpAddress.Malformed",
                format!(
                    "The private IP {ip} is not an address of vSwitch {vsw} (or Amount is not 1)."
                ),
            ));
        }
        if used.contains(ip) {
            return Err(ApiError::new(
                400,
                "InvalidPrivateIpAddress.Duplicated",
                format!("The private IP {ip} is already in use."),
            ));
        }
        ips.push(ip.to_owned());
    }
    let before = subnet.allocated;
    while i64::try_from(ips.len()).unwrap_or(i64::MAX) < amount {
        match rs
            .networks
            .allocate_free_ip(vsw, &|a| used.contains(&a.to_string()))
        {
            Ok(ip) => ips.push(ip.to_string()),
            Err(_) => {
                if let Some(s) = rs.networks.subnets.get_mut(vsw) {
                    s.allocated = before;
                }
                return Err(ApiError::new(
                    400,
                    "InvalidVSwitchId.IpNotEnough",
                    format!("The vSwitch {vsw} has too few free private IP addresses."),
                ));
            }
        }
    }
    Ok(Some((subnet.vpc_id, subnet.id, subnet.zone, ips)))
}

/// Start, Stop and DeleteInstances: all or nothing; Start/Stop list each instance's change.
fn change(
    cx: &Ctx<'_>,
    p: &Rpc,
    action: &str,
    op: Lifecycle,
) -> Result<Map<String, Value>, ApiError> {
    let region = p.required("RegionId")?;
    let ids = p.list("InstanceId");
    if ids.is_empty() {
        p.required("InstanceId.1")?;
    }
    if ids.len() > 100 {
        return Err(ApiError::new(
            400,
            "InvalidParameter.InstanceIds",
            "At most 100 instance ids are allowed.",
        ));
    }
    cx.shared.in_region(P, region, &RULES, |rs, now| {
        let changes = rs
            .instances
            .change(&ids, op, &RULES, cx.caller(action, now))
            .map_err(|refusal| match refusal {
                Refusal::NotFound(missing) => ApiError::new(
                    404,
                    "InvalidInstanceId.NotFound",
                    format!("The specified InstanceId does not exist: {missing:?}."),
                ),
                Refusal::State { id, state } => ApiError::new(
                    403,
                    "IncorrectInstanceStatus",
                    format!(
                        "The current status of the resource does not support this operation: {id} is {}.",
                        alibaba_name(state)
                    ),
                ),
            })?;
        let mut out = Map::new();
        if !matches!(op, Lifecycle::Destroy { .. }) {
            let responses: Vec<Value> = changes
                .iter()
                .map(|c| {
                    json!({
                        "InstanceId": c.id,
                        "Code": "200",
                        "Message": "success",
                        "PreviousStatus": alibaba_name(c.previous),
                        "CurrentStatus": alibaba_name(c.current),
                    })
                })
                .collect();
            out.insert(
                "InstanceResponses".into(),
                json!({ "InstanceResponse": responses }),
            );
        }
        Ok(out)
    })
}

/// The ECS `Instance` structure.
fn instance_json(i: &Instance) -> Value {
    json!({
        "InstanceId": i.id,
        "InstanceName": i.name,
        "HostName": i.id,
        "Description": "",
        "Status": alibaba_name(i.state),
        "InstanceType": i.instance_type,
        "InstanceTypeFamily": i.instance_type.rsplitn(2, '.').last().unwrap_or_default(),
        "RegionId": i.region,
        "ZoneId": i.zone,
        "ImageId": i.image_id,
        "OSName": "Alibaba Cloud Linux  3.2104 LTS 64位",
        "OSType": "linux",
        "Cpu": 2,
        "Memory": 8192,
        "InstanceNetworkType": "vpc",
        "VpcAttributes": {
            "VpcId": i.vpc_id,
            "VSwitchId": i.subnet_id,
            "PrivateIpAddress": {"IpAddress": [i.private_ip]},
            "NatIpAddress": "",
        },
        "PublicIpAddress": {"IpAddress": []},
        "InnerIpAddress": {"IpAddress": []},
        "EipAddress": {"AllocationId": "", "IpAddress": "", "InternetChargeType": ""},
        "SecurityGroupIds": {"SecurityGroupId": []},
        "Tags": {"Tag": i.tags.iter().map(|(k, v)| json!({"TagKey": k, "TagValue": v})).collect::<Vec<_>>()},
        "CreationTime": iso8601_minutes(i.created),
        "StartTime": iso8601_minutes(i.created),
        "ExpiredTime": "2099-12-31T15:59Z",
        "InstanceChargeType": "PostPaid",
        "InternetChargeType": "PayByTraffic",
        "SerialNumber": crate::util::sha256_hex(i.id.as_bytes()).get(..32).unwrap_or_default(),
        "StoppedMode": if i.state == InstanceState::Stopped { "KeepCharging" } else { "Not-applicable" },
        "DeletionProtection": false,
    })
}
