//! The provider-neutral compute model: instances, their states, filters, create specs and state
//! changes.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::SystemTime;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use unicloud_core::{Error, Provider};

/// The lifecycle state of an instance, common to every provider.
///
/// Each backend maps its vendor's state strings onto these (the table is in the
/// [crate docs](crate#instance-states)); a string no table knows becomes
/// [`InstanceState::Unknown`] with the raw value, and [`Instance::raw_state`] always keeps the
/// vendor's own word.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InstanceState {
    /// Being created.
    Pending,
    /// Running.
    Running,
    /// Being stopped.
    Stopping,
    /// Stopped (powered off, not destroyed).
    Stopped,
    /// Booting again after a stop (or rebooting).
    Starting,
    /// Being destroyed.
    Terminating,
    /// Destroyed (some providers keep destroyed instances visible for a while).
    Terminated,
    /// A vendor state no mapping knows, kept verbatim.
    Unknown(String),
}

impl InstanceState {
    /// Every known state, in lifecycle order (without `Unknown`).
    pub const ALL: [InstanceState; 7] = [
        InstanceState::Pending,
        InstanceState::Running,
        InstanceState::Stopping,
        InstanceState::Stopped,
        InstanceState::Starting,
        InstanceState::Terminating,
        InstanceState::Terminated,
    ];

    /// The unified name: `pending`, `running`, `stopping`, `stopped`, `starting`,
    /// `terminating`, `terminated`, or the raw vendor value for `Unknown`.
    pub fn as_str(&self) -> &str {
        match self {
            InstanceState::Pending => "pending",
            InstanceState::Running => "running",
            InstanceState::Stopping => "stopping",
            InstanceState::Stopped => "stopped",
            InstanceState::Starting => "starting",
            InstanceState::Terminating => "terminating",
            InstanceState::Terminated => "terminated",
            InstanceState::Unknown(raw) => raw,
        }
    }

    /// Whether the state is on the way out (`terminating` or `terminated`).
    pub fn is_gone(&self) -> bool {
        matches!(self, InstanceState::Terminating | InstanceState::Terminated)
    }

    /// Whether the state is a transition that ends by itself (`pending`, `starting`,
    /// `stopping`, `terminating`).
    pub fn is_transitional(&self) -> bool {
        matches!(
            self,
            InstanceState::Pending
                | InstanceState::Starting
                | InstanceState::Stopping
                | InstanceState::Terminating
        )
    }
}

impl fmt::Display for InstanceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InstanceState {
    type Err = Error;

    /// Parses a unified state name (case-insensitive). Vendor names are not accepted here: they
    /// are the backends' business.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        InstanceState::ALL
            .into_iter()
            .find(|st| st.as_str() == lower)
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "unknown instance state `{s}` (expected one of pending, running, stopping, \
                     stopped, starting, terminating, terminated)"
                ))
            })
    }
}

impl Serialize for InstanceState {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A compute instance, as every provider describes it.
///
/// It serializes with the seed's field names (`InstanceId`, `InstanceName`, `State`, ...), the
/// stable JSON shape for scripts; `CreatedAt` is RFC 3339.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Instance {
    /// Which cloud it lives in.
    #[serde(rename = "Provider", serialize_with = "provider_name")]
    pub provider: Provider,
    /// The instance id (`i-…` on AWS and Alibaba Cloud, `ins-…` on Tencent Cloud).
    #[serde(rename = "InstanceId")]
    pub id: String,
    /// The display name (AWS: the `Name` tag), if any.
    #[serde(rename = "InstanceName")]
    pub name: Option<String>,
    /// The unified state.
    #[serde(rename = "State")]
    pub state: InstanceState,
    /// The vendor's own state string (`running`, `RUNNING`, `Running`, ...).
    #[serde(rename = "RawState")]
    pub raw_state: String,
    /// The instance type (`t3.micro`, `S5.MEDIUM2`, `ecs.g7.large`).
    #[serde(rename = "InstanceType")]
    pub instance_type: Option<String>,
    /// The image it was created from.
    #[serde(rename = "ImageId")]
    pub image_id: Option<String>,
    /// The availability zone.
    #[serde(rename = "Zone")]
    pub zone: Option<String>,
    /// The VPC.
    #[serde(rename = "VpcId")]
    pub vpc_id: Option<String>,
    /// The subnet (Alibaba Cloud: the vSwitch).
    #[serde(rename = "SubnetId")]
    pub subnet_id: Option<String>,
    /// Private IPv4 addresses, primary first.
    #[serde(rename = "PrivateIpAddresses")]
    pub private_ips: Vec<String>,
    /// Public IPv4 addresses.
    #[serde(rename = "PublicIpAddresses")]
    pub public_ips: Vec<String>,
    /// Tags (key → value).
    #[serde(rename = "Tags")]
    pub tags: BTreeMap<String, String>,
    /// When the instance was created (launched), when the provider says.
    #[serde(rename = "CreatedAt", serialize_with = "rfc3339")]
    pub created_at: Option<SystemTime>,
}

