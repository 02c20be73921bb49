//! AWS Query protocol: EC2 (`2016-11-15` XML) compute and STS (`2011-06-15`).

use std::fmt::Write as _;
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use unicloud_core::Provider;

use crate::auth::{AWS_ACCOUNT, ApiError, Principal, parse_sigv4, verify_aws};
use crate::server::{Incoming, Shared, with_faults};
use crate::state::{Instance, InstanceState, TokenRecord, settle_region};
use crate::util::{
    HEX, iso8601, iso8601_millis, parse_pairs, random_from, request_id, xml_escape as x,
};

const P: Provider = Provider::Aws;
const EC2_NS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";
const STS_NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Service {
    Ec2,
    Sts,
}

struct Params(Vec<(String, String)>);

impl Params {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name).filter(|v| !v.is_empty()).ok_or_else(|| {
            ApiError::new(
                400,
                "MissingParameter",
                format!("The request must contain the parameter {name}"),
            )
        })
    }

    fn list(&self, prefix: &str) -> Vec<String> {
        let prefix = format!("{prefix}.");
        let mut v: Vec<(usize, String)> = self
            .0
            .iter()
            .filter_map(|(k, val)| Some((k.strip_prefix(&prefix)?.parse().ok()?, val.clone())))
            .collect();
        v.sort_by_key(|(i, _)| *i);
        v.into_iter().map(|(_, s)| s).collect()
    }

    /// `Filter.N.Name` + `Filter.N.Value.M`.
    fn filters(&self) -> Vec<(String, Vec<String>)> {
        (1..=50)
            .filter_map(|n| {
                let name = self.get(&format!("Filter.{n}.Name"))?;
                Some((name.to_owned(), self.list(&format!("Filter.{n}.Value"))))
            })
            .collect()
    }

    fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
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
    let mut pairs = parse_pairs(&req.query, false);
    if req.method == "POST" {
        pairs.extend(parse_pairs(&String::from_utf8_lossy(&req.body), true));
    }
    let params = Params(pairs);
    let auth = req.header("authorization").and_then(parse_sigv4);
    let service = match auth.as_ref().map(|a| a.service.as_str()) {
        Some("sts") => Service::Sts,
        _ => Service::Ec2,
    };
    let err = |e: ApiError| error_response(service, &rid, &e);
    let Some(auth) = auth else {
        return err(ApiError::new(
            if service == Service::Ec2 { 401 } else { 403 },
            if service == Service::Ec2 {
                "AuthFailure"
            } else {
                "MissingAuthenticationToken"
            },
            "Request is missing a valid AWS4-HMAC-SHA256 Authorization header.",
        ));
    };
    let principal = match verify_aws(
        &shared.keys,
        shared.now(),
        &req,
        &auth,
        service == Service::Ec2,
    ) {
        Ok(p) => p,
        Err(e) => return err(e),
    };
    let action = params.get("Action").unwrap_or_default().to_owned();
    let known = match service {
        Service::Ec2 => matches!(
            action.as_str(),
            "RunInstances"
                | "DescribeInstances"
                | "StartInstances"
                | "StopInstances"
                | "TerminateInstances"
        ),
        Service::Sts => matches!(action.as_str(), "AssumeRole" | "GetCallerIdentity"),
    };
    if !known || !matches!(auth.service.as_str(), "ec2" | "sts") {
        return err(ApiError::new(
            400,
            "InvalidAction",
            format!("The action {action} is not valid for this web service."),
        ));
    }
    let (throttle, server) = match service {
        Service::Ec2 => (
            ApiError::new(503, "RequestLimitExceeded", "Request limit exceeded."),
            ApiError::new(500, "InternalError", "An internal error has occurred."),
        ),
        Service::Sts => (
            ApiError::new(400, "Throttling", "Rate exceeded"),
            ApiError::new(500, "InternalFailure", "An internal error has occurred."),
        ),
    };
    let region = auth.region.clone();
    with_faults(shared, P, &action, err, throttle, server, || {
        let result = match service {
            Service::Sts => sts(shared, &action, &principal, &params),
            Service::Ec2 => ec2(shared, &action, &region, &params, &rid),
        };
        match result {
            Ok(inner) => xml_response(
                StatusCode::OK,
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{action}Response xmlns=\"{}\">{}</{action}Response>",
                    if service == Service::Ec2 { EC2_NS } else { STS_NS },
                    if service == Service::Ec2 {
                        format!("<requestId>{rid}</requestId>{inner}")
                    } else {
                        format!("<{action}Result>{inner}</{action}Result><ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata>")
                    }
                ),
            ),
            Err(e) => error_response(service, &rid, &e),
        }
    })
    .await
}

