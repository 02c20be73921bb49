//! Alibaba Cloud OpenAPI, RPC style: ECS 2014-05-26 compute and STS 2015-04-01. Parameters are
//! flat (`InstanceId.1`, `Tag.1.Key`, JSON-in-a-string `InstanceIds`); errors are HTTP 4xx/5xx
//! with `{RequestId, HostId, Code, Message, Recommend}`.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use unicloud_core::Provider;

use crate::auth::{ApiError, Principal, alibaba_params, verify_alibaba};
use crate::server::{Incoming, Shared, with_faults};
use crate::state::{Instance, InstanceState, TokenRecord, settle_region};
use crate::util::{LOWER_ALNUM, iso8601, iso8601_minutes, random_from, request_id};

const P: Provider = Provider::Alibaba;

struct Params(Vec<(String, String)>);

impl Params {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// A boolean parameter: `true` in any case (the Python Tea SDK sends `True`, as Python
    /// prints it; ECS parses booleans case-insensitively).
    fn flag(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name).ok_or_else(|| {
            ApiError::new(
                400,
                "MissingParameter",
                format!("The input parameter \"{name}\" that is mandatory for processing this request is not supplied."),
            )
        })
    }

    fn int(
        &self,
        name: &str,
        default: i64,
        range: std::ops::RangeInclusive<i64>,
    ) -> Result<i64, ApiError> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| range.contains(n))
                .ok_or_else(|| {
                    ApiError::new(
                        400,
                        format!("InvalidParameter.{name}"),
                        format!("The specified parameter \"{name}\" is not valid."),
                    )
                }),
        }
    }

    /// `Name.1`, `Name.2`, ... in index order.
    fn list(&self, name: &str) -> Vec<String> {
        let prefix = format!("{name}.");
        let mut v: Vec<(usize, String)> = self
            .0
            .iter()
            .filter_map(|(k, val)| Some((k.strip_prefix(&prefix)?.parse().ok()?, val.clone())))
            .collect();
        v.sort_by_key(|(i, _)| *i);
        v.into_iter().map(|(_, s)| s).collect()
    }

    /// `Tag.N.Key` / `Tag.N.Value` pairs.
    fn tags(&self) -> Vec<(String, String)> {
        (1..=20)
            .filter_map(|n| {
                let k = self.get(&format!("Tag.{n}.Key"))?;
                let v = self.get(&format!("Tag.{n}.Value")).unwrap_or_default();
                Some((k.to_owned(), v.to_owned()))
            })
            .collect()
    }

    /// A JSON-array-in-a-string parameter (`InstanceIds=["i-1","i-2"]`).
    fn json_list(&self, name: &str) -> Result<Option<Vec<String>>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => serde_json::from_str::<Vec<String>>(v)
                .map(Some)
                .map_err(|_| {
                    ApiError::new(
                        400,
                        format!("InvalidParameter.{name}"),
                        format!(
                            "The specified parameter \"{name}\" is not a JSON array of strings."
                        ),
                    )
                }),
        }
    }
}

/// Handles one Alibaba request.
pub(crate) async fn handle(shared: &Shared, req: Incoming) -> Response {
    let rid = request_id().to_uppercase();
    let host = if req.host.is_empty() {
        "ecs.aliyuncs.com".to_owned()
    } else {
        req.host.clone()
    };
    let err = |e: ApiError| error_response(&rid, &host, &e);
    let raw = alibaba_params(&req);
    let principal = match verify_alibaba(&shared.keys, shared.now(), &req, &raw) {
        Ok(p) => p,
        Err(e) => return err(e),
    };
    let params = Params(raw);
    let action = req
        .header("x-acs-action")
        .or_else(|| params.get("Action"))
        .unwrap_or_default()
        .to_owned();
    let known = matches!(
        action.as_str(),
        "DescribeInstances"
            | "RunInstances"
            | "StartInstances"
            | "StopInstances"
            | "DeleteInstances"
            | "AssumeRole"
            | "GetCallerIdentity"
    );
    if !known {
        return err(ApiError::new(
            404,
            "InvalidAction.NotFound",
            format!("Specified api `{action}` is not found in the emulator."),
        ));
    }
    with_faults(
        shared,
        P,
        &action,
        err,
        ApiError::new(
            400,
            "Throttling.User",
            "Request was denied due to user flow control.",
        ),
        ApiError::new(
            503,
            "ServiceUnavailable",
            "The request has failed due to a temporary failure of the server.",
        ),
        || match dispatch(shared, &action, &principal, &params, &rid) {
            Ok(mut body) => {
                body.insert("RequestId".into(), json!(rid));
                json_response(StatusCode::OK, &rid, &Value::Object(body))
            }
            Err(e) => error_response(&rid, &host, &e),
        },
    )
    .await
}

