//! Tencent STS `2018-08-13`: `AssumeRole` and `GetCallerIdentity`.

use std::time::Duration;

use serde_json::{Map, Value, json};
use unicloud_tencent::generated::sts;

use super::{Handler, P, Service, typed};
use crate::auth::{ApiError, Principal, TENCENT_ACCOUNT};
use crate::server::Ctx;
use crate::util::{iso8601, unix};

/// STS as the emulator serves it.
pub(crate) const SERVICE: Service = Service {
    name: "sts",
    actions: ACTIONS,
};

const ACTIONS: &[(&str, Handler)] = &[
    ("AssumeRole", assume_role),
    ("GetCallerIdentity", |cx, _| {
        Ok(caller_identity(cx.principal))
    }),
];

fn assume_role(cx: &Ctx<'_>, params: Value) -> Result<Map<String, Value>, ApiError> {
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
    let now = cx.shared.now();
    let c = cx.shared.keys.issue(
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