fn xml_response(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml;charset=UTF-8"),
    );
    r
}

fn error_response(service: Service, rid: &str, e: &ApiError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    let body = match service {
        Service::Ec2 => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{}</Code><Message>{}</Message></Error></Errors><RequestID>{rid}</RequestID></Response>",
            x(&e.code),
            x(&e.message)
        ),
        Service::Sts => format!(
            "<ErrorResponse xmlns=\"{STS_NS}\"><Error><Type>{}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{rid}</RequestId></ErrorResponse>",
            if e.status >= 500 {
                "Receiver"
            } else {
                "Sender"
            },
            x(&e.code),
            x(&e.message)
        ),
    };
    xml_response(status, body)
}

fn sts(
    shared: &Shared,
    action: &str,
    principal: &Principal,
    p: &Params,
) -> Result<String, ApiError> {
    if action == "GetCallerIdentity" {
        let (arn, user) = match &principal.role {
            Some((role, session)) => {
                let name = role.rsplit('/').next().unwrap_or_default();
                (
                    format!("arn:aws:sts::{AWS_ACCOUNT}:assumed-role/{name}/{session}"),
                    format!("AROA{}:{session}", role_id(role)),
                )
            }
            None => (
                format!("arn:aws:iam::{AWS_ACCOUNT}:user/emulator"),
                format!("AIDA{}", role_id(&principal.access_key_id)),
            ),
        };
        return Ok(format!(
            "<Arn>{}</Arn><UserId>{}</UserId><Account>{AWS_ACCOUNT}</Account>",
            x(&arn),
            x(&user)
        ));
    }
    let role = p.required("RoleArn")?;
    let session = p.required("RoleSessionName")?;
    let secs = p.int("DurationSeconds")?.unwrap_or(3600);
    if !(900..=43200).contains(&secs) {
        return Err(ApiError::new(
            400,
            "ValidationError",
            "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint",
        ));
    }
    if !role.starts_with("arn:aws:iam::") {
        return Err(ApiError::new(
            400,
            "ValidationError",
            "RoleArn is not a valid IAM role ARN.",
        ));
    }
    let c = shared.keys.issue(
        P,
        shared.now(),
        Duration::from_secs(secs.unsigned_abs()),
        role,
        session,
    );
    let name = role.rsplit('/').next().unwrap_or_default();
    let account = role
        .strip_prefix("arn:aws:iam::")
        .and_then(|r| r.split(':').next())
        .unwrap_or(AWS_ACCOUNT);
    Ok(format!(
        "<Credentials><AccessKeyId>{}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey><SessionToken>{}</SessionToken><Expiration>{}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROA{}:{}</AssumedRoleId><Arn>arn:aws:sts::{}:assumed-role/{}/{}</Arn></AssumedRoleUser><PackedPolicySize>0</PackedPolicySize>",
        c.access_key_id,
        c.secret,
        c.token,
        iso8601(c.expires),
        role_id(role),
        x(session),
        x(account),
        x(name),
        x(session)
    ))
}

fn role_id(seed: &str) -> String {
    crate::util::sha256_hex(seed.as_bytes())
        .get(..17)
        .unwrap_or_default()
        .to_uppercase()
}

