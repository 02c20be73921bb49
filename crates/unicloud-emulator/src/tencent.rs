//! Tencent Cloud API 3.0: CVM 2017-03-12 compute and STS 2018-08-13, JSON in a `Response`
//! envelope, errors inside HTTP 200.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use unicloud_core::Provider;
use unicloud_tencent::generated::{cvm, sts};

use crate::auth::{ApiError, Principal, TENCENT_ACCOUNT, verify_tencent, verify_tencent_v1};
use crate::server::{Incoming, Shared, with_faults};
use crate::state::{Instance, InstanceState, TokenRecord, settle_region};
use crate::util::{LOWER_ALNUM, iso8601, parse_pairs, random_from, request_id, unix};

const P: Provider = Provider::Tencent;

/// The common parameters of a legacy v1 request (signature, routing and client metadata),
/// which are not the action's own parameters.
const V1_COMMON_PARAMS: [&str; 11] = [
    "Action",
    "Version",
    "Region",
    "Timestamp",
    "Nonce",
    "SecretId",
    "Signature",
    "SignatureMethod",
    "Token",
    "Language",
    "RequestClient",
];

/// Handles one Tencent request.
pub(crate) async fn handle(shared: &Shared, req: Incoming) -> Response {
    let rid = request_id();
    let err = |e: ApiError| error_response(&rid, &e);
    let (principal, action, region, params) = if req.header("x-tc-action").is_some() {
        let principal = match verify_tencent(&shared.keys, shared.now(), &req) {
            Ok(p) => p,
            Err(e) => return err(e),
        };
        let params = match params(&req) {
            Ok(p) => p,
            Err(e) => return err(e),
        };
        let header = |n: &str| req.header(n).unwrap_or_default().to_owned();
        (
            principal,
            header("x-tc-action"),
            header("x-tc-region"),
            params,
        )
    } else {
        // The legacy v1 signature: everything, `Action` and `Region` too, is a parameter.
        let (principal, pairs) = match verify_tencent_v1(&shared.keys, shared.now(), &req) {
            Ok(v) => v,
            Err(e) => return err(e),
        };
        let meta = |n: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let (action, region) = (meta("Action"), meta("Region"));
        let api: Vec<(String, String)> = pairs
            .into_iter()
            .filter(|(k, _)| !V1_COMMON_PARAMS.contains(&k.as_str()))
            .collect();
        match unflatten(&api) {
            Ok(params) => (principal, action, region, params),
            Err(e) => return err(e),
        }
    };
    let known = matches!(
        action.as_str(),
        "DescribeInstances"
            | "RunInstances"
            | "StartInstances"
            | "StopInstances"
            | "TerminateInstances"
            | "AssumeRole"
            | "GetCallerIdentity"
    );
    if !known {
        return err(ApiError::new(
            200,
            "InvalidAction",
            format!("The action `{action}` is not supported by the emulator."),
        ));
    }
    with_faults(
        shared,
        P,
        &action,
        err,
        ApiError::new(
            200,
            "RequestLimitExceeded",
            "Your current request times exceeds the limit, please try again later.",
        ),
        ApiError::new(
            500,
            "InternalError",
            "An internal error has occurred. Retry your request.",
        ),
        || match dispatch(shared, &action, &region, &principal, params, &rid) {
            Ok(body) => ok_response(&rid, body),
            Err(e) => error_response(&rid, &e),
        },
    )
    .await
}

fn dispatch(
    shared: &Shared,
    action: &str,
    region: &str,
    principal: &Principal,
    params: Value,
    rid: &str,
) -> Result<Map<String, Value>, ApiError> {
    match action {
        "AssumeRole" => assume_role(shared, params),
        "GetCallerIdentity" => Ok(caller_identity(principal)),
        _ => {
            if region.is_empty() {
                return Err(ApiError::new(
                    200,
                    "MissingParameter",
                    "The request is missing a required parameter `Region`.",
                ));
            }
            compute(shared, action, region, params, rid)
        }
    }
}

/// The request parameters as JSON: the POST body, or the flattened GET query rebuilt.
fn params(req: &Incoming) -> Result<Value, ApiError> {
    if req.method == "GET" {
        return unflatten(&parse_pairs(&req.query, true));
    }
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(ApiError::new(
            200,
            "InvalidParameter",
            "The request body is not a JSON object.",
        )),
    }
}

/// The largest list index a flattened parameter may use (`InstanceIds.999`): no CVM or STS
/// list is longer than 100, and a bigger index would only make the emulator allocate.
const MAX_LIST_INDEX: usize = 999;