fn rfc3339<S: serde::Serializer>(t: &Option<SystemTime>, s: S) -> Result<S::Ok, S::Error> {
    use time::format_description::well_known::Rfc3339;
    match t {
        None => s.serialize_none(),
        Some(t) => {
            let text = time::OffsetDateTime::from(*t)
                .format(&Rfc3339)
                .map_err(serde::ser::Error::custom)?;
            s.serialize_str(&text)
        }
    }
}

fn provider_name<S: serde::Serializer>(p: &Provider, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(p.as_str())
}

impl Instance {
    /// A blank instance of `provider` with this id and state; backends fill in the rest.
    pub fn new(provider: Provider, id: impl Into<String>, state: InstanceState) -> Self {
        Self {
            provider,
            id: id.into(),
            name: None,
            raw_state: state.as_str().to_owned(),
            state,
            instance_type: None,
            image_id: None,
            zone: None,
            vpc_id: None,
            subnet_id: None,
            private_ips: Vec::new(),
            public_ips: Vec::new(),
            tags: BTreeMap::new(),
            created_at: None,
        }
    }

    /// The primary private IPv4 address.
    pub fn private_ip(&self) -> Option<&str> {
        self.private_ips.first().map(String::as_str)
    }

    /// The value of tag `key`.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags.get(key).map(String::as_str)
    }
}

/// A unified filter key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum FilterKey {
    /// `state`: the unified state name.
    State,
    /// `name`: the display name (exact).
    Name,
    /// `zone`: the availability zone.
    Zone,
    /// `vpc`: the VPC id.
    Vpc,
    /// `subnet`: the subnet / vSwitch id.
    Subnet,
    /// `image`: the image id.
    Image,
    /// `instance-type`: the instance type.
    InstanceType,
    /// `private-ip`: a private IPv4 address.
    PrivateIp,
    /// `tag:<key>`: the value of tag `<key>`.
    Tag(String),
}

impl FilterKey {
    /// The unified key as written in filters (`state`, `tag:env`, ...).
    pub fn name(&self) -> String {
        match self {
            FilterKey::State => "state".into(),
            FilterKey::Name => "name".into(),
            FilterKey::Zone => "zone".into(),
            FilterKey::Vpc => "vpc".into(),
            FilterKey::Subnet => "subnet".into(),
            FilterKey::Image => "image".into(),
            FilterKey::InstanceType => "instance-type".into(),
            FilterKey::PrivateIp => "private-ip".into(),
            FilterKey::Tag(k) => format!("tag:{k}"),
        }
    }
}

impl fmt::Display for FilterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl FromStr for FilterKey {
    type Err = Error;

    /// Parses a unified key; anything else is [`InvalidInput`](unicloud_core::ErrorKind::InvalidInput).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "state" => FilterKey::State,
            "name" => FilterKey::Name,
            "zone" => FilterKey::Zone,
            "vpc" => FilterKey::Vpc,
            "subnet" => FilterKey::Subnet,
            "image" => FilterKey::Image,
            "instance-type" => FilterKey::InstanceType,
            "private-ip" => FilterKey::PrivateIp,
            other => match other.strip_prefix("tag:") {
                Some(k) if !k.is_empty() => FilterKey::Tag(k.to_owned()),
                _ => {
                    return Err(Error::invalid_input(format!(
                        "unknown filter key `{s}` (expected state, name, zone, vpc, subnet, \
                         image, instance-type, private-ip or tag:<key>)"
                    )));
                }
            },
        })
    }
}

