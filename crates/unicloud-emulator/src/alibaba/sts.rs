//! Alibaba STS `2015-04-01`: `AssumeRole` and `GetCallerIdentity`.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::{Handler, P, Rpc, Service};
use crate::auth::{ApiError, Principal};
use crate::server::Ctx;
use crate::util::iso8601;

/// STS as the emulator serves it.
pub(crate) const SERVICE: Service = Service {
    product: "Sts",
    version: "2015-04-01",
    actions: ACTIONS,
};

const ACTIONS: &[(&str, Handler)] = &[
    ("AssumeRole", assume_role),
    ("GetCallerIdentity", |cx, _| {
        Ok(caller_identity(cx.principal))
    }),
];

fn assume_role(cx: &Ctx<'_>, p: &Rpc) -> Result<Map<String, Value>, ApiError> {
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
    let c = cx.shared.keys.issue(
        P,
        cx.shared.now(),
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
