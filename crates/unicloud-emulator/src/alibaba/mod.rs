//! Alibaba Cloud OpenAPI, RPC style (ACS3-HMAC-SHA256 and RPC v1 HMAC-SHA1). Parameters are
//! flat (`InstanceId.1`, `Tag.1.Key`, JSON-in-a-string `InstanceIds`); errors are HTTP 4xx/5xx
//! with `{RequestId, HostId, Code, Message, Recommend}`.
//!
//! The product comes from the API version (`x-acs-version` or `Version`), which is unique per
//! product (ECS `2014-05-26`, VPC `2016-04-28`, SLB `2014-05-15`, STS `2015-04-01`), else from the one product
//! whose table has the action: action names are not unique (ECS and VPC both have
//! `CreateVpc`, `CreateRouteEntry`, ...), and such an action without a version is refused
//! rather than given to either. Each product file ([`ecs`], [`vpc`], [`slb`], [`sts`]) is an action →
//! handler table.

pub(crate) mod ecs;
pub(crate) mod oss;
pub(crate) mod slb;
pub(crate) mod sts;
pub(crate) mod vpc;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use unicloud_core::Provider;

use crate::auth::{ApiError, alibaba_params, verify_alibaba};
use crate::server::{Ctx, FaultErrors, Incoming, Shared, rejected_message, with_faults};
use crate::util::request_id;
use crate::wire::{MAX_PARAMS, Params};

const P: Provider = Provider::Alibaba;

/// An action's handler: the reply's fields besides `RequestId`.
pub(crate) type Handler = fn(&Ctx<'_>, &Rpc) -> Result<Map<String, Value>, ApiError>;

/// One Alibaba Cloud product as the emulator serves it.
pub(crate) struct Service {
    /// Its product code, as error `Recommend` links name it (`Ecs`, `Vpc`).
    pub(crate) product: &'static str,
    /// Its API version.
    pub(crate) version: &'static str,
    /// Its actions.
    pub(crate) actions: &'static [(&'static str, Handler)],
}

const SERVICES: [&Service; 4] = [&ecs::SERVICE, &vpc::SERVICE, &slb::SERVICE, &sts::SERVICE];

/// The product `version` names and its handler of `action`; without a version, the one
/// product that has `action` (an action two products have is `MissingParameter` Version). A
/// version no emulated product has is `InvalidVersion`.
fn handler_for(
    version: Option<&str>,
    action: &str,
) -> Result<Option<(&'static Service, Handler)>, ApiError> {
    handler_in(&SERVICES, version, action)
}

