//! The vendor-neutral model: backend pools, backends, their health and what a change did.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};
use unicloud_core::{Error, Provider};

/// Where backends attach: one reference type for the four models of the three clouds.
///
/// Each variant has a string form a person can type (the CLI's `--pool`), parsed and checked
/// by [`FromStr`] and printed back by [`Display`](fmt::Display):
///
/// | form | variant | cloud |
/// |---|---|---|
/// | `arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID` | [`BackendPool::TargetGroup`] | AWS ELBv2 |
/// | `elb:NAME` | [`BackendPool::ClassicLoadBalancer`] | AWS classic ELB |
/// | `lb-xxxxxxxx/lbl-yyyyyyyy[/loc-zzzzzzzz]` | [`BackendPool::ClbListener`] | Tencent Cloud CLB |
/// | `lb-xxxx[:PORT][/rsp-zzzz]` | [`BackendPool::SlbServerGroup`] | Alibaba Cloud SLB |
///
/// ```
/// use unicloud_lb::BackendPool;
/// use unicloud_core::Provider;
///
/// let pool: BackendPool = "lb-b7pj5p3q/lbl-qe0xmaxa/loc-hq3nqx0p".parse()?;
/// assert_eq!(pool.provider(), Provider::Tencent);
/// assert_eq!(pool.to_string(), "lb-b7pj5p3q/lbl-qe0xmaxa/loc-hq3nqx0p");
///
/// let pool: BackendPool = "lb-bp1qjwo61pqz3ahmtd5bk:80".parse()?;
/// assert_eq!(pool.provider(), Provider::Alibaba);
///
/// assert!("lb-b7pj5p3q/lbl-".parse::<BackendPool>().is_err());
/// # Ok::<_, unicloud_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BackendPool {
    /// An AWS ELBv2 target group, by ARN (application, network and gateway load balancers).
    TargetGroup {
        /// `arn:PARTITION:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID`.
        arn: String,
    },
    /// An AWS classic load balancer, by name: its instances are the pool.
    ClassicLoadBalancer {
        /// The load balancer's name (1–32 letters, digits and hyphens).
        name: String,
    },
    /// A Tencent Cloud CLB listener (layer 4), or one forwarding rule of a layer-7 listener.
    ClbListener {
        /// `lb-` + 8 characters.
        load_balancer_id: String,
        /// `lbl-` + 8 characters.
        listener_id: String,
        /// `loc-` + 8 characters: the layer-7 rule, when the listener has several.
        location_id: Option<String>,
    },
    /// An Alibaba Cloud SLB load balancer's default server group, or one of its VServer
    /// groups; the listener port narrows health to that listener.
    SlbServerGroup {
        /// `lb-` + the rest of the id.
        load_balancer_id: String,
        /// The front-end port of one listener, for health.
        listener_port: Option<u16>,
        /// `rsp-…`: a VServer group instead of the default server group.
        vserver_group_id: Option<String>,
    },
}

impl BackendPool {
    /// An ELBv2 target group (its ARN is checked when the pool is used).
    pub fn target_group(arn: impl Into<String>) -> Self {
        BackendPool::TargetGroup { arn: arn.into() }
    }

    /// A classic load balancer by name.
    pub fn classic(name: impl Into<String>) -> Self {
        BackendPool::ClassicLoadBalancer { name: name.into() }
    }

    /// A Tencent Cloud CLB listener.
    pub fn clb_listener(
        load_balancer_id: impl Into<String>,
        listener_id: impl Into<String>,
    ) -> Self {
        BackendPool::ClbListener {
            load_balancer_id: load_balancer_id.into(),
            listener_id: listener_id.into(),
            location_id: None,
        }
    }

    /// An Alibaba Cloud SLB load balancer's default server group.
    pub fn slb(load_balancer_id: impl Into<String>) -> Self {
        BackendPool::SlbServerGroup {
            load_balancer_id: load_balancer_id.into(),
            listener_port: None,
            vserver_group_id: None,
        }
    }

    /// The cloud this pool lives on.
    pub fn provider(&self) -> Provider {
        match self {
            BackendPool::TargetGroup { .. } | BackendPool::ClassicLoadBalancer { .. } => {
                Provider::Aws
            }
            BackendPool::ClbListener { .. } => Provider::Tencent,
            BackendPool::SlbServerGroup { .. } => Provider::Alibaba,
        }
    }