/// A set of filters: an instance matches when, for every key, its value equals one of the
/// key's values (AND across keys, OR across one key's values). Values match exactly; `state`
/// values are unified state names.
///
/// Build it with the typed methods, or from the seed's JSON form — a list of maps whose values
/// are a string or a list of strings (every entry of every map is ANDed):
///
/// ```
/// use unicloud_compute::{Filters, FilterKey, InstanceState};
///
/// let typed = Filters::new()
///     .state([InstanceState::Running, InstanceState::Stopped])
///     .tag("env", ["prod"])
///     .name("web-1");
///
/// let seed: Filters = serde_json::from_str(
///     r#"[{"state": ["running", "stopped"], "tag:env": "prod", "name": "web-1"}]"#,
/// )?;
/// assert_eq!(typed, seed);
/// assert_eq!(seed.values(&FilterKey::Name), Some(&["web-1".to_string()][..]));
///
/// // Unknown keys and states are refused before any request is sent.
/// assert!(serde_json::from_str::<Filters>(r#"[{"colour": "red"}]"#).is_err());
/// assert!(Filters::new().with("state", ["sleeping"]).is_err());
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    entries: BTreeMap<FilterKey, Vec<String>>,
}

impl Filters {
    /// No filter: everything matches.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether there is no filter at all.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The filters, ordered by key.
    pub fn iter(&self) -> impl Iterator<Item = (&FilterKey, &[String])> {
        self.entries.iter().map(|(k, v)| (k, v.as_slice()))
    }

    /// The values of `key`, if filtered on.
    pub fn values(&self, key: &FilterKey) -> Option<&[String]> {
        self.entries.get(key).map(Vec::as_slice)
    }

    fn push(mut self, key: FilterKey, values: Vec<String>) -> Self {
        let slot = self.entries.entry(key).or_default();
        for v in values {
            if !slot.contains(&v) {
                slot.push(v);
            }
        }
        self
    }

    /// Adds `key` (a unified key such as `zone` or `tag:env`) with `values`, validated:
    /// unknown keys, empty value lists and unknown state names are `InvalidInput`.
    pub fn with<I, S>(self, key: &str, values: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let key: FilterKey = key.parse()?;
        let values: Vec<String> = values.into_iter().map(Into::into).collect();
        if values.is_empty() {
            return Err(Error::invalid_input(format!(
                "filter `{key}` has no values"
            )));
        }
        let values = if key == FilterKey::State {
            values
                .iter()
                .map(|v| v.parse::<InstanceState>().map(|s| s.as_str().to_owned()))
                .collect::<Result<Vec<_>, _>>()?
        } else {
            values
        };
        Ok(self.push(key, values))
    }

    /// Instances in any of `states`.
    #[must_use]
    pub fn state(self, states: impl IntoIterator<Item = InstanceState>) -> Self {
        let v = states.into_iter().map(|s| s.as_str().to_owned()).collect();
        self.push(FilterKey::State, v)
    }

    /// Instances named `name`.
    #[must_use]
    pub fn name(self, name: impl Into<String>) -> Self {
        self.push(FilterKey::Name, vec![name.into()])
    }

    /// Instances in one of `zones`.
    #[must_use]
    pub fn zone<S: Into<String>>(self, zones: impl IntoIterator<Item = S>) -> Self {
        self.push(FilterKey::Zone, zones.into_iter().map(Into::into).collect())
    }

    /// Instances in one of `vpcs`.
    #[must_use]
    pub fn vpc<S: Into<String>>(self, vpcs: impl IntoIterator<Item = S>) -> Self {
        self.push(FilterKey::Vpc, vpcs.into_iter().map(Into::into).collect())
    }

    /// Instances in one of `subnets` (vSwitches on Alibaba Cloud).
    #[must_use]
    pub fn subnet<S: Into<String>>(self, subnets: impl IntoIterator<Item = S>) -> Self {
        self.push(
            FilterKey::Subnet,
            subnets.into_iter().map(Into::into).collect(),
        )
    }

    /// Instances created from one of `images`.
    #[must_use]
    pub fn image<S: Into<String>>(self, images: impl IntoIterator<Item = S>) -> Self {
        self.push(
            FilterKey::Image,
            images.into_iter().map(Into::into).collect(),
        )
    }

    /// Instances of one of `types`.
    #[must_use]
    pub fn instance_type<S: Into<String>>(self, types: impl IntoIterator<Item = S>) -> Self {
        self.push(
            FilterKey::InstanceType,
            types.into_iter().map(Into::into).collect(),
        )
    }