/// [`handler_for`] over `services`.
fn handler_in(
    services: &[&'static Service],
    version: Option<&str>,
    action: &str,
) -> Result<Option<(&'static Service, Handler)>, ApiError> {
    let named: Vec<&'static Service> = match version {
        Some(v) => match services.iter().find(|s| s.version == v) {
            Some(s) => vec![*s],
            None => {
                return Err(ApiError::new(
                    400,
                    "InvalidVersion",
                    format!("Specified parameter Version `{v}` is not valid."),
                ));
            }
        },
        None => services.to_vec(),
    };
    let found: Vec<(&'static Service, Handler)> = named
        .into_iter()
        .filter_map(|s| {
            s.actions
                .iter()
                .find(|(a, _)| *a == action)
                .map(|(_, h)| (s, *h))
        })
        .collect();
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        many => Err(ApiError::new(
            400,
            "MissingParameter",
            format!(
                "The input parameter \"Version\" that is mandatory for processing this request is not supplied: `{action}` exists in {} (versions {}).",
                many.iter()
                    .map(|(s, _)| s.product)
                    .collect::<Vec<_>>()
                    .join(" and "),
                many.iter()
                    .map(|(s, _)| s.version)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// RPC parameters with Alibaba's error wording.
pub(crate) struct Rpc(pub(crate) Params);

impl Rpc {
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.raw(name).filter(|v| !v.is_empty())
    }

    /// A boolean parameter: `true` in any case (the Python Tea SDK sends `True`, as Python
    /// prints it; ECS parses booleans case-insensitively).
    pub(crate) fn flag(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    pub(crate) fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name).ok_or_else(|| {
            ApiError::new(
                400,
                "MissingParameter",
                format!("The input parameter \"{name}\" that is mandatory for processing this request is not supplied."),
            )
        })
    }

    pub(crate) fn int(
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
    pub(crate) fn list(&self, name: &str) -> Vec<String> {
        self.0.list(name)
    }

    /// `Tag.N.Key` / `Tag.N.Value` pairs.
    pub(crate) fn tags(&self) -> Vec<(String, String)> {
        (1..=20)
            .filter_map(|n| {
                let k = self.get(&format!("Tag.{n}.Key"))?;
                let v = self.get(&format!("Tag.{n}.Value")).unwrap_or_default();
                Some((k.to_owned(), v.to_owned()))
            })
            .collect()
    }

    /// A JSON-array-in-a-string parameter (`InstanceIds=["i-1","i-2"]`).
    pub(crate) fn json_list(&self, name: &str) -> Result<Option<Vec<String>>, ApiError> {
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
    let raw = alibaba_params(&req);
    let product = req
        .header("x-acs-version")
        .or_else(|| {
            raw.iter()
                .find(|(k, _)| k == "Version")
                .map(|(_, v)| v.as_str())
        })
        .and_then(|v| SERVICES.iter().find(|s| s.version == v))
        .map_or("Ecs", |s| s.product);
    let err = |e: ApiError| error_response(&rid, &host, product, &e);
    if raw.len() > MAX_PARAMS {
        return err(ApiError::new(
            400,
            "InvalidParameter",
            format!("The request has more than {MAX_PARAMS} parameters."),
        ));
    }
    let principal = match verify_alibaba(&shared.keys, shared.now(), &req, &raw) {
        Ok(p) => p,
        Err(e) => return err(e),
    };
    let params = Rpc(Params(raw));
    let action = req
        .header("x-acs-action")
        .or_else(|| params.get("Action"))
        .unwrap_or_default()
        .to_owned();
    let version = req
        .header("x-acs-version")
        .or_else(|| params.get("Version"));
    let handler = match handler_for(version, &action) {
        Ok(h) => h,
        Err(e) => return err(e),
    };
    let Some((_, handler)) = handler else {
        return err(ApiError::new(
            404,
            "InvalidAction.NotFound",
            format!("Specified api `{action}` is not found in the emulator."),
        ));
    };
    let cx = Ctx {
        shared,
        region: "",
        principal: &principal,
        request_id: &rid,
    };
    let region = params.get("RegionId").unwrap_or_default().to_owned();
    with_faults(
        shared,
        P,
        &region,
        &action,
        err,
        FaultErrors {
            throttle: ApiError::new(
                400,
                "Throttling.User",
                "Request was denied due to user flow control.",
            ),
            server_error: ApiError::new(
                503,
                "ServiceUnavailable",
                "The request has failed due to a temporary failure of the server.",
            ),
            reject: ApiError::new(400, "InvalidParameter", rejected_message(&action)),
        },
        || match handler(&cx, &params) {
            Ok(mut body) => {
                body.insert("RequestId".into(), json!(rid));
                json_response(StatusCode::OK, &rid, &Value::Object(body))
            }
            Err(e) => error_response(&rid, &host, product, &e),
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

fn error_response(rid: &str, host: &str, product: &str, e: &ApiError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    json_response(
        status,
        rid,
        &json!({
            "RequestId": rid,
            "HostId": host,
            "Code": e.code,
            "Message": e.message,
            "Recommend": format!("https://api.aliyun.com/troubleshoot?q={}&product={product}", e.code),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handlers_are_found_by_version_then_action() {
        assert!(
            handler_for(Some("2014-05-26"), "DescribeInstances")
                .unwrap()
                .is_some()
        );
        assert!(
            handler_for(Some("2015-04-01"), "DescribeInstances")
                .unwrap()
                .is_none(),
            "STS has no such action"
        );
        assert!(handler_for(None, "AssumeRole").unwrap().is_some());
        assert!(
            handler_for(None, "DescribeRouteEntryList")
                .unwrap()
                .is_some()
        );
        assert!(
            handler_for(Some("2016-04-28"), "CreateRouteEntry")
                .unwrap()
                .is_some()
        );
        assert!(
            handler_for(Some("2014-05-26"), "CreateRouteEntry")
                .unwrap()
                .is_none(),
            "the emulator's ECS does not serve ECS's own route actions"
        );
        let e = handler_for(Some("2099-01-01"), "DescribeInstances")
            .err()
            .unwrap();
        assert_eq!(e.code, "InvalidVersion");
    }

    #[test]
    fn an_action_two_products_have_needs_a_version() {
        const H: Handler = |_, _| Ok(Map::new());
        static OLD: Service = Service {
            product: "Ecs",
            version: "2014-05-26",
            actions: &[("CreateVpc", H)],
        };
        static NEW: Service = Service {
            product: "Vpc",
            version: "2016-04-28",
            actions: &[("CreateVpc", H), ("CreateVSwitch", H)],
        };
        let both = [&OLD, &NEW];
        let e = handler_in(&both, None, "CreateVpc").err().unwrap();
        assert_eq!((e.status, e.code.as_str()), (400, "MissingParameter"));
        assert!(e.message.contains("Ecs and Vpc"), "{}", e.message);
        let (s, _) = handler_in(&both, Some("2016-04-28"), "CreateVpc")
            .unwrap()
            .unwrap();
        assert_eq!(s.product, "Vpc");
        let (s, _) = handler_in(&both, Some("2014-05-26"), "CreateVpc")
            .unwrap()
            .unwrap();
        assert_eq!(s.product, "Ecs");
        let (s, _) = handler_in(&both, None, "CreateVSwitch").unwrap().unwrap();
        assert_eq!(
            s.product, "Vpc",
            "an action one product has needs no version"
        );
    }

    #[test]
    fn flat_parameters() {
        let p = Rpc(Params(vec![
            ("InstanceId.2".into(), "b".into()),
            ("InstanceId.1".into(), "a".into()),
            ("Tag.1.Key".into(), "Name".into()),
            ("Tag.1.Value".into(), "web".into()),
            ("InstanceIds".into(), "[\"i-1\"]".into()),
            ("PageSize".into(), "500".into()),
        ]));
        assert_eq!(p.list("InstanceId"), ["a", "b"]);
        assert_eq!(p.tags(), [("Name".to_owned(), "web".to_owned())]);
        assert_eq!(p.json_list("InstanceIds").unwrap().unwrap(), ["i-1"]);
        assert!(p.int("PageSize", 10, 1..=100).is_err());
    }
}
