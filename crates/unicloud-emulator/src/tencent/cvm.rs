//! CVM `2017-03-12`: instances (`DescribeInstances` with filters and offset paging,
//! `RunInstances`, `StartInstances`, `StopInstances`, `TerminateInstances`), on the shared
//! instance model.

use serde_json::{Map, Value, json};
use unicloud_tencent::generated::cvm;

use super::{Handler, P, Service, required_region, typed};
use crate::auth::ApiError;
use crate::model::compute::{Instance, InstanceState, Lifecycle, Refusal, Rules, Start, Verdict};
use crate::model::network::{Cidr, OnTargetGone};
use crate::model::tokens::TokenRecord;
use crate::server::Ctx;
use crate::util::{LOWER_ALNUM, iso8601, random_from};

/// CVM as the emulator serves it.
pub(crate) const SERVICE: Service = Service {
    name: "cvm",
    actions: ACTIONS,
};

const ACTIONS: &[(&str, Handler)] = &[
    ("DescribeInstances", describe_instances),
    ("RunInstances", run_instances),
    ("StartInstances", |cx, p| {
        let ids = typed::<cvm::StartInstancesRequest>(p)?.instance_ids;
        change(cx, ids, "StartInstances", Lifecycle::Start)
    }),
    ("StopInstances", |cx, p| {
        let ids = typed::<cvm::StopInstancesRequest>(p)?.instance_ids;
        change(cx, ids, "StopInstances", Lifecycle::Stop)
    }),
    ("TerminateInstances", |cx, p| {
        let ids = typed::<cvm::TerminateInstancesRequest>(p)?.instance_ids;
        change(
            cx,
            ids,
            "TerminateInstances",
            Lifecycle::Destroy { force: false },
        )
    }),
];

/// CVM's lifecycle: each operation only from its one source state (terminate from running or
/// stopped); destroyed instances vanish.
pub(crate) const RULES: Rules = Rules {
    verdict: |op, state| {
        use InstanceState as S;
        match (op, state) {
            (Lifecycle::Start, S::Stopped)
            | (Lifecycle::Stop, S::Running)
            | (Lifecycle::Destroy { .. }, S::Running | S::Stopped) => Verdict::Apply,
            _ => Verdict::Refuse,
        }
    },
    keeps_terminated: false,
    // Unverified: neither the VPC API reference (Route has no state field, only `Enabled`)
    // nor the route-table guides say what becomes of a `NORMAL_CVM` route whose instance is
    // terminated, so the route stays as it was and keeps naming the instance's private IP.
    routes_to_gone_instances: OnTargetGone::Keep,
};

/// The CVM `InstanceState`.
fn tencent_name(s: InstanceState) -> &'static str {
    match s {
        InstanceState::Pending => "PENDING",
        InstanceState::Starting => "STARTING",
        InstanceState::Running => "RUNNING",
        InstanceState::Stopping => "STOPPING",
        InstanceState::Stopped => "STOPPED",
        InstanceState::ShuttingDown | InstanceState::Terminated => "TERMINATING",
    }
}

/// The state as it appears in `UnsupportedOperation.InstanceState…` codes.
fn camel_name(s: InstanceState) -> &'static str {
    match s {
        InstanceState::Pending => "Pending",
        InstanceState::Starting => "Starting",
        InstanceState::Running => "Running",
        InstanceState::Stopping => "Stopping",
        InstanceState::Stopped => "Stopped",
        InstanceState::ShuttingDown | InstanceState::Terminated => "Terminating",
    }
}

const FILTERS: [&str; 13] = [
    "zone",
    "instance-id",
    "instance-name",
    "instance-state",
    "instance-type",
    "private-ip-address",
    "vpc-id",
    "subnet-id",
    "image-id",
    "tag-key",
    "tag-value",
    "project-id",
    "instance-charge-type",
];

