//! Tencent Cloud API 3.0 (TC3-HMAC-SHA256, and the legacy v1 signature): JSON in a
//! `Response` envelope, errors inside HTTP 200.
//!
//! The service comes from the TC3 credential scope (`…/2019-02-25/cvm/tc3_request`), else from
//! the host's first label (`cvm.tencentcloudapi.com`), else from the one service whose table
//! has the action (v1 requests to a bare address). Each service file ([`cvm`], [`vpc`], [`clb`], [`sts`]) is an
//! action → handler table.

pub(crate) mod clb;
pub(crate) mod cos;
pub(crate) mod cvm;
pub(crate) mod sts;
pub(crate) mod vpc;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use unicloud_core::Provider;

use crate::auth::{ApiError, verify_tencent, verify_tencent_v1};
use crate::server::{Ctx, FaultErrors, Incoming, Shared, rejected_message, with_faults};
use crate::util::{parse_pairs, request_id};
use crate::wire::MAX_PARAMS;

const P: Provider = Provider::Tencent;

/// The region, which compute calls require, or Tencent's `MissingParameter`.
pub(crate) fn required_region<'a>(cx: &Ctx<'a>) -> Result<&'a str, ApiError> {
    if cx.region.is_empty() {
        return Err(ApiError::new(
            200,
            "MissingParameter",
            "The request is missing a required parameter `Region`.",
        ));
    }
    Ok(cx.region)
}

/// An action's handler: the fields of the `Response` object besides `RequestId`.
pub(crate) type Handler = fn(&Ctx<'_>, Value) -> Result<Map<String, Value>, ApiError>;

/// One Tencent Cloud product as the emulator serves it.
pub(crate) struct Service {
    /// Its endpoint and scope name (`cvm`, `sts`).
    pub(crate) name: &'static str,
    /// Its actions.
    pub(crate) actions: &'static [(&'static str, Handler)],
}

const SERVICES: [&Service; 4] = [&cvm::SERVICE, &vpc::SERVICE, &clb::SERVICE, &sts::SERVICE];

/// The service named by the TC3 scope or the host, else the one service that has `action`.
/// Products reuse action names, so an action two products have, sent without a scope or host
/// naming one, is refused rather than given to either.
fn handler_for(req: &Incoming, action: &str) -> Result<Option<Handler>, ApiError> {
    let scoped = req
        .header("authorization")
        .and_then(crate::router::tc3_service);
    let host = req.host.split('.').next();
    let named = [scoped, host]
        .into_iter()
        .flatten()
        .find_map(|n| SERVICES.iter().find(|s| s.name == n));
    let candidates: Vec<&Service> = match named {
        Some(s) => vec![*s],
        None => SERVICES.to_vec(),
    };
    let found: Vec<(&str, Handler)> = candidates
        .into_iter()
        .filter_map(|s| {
            s.actions
                .iter()
                .find(|(a, _)| *a == action)
                .map(|(_, h)| (s.name, *h))
        })
        .collect();
    match found.as_slice() {
        [] => Ok(None),
        [(_, h)] => Ok(Some(*h)),
        many => Err(ApiError::new(
            200,
            "InvalidAction",
            format!(
                "The action `{action}` exists in several products ({}); send it to <product>.tencentcloudapi.com or sign it for that product.",
                many.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
            ),
        )),
    }
}

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
    let handler = match handler_for(&req, &action) {
        Ok(h) => h,
        Err(e) => return err(e),
    };
    let Some(handler) = handler else {
        return err(ApiError::new(
            200,
            "InvalidAction",
            format!("The action `{action}` is not supported by the emulator."),
        ));
    };
    let cx = Ctx {
        shared,
        region: &region,
        principal: &principal,
        request_id: &rid,
    };
    with_faults(
        shared,
        P,
        &region,
        &action,
        err,
        FaultErrors {
            throttle: ApiError::new(
                200,
                "RequestLimitExceeded",
                "Your current request times exceeds the limit, please try again later.",
            ),
            server_error: ApiError::new(
                500,
                "InternalError",
                "An internal error has occurred. Retry your request.",
            ),
            reject: ApiError::new(200, "InvalidParameterValue", rejected_message(&action)),
        },
        || match handler(&cx, params) {
            Ok(body) => ok_response(&rid, body),
            Err(e) => error_response(&rid, &e),
        },
    )
    .await
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

/// The most list slots one request's parameters may create in total. Each index is capped,
/// but many lists each padded to a high index (`Filters.0.Values.999`, `Filters.1.Values.999`,
/// …) would otherwise allocate a million values from a thousand parameters.
const MAX_LIST_SLOTS: usize = 10_000;

/// Rebuilds `InstanceIds.0=a&Filters.0.Name=b` style pairs into JSON; an index above
/// [`MAX_LIST_INDEX`], or lists that together need more than [`MAX_LIST_SLOTS`] slots, are
/// `InvalidParameterValue` (never a huge allocation).
pub(crate) fn unflatten(pairs: &[(String, String)]) -> Result<Value, ApiError> {
    if pairs.len() > MAX_PARAMS {
        return Err(ApiError::new(
            200,
            "InvalidParameterValue",
            format!("The request has more than {MAX_PARAMS} parameters."),
        ));
    }
    let mut root = Value::Object(Map::new());
    let mut slots = 0usize;
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
                    slots += (idx + 1).saturating_sub(arr.len());
                    if slots > MAX_LIST_SLOTS {
                        return Err(ApiError::new(
                            200,
                            "InvalidParameterValue",
                            format!(
                                "The request's lists need more than {MAX_LIST_SLOTS} entries in total."
                            ),
                        ));
                    }
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

pub(crate) fn typed<T: serde::de::DeserializeOwned>(params: Value) -> Result<T, ApiError> {
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

    #[test]
    fn many_lists_padded_to_the_top_index_are_refused_not_allocated() {
        // 1000 parameters, each index allowed, would need a million slots.
        let pairs: Vec<(String, String)> = (0..1000)
            .map(|n| (format!("Filters.{n}.Values.999"), "x".to_owned()))
            .collect();
        let e = unflatten(&pairs).unwrap_err();
        assert_eq!(e.code, "InvalidParameterValue");
        assert!(e.message.contains("10000"), "{}", e.message);
        // Real requests stay far below the budget.
        let pairs: Vec<(String, String)> = (0..100)
            .map(|n| (format!("InstanceIds.{n}"), format!("ins-{n:08}")))
            .collect();
        assert_eq!(
            unflatten(&pairs).unwrap()["InstanceIds"]
                .as_array()
                .unwrap()
                .len(),
            100
        );
    }
}