    /// What the pool is, for messages (`target group`, `CLB listener`).
    pub fn kind_name(&self) -> &'static str {
        match self {
            BackendPool::TargetGroup { .. } => "target group",
            BackendPool::ClassicLoadBalancer { .. } => "classic load balancer",
            BackendPool::ClbListener {
                location_id: None, ..
            } => "CLB listener",
            BackendPool::ClbListener { .. } => "CLB forwarding rule",
            BackendPool::SlbServerGroup {
                vserver_group_id: None,
                ..
            } => "SLB default server group",
            BackendPool::SlbServerGroup { .. } => "SLB VServer group",
        }
    }

    /// Checks every part of the pool's form: see the [type docs](BackendPool).
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |what: &str, value: &str, expected: &str| {
            Err(Error::invalid_input(format!(
                "`{}` is not a valid {what} (expected {expected})",
                shown(value)
            ))
            .with_provider(self.provider()))
        };
        match self {
            BackendPool::TargetGroup { arn } => {
                if !valid_target_group_arn(arn) {
                    return bad(
                        "target group ARN",
                        arn,
                        "arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID",
                    );
                }
            }
            BackendPool::ClassicLoadBalancer { name } => {
                if !valid_elb_name(name) {
                    return bad(
                        "classic load balancer name",
                        name,
                        "1 to 32 letters, digits and hyphens, not starting or ending with a hyphen",
                    );
                }
            }
            BackendPool::ClbListener {
                load_balancer_id,
                listener_id,
                location_id,
            } => {
                if !tencent_id(load_balancer_id, "lb-") {
                    return bad(
                        "CLB load balancer id",
                        load_balancer_id,
                        "lb- and 8 letters or digits",
                    );
                }
                if !tencent_id(listener_id, "lbl-") {
                    return bad(
                        "CLB listener id",
                        listener_id,
                        "lbl- and 8 letters or digits",
                    );
                }
                if let Some(loc) = location_id
                    && !tencent_id(loc, "loc-")
                {
                    return bad(
                        "CLB rule (location) id",
                        loc,
                        "loc- and 8 letters or digits",
                    );
                }
            }
            BackendPool::SlbServerGroup {
                load_balancer_id,
                listener_port,
                vserver_group_id,
            } => {
                if !alibaba_id(load_balancer_id, "lb-") {
                    return bad(
                        "SLB load balancer id",
                        load_balancer_id,
                        "lb- and 8 to 40 lower-case letters or digits",
                    );
                }
                if *listener_port == Some(0) {
                    return bad("SLB listener port", "0", "1 to 65535");
                }
                if let Some(g) = vserver_group_id
                    && !alibaba_id(g, "rsp-")
                {
                    return bad(
                        "SLB VServer group id",
                        g,
                        "rsp- and 8 to 40 lower-case letters or digits",
                    );
                }
            }
        }
        Ok(())
    }
}

impl fmt::Display for BackendPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackendPool::TargetGroup { arn } => f.write_str(arn),
            BackendPool::ClassicLoadBalancer { name } => write!(f, "elb:{name}"),
            BackendPool::ClbListener {
                load_balancer_id,
                listener_id,
                location_id,
            } => {
                write!(f, "{load_balancer_id}/{listener_id}")?;
                if let Some(l) = location_id {
                    write!(f, "/{l}")?;
                }
                Ok(())
            }
            BackendPool::SlbServerGroup {
                load_balancer_id,
                listener_port,
                vserver_group_id,
            } => {
                f.write_str(load_balancer_id)?;
                if let Some(p) = listener_port {
                    write!(f, ":{p}")?;
                }
                if let Some(g) = vserver_group_id {
                    write!(f, "/{g}")?;
                }
                Ok(())
            }
        }
    }
}

