//! AWS STS `2011-06-15`: `AssumeRole` (temporary keys that the other services accept until
//! they expire) and `GetCallerIdentity`.

use std::time::Duration;

use super::{Handler, P, Query, Service};
use crate::auth::{AWS_ACCOUNT, ApiError};
use crate::server::Ctx;
use crate::util::iso8601;
use crate::wire::xml::escape as x;

/// STS as the emulator serves it.
pub(crate) const SERVICE: Service = Service {
    name: "sts",
    namespace: "https://sts.amazonaws.com/doc/2011-06-15/",
    ec2_shape: false,
    actions: ACTIONS,
    throttle: (400, "Throttling", "Rate exceeded"),
    server_error: (500, "InternalFailure", "An internal error has occurred."),
};

const ACTIONS: &[(&str, Handler)] = &[
    ("AssumeRole", assume_role),
    ("GetCallerIdentity", get_caller_identity),
];

fn get_caller_identity(cx: &Ctx<'_>, _: &Query) -> Result<String, ApiError> {
    let principal = cx.principal;
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
    Ok(format!(
        "<Arn>{}</Arn><UserId>{}</UserId><Account>{AWS_ACCOUNT}</Account>",
        x(&arn),
        x(&user)
    ))
}

fn assume_role(cx: &Ctx<'_>, p: &Query) -> Result<String, ApiError> {
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
    let c = cx.shared.keys.issue(
        P,
        cx.shared.now(),
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