    /// Instances with one of `ips` as a private address.
    #[must_use]
    pub fn private_ip<S: Into<String>>(self, ips: impl IntoIterator<Item = S>) -> Self {
        self.push(
            FilterKey::PrivateIp,
            ips.into_iter().map(Into::into).collect(),
        )
    }

    /// Instances whose tag `key` has one of `values`.
    #[must_use]
    pub fn tag<S: Into<String>>(
        self,
        key: impl Into<String>,
        values: impl IntoIterator<Item = S>,
    ) -> Self {
        self.push(
            FilterKey::Tag(key.into()),
            values.into_iter().map(Into::into).collect(),
        )
    }

    /// Parses the seed's form from JSON: a map or a list of maps, values a string or a list of
    /// strings.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, Error> {
        use serde_json::Value;
        let maps: Vec<&serde_json::Map<String, Value>> = match value {
            Value::Object(m) => vec![m],
            Value::Array(items) => items
                .iter()
                .map(|i| {
                    i.as_object().ok_or_else(|| {
                        Error::invalid_input("each filter must be a JSON object of key → values")
                    })
                })
                .collect::<Result<_, _>>()?,
            Value::Null => Vec::new(),
            _ => {
                return Err(Error::invalid_input(
                    "filters must be a JSON object or a list of objects",
                ));
            }
        };
        let mut out = Filters::new();
        for map in maps {
            for (k, v) in map {
                let values: Vec<String> = match v {
                    Value::String(s) => vec![s.clone()],
                    Value::Array(a) => a
                        .iter()
                        .map(|x| {
                            x.as_str().map(str::to_owned).ok_or_else(|| {
                                Error::invalid_input(format!(
                                    "filter `{k}`: values must be strings"
                                ))
                            })
                        })
                        .collect::<Result<_, _>>()?,
                    _ => {
                        return Err(Error::invalid_input(format!(
                            "filter `{k}`: expected a string or a list of strings"
                        )));
                    }
                };
                out = out.with(k, values)?;
            }
        }
        Ok(out)
    }

    /// Whether `instance` passes every filter (exact matches; `state` by unified name).
    pub fn matches(&self, instance: &Instance) -> bool {
        self.entries.iter().all(|(key, values)| {
            let any = |field: Option<&str>| field.is_some_and(|f| values.iter().any(|v| v == f));
            match key {
                FilterKey::State => any(Some(instance.state.as_str())),
                FilterKey::Name => any(instance.name.as_deref()),
                FilterKey::Zone => any(instance.zone.as_deref()),
                FilterKey::Vpc => any(instance.vpc_id.as_deref()),
                FilterKey::Subnet => any(instance.subnet_id.as_deref()),
                FilterKey::Image => any(instance.image_id.as_deref()),
                FilterKey::InstanceType => any(instance.instance_type.as_deref()),
                FilterKey::PrivateIp => instance.private_ips.iter().any(|ip| any(Some(ip))),
                FilterKey::Tag(k) => any(instance.tag(k)),
            }
        })
    }
}

impl<'de> Deserialize<'de> for Filters {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(deserializer)?;
        Filters::from_json(&v).map_err(|e| de::Error::custom(e.message()))
    }
}

/// Which instances a describe call asks for: some ids (or none, for every instance), and
/// filters they must pass. A bare [`Filters`] converts into a query over every instance.
///
/// ```
/// use unicloud_compute::{Filters, InstanceQuery, InstanceState};
///
/// let all = InstanceQuery::all();
/// assert!(all.ids.is_empty() && all.filters.is_empty());
///
/// let ids = vec!["i-0123456789abcdef0".to_owned()];
/// let some = InstanceQuery::ids(&ids).with_filters(Filters::new().name("web"));
/// assert_eq!(some.ids, ids);
///
/// let running: InstanceQuery = Filters::new().state([InstanceState::Running]).into();
/// assert!(running.ids.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct InstanceQuery {
    /// The instances to describe; empty means every instance.
    pub ids: Vec<String>,
    /// What each instance must match.
    pub filters: Filters,
}

impl InstanceQuery {
    /// Every instance (narrow it with [`InstanceQuery::with_filters`]).
    pub fn all() -> Self {
        Self::default()
    }

    /// These instances, in this order (duplicates are dropped when the query runs).
    pub fn ids<I>(ids: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        Self {
            ids: ids.into_iter().map(|i| i.as_ref().to_owned()).collect(),
            filters: Filters::new(),
        }
    }