fn json_response(status: StatusCode, rid: &str, v: &Value) -> Response {
    let mut r = (status, v.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=utf-8"),
    );
    if let Ok(h) = HeaderValue::from_str(rid) {
        r.headers_mut().insert("x-acs-request-id", h);
    }
    r
}

fn error_response(rid: &str, host: &str, e: &ApiError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    json_response(
        status,
        rid,
        &json!({
            "RequestId": rid,
            "HostId": host,
            "Code": e.code,
            "Message": e.message,
            "Recommend": format!("https://api.aliyun.com/troubleshoot?q={}&product=Ecs", e.code),
        }),
    )
}

fn dispatch(
    shared: &Shared,
    action: &str,
    principal: &Principal,
    p: &Params,
    rid: &str,
) -> Result<Map<String, Value>, ApiError> {
    match action {
        "AssumeRole" => assume_role(shared, p),
        "GetCallerIdentity" => Ok(caller_identity(principal)),
        _ => compute(shared, action, p, rid),
    }
}

fn assume_role(shared: &Shared, p: &Params) -> Result<Map<String, Value>, ApiError> {
    let arn = p.required("RoleArn")?;
    let session = p.required("RoleSessionName")?;
    let secs = p.int("DurationSeconds", 3600, 900..=43200)?;
    if !arn.starts_with("acs:ram::") {
        return Err(ApiError::new(
            400,
            "InvalidParameter.RoleArn",
            "The parameter RoleArn is wrongly formed.",
        ));
    }
    let c = shared.keys.issue(
        P,
        shared.now(),
        Duration::from_secs(secs.unsigned_abs()),
        arn,
        session,
    );
    let role_name = arn.rsplit('/').next().unwrap_or_default();
    let account = arn
        .strip_prefix("acs:ram::")
        .and_then(|r| r.split(':').next())
        .unwrap_or(crate::auth::ALIBABA_ACCOUNT);
    let mut m = Map::new();
    m.insert(
        "AssumedRoleUser".into(),
        json!({
            "AssumedRoleId": format!("3{}:{session}", &crate::util::sha256_hex(arn.as_bytes())[..16]),
            "Arn": format!("acs:ram::{account}:assumed-role/{role_name}/{session}"),
        }),
    );
    m.insert(
        "Credentials".into(),
        json!({
            "SecurityToken": c.token,
            "AccessKeyId": c.access_key_id,
            "AccessKeySecret": c.secret,
            "Expiration": iso8601(c.expires),
        }),
    );
    Ok(m)
}

fn caller_identity(p: &Principal) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("AccountId".into(), json!(p.account));
    match &p.role {
        Some((role, session)) => {
            let role_name = role.rsplit('/').next().unwrap_or_default();
            let role_id = format!("3{}", &crate::util::sha256_hex(role.as_bytes())[..16]);
            m.insert("IdentityType".into(), json!("AssumedRoleUser"));
            m.insert("PrincipalId".into(), json!(format!("{role_id}:{session}")));
            m.insert("UserId".into(), json!(format!("{role_id}:{session}")));
            m.insert("RoleId".into(), json!(role_id));
            m.insert(
                "Arn".into(),
                json!(format!(
                    "acs:ram::{}:assumed-role/{role_name}/{session}",
                    p.account
                )),
            );
        }
        None => {
            m.insert("IdentityType".into(), json!("Account"));
            m.insert("PrincipalId".into(), json!(p.account));
            m.insert("UserId".into(), json!(p.account));
            m.insert("Arn".into(), json!(format!("acs:ram::{}:root", p.account)));
        }
    }
    m
}