/// Rebuilds `InstanceIds.0=a&Filters.0.Name=b` style pairs into JSON; an index above
/// [`MAX_LIST_INDEX`] is `InvalidParameterValue` (never a huge allocation).
pub(crate) fn unflatten(pairs: &[(String, String)]) -> Result<Value, ApiError> {
    let mut root = Value::Object(Map::new());
    for (k, v) in pairs {
        let segs: Vec<&str> = k.split('.').collect();
        if let Some(seg) = segs
            .iter()
            .find(|s| s.parse::<usize>().is_ok_and(|n| n > MAX_LIST_INDEX))
        {
            return Err(ApiError::new(
                200,
                "InvalidParameterValue",
                format!(
                    "The list index {seg} in parameter `{k}` is out of range (at most {MAX_LIST_INDEX})."
                ),
            ));
        }
        let mut cur = &mut root;
        for (i, seg) in segs.iter().enumerate() {
            let last = i + 1 == segs.len();
            let next_is_index = segs.get(i + 1).is_some_and(|s| s.parse::<usize>().is_ok());
            let fresh = || {
                if last {
                    v.parse::<i64>()
                        .map(Value::from)
                        .unwrap_or_else(|_| Value::String(v.clone()))
                } else if next_is_index {
                    Value::Array(Vec::new())
                } else {
                    Value::Object(Map::new())
                }
            };
            cur = match (seg.parse::<usize>(), cur) {
                (Ok(idx), Value::Array(arr)) => {
                    while arr.len() <= idx {
                        arr.push(Value::Null);
                    }
                    if arr[idx].is_null() || last {
                        arr[idx] = fresh();
                    }
                    &mut arr[idx]
                }
                (_, Value::Object(map)) => {
                    let e = map.entry((*seg).to_owned()).or_insert_with(fresh);
                    if last {
                        *e = fresh();
                    }
                    e
                }
                (_, other) => other,
            };
        }
    }
    Ok(root)
}

fn typed<T: serde::de::DeserializeOwned>(params: Value) -> Result<T, ApiError> {
    serde_json::from_value(params).map_err(|e| {
        let msg = e.to_string();
        if let Some(rest) = msg.strip_prefix("missing field `") {
            let name = rest.split('`').next().unwrap_or_default();
            ApiError::new(
                200,
                "MissingParameter",
                format!("The request is missing a required parameter `{name}`."),
            )
        } else {
            ApiError::new(
                200,
                "InvalidParameter",
                format!("Invalid parameter: {msg}."),
            )
        }
    })
}

fn ok_response(rid: &str, mut body: Map<String, Value>) -> Response {
    body.insert("RequestId".into(), Value::String(rid.to_owned()));
    json_response(StatusCode::OK, rid, &json!({ "Response": body }))
}

fn error_response(rid: &str, e: &ApiError) -> Response {
    let status = if e.status >= 500 {
        StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    } else {
        StatusCode::OK
    };
    json_response(
        status,
        rid,
        &json!({"Response": {"Error": {"Code": e.code, "Message": e.message}, "RequestId": rid}}),
    )
}