    /// Keeps only the instances that match `filters`.
    #[must_use]
    pub fn with_filters(mut self, filters: impl Into<Filters>) -> Self {
        self.filters = filters.into();
        self
    }
}

impl From<Filters> for InstanceQuery {
    fn from(filters: Filters) -> Self {
        Self::all().with_filters(filters)
    }
}

impl From<&Filters> for InstanceQuery {
    fn from(filters: &Filters) -> Self {
        Self::all().with_filters(filters.clone())
    }
}

/// How [`Compute::stop_instances`](crate::Compute::stop_instances) stops an instance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum StopMode {
    /// An orderly shutdown through the guest operating system (the default).
    #[default]
    Graceful,
    /// A hard power-off that skips the guest's shutdown (data not yet written may be lost).
    Force,
}

impl StopMode {
    /// Whether this is [`StopMode::Force`].
    pub fn is_force(self) -> bool {
        self == StopMode::Force
    }
}

/// What to create: see [`Compute::create_instances`](crate::Compute::create_instances).
///
/// ```
/// use unicloud_compute::CreateInstancesSpec;
///
/// let spec = CreateInstancesSpec::new("ami-0abcdef1234567890", "t3.micro")
///     .count(3)
///     .name("web")
///     .tag("env", "prod")
///     .zone("us-east-1a")
///     .subnet("subnet-1a2b3c4d")
///     .security_group("sg-0123456789abcdef0")
///     .key_pair("ops")
///     .user_data("#!/bin/sh\necho hello\n");
/// assert_eq!(spec.count, 3);
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreateInstancesSpec {
    /// The image id.
    pub image_id: String,
    /// The instance type.
    pub instance_type: String,
    /// How many identical instances (all or nothing; at least 1).
    pub count: u32,
    /// The availability zone (required by Tencent Cloud; optional elsewhere).
    pub zone: Option<String>,
    /// The subnet (Alibaba Cloud: the vSwitch).
    pub subnet_id: Option<String>,
    /// The VPC (needed by Tencent Cloud together with the subnet; ignored elsewhere, where the
    /// subnet implies it).
    pub vpc_id: Option<String>,
    /// Security groups.
    pub security_group_ids: Vec<String>,
    /// The display name (AWS: the `Name` tag).
    pub name: Option<String>,
    /// Tags for the instances.
    pub tags: BTreeMap<String, String>,
    /// The key pair (Tencent Cloud: the key id).
    pub key_pair: Option<String>,
    /// User data, as plain text (encoded to base64 for the provider).
    pub user_data: Option<String>,
    /// Only check whether the request would succeed; nothing is created and no id is returned.
    pub dry_run: bool,
    /// The idempotency token; generated once per call when `None`. Give one to make repeated
    /// calls (e.g. after a crash) return the same instances.
    pub client_token: Option<String>,
}

impl CreateInstancesSpec {
    /// One instance of `instance_type` from `image_id`.
    pub fn new(image_id: impl Into<String>, instance_type: impl Into<String>) -> Self {
        Self {
            image_id: image_id.into(),
            instance_type: instance_type.into(),
            count: 1,
            zone: None,
            subnet_id: None,
            vpc_id: None,
            security_group_ids: Vec::new(),
            name: None,
            tags: BTreeMap::new(),
            key_pair: None,
            user_data: None,
            dry_run: false,
            client_token: None,
        }
    }

    /// Sets how many instances.
    #[must_use]
    pub fn count(mut self, count: u32) -> Self {
        self.count = count;
        self
    }

    /// Sets the zone.
    #[must_use]
    pub fn zone(mut self, zone: impl Into<String>) -> Self {
        self.zone = Some(zone.into());
        self
    }

    /// Sets the subnet / vSwitch.
    #[must_use]
    pub fn subnet(mut self, subnet: impl Into<String>) -> Self {
        self.subnet_id = Some(subnet.into());
        self
    }

    /// Sets the VPC.
    #[must_use]
    pub fn vpc(mut self, vpc: impl Into<String>) -> Self {
        self.vpc_id = Some(vpc.into());
        self
    }

    /// Adds a security group.
    #[must_use]
    pub fn security_group(mut self, group: impl Into<String>) -> Self {
        self.security_group_ids.push(group.into());
        self
    }