fn compute(
    shared: &Shared,
    action: &str,
    p: &Params,
    rid: &str,
) -> Result<Map<String, Value>, ApiError> {
    let region = p.required("RegionId")?.to_owned();
    let now = shared.now();
    let mut world = shared
        .world
        .lock()
        .map_err(|_| ApiError::new(500, "InternalError", "The emulator state is unavailable."))?;
    let seq_base = world.next_seq();
    let rs = world.region(P, &region);
    settle_region(P, rs, now, shared.retention);
    let mut out = Map::new();
    match action {
        "DescribeInstances" => {
            let mut list: Vec<&Instance> = rs.instances.values().collect();
            list.sort_by_key(|i| i.seq);
            if let Some(ids) = p.json_list("InstanceIds")? {
                if ids.len() > 100 {
                    return Err(ApiError::new(
                        400,
                        "InvalidParameter.InstanceIds",
                        "InstanceIds holds more than 100 ids.",
                    ));
                }
                list.retain(|i| ids.contains(&i.id));
            }
            if let Some(ips) = p.json_list("PrivateIpAddresses")? {
                list.retain(|i| ips.contains(&i.private_ip));
            }
            let eq = |name: &str| p.get(name).map(str::to_owned);
            if let Some(v) = eq("Status") {
                list.retain(|i| i.state.alibaba_name() == v);
            }
            if let Some(v) = eq("InstanceName") {
                let (prefix, wild) = match v.strip_suffix('*') {
                    Some(pre) => (pre.to_owned(), true),
                    None => (v.clone(), false),
                };
                list.retain(|i| {
                    if wild {
                        i.name.starts_with(&prefix)
                    } else {
                        i.name == prefix
                    }
                });
            }
            for (param, field) in [
                ("ZoneId", 0),
                ("VpcId", 1),
                ("VSwitchId", 2),
                ("InstanceType", 3),
                ("ImageId", 4),
            ] {
                if let Some(v) = eq(param) {
                    list.retain(|i| {
                        let f = match field {
                            0 => &i.zone,
                            1 => &i.vpc_id,
                            2 => &i.subnet_id,
                            3 => &i.instance_type,
                            _ => &i.image_id,
                        };
                        *f == v
                    });
                }
            }
            for (k, v) in p.tags() {
                list.retain(|i| {
                    i.tags
                        .iter()
                        .any(|(tk, tv)| *tk == k && (v.is_empty() || *tv == v))
                });
            }
            let total = list.len();
            let token_mode = p.get("NextToken").is_some() || p.get("MaxResults").is_some();
            let (offset, size, page_number) = if token_mode {
                let size = p.int("MaxResults", 10, 1..=100)?;
                let offset = match p.get("NextToken") {
                    None => 0,
                    Some(t) => decode_token(t).ok_or_else(|| {
                        ApiError::new(
                            400,
                            "InvalidParameter.NextToken",
                            "The specified NextToken is not valid.",
                        )
                    })?,
                };
                (offset, size, 1)
            } else {
                let number = p.int("PageNumber", 1, 1..=i64::from(i32::MAX))?;
                let size = p.int("PageSize", 10, 1..=100)?;
                ((number - 1).saturating_mul(size), size, number)
            };
            let start = usize::try_from(offset).unwrap_or(usize::MAX);
            let take = usize::try_from(size).unwrap_or(10);
            let page: Vec<Value> = list
                .iter()
                .skip(start)
                .take(take)
                .map(|i| instance_json(i))
                .collect();
            let next = if token_mode && start.saturating_add(take) < total {
                encode_token(offset + size)
            } else {
                String::new()
            };
            out.insert("TotalCount".into(), json!(total));
            out.insert("PageNumber".into(), json!(page_number));
            out.insert("PageSize".into(), json!(size));
            out.insert("NextToken".into(), json!(next));
            out.insert("Instances".into(), json!({ "Instance": page }));
        }
        "RunInstances" => {
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
            let mut fp: Vec<(String, String)> =
                p.0.iter()
                    .filter(|(k, _)| {
                        !matches!(
                            k.as_str(),
                            "Signature"
                                | "SignatureNonce"
                                | "Timestamp"
                                | "AccessKeyId"
                                | "SecurityToken"
                        )
                    })
                    .cloned()
                    .collect();
            fp.sort();
            let fingerprint = format!("{fp:?}");
            let token = p.get("ClientToken").map(str::to_owned);
            if let Some(t) = &token
                && let Some(rec) = rs.tokens.get(t)
            {
                if rec.fingerprint != fingerprint {
                    return Err(ApiError::new(
                        400,
                        "IdempotentParameterMismatch",
                        "The specified parameters are different from before with the same ClientToken.",
                    ));
                }
                out.insert("InstanceIdSets".into(), json!({ "InstanceIdSet": rec.ids }));
                out.insert("OrderId".into(), json!(rec.reservation_id));
                out.insert("TradePrice".into(), json!(0.0));
                return Ok(out);
            }
            let zone = p
                .get("ZoneId")
                .map_or_else(|| format!("{region}-i"), str::to_owned);
            let tags = p.tags();
            let order = format!("2{}", random_from(b"0123456789", 14));
            let mut ids = Vec::new();
            for n in 0..amount {
                let id = format!("i-{}", random_from(LOWER_ALNUM, 20));
                let seq = seq_base * 1000 + u64::try_from(n).unwrap_or(0);
                let mut inst = Instance {
                    id: id.clone(),
                    region: region.clone(),
                    zone: zone.clone(),
                    name: p.get("InstanceName").unwrap_or(&id).to_owned(),
                    image_id: image.clone(),
                    instance_type: itype.clone(),
                    vpc_id: "vpc-emulatordefault0001".to_owned(),
                    subnet_id: p
                        .get("VSwitchId")
                        .unwrap_or("vsw-emulatordefault0001")
                        .to_owned(),
                    private_ip: format!("172.16.{}.{}", (seq / 250) % 250, seq % 250 + 4),
                    tags: tags.clone(),
                    state: InstanceState::Pending,
                    pending: None,
                    created: now,
                    client_token: token.clone().unwrap_or_default(),
                    reservation_id: order.clone(),
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
            if let Some(t) = token {
                rs.tokens.insert(
                    t,
                    TokenRecord {
                        fingerprint,
                        ids: ids.clone(),
                        reservation_id: order.clone(),
                    },
                );
            }
            out.insert("InstanceIdSets".into(), json!({ "InstanceIdSet": ids }));
            out.insert("OrderId".into(), json!(order));
            out.insert("TradePrice".into(), json!(0.0));
        }
        _ => {
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
            let missing: Vec<&String> = ids
                .iter()
                .filter(|i| !rs.instances.contains_key(*i))
                .collect();
            if !missing.is_empty() {
                return Err(ApiError::new(
                    404,
                    "InvalidInstanceId.NotFound",
                    format!("The specified InstanceId does not exist: {missing:?}."),
                ));
            }
            let force = p.flag("Force");
            let (allowed, transitional, target): (Vec<InstanceState>, _, _) = match action {
                "StartInstances" => (
                    vec![InstanceState::Stopped],
                    InstanceState::Starting,
                    InstanceState::Running,
                ),
                "StopInstances" => (
                    vec![InstanceState::Running],
                    InstanceState::Stopping,
                    InstanceState::Stopped,
                ),
                _ if force => (
                    vec![
                        InstanceState::Running,
                        InstanceState::Stopped,
                        InstanceState::Pending,
                        InstanceState::Starting,
                        InstanceState::Stopping,
                    ],
                    InstanceState::ShuttingDown,
                    InstanceState::Terminated,
                ),
                _ => (
                    vec![InstanceState::Stopped],
                    InstanceState::ShuttingDown,
                    InstanceState::Terminated,
                ),
            };
            for id in &ids {
                if let Some(i) = rs.instances.get(id)
                    && !allowed.contains(&i.state)
                {
                    return Err(ApiError::new(
                        403,
                        "IncorrectInstanceStatus",
                        format!(
                            "The current status of the resource does not support this operation: {id} is {}.",
                            i.state.alibaba_name()
                        ),
                    ));
                }
            }
            let mut responses = Vec::new();
            for id in &ids {
                if let Some(i) = rs.instances.get_mut(id) {
                    let prev = i.state.alibaba_name();
                    i.begin(transitional, target, now, shared.delay);
                    i.last_action = action.to_owned();
                    responses.push(json!({
                        "InstanceId": id,
                        "Code": "200",
                        "Message": "success",
                        "PreviousStatus": prev,
                        "CurrentStatus": i.state.alibaba_name(),
                    }));
                }
            }
            if action != "DeleteInstances" {
                out.insert(
                    "InstanceResponses".into(),
                    json!({ "InstanceResponse": responses }),
                );
            }
        }
    }
    Ok(out)
}

fn encode_token(offset: i64) -> String {
    format!("emu{:016x}", offset)
}

fn decode_token(t: &str) -> Option<i64> {
    i64::from_str_radix(t.strip_prefix("emu")?, 16)
        .ok()
        .filter(|n| *n >= 0)
}

/// The ECS `Instance` structure.
fn instance_json(i: &Instance) -> Value {
    json!({
        "InstanceId": i.id,
        "InstanceName": i.name,
        "HostName": i.id,
        "Description": "",
        "Status": i.state.alibaba_name(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_parameters() {
        let p = Params(vec![
            ("InstanceId.2".into(), "b".into()),
            ("InstanceId.1".into(), "a".into()),
            ("Tag.1.Key".into(), "Name".into()),
            ("Tag.1.Value".into(), "web".into()),
            ("InstanceIds".into(), "[\"i-1\"]".into()),
            ("PageSize".into(), "500".into()),
        ]);
        assert_eq!(p.list("InstanceId"), ["a", "b"]);
        assert_eq!(p.tags(), [("Name".to_owned(), "web".to_owned())]);
        assert_eq!(p.json_list("InstanceIds").unwrap().unwrap(), ["i-1"]);
        assert!(p.int("PageSize", 10, 1..=100).is_err());
        assert_eq!(decode_token(&encode_token(30)), Some(30));
        assert_eq!(decode_token("bogus"), None);
    }
}