fn describe_instances(cx: &Ctx<'_>, params: Value) -> Result<Map<String, Value>, ApiError> {
    let region = required_region(cx)?;
    let req: cvm::DescribeInstancesRequest = typed(params)?;
    let offset = req.offset.unwrap_or(0);
    let limit = req.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) || offset < 0 {
        return Err(ApiError::new(
            200,
            "InvalidParameterValue.LimitExceeded",
            "Limit must be between 1 and 100 and Offset non-negative.",
        ));
    }
    if req.instance_ids.is_some() && req.filters.is_some() {
        return Err(ApiError::new(
            200,
            "InvalidParameterCombination",
            "InstanceIds and Filters cannot be given together.",
        ));
    }
    if req.instance_ids.as_ref().is_some_and(|ids| ids.len() > 100) {
        return Err(ApiError::new(
            200,
            "InvalidParameterValue.LimitExceeded",
            "InstanceIds holds more than 100 ids.",
        ));
    }
    if let Some(f) = req
        .filters
        .iter()
        .flatten()
        .find(|f| !FILTERS.contains(&f.name.as_str()) && !f.name.starts_with("tag:"))
    {
        return Err(ApiError::new(
            200,
            "InvalidFilter",
            format!("The filter `{}` is not supported.", f.name),
        ));
    }
    cx.shared.in_region(P, region, &RULES, |rs, _| {
        let keep = |i: &Instance| {
            req.filters
                .iter()
                .flatten()
                .all(|f| f.values.iter().any(|v| filter_match(i, &f.name, v)))
        };
        let filtered = req.filters.as_ref().is_some_and(|f| !f.is_empty());
        let listing = rs.instances.page(
            req.instance_ids.as_deref(),
            filtered.then_some(&keep as &dyn Fn(&Instance) -> bool),
            Start::Offset(usize::try_from(offset).unwrap_or(usize::MAX)),
            usize::try_from(limit).unwrap_or(100),
            true,
        );
        let page: Vec<Value> = listing.items.into_iter().map(instance_json).collect();
        let mut out = Map::new();
        out.insert("TotalCount".into(), json!(listing.total.unwrap_or(0)));
        out.insert("InstanceSet".into(), Value::Array(page));
        Ok(out)
    })
}

fn run_instances(cx: &Ctx<'_>, params: Value) -> Result<Map<String, Value>, ApiError> {
    let region = required_region(cx)?;
    let req: cvm::RunInstancesRequest = typed(params)?;
    let zone = req
        .placement
        .as_ref()
        .and_then(|p| p.zone.clone())
        .ok_or_else(|| {
            ApiError::new(
                200,
                "MissingParameter",
                "The request is missing a required parameter `Placement.Zone`.",
            )
        })?;
    let image = req.image_id.clone().ok_or_else(|| {
        ApiError::new(
            200,
            "MissingParameter",
            "The request is missing a required parameter `ImageId`.",
        )
    })?;
    let count = req.instance_count.unwrap_or(1);
    if !(1..=100).contains(&count) {
        return Err(ApiError::new(
            200,
            "InvalidParameterValue",
            "InstanceCount must be between 1 and 100.",
        ));
    }
    if req.dry_run == Some(true) {
        return Err(ApiError::new(
            200,
            "DryRunOperation",
            "The request would have succeeded, but DryRun was set.",
        ));
    }
    let fingerprint = serde_json::to_string(&req).unwrap_or_default();
    let token = req.client_token.clone().filter(|t| !t.is_empty());
    let vpc = req.virtual_private_cloud.clone().unwrap_or_default();
    let tags: Vec<(String, String)> = req
        .tag_specification
        .iter()
        .flatten()
        .filter(|s| s.resource_type == "instance")
        .flat_map(|s| s.tags.iter())
        .map(|t| {
            (
                t.key.clone().unwrap_or_default(),
                t.value.clone().unwrap_or_default(),
            )
        })
        .collect();
    let ips = vpc.private_ip_addresses.clone().unwrap_or_default();
    let seq_base = cx.shared.world.next_seq();
    cx.shared.in_region(P, region, &RULES, |rs, now| {
        let ttl = cx.shared.token_ttl;
        let mut out = Map::new();
        let replay = rs
            .tokens
            .replay("RunInstances", token.as_deref(), &fingerprint, now, ttl)
            .map_err(|_| {
                ApiError::new(
                    200,
                    "InvalidParameterValue.ClientTokenConflict",
                    "The ClientToken was already used with different parameters.",
                )
            })?;
        if let Some(rec) = replay {
            out.insert("InstanceIdSet".into(), json!(rec.ids));
            return Ok(out);
        }
        let placed = place(rs, &vpc, &zone, &ips, count)?;
        let caller = cx.caller("RunInstances", now);
        let mut ids = Vec::new();
        for n in 0..count {
            let id = format!("ins-{}", random_from(LOWER_ALNUM, 8));
            let seq = seq_base * 1000 + u64::try_from(n).unwrap_or(0);
            let mut inst = Instance::template(P, region, &id);
            inst.zone = zone.clone();
            inst.name = req
                .instance_name
                .clone()
                .unwrap_or_else(|| "未命名".to_owned());
            inst.image_id = image.clone();
            inst.instance_type = req
                .instance_type
                .clone()
                .unwrap_or_else(|| "S1.SMALL1".to_owned());
            match &placed {
                Some((vpc_id, subnet_id, addrs)) => {
                    inst.vpc_id = vpc_id.clone();
                    inst.subnet_id = subnet_id.clone();
                    inst.private_ip = addrs
                        .get(usize::try_from(n).unwrap_or(0))
                        .cloned()
                        .unwrap_or_else(|| private_ip(seq));
                }
                None => {
                    inst.private_ip = ips
                        .get(usize::try_from(n).unwrap_or(0))
                        .cloned()
                        .unwrap_or_else(|| private_ip(seq))
                }
            }
            inst.tags = tags.clone();
            inst.client_token = req.client_token.clone().unwrap_or_default();
            inst.reservation_id = cx.request_id.to_owned();
            inst.seq = seq;
            rs.instances.launch(inst, caller);
            ids.push(id);
        }
        if let Some(t) = token {
            let record = TokenRecord {
                fingerprint,
                ids: ids.clone(),
                group_id: cx.request_id.to_owned(),
            };
            rs.tokens.insert("RunInstances", t, record, now, ttl);
        }
        out.insert("InstanceIdSet".into(), json!(ids));
        Ok(out)
    })
}

