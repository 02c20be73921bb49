//! AWS, Query protocol: the SigV4 check, the per-service action tables and the two error
//! shapes (EC2's `<Response><Errors>` and STS's `<ErrorResponse>`).
//!
//! The service comes from the SigV4 credential scope (`…/us-east-1/ec2/aws4_request`), the
//! action from the `Action` parameter; each service file ([`ec2`], [`sts`], [`elbv2`]) is an
//! action → handler table. ELBv2 (`Version=2015-12-01`) and classic ELB share the scope name
//! `elasticloadbalancing`; the `Version` parameter tells them apart ([`elb`]: `2012-06-01`).

pub(crate) mod ec2;
pub(crate) mod elb;
pub(crate) mod elbv2;
pub(crate) mod s3;
pub(crate) mod sts;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use unicloud_core::Provider;

use crate::auth::{ApiError, parse_sigv4, verify_aws};
use crate::server::{Ctx, FaultErrors, Incoming, Shared, rejected_message, with_faults};
use crate::util::request_id;
use crate::wire::{Params, xml};

const P: Provider = Provider::Aws;

/// An action's handler: the XML inside the `<{Action}Response>` (EC2) or `<{Action}Result>`
/// (STS) element.
pub(crate) type Handler = fn(&Ctx<'_>, &Query) -> Result<String, ApiError>;

/// One AWS service as the emulator serves it.
pub(crate) struct Service {
    /// The SigV4 scope name (`ec2`, `sts`).
    pub(crate) name: &'static str,
    /// The XML namespace of its replies.
    pub(crate) namespace: &'static str,
    /// Whether replies and errors take EC2's shape (`<requestId>` inside, `<Response><Errors>`)
    /// rather than the `…Result` / `<ErrorResponse>` shape of the other Query services.
    pub(crate) ec2_shape: bool,
    /// Its actions.
    pub(crate) actions: &'static [(&'static str, Handler)],
    /// Its throttling and server errors, for fault injection.
    pub(crate) throttle: (u16, &'static str, &'static str),
    pub(crate) server_error: (u16, &'static str, &'static str),
}

/// Every service, by SigV4 scope name.
const SERVICES: [&Service; 3] = [&ec2::SERVICE, &sts::SERVICE, &elbv2::SERVICE];

/// The service a SigV4 scope names; requests without a (parsable) signature are answered in
/// EC2's shape.
fn service(scope: Option<&str>) -> Option<&'static Service> {
    match scope {
        None => Some(&ec2::SERVICE),
        Some(name) => SERVICES.iter().copied().find(|s| s.name == name),
    }
}

/// Query parameters with AWS's error wording.
pub(crate) struct Query(pub(crate) Params);

impl Query {
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.raw(name)
    }

    pub(crate) fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name).filter(|v| !v.is_empty()).ok_or_else(|| {
            ApiError::new(
                400,
                "MissingParameter",
                format!("The request must contain the parameter {name}"),
            )
        })
    }

    pub(crate) fn list(&self, prefix: &str) -> Vec<String> {
        self.0.list(prefix)
    }

    /// `DryRunOperation` when `DryRun=true` (EC2's way of saying the call would succeed).
    pub(crate) fn dry_run(&self) -> Result<(), ApiError> {
        if self.get("DryRun") == Some("true") {
            return Err(ApiError::new(
                412,
                "DryRunOperation",
                "Request would have succeeded, but DryRun flag is set.",
            ));
        }
        Ok(())
    }

    /// The tags of `TagSpecification.N` entries for `resource` (`instance`, `vpc`, ...).
    pub(crate) fn tags_for(&self, resource: &str) -> Vec<(String, String)> {
        let mut tags = Vec::new();
        for n in 1..=20 {
            if self.get(&format!("TagSpecification.{n}.ResourceType")) != Some(resource) {
                continue;
            }
            for m in 1..=50 {
                if let Some(k) = self.get(&format!("TagSpecification.{n}.Tag.{m}.Key")) {
                    let v = self
                        .get(&format!("TagSpecification.{n}.Tag.{m}.Value"))
                        .unwrap_or_default();
                    tags.push((k.to_owned(), v.to_owned()));
                }
            }
        }
        tags
    }

    /// Where a page starts: 0 without a `NextToken`, else the offset the emulator's own token
    /// (`emu-<offset>`) carries; any other token is `InvalidParameterValue`.
    pub(crate) fn page_start(&self) -> Result<usize, ApiError> {
        match self.get("NextToken") {
            None | Some("") => Ok(0),
            Some(t) => t
                .strip_prefix("emu-")
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| {
                    ApiError::new(400, "InvalidParameterValue", "Invalid value for NextToken")
                }),
        }
    }

    /// `Filter.N.Name` + `Filter.N.Value.M`.
    pub(crate) fn filters(&self) -> Vec<(String, Vec<String>)> {
        (1..=50)
            .filter_map(|n| {
                let name = self.get(&format!("Filter.{n}.Name"))?;
                Some((name.to_owned(), self.list(&format!("Filter.{n}.Value"))))
            })
            .collect()
    }

    pub(crate) fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.get(name)
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    ApiError::new(
                        400,
                        "InvalidParameterValue",
                        format!("Value ({v}) for parameter {name} is invalid."),
                    )
                })
            })
            .transpose()
    }
}