fn state_xml(tag: &str, s: InstanceState) -> String {
    format!(
        "<{tag}><code>{}</code><name>{}</name></{tag}>",
        s.aws_code(),
        s.aws_name()
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
        "instance-state-name" => i.state.aws_name().to_owned(),
        "instance-state-code" => i.state.aws_code().to_string(),
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
fn glob(pattern: &str, text: &str) -> bool {
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

fn ec2(
    shared: &Shared,
    action: &str,
    region: &str,
    p: &Params,
    rid: &str,
) -> Result<String, ApiError> {
    if p.get("DryRun") == Some("true") {
        return Err(ApiError::new(
            412,
            "DryRunOperation",
            "Request would have succeeded, but DryRun flag is set.",
        ));
    }
    let now = shared.now();
    let mut world = shared
        .world
        .lock()
        .map_err(|_| ApiError::new(500, "InternalError", "The emulator state is unavailable."))?;
    let seq_base = world.next_seq();
    let rs = world.region(P, region);
    settle_region(P, rs, now, shared.retention);
    match action {
        "RunInstances" => {
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
            let mut fp: Vec<(String, String)> = p.0.clone();
            fp.sort();
            let fingerprint = format!("{fp:?}");
            let token = p
                .get("ClientToken")
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            if let Some(t) = &token
                && let Some(rec) = rs.tokens.get(t)
            {
                if rec.fingerprint != fingerprint {
                    return Err(ApiError::new(
                        400,
                        "IdempotentParameterMismatch",
                        "The client token you have provided is associated with a resource that is already deleted or has different parameters.",
                    ));
                }
                let items: String = rec
                    .ids
                    .iter()
                    .filter_map(|id| rs.instances.get(id))
                    .map(instance_xml)
                    .collect();
                return Ok(reservation_xml(&rec.reservation_id, &items));
            }
            let mut tags = Vec::new();
            for n in 1..=20 {
                let Some(rt) = p.get(&format!("TagSpecification.{n}.ResourceType")) else {
                    continue;
                };
                if rt != "instance" {
                    continue;
                }
                for m in 1..=50 {
                    if let Some(k) = p.get(&format!("TagSpecification.{n}.Tag.{m}.Key")) {
                        let v = p
                            .get(&format!("TagSpecification.{n}.Tag.{m}.Value"))
                            .unwrap_or_default();
                        tags.push((k.to_owned(), v.to_owned()));
                    }
                }
            }
            let reservation = format!("r-{}", random_from(HEX, 17));
            let zone = p
                .get("Placement.AvailabilityZone")
                .map_or_else(|| format!("{region}a"), str::to_owned);
            let mut items = String::new();
            let mut ids = Vec::new();
            for n in 0..count {
                let id = format!("i-{}", random_from(HEX, 17));
                let seq = seq_base * 1000 + u64::try_from(n).unwrap_or(0);
                let mut inst = Instance {
                    id: id.clone(),
                    region: region.to_owned(),
                    zone: zone.clone(),
                    name: tags
                        .iter()
                        .find(|(k, _)| k == "Name")
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default(),
                    image_id: image.clone(),
                    instance_type: p.get("InstanceType").unwrap_or("m1.small").to_owned(),
                    vpc_id: "vpc-1a2b3c4d".to_owned(),
                    subnet_id: p.get("SubnetId").unwrap_or("subnet-1a2b3c4d").to_owned(),
                    private_ip: format!("172.31.{}.{}", (seq / 250) % 250, seq % 250 + 4),
                    tags: tags.clone(),
                    state: InstanceState::Pending,
                    pending: None,
                    created: now,
                    client_token: token.clone().unwrap_or_default(),
                    reservation_id: reservation.clone(),
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
                items.push_str(&instance_xml(&inst));
                rs.instances.insert(id.clone(), inst);
                ids.push(id);
            }
            if let Some(t) = token {
                rs.tokens.insert(
                    t,
                    TokenRecord {
                        fingerprint,
                        ids,
                        reservation_id: reservation.clone(),
                    },
                );
            }
            Ok(reservation_xml(&reservation, &items))
        }
        "DescribeInstances" => {
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
            let missing: Vec<&String> = ids
                .iter()
                .filter(|i| !rs.instances.contains_key(*i))
                .collect();
            if !missing.is_empty() {
                return Err(not_found(&missing));
            }
            let mut list: Vec<&Instance> = rs.instances.values().collect();
            list.sort_by_key(|i| i.seq);
            if !ids.is_empty() {
                list.retain(|i| ids.contains(&i.id));
            }
            for (name, values) in p.filters() {
                let probe = list.first().map(|i| filter_match(i, &name, &values));
                if probe == Some(None)
                    || (list.is_empty()
                        && filter_match(&Instance::template(P, region, "i-0"), &name, &values)
                            .is_none())
                {
                    return Err(ApiError::new(
                        400,
                        "InvalidParameterValue",
                        format!("The filter '{name}' is invalid"),
                    ));
                }
                list.retain(|i| filter_match(i, &name, &values) == Some(true));
            }
            let start = match p.get("NextToken") {
                None | Some("") => 0,
                Some(t) => t
                    .strip_prefix("emu-")
                    .and_then(|n| n.parse::<usize>().ok())
                    .ok_or_else(|| {
                        ApiError::new(400, "InvalidParameterValue", "Invalid value for NextToken")
                    })?,
            };
            let size = max.map_or(usize::MAX, |m| usize::try_from(m).unwrap_or(1000));
            let page: Vec<&Instance> = list.iter().skip(start).take(size).copied().collect();
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
            if start.saturating_add(size) < list.len() {
                let _ = write!(out, "<nextToken>emu-{}</nextToken>", start + size);
            }
            Ok(out)
        }
        _ => {
            let ids = p.list("InstanceId");
            if ids.is_empty() {
                p.required("InstanceId.1")?;
            }
            check_ids(&ids)?;
            let missing: Vec<&String> = ids
                .iter()
                .filter(|i| !rs.instances.contains_key(*i))
                .collect();
            if !missing.is_empty() {
                return Err(not_found(&missing));
            }
            use InstanceState as S;
            for id in &ids {
                if let Some(i) = rs.instances.get(id) {
                    let ok = match action {
                        "StartInstances" => {
                            matches!(i.state, S::Stopped | S::Running | S::Pending | S::Starting)
                        }
                        "StopInstances" => matches!(i.state, S::Running | S::Stopped | S::Stopping),
                        _ => true,
                    };
                    if !ok {
                        return Err(ApiError::new(
                            400,
                            "IncorrectInstanceState",
                            format!(
                                "The instance '{id}' is not in a state from which it can be {}.",
                                match action {
                                    "StartInstances" => "started",
                                    _ => "stopped",
                                }
                            ),
                        ));
                    }
                }
            }
            let mut out = String::from("<instancesSet>");
            for id in &ids {
                if let Some(i) = rs.instances.get_mut(id) {
                    let prev = i.state;
                    match (action, prev) {
                        ("StartInstances", S::Stopped) => {
                            i.begin(S::Pending, S::Running, now, shared.delay)
                        }
                        ("StopInstances", S::Running) => {
                            i.begin(S::Stopping, S::Stopped, now, shared.delay)
                        }
                        ("TerminateInstances", s)
                            if !matches!(s, S::Terminated | S::ShuttingDown) =>
                        {
                            i.begin(S::ShuttingDown, S::Terminated, now, shared.delay)
                        }
                        _ => {}
                    }
                    i.last_action = action.to_owned();
                    let _ = write!(
                        out,
                        "<item><instanceId>{}</instanceId>{}{}</item>",
                        x(id),
                        state_xml("currentState", i.state),
                        state_xml("previousState", prev)
                    );
                }
            }
            out.push_str("</instancesSet>");
            Ok(out)
        }
    }
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

fn not_found(ids: &[&String]) -> ApiError {
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