impl FromStr for BackendPool {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let unknown = || {
            Error::invalid_input(format!(
                "`{}` is not a backend pool: expected a target group ARN, `elb:NAME`, \
                 `lb-…/lbl-…[/loc-…]` (Tencent Cloud CLB) or `lb-…[:PORT][/rsp-…]` (Alibaba Cloud SLB)",
                shown(s)
            ))
        };
        let pool = if s.starts_with("arn:") {
            BackendPool::target_group(s)
        } else if let Some(name) = s.strip_prefix("elb:") {
            BackendPool::classic(name)
        } else if s.starts_with("lb-") {
            let mut parts = s.split('/');
            let head = parts.next().unwrap_or_default();
            let second = parts.next();
            let third = parts.next();
            if parts.next().is_some() {
                return Err(unknown());
            }
            match second {
                Some(l) if l.starts_with("lbl-") => BackendPool::ClbListener {
                    load_balancer_id: head.to_owned(),
                    listener_id: l.to_owned(),
                    location_id: third.map(str::to_owned),
                },
                Some(g) if third.is_none() && g.starts_with("rsp-") => {
                    slb_head(head, Some(g.to_owned())).ok_or_else(unknown)?
                }
                None => slb_head(head, None).ok_or_else(unknown)?,
                Some(_) => return Err(unknown()),
            }
        } else {
            return Err(unknown());
        };
        pool.validate()?;
        Ok(pool)
    }
}

/// `lb-ID[:PORT]` of an SLB pool.
fn slb_head(head: &str, group: Option<String>) -> Option<BackendPool> {
    let (id, port) = match head.split_once(':') {
        Some((id, port)) => (id, Some(port.parse::<u16>().ok()?)),
        None => (head, None),
    };
    Some(BackendPool::SlbServerGroup {
        load_balancer_id: id.to_owned(),
        listener_port: port,
        vserver_group_id: group,
    })
}

fn valid_target_group_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [scheme, partition, service, region, account, resource] = parts[..] else {
        return false;
    };
    let Some(rest) = resource.strip_prefix("targetgroup/") else {
        return false;
    };
    let Some((name, id)) = rest.split_once('/') else {
        return false;
    };
    scheme == "arn"
        && partition.starts_with("aws")
        && service == "elasticloadbalancing"
        && !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && valid_elb_name(name)
        && !id.is_empty()
        && id.len() <= 32
        && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// ELB names: 1–32 letters, digits and hyphens, no leading or trailing hyphen.
fn valid_elb_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// `prefix` + 8 lower-case letters or digits (Tencent's short ids).
pub(crate) fn tencent_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix).is_some_and(|rest| {
        rest.len() == 8
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// `prefix` + 8 to 40 lower-case letters or digits (Alibaba's ids).
pub(crate) fn alibaba_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix).is_some_and(|rest| {
        (8..=40).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// A value as shown in a message: control characters escaped, at most 80 characters.
pub(crate) fn shown(s: &str) -> String {
    let mut out: String = s.chars().take(80).flat_map(char::escape_debug).collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    out
}

/// One backend: an instance (or, on ELBv2 IP target groups, an IPv4 address), with the port
/// and weight where the pool takes them.
///
/// String form `ID[:PORT[:WEIGHT]]` (the CLI's `--backend`):
///
/// ```
/// use unicloud_lb::Backend;
///
/// let b: Backend = "ins-r8hr2upy:80:10".parse()?;
/// assert_eq!(b.instance_id, "ins-r8hr2upy");
/// assert_eq!((b.port, b.weight), (Some(80), Some(10)));
/// assert_eq!(b.to_string(), "ins-r8hr2upy:80:10");
/// assert!("i-1:0".parse::<Backend>().is_err());
/// # Ok::<_, unicloud_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct Backend {
    /// The instance id (`i-…`, `ins-…`), or an IP address where the pool registers IPs.
    pub instance_id: String,
    /// The backend port; `None` where the pool decides it (an ELBv2 target group's port, a
    /// classic ELB listener's instance port, an SLB listener's backend port).
    pub port: Option<u16>,
    /// The weight (Tencent and Alibaba, 0–100); `None` for the vendor's default.
    pub weight: Option<u32>,
    /// The private IP the vendor reports for the backend (read only: ignored in requests).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
}

impl Backend {
    /// A backend with the pool's default port and weight.
    pub fn new(instance_id: impl Into<String>) -> Self {
        Self {
            instance_id: instance_id.into(),
            port: None,
            weight: None,
            ip: None,
        }
    }

    /// With a port.
    #[must_use]
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// With a weight.
    #[must_use]
    pub fn with_weight(mut self, weight: u32) -> Self {
        self.weight = Some(weight);
        self
    }

    /// Whether `self` (a backend asked for) names `member` (a backend the pool has): the same
    /// id, and the same port when a port is asked for.
    pub(crate) fn names(&self, member: &Backend) -> bool {
        self.instance_id == member.instance_id && self.port.is_none_or(|p| member.port == Some(p))
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.instance_id)?;
        match (self.port, self.weight) {
            (Some(p), Some(w)) => write!(f, ":{p}:{w}"),
            (Some(p), None) => write!(f, ":{p}"),
            (None, Some(w)) => write!(f, "::{w}"),
            (None, None) => Ok(()),
        }
    }
}

impl FromStr for Backend {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = |why: &str| {
            Error::invalid_input(format!(
                "`{}` is not a backend ({why}; expected ID[:PORT[:WEIGHT]])",
                shown(s)
            ))
        };
        let mut parts = s.split(':');
        let id = parts.next().unwrap_or_default();
        if id.is_empty()
            || id.len() > 64
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
        {
            return Err(bad("the id is empty or has characters ids do not have"));
        }
        let mut b = Backend::new(id);
        if let Some(p) = parts.next().filter(|p| !p.is_empty()) {
            b.port = Some(
                p.parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| bad("the port is not 1 to 65535"))?,
            );
        }
        if let Some(w) = parts.next() {
            b.weight = Some(
                w.parse::<u32>()
                    .ok()
                    .filter(|w| *w <= 100)
                    .ok_or_else(|| bad("the weight is not 0 to 100"))?,
            );
        }
        if parts.next().is_some() {
            return Err(bad("too many parts"));
        }
        Ok(b)
    }
}