    /// Sets the display name.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Adds a tag.
    #[must_use]
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }

    /// Sets the key pair.
    #[must_use]
    pub fn key_pair(mut self, key_pair: impl Into<String>) -> Self {
        self.key_pair = Some(key_pair.into());
        self
    }

    /// Sets the user data (plain text).
    #[must_use]
    pub fn user_data(mut self, user_data: impl Into<String>) -> Self {
        self.user_data = Some(user_data.into());
        self
    }

    /// Only validates the request on the provider's side.
    #[must_use]
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    /// Uses this idempotency token instead of a fresh one.
    #[must_use]
    pub fn client_token(mut self, token: impl Into<String>) -> Self {
        self.client_token = Some(token.into());
        self
    }

    /// Checks what can be checked locally (non-empty image and type, count ≥ 1, token shape).
    pub(crate) fn validate(&self) -> Result<(), Error> {
        if self.image_id.trim().is_empty() {
            return Err(Error::invalid_input("the image id is empty"));
        }
        if self.instance_type.trim().is_empty() {
            return Err(Error::invalid_input("the instance type is empty"));
        }
        if self.count == 0 {
            return Err(Error::invalid_input(
                "the instance count must be at least 1",
            ));
        }
        if let Some(t) = &self.client_token
            && (t.is_empty() || t.len() > 64 || !t.is_ascii())
        {
            return Err(Error::invalid_input(
                "the client token must be 1-64 ASCII characters",
            ));
        }
        if self.tags.keys().any(|k| k.trim().is_empty()) {
            return Err(Error::invalid_input("a tag key is empty"));
        }
        Ok(())
    }
}

impl fmt::Debug for CreateInstancesSpec {
    /// User data may hold secrets: only its length is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateInstancesSpec")
            .field("image_id", &self.image_id)
            .field("instance_type", &self.instance_type)
            .field("count", &self.count)
            .field("zone", &self.zone)
            .field("subnet_id", &self.subnet_id)
            .field("vpc_id", &self.vpc_id)
            .field("security_group_ids", &self.security_group_ids)
            .field("name", &self.name)
            .field("tags", &self.tags)
            .field("key_pair", &self.key_pair)
            .field(
                "user_data",
                &self
                    .user_data
                    .as_ref()
                    .map(|u| format!("<{} bytes>", u.len())),
            )
            .field("dry_run", &self.dry_run)
            .field("client_token", &self.client_token)
            .finish()
    }
}

/// What a start, stop or destroy call did to one instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct StateChange {
    /// The instance.
    #[serde(rename = "InstanceId")]
    pub id: String,
    /// The state before the call, when the provider reports it (AWS, Alibaba Cloud start/stop).
    #[serde(rename = "PreviousState")]
    pub previous: Option<InstanceState>,
    /// The state right after the call: the provider's answer, or — for providers that answer
    /// only "accepted" — the transition the call starts (`starting`, `stopping`, `terminating`).
    #[serde(rename = "CurrentState")]
    pub current: InstanceState,
}