/// Handles one AWS request.
pub(crate) async fn handle(shared: &Shared, req: Incoming) -> Response {
    let rid = request_id();
    let auth = req.header("authorization").and_then(parse_sigv4);
    // A scope naming a service the emulator does not serve is checked like EC2, then refused.
    let served = service(auth.as_ref().map(|a| a.service.as_str()));
    let service = served.unwrap_or(&ec2::SERVICE);
    let err = |e: ApiError| error_response(service, &rid, &e);
    let form = (req.method == "POST").then(|| String::from_utf8_lossy(&req.body).into_owned());
    let Some(params) = Params::parse(&req.query, form.as_deref(), false) else {
        return err(ApiError::new(
            400,
            "InvalidParameterValue",
            format!(
                "The request has more than {} parameters.",
                crate::wire::MAX_PARAMS
            ),
        ));
    };
    let params = Query(params);
    let Some(auth) = auth else {
        return err(if service.ec2_shape {
            ApiError::new(
                401,
                "AuthFailure",
                "Request is missing a valid AWS4-HMAC-SHA256 Authorization header.",
            )
        } else {
            ApiError::new(
                403,
                "MissingAuthenticationToken",
                "Request is missing a valid AWS4-HMAC-SHA256 Authorization header.",
            )
        });
    };
    let principal = match verify_aws(&shared.keys, shared.now(), &req, &auth, service.ec2_shape) {
        Ok(p) => p,
        Err(e) => return err(e),
    };
    let action = params.get("Action").unwrap_or_default().to_owned();
    // Classic ELB (`2012-06-01`) shares ELBv2's scope name; the version tells them apart.
    let served = served.and_then(|s| {
        if s.name != elbv2::SERVICE.name {
            return Some(s);
        }
        match params.get("Version") {
            Some(elbv2::VERSION) => Some(s),
            Some(elb::VERSION) => Some(&elb::SERVICE),
            _ => None,
        }
    });
    let found = served.and_then(|s| s.actions.iter().find(|(name, _)| *name == action));
    let Some(&(_, handler)) = found else {
        return err(invalid_action(&action));
    };
    let service = served.unwrap_or(service);
    let err = |e: ApiError| error_response(service, &rid, &e);
    let (ts, tc, tm) = service.throttle;
    let (ss, sc, sm) = service.server_error;
    let throttle = ApiError::new(ts, tc, tm);
    let server = ApiError::new(ss, sc, sm);
    let cx = Ctx {
        shared,
        region: &auth.region,
        principal: &principal,
        request_id: &rid,
    };
    let errors = FaultErrors {
        throttle,
        server_error: server,
        reject: ApiError::new(400, "InvalidParameterValue", rejected_message(&action)),
    };
    with_faults(shared, P, &auth.region, &action, err, errors, || {
        match handler(&cx, &params) {
            Ok(inner) => {
                let ns = service.namespace;
                let body = if service.ec2_shape {
                    format!("<requestId>{rid}</requestId>{inner}")
                } else {
                    format!(
                        "<{action}Result>{inner}</{action}Result><ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata>"
                    )
                };
                xml_response(
                    StatusCode::OK,
                    format!(
                        "{}<{action}Response xmlns=\"{ns}\">{body}</{action}Response>",
                        xml::DECLARATION
                    ),
                )
            }
            Err(e) => error_response(service, &rid, &e),
        }
    })
    .await
}

fn invalid_action(action: &str) -> ApiError {
    ApiError::new(
        400,
        "InvalidAction",
        format!("The action {action} is not valid for this web service."),
    )
}

fn xml_response(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml;charset=UTF-8"),
    );
    r
}

fn error_response(service: &Service, rid: &str, e: &ApiError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    let (code, message) = (xml::escape(&e.code), xml::escape(&e.message));
    let body = if service.ec2_shape {
        format!(
            "{}<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>{rid}</RequestID></Response>",
            xml::DECLARATION
        )
    } else {
        let kind = if e.status >= 500 {
            "Receiver"
        } else {
            "Sender"
        };
        format!(
            "<ErrorResponse xmlns=\"{}\"><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>{rid}</RequestId></ErrorResponse>",
            service.namespace
        )
    };
    xml_response(status, body)
}