fn json_response(status: StatusCode, rid: &str, v: &Value) -> Response {
    let mut r = (status, v.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(h) = HeaderValue::from_str(rid) {
        r.headers_mut().insert("x-tc-requestid", h);
    }
    r
}

// ---------------------------------------------------------------------------------------------
// STS
// ---------------------------------------------------------------------------------------------

fn assume_role(shared: &Shared, params: Value) -> Result<Map<String, Value>, ApiError> {
    let req: sts::AssumeRoleRequest = typed(params)?;
    let secs = req.duration_seconds.unwrap_or(7200);
    if !(1..=43200).contains(&secs) {
        return Err(ApiError::new(
            200,
            "InvalidParameterValue",
            "DurationSeconds must be between 1 and 43200.",
        ));
    }
    if !req.role_arn.starts_with("qcs::cam::") {
        return Err(ApiError::new(
            200,
            "InvalidParameter.ParamError",
            "RoleArn must look like qcs::cam::uin/<uin>:roleName/<name>.",
        ));
    }
    let now = shared.now();
    let c = shared.keys.issue(
        P,
        now,
        Duration::from_secs(secs),
        &req.role_arn,
        &req.role_session_name,
    );
    let mut m = Map::new();
    m.insert(
        "Credentials".into(),
        json!({"Token": c.token, "TmpSecretId": c.access_key_id, "TmpSecretKey": c.secret}),
    );
    m.insert("ExpiredTime".into(), json!(unix(c.expires)));
    m.insert("Expiration".into(), json!(iso8601(c.expires)));
    Ok(m)
}

fn caller_identity(p: &Principal) -> Map<String, Value> {
    let (kind, user, arn) = match &p.role {
        Some((role, session)) => {
            let role_name = role.rsplit('/').next().unwrap_or_default();
            (
                "CAMRole",
                format!("{role_name}:{session}"),
                format!("qcs::sts:{}:assumed-role/{role_name}", p.account),
            )
        }
        None => (
            "CAMUser",
            TENCENT_ACCOUNT.to_owned(),
            format!("qcs::cam::uin/{}:uin/{}", p.account, p.account),
        ),
    };
    let mut m = Map::new();
    m.insert("Type".into(), json!(kind));
    m.insert("AccountId".into(), json!(p.account));
    m.insert("UserId".into(), json!(user));
    m.insert("PrincipalId".into(), json!(p.account));
    m.insert("Arn".into(), json!(arn));
    m
}

// ---------------------------------------------------------------------------------------------
// CVM
// ---------------------------------------------------------------------------------------------

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

fn compute(
    shared: &Shared,
    action: &str,
    region: &str,
    params: Value,
    rid: &str,
) -> Result<Map<String, Value>, ApiError> {
    let now = shared.now();
    let mut world = shared
        .world
        .lock()
        .map_err(|_| ApiError::new(500, "InternalError", "The emulator state is unavailable."))?;
    let seq_base = world.next_seq();
    let rs = world.region(P, region);
    settle_region(P, rs, now, shared.retention);
    let mut out = Map::new();
    match action {
        "DescribeInstances" => {
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
            let mut list: Vec<&Instance> = rs.instances.values().collect();
            list.sort_by_key(|i| i.seq);
            if let Some(ids) = &req.instance_ids {
                if ids.len() > 100 {
                    return Err(ApiError::new(
                        200,
                        "InvalidParameterValue.LimitExceeded",
                        "InstanceIds holds more than 100 ids.",
                    ));
                }
                list.retain(|i| ids.contains(&i.id));
            }
            for f in req.filters.iter().flatten() {
                let name = f.name.as_str();
                let known = matches!(
                    name,
                    "zone"
                        | "instance-id"
                        | "instance-name"
                        | "instance-state"
                        | "instance-type"
                        | "private-ip-address"
                        | "vpc-id"
                        | "subnet-id"
                        | "image-id"
                        | "tag-key"
                        | "tag-value"
                        | "project-id"
                        | "instance-charge-type"
                ) || name.starts_with("tag:");
                if !known {
                    return Err(ApiError::new(
                        200,
                        "InvalidFilter",
                        format!("The filter `{name}` is not supported."),
                    ));
                }
                list.retain(|i| f.values.iter().any(|v| filter_match(i, name, v)));
            }
            let total = list.len();
            let page: Vec<Value> = list
                .into_iter()
                .skip(usize::try_from(offset).unwrap_or(usize::MAX))
                .take(usize::try_from(limit).unwrap_or(100))
                .map(instance_json)
                .collect();
            out.insert("TotalCount".into(), json!(total));
            out.insert("InstanceSet".into(), Value::Array(page));
        }
        "RunInstances" => {
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
            if let Some(token) = req.client_token.as_deref().filter(|t| !t.is_empty())
                && let Some(rec) = rs.tokens.get(token)
            {
                if rec.fingerprint != fingerprint {
                    return Err(ApiError::new(
                        200,
                        "InvalidParameterValue.ClientTokenConflict",
                        "The ClientToken was already used with different parameters.",
                    ));
                }
                out.insert("InstanceIdSet".into(), json!(rec.ids));
                return Ok(out);
            }
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
            let mut ids = Vec::new();
            for n in 0..count {
                let id = format!("ins-{}", random_from(LOWER_ALNUM, 8));
                let seq = seq_base * 1000 + u64::try_from(n).unwrap_or(0);
                let mut inst = Instance {
                    id: id.clone(),
                    region: region.to_owned(),
                    zone: zone.clone(),
                    name: req
                        .instance_name
                        .clone()
                        .unwrap_or_else(|| "未命名".to_owned()),
                    image_id: image.clone(),
                    instance_type: req
                        .instance_type
                        .clone()
                        .unwrap_or_else(|| "S1.SMALL1".to_owned()),
                    vpc_id: vpc
                        .vpc_id
                        .clone()
                        .unwrap_or_else(|| "vpc-emu00001".to_owned()),
                    subnet_id: vpc
                        .subnet_id
                        .clone()
                        .unwrap_or_else(|| "subnet-emu00001".to_owned()),
                    private_ip: ips
                        .get(usize::try_from(n).unwrap_or(0))
                        .cloned()
                        .unwrap_or_else(|| private_ip(seq)),
                    tags: tags.clone(),
                    state: InstanceState::Pending,
                    pending: None,
                    created: now,
                    client_token: req.client_token.clone().unwrap_or_default(),
                    reservation_id: rid.to_owned(),
                    last_action: "RunInstances".to_owned(),
                    last_request_id: rid.to_owned(),
                    seq,
                    terminated_at: None,
                };
                inst.begin(
                    InstanceState::Pending,
                    InstanceState::Running,
                    now,
                    shared.delay,
                );
                rs.instances.insert(id.clone(), inst);
                ids.push(id);
            }
            if let Some(token) = req.client_token.filter(|t| !t.is_empty()) {
                rs.tokens.insert(
                    token,
                    TokenRecord {
                        fingerprint,
                        ids: ids.clone(),
                        reservation_id: rid.to_owned(),
                    },
                );
            }
            out.insert("InstanceIdSet".into(), json!(ids));
        }
        "StartInstances" | "StopInstances" | "TerminateInstances" => {
            let ids = match action {
                "StartInstances" => typed::<cvm::StartInstancesRequest>(params)?.instance_ids,
                "StopInstances" => typed::<cvm::StopInstancesRequest>(params)?.instance_ids,
                _ => typed::<cvm::TerminateInstancesRequest>(params)?.instance_ids,
            };
            check_ids(&ids)?;
            let missing: Vec<String> = ids
                .iter()
                .filter(|i| !rs.instances.contains_key(*i))
                .cloned()
                .collect();
            if !missing.is_empty() {
                return Err(not_found(&missing));
            }
            let (allowed, transitional, target): (&[InstanceState], _, _) = match action {
                "StartInstances" => (
                    &[InstanceState::Stopped],
                    InstanceState::Starting,
                    InstanceState::Running,
                ),
                "StopInstances" => (
                    &[InstanceState::Running],
                    InstanceState::Stopping,
                    InstanceState::Stopped,
                ),
                _ => (
                    &[InstanceState::Running, InstanceState::Stopped],
                    InstanceState::ShuttingDown,
                    InstanceState::Terminated,
                ),
            };
            for id in &ids {
                if let Some(i) = rs.instances.get(id)
                    && !allowed.contains(&i.state)
                {
                    let st = i.state.tencent_name();
                    let camel = match i.state {
                        InstanceState::Pending => "Pending",
                        InstanceState::Starting => "Starting",
                        InstanceState::Running => "Running",
                        InstanceState::Stopping => "Stopping",
                        InstanceState::Stopped => "Stopped",
                        _ => "Terminating",
                    };
                    return Err(ApiError::new(
                        200,
                        format!("UnsupportedOperation.InstanceState{camel}"),
                        format!("Instance {id} is {st}; {action} is not allowed in this state."),
                    ));
                }
            }
            for id in &ids {
                if let Some(i) = rs.instances.get_mut(id) {
                    i.begin(transitional, target, now, shared.delay);
                    i.last_action = action.to_owned();
                    i.last_request_id = rid.to_owned();
                }
            }
        }
        _ => {}
    }
    Ok(out)
}

fn private_ip(seq: u64) -> String {
    format!("10.0.{}.{}", (seq / 250) % 250, seq % 250 + 4)
}

fn filter_match(i: &Instance, name: &str, v: &str) -> bool {
    match name {
        "zone" => i.zone == v,
        "instance-id" => i.id == v,
        "instance-name" => i.name == v,
        "instance-state" => i.state.tencent_name() == v,
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
        "InstanceState": i.state.tencent_name(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unflattens_get_parameters() {
        let v = unflatten(&[
            ("InstanceIds.0".into(), "ins-1".into()),
            ("InstanceIds.1".into(), "ins-2".into()),
            ("Filters.0.Name".into(), "zone".into()),
            ("Filters.0.Values.0".into(), "ap-guangzhou-3".into()),
            ("Limit".into(), "20".into()),
        ])
        .unwrap();
        assert_eq!(
            v,
            json!({"InstanceIds": ["ins-1", "ins-2"], "Filters": [{"Name": "zone", "Values": ["ap-guangzhou-3"]}], "Limit": 20})
        );
    }

    #[test]
    fn a_huge_list_index_is_refused_not_allocated() {
        let e =
            unflatten(&[("InstanceIds.18446744073709551615".into(), "ins-1".into())]).unwrap_err();
        assert_eq!(e.code, "InvalidParameterValue");
        assert!(unflatten(&[("InstanceIds.999".into(), "ins-1".into())]).is_ok());
        assert!(unflatten(&[("InstanceIds.1000".into(), "ins-1".into())]).is_err());
    }
}