impl StateChange {
    /// A change of `id` from `previous` to `current`.
    pub fn new(
        id: impl Into<String>,
        previous: Option<InstanceState>,
        current: InstanceState,
    ) -> Self {
        Self {
            id: id.into(),
            previous,
            current,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn state_names_round_trip() {
        for s in InstanceState::ALL {
            assert_eq!(s.as_str().parse::<InstanceState>().unwrap(), s);
            assert_eq!(
                s.to_string()
                    .to_uppercase()
                    .parse::<InstanceState>()
                    .unwrap(),
                s
            );
        }
        assert!("RUNNING ".parse::<InstanceState>().is_ok());
        let e = "shutting-down".parse::<InstanceState>().unwrap_err();
        assert_eq!(e.kind(), unicloud_core::ErrorKind::InvalidInput);
        assert!(InstanceState::Terminated.is_gone());
        assert!(InstanceState::Stopping.is_transitional());
        assert!(!InstanceState::Stopped.is_transitional());
        assert_eq!(
            InstanceState::Unknown("REBOOT_X".into()).as_str(),
            "REBOOT_X"
        );
    }

    #[test]
    fn filter_keys_parse_and_print() {
        for k in [
            "state",
            "name",
            "zone",
            "vpc",
            "subnet",
            "image",
            "instance-type",
            "private-ip",
            "tag:env",
            "tag:a:b",
        ] {
            assert_eq!(k.parse::<FilterKey>().unwrap().name(), k);
        }
        for bad in ["", "tag:", "instance-state-name", "Name", "tag"] {
            let e = bad.parse::<FilterKey>().unwrap_err();
            assert_eq!(e.kind(), unicloud_core::ErrorKind::InvalidInput, "{bad}");
        }
    }

    #[test]
    fn seed_form_single_and_multiple_values() {
        let f: Filters = serde_json::from_str(
            r#"[{"zone": "ap-guangzhou-3", "state": ["RUNNING", "stopped"]}, {"tag:env": ["a", "b"]}]"#,
        )
        .unwrap();
        assert_eq!(
            f.values(&FilterKey::Zone).unwrap(),
            &["ap-guangzhou-3".to_string()]
        );
        assert_eq!(
            f.values(&FilterKey::State).unwrap(),
            &["running".to_string(), "stopped".to_string()]
        );
        assert_eq!(f.values(&FilterKey::Tag("env".into())).unwrap().len(), 2);
        // A bare map, null and an empty list are accepted too.
        assert!(serde_json::from_str::<Filters>(r#"{"name": "x"}"#).is_ok());
        assert!(serde_json::from_str::<Filters>("null").unwrap().is_empty());
        assert!(serde_json::from_str::<Filters>("[]").unwrap().is_empty());
        // Bad shapes.
        for bad in [
            r#"[{"zone": 3}]"#,
            r#"[{"zone": [1]}]"#,
            r#"[{"zone": []}]"#,
            r#"["zone"]"#,
            r#""zone""#,
            r#"[{"state": "asleep"}]"#,
        ] {
            assert!(serde_json::from_str::<Filters>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn matching_is_exact_and_anded() {
        let mut i = Instance::new(Provider::Aws, "i-1", InstanceState::Running);
        i.name = Some("web".into());
        i.zone = Some("z1".into());
        i.private_ips = vec!["10.0.0.1".into(), "10.0.0.2".into()];
        i.tags.insert("env".into(), "prod".into());
        assert!(Filters::new().matches(&i));
        assert!(Filters::new().name("web").zone(["z1", "z2"]).matches(&i));
        assert!(!Filters::new().name("we").matches(&i));
        assert!(!Filters::new().name("web").zone(["z2"]).matches(&i));
        assert!(Filters::new().private_ip(["10.0.0.2"]).matches(&i));
        assert!(Filters::new().tag("env", ["prod"]).matches(&i));
        assert!(!Filters::new().tag("env", ["dev"]).matches(&i));
        assert!(!Filters::new().tag("team", ["prod"]).matches(&i));
        assert!(!Filters::new().vpc(["v"]).matches(&i));
        assert!(
            Filters::new()
                .state([InstanceState::Stopped, InstanceState::Running])
                .matches(&i)
        );
    }

    #[test]
    fn json_uses_the_seed_names() {
        let mut i = Instance::new(Provider::Tencent, "ins-abcd1234", InstanceState::Running);
        i.raw_state = "RUNNING".into();
        i.tags.insert("env".into(), "prod".into());
        i.created_at = Some(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000));
        let v = serde_json::to_value(&i).unwrap();
        assert_eq!(v["InstanceId"], "ins-abcd1234");
        assert_eq!(v["Provider"], "tencent");
        assert_eq!(v["State"], "running");
        assert_eq!(v["RawState"], "RUNNING");
        assert_eq!(v["InstanceName"], serde_json::Value::Null);
        assert_eq!(v["Tags"]["env"], "prod");
        assert_eq!(v["CreatedAt"], "2023-11-14T22:13:20Z");
        let c = StateChange::new("i-1", Some(InstanceState::Running), InstanceState::Stopping);
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            serde_json::json!({"InstanceId": "i-1", "PreviousState": "running", "CurrentState": "stopping"})
        );
    }

    #[test]
    fn spec_validation_and_redacted_debug() {
        let ok = CreateInstancesSpec::new("img", "type").user_data("password=hunter2");
        assert!(ok.validate().is_ok());
        assert!(!format!("{ok:?}").contains("hunter2"));
        for bad in [
            CreateInstancesSpec::new("", "t"),
            CreateInstancesSpec::new("i", " "),
            CreateInstancesSpec::new("i", "t").count(0),
            CreateInstancesSpec::new("i", "t").client_token(""),
            CreateInstancesSpec::new("i", "t").client_token("x".repeat(65)),
            CreateInstancesSpec::new("i", "t").tag("", "v"),
        ] {
            assert_eq!(
                bad.validate().unwrap_err().kind(),
                unicloud_core::ErrorKind::InvalidInput
            );
        }
    }
}