/// Where `VirtualPrivateCloud` puts `count` new instances: its VPC, its subnet and one
/// private address each (the ones asked for, else the subnet's next free ones). The VPC and
/// the subnet must exist, belong together and lie in the instances' zone; chosen addresses
/// must lie in the subnet and be free. `None` without `VirtualPrivateCloud` (the instances
/// then get the emulator's default VPC and subnet). Nothing is used up on a refusal.
#[allow(clippy::type_complexity)]
fn place(
    rs: &mut crate::model::Region,
    vpc: &cvm::VirtualPrivateCloud,
    zone: &str,
    ips: &[String],
    count: i64,
) -> Result<Option<(String, String, Vec<String>)>, ApiError> {
    if vpc.vpc_id.is_none() && vpc.subnet_id.is_none() {
        return Ok(None);
    }
    let missing = |name: &str| {
        ApiError::new(
            200,
            "MissingParameter",
            format!("The request is missing a required parameter `VirtualPrivateCloud.{name}`."),
        )
    };
    let vpc_id = vpc.vpc_id.clone().ok_or_else(|| missing("VpcId"))?;
    let subnet_id = vpc.subnet_id.clone().ok_or_else(|| missing("SubnetId"))?;
    if !rs.networks.vpcs.contains_key(&vpc_id) {
        return Err(ApiError::new(
            200,
            "InvalidParameterValue.VpcIdNotExist",
            format!("The VPC {vpc_id} does not exist."),
        ));
    }
    let subnet = rs
        .networks
        .subnets
        .get(&subnet_id)
        .cloned()
        .ok_or_else(|| {
            ApiError::new(
                200,
                "InvalidParameterValue.SubnetNotExist",
                format!("The subnet {subnet_id} does not exist."),
            )
        })?;
    if subnet.vpc_id != vpc_id {
        return Err(ApiError::new(
            200,
            "InvalidParameterValue.VpcIdSubnetIdNotMatch",
            format!("The subnet {subnet_id} is not in the VPC {vpc_id}."),
        ));
    }
    if subnet.zone != zone {
        return Err(ApiError::new(
            200,
            "InvalidParameterValue.SubnetIdZoneIdNotMatch",
            format!(
                "The subnet {subnet_id} is in {}, not in {zone}.",
                subnet.zone
            ),
        ));
    }
    let taken: std::collections::HashSet<String> = rs
        .instances
        .list()
        .into_iter()
        .filter(|i| !i.state.is_gone() && i.vpc_id == vpc_id)
        .map(|i| i.private_ip.clone())
        .chain(ips.iter().cloned())
        .collect();
    for ip in ips {
        let inside = ip
            .parse::<std::net::IpAddr>()
            .ok()
            .and_then(|a| format!("{a}/32").parse::<Cidr>().ok())
            .is_some_and(|c| c.within(&subnet.cidr));
        if !inside {
            return Err(ApiError::new(
                200,
                "VpcAddrNotInSubNet",
                format!("The address {ip} is not in the subnet {subnet_id}."),
            ));
        }
        let used = rs
            .instances
            .list()
            .into_iter()
            .any(|i| !i.state.is_gone() && i.vpc_id == vpc_id && i.private_ip == *ip);
        if used || ips.iter().filter(|x| *x == ip).count() > 1 {
            return Err(ApiError::new(
                200,
                "VpcIpIsUsed",
                format!("The address {ip} is already in use."),
            ));
        }
    }
    let mut addrs = ips.to_vec();
    let before = subnet.allocated;
    while i64::try_from(addrs.len()).unwrap_or(i64::MAX) < count {
        match rs
            .networks
            .allocate_free_ip(&subnet_id, &|a| taken.contains(&a.to_string()))
        {
            Ok(ip) => addrs.push(ip.to_string()),
            Err(_) => {
                if let Some(s) = rs.networks.subnets.get_mut(&subnet_id) {
                    s.allocated = before;
                }
                return Err(ApiError::new(
                    200,
                    "FailedOperation.NoAvailableIpAddressCountInSubnet",
                    format!("The subnet {subnet_id} has too few free addresses."),
                ));
            }
        }
    }
    Ok(Some((vpc_id, subnet_id, addrs)))
}