/// A backend's health, the same on every cloud.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HealthState {
    /// Passing health checks: receives traffic.
    Healthy,
    /// Failing health checks, or its instance is stopped.
    Unhealthy,
    /// Registration in progress, or the first health checks are pending.
    Initial,
    /// Being deregistered: in-flight connections drain, no new ones arrive.
    Draining,
    /// Registered but receiving no traffic by configuration: no listener uses the pool, the
    /// listener is stopped, health checks are off, or the zone is disabled; also a backend
    /// asked about that is not registered.
    Unused,
    /// A state unicloud does not know (the vendor's raw value).
    Unknown(String),
}

impl HealthState {
    /// A short stable name: `healthy`, `unhealthy`, `initial`, `draining`, `unused`, `unknown`.
    pub fn as_str(&self) -> &str {
        match self {
            HealthState::Healthy => "healthy",
            HealthState::Unhealthy => "unhealthy",
            HealthState::Initial => "initial",
            HealthState::Draining => "draining",
            HealthState::Unused => "unused",
            HealthState::Unknown(_) => "unknown",
        }
    }
}

impl fmt::Display for HealthState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for HealthState {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One backend of a pool with its health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct BackendHealth {
    /// The backend as the vendor reports it (its port, weight and IP where it says).
    pub backend: Backend,
    /// The unified state.
    pub state: HealthState,
    /// The vendor's own state (`healthy`, `InService`, `Alive`, `normal`, …).
    pub raw_state: String,
    /// The vendor's reason or detail, where it gives one (`Target.FailedHealthChecks`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl BackendHealth {
    /// A backend in `state`, with the vendor's raw state.
    pub fn new(backend: Backend, state: HealthState, raw_state: impl Into<String>) -> Self {
        Self {
            backend,
            state,
            raw_state: raw_state.into(),
            reason: None,
        }
    }

    /// With the vendor's reason.
    #[must_use]
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        let r = reason.into();
        self.reason = (!r.is_empty()).then_some(r);
        self
    }

    /// Whether the backend still counts as registered (a draining one is leaving).
    pub(crate) fn registered(&self) -> bool {
        self.state != HealthState::Draining
    }
}