/// Start, Stop and TerminateInstances: all or nothing, an empty reply.
fn change(
    cx: &Ctx<'_>,
    ids: Vec<String>,
    action: &str,
    op: Lifecycle,
) -> Result<Map<String, Value>, ApiError> {
    let region = required_region(cx)?;
    check_ids(&ids)?;
    cx.shared.in_region(P, region, &RULES, |rs, now| {
        rs.instances
            .change(&ids, op, &RULES, cx.caller(action, now))
            .map_err(|refusal| match refusal {
                Refusal::NotFound(missing) => not_found(&missing),
                Refusal::State { id, state } => ApiError::new(
                    200,
                    format!("UnsupportedOperation.InstanceState{}", camel_name(state)),
                    format!(
                        "Instance {id} is {}; {action} is not allowed in this state.",
                        tencent_name(state)
                    ),
                ),
            })?;
        Ok(Map::new())
    })
}

fn not_found(ids: &[String]) -> ApiError {
    ApiError::new(
        200,
        "InvalidInstanceId.NotFound",
        format!("The instance ids {ids:?} do not exist."),
    )
}

fn check_ids(ids: &[String]) -> Result<(), ApiError> {
    if ids.is_empty() {
        return Err(ApiError::new(
            200,
            "MissingParameter",
            "The request is missing a required parameter `InstanceIds`.",
        ));
    }
    if ids.len() > 100 {
        return Err(ApiError::new(
            200,
            "InvalidParameterValue.LimitExceeded",
            "InstanceIds holds more than 100 ids.",
        ));
    }
    let bad: Vec<String> = ids
        .iter()
        .filter(|i| !(i.starts_with("ins-") && i.len() == 12))
        .cloned()
        .collect();
    if !bad.is_empty() {
        return Err(ApiError::new(
            200,
            "InvalidInstanceId.Malformed",
            format!("Malformed instance ids {bad:?}: expected `ins-xxxxxxxx`."),
        ));
    }
    Ok(())
}

fn private_ip(seq: u64) -> String {
    format!("10.0.{}.{}", (seq / 250) % 250, seq % 250 + 4)
}

fn filter_match(i: &Instance, name: &str, v: &str) -> bool {
    match name {
        "zone" => i.zone == v,
        "instance-id" => i.id == v,
        "instance-name" => i.name == v,
        "instance-state" => tencent_name(i.state) == v,
        "instance-type" => i.instance_type == v,
        "private-ip-address" => i.private_ip == v,
        "vpc-id" => i.vpc_id == v,
        "subnet-id" => i.subnet_id == v,
        "image-id" => i.image_id == v,
        "tag-key" => i.tags.iter().any(|(k, _)| k == v),
        "tag-value" => i.tags.iter().any(|(_, tv)| tv == v),
        "project-id" => v == "0",
        "instance-charge-type" => v == "POSTPAID_BY_HOUR",
        other => other
            .strip_prefix("tag:")
            .is_some_and(|key| i.tags.iter().any(|(k, tv)| k == key && tv == v)),
    }
}

/// The CVM `Instance` structure, with every field the documented examples show.
fn instance_json(i: &Instance) -> Value {
    let op_state = if i.pending.is_some() {
        "OPERATING"
    } else {
        "SUCCESS"
    };
    json!({
        "Placement": {"Zone": i.zone, "ProjectId": 0, "HostId": null, "HostIds": null},
        "InstanceId": i.id,
        "InstanceType": i.instance_type,
        "CPU": 2,
        "Memory": 4,
        "RestrictState": "NORMAL",
        "InstanceName": i.name,
        "InstanceChargeType": "POSTPAID_BY_HOUR",
        "SystemDisk": {"DiskType": "CLOUD_PREMIUM", "DiskId": format!("disk-{}", i.id.trim_start_matches("ins-")), "DiskSize": 50, "CdcId": null},
        "DataDisks": [{"DiskSize": 50, "DiskType": "CLOUD_PREMIUM", "DiskId": format!("disk-d{}", i.id.trim_start_matches("ins-")), "DeleteWithInstance": true, "SnapshotId": null, "Encrypt": false, "KmsKeyId": null, "ThroughputPerformance": 0, "CdcId": null}],
        "PrivateIpAddresses": [i.private_ip],
        "PublicIpAddresses": [],
        "InternetAccessible": {"InternetChargeType": "TRAFFIC_POSTPAID_BY_HOUR", "InternetMaxBandwidthOut": 0, "PublicIpAssigned": false},
        "VirtualPrivateCloud": {"VpcId": i.vpc_id, "SubnetId": i.subnet_id, "AsVpcGateway": false, "PrivateIpAddresses": null, "Ipv6AddressCount": null},
        "ImageId": i.image_id,
        "RenewFlag": null,
        "CreatedTime": iso8601(i.created),
        "ExpiredTime": null,
        "OsName": "TencentOS Server 3.1 (TK4)",
        "SecurityGroupIds": [],
        "LoginSettings": {"KeyIds": []},
        "InstanceState": tencent_name(i.state),
        "Tags": i.tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect::<Vec<_>>(),
        "StopChargingMode": "NOT_APPLICABLE",
        "Uuid": uuid_for(&i.id),
        "LatestOperation": i.last_action,
        "LatestOperationState": op_state,
        "LatestOperationRequestId": i.last_request_id,
        "LatestOperationErrorMsg": null,
        "DisasterRecoverGroupId": "",
        "IPv6Addresses": null,
        "CamRoleName": "",
        "HpcClusterId": "",
        "RdmaIpAddresses": null,
        "DedicatedClusterId": "",
        "IsolatedSource": "NOTISOLATED",
        "GPUInfo": null,
        "LicenseType": "TencentCloud",
        "DisableApiTermination": false,
        "DefaultLoginUser": "root",
        "DefaultLoginPort": 22,
    })
}

fn uuid_for(id: &str) -> String {
    let h = crate::util::sha256_hex(id.as_bytes());
    format!(
        "{}-{}-4{}-8{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}