/// What a register or deregister call did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ChangeOutcome {
    /// The backends the call registered (or deregistered).
    pub changed: Vec<Backend>,
    /// The backends that were already registered (or already absent): nothing was sent
    /// for them.
    pub unchanged: Vec<Backend>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use unicloud_core::ErrorKind;

    #[test]
    fn every_pool_form_parses_and_prints_back() {
        for (s, provider) in [
            (
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef",
                Provider::Aws,
            ),
            (
                "arn:aws-cn:elasticloadbalancing:cn-north-1:123456789012:targetgroup/a-b/73e2d6bc24d8a067",
                Provider::Aws,
            ),
            ("elb:my-classic-lb", Provider::Aws),
            ("lb-b7pj5p3q/lbl-qe0xmaxa", Provider::Tencent),
            ("lb-b7pj5p3q/lbl-qe0xmaxa/loc-hq3nqx0p", Provider::Tencent),
            ("lb-bp1qjwo61pqz3ahmtd5bk", Provider::Alibaba),
            ("lb-bp1qjwo61pqz3ahmtd5bk:80", Provider::Alibaba),
            (
                "lb-bp1qjwo61pqz3ahmtd5bk/rsp-bp1c9ruhslsdc",
                Provider::Alibaba,
            ),
            (
                "lb-bp1qjwo61pqz3ahmtd5bk:443/rsp-bp1c9ruhslsdc",
                Provider::Alibaba,
            ),
        ] {
            let pool: BackendPool = s.parse().unwrap();
            assert_eq!(pool.provider(), provider, "{s}");
            assert_eq!(pool.to_string(), s);
        }
    }

    #[test]
    fn malformed_pools_are_invalid_input_and_say_what_was_expected() {
        for s in [
            "",
            "tg-1",
            "arn:aws:ec2:us-east-1:123456789012:instance/i-1",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/1",
            "arn:aws:elasticloadbalancing:us-east-1:12345:targetgroup/web/0123456789abcdef",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/xyz",
            "elb:",
            "elb:-x",
            "elb:has space",
            "lb-b7pj5p3q/lbl-",
            "lb-B7PJ5P3Q/lbl-qe0xmaxa",
            "lb-b7pj5p3q/lbl-qe0xmaxa/rsp-1",
            "lb-b7pj5p3q/lbl-qe0xmaxa/loc-hq3nqx0p/x",
            "lb-bp1qjwo61pqz3ahmtd5bk:0",
            "lb-bp1qjwo61pqz3ahmtd5bk:70000",
            "lb-bp1qjwo61pqz3ahmtd5bk/xyz",
            "lb-bp1\n",
        ] {
            let err = s.parse::<BackendPool>().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{s:?}");
            assert!(!err.message().contains('\n'), "{s:?}: {err}");
        }
        let err = "lb-b7pj5p3q/lbl-".parse::<BackendPool>().unwrap_err();
        assert!(err.message().contains("lbl- and 8"), "{err}");
    }

    #[test]
    fn backends_parse_with_port_and_weight() {
        let b: Backend = "i-0123456789abcdef0".parse().unwrap();
        assert_eq!(b, Backend::new("i-0123456789abcdef0"));
        let b: Backend = "i-1:8080".parse().unwrap();
        assert_eq!(b.port, Some(8080));
        let b: Backend = "i-1::50".parse().unwrap();
        assert_eq!((b.port, b.weight), (None, Some(50)));
        assert_eq!(b.to_string(), "i-1::50");
        for s in [
            "",
            ":80",
            "i-1:0",
            "i-1:x",
            "i-1:80:101",
            "i-1:80:1:2",
            "i 1",
            "i-1:-1",
        ] {
            assert_eq!(
                s.parse::<Backend>().unwrap_err().kind(),
                ErrorKind::InvalidInput,
                "{s:?}"
            );
        }
    }

    #[test]
    fn a_backend_asked_for_without_a_port_names_every_port() {
        let member = Backend::new("i-1").with_port(80);
        assert!(Backend::new("i-1").names(&member));
        assert!(Backend::new("i-1").with_port(80).names(&member));
        assert!(!Backend::new("i-1").with_port(81).names(&member));
        assert!(!Backend::new("i-2").names(&member));
    }

    #[test]
    fn health_serialises_as_plain_names() {
        let h = BackendHealth::new(
            Backend::new("i-1").with_port(80),
            HealthState::Healthy,
            "healthy",
        );
        let v = serde_json::to_value(&h).unwrap();
        assert_eq!(v["state"], "healthy");
        assert_eq!(v["backend"]["port"], 80);
        assert!(v.get("reason").is_none());
        assert_eq!(HealthState::Unknown("x".into()).to_string(), "unknown");
    }
}
