//! AWS EC2 backend (aws-sdk-ec2; Query protocol `2016-11-15`).

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use aws_sdk_ec2::types::{self as ec2, ResourceType};
use unicloud_aws::codes::EC2;
use unicloud_aws::{AwsClient, map_sdk_error};
use unicloud_core::clock::{BoxFuture, SharedClock};
use unicloud_core::ids::IdRule;
use unicloud_core::{Error, ErrorKind, Provider, Region};

use crate::model::{CreateInstancesSpec, FilterKey, Filters, Instance, InstanceState, StateChange};
use crate::util::base64;
use crate::{Action, Backend, Compute, Limits, Page, PageQuery};

/// EC2's per-call limits: Start/Stop/TerminateInstances take up to 1000 ids (the documented
/// ceiling; DescribeInstances documents none, so the same is used), `MaxResults` is 5–1000, and
/// RunInstances is bounded by the account's quota rather than a fixed number.
const LIMITS: Limits = Limits {
    ids: 1000,
    page: 1000,
    create: None,
};

impl Compute {
    /// Instances on AWS EC2 through `client` (the credentials and region of its `aws-config`
    /// [`SdkConfig`](unicloud_aws::SdkConfig), and the endpoint override, time-outs, retry
    /// policy and clock of its [`ClientConfig`](unicloud_core::ClientConfig)). The SDK's own retries are turned off: the
    /// [`RetryPolicy`](unicloud_core::RetryPolicy) retries instead, like on the other clouds.
    pub fn aws(client: &AwsClient) -> Self {
        Compute::from_backend(Arc::new(AwsBackend {
            client: aws_sdk_ec2::Client::new(&client.service_config("ec2")),
            aws: client.clone(),
        }))
    }
}

/// `i-` + 8 or 17 lowercase hexadecimal digits.
const ID_RULE: IdRule = IdRule {
    noun: "instance",
    provider: Provider::Aws,
    is_valid: |id| {
        id.strip_prefix("i-").is_some_and(|rest| {
            (rest.len() == 8 || rest.len() == 17)
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
    },
};

struct AwsBackend {
    client: aws_sdk_ec2::Client,
    aws: AwsClient,
}

impl fmt::Debug for AwsBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsBackend")
            .field("aws", &self.aws)
            .finish_non_exhaustive()
    }
}

/// EC2 `instanceState.name` → unified state.
pub(crate) fn map_state(raw: &str) -> InstanceState {
    match raw {
        "pending" => InstanceState::Pending,
        "running" => InstanceState::Running,
        "stopping" => InstanceState::Stopping,
        "stopped" => InstanceState::Stopped,
        "shutting-down" => InstanceState::Terminating,
        "terminated" => InstanceState::Terminated,
        other => InstanceState::Unknown(other.to_owned()),
    }
}

/// Unified state → EC2 `instance-state-name` value.
fn native_state(state: &str) -> Option<&'static str> {
    Some(match state {
        // EC2 reports a booting instance as `pending`; the client-side check keeps `starting`
        // exact, so it matches nothing on AWS.
        "pending" | "starting" => "pending",
        "running" => "running",
        "stopping" => "stopping",
        "stopped" => "stopped",
        "terminating" => "shutting-down",
        "terminated" => "terminated",
        _ => return None,
    })
}

pub(crate) fn to_instance(i: &ec2::Instance) -> Result<Instance, Error> {
    let id = i.instance_id().ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidResponse,
            "an EC2 instance without instanceId",
        )
        .with_provider(Provider::Aws)
    })?;
    let raw = i
        .state()
        .and_then(|s| s.name())
        .map(|n| n.as_str().to_owned())
        .unwrap_or_default();
    let mut out = Instance::new(Provider::Aws, id, map_state(&raw));
    out.raw_state = raw;
    out.instance_type = i.instance_type().map(|t| t.as_str().to_owned());
    out.image_id = i.image_id().map(str::to_owned);
    out.zone = i
        .placement()
        .and_then(|p| p.availability_zone())
        .map(str::to_owned);
    out.vpc_id = i.vpc_id().map(str::to_owned);
    out.subnet_id = i.subnet_id().map(str::to_owned);
    if let Some(ip) = i.private_ip_address() {
        out.private_ips.push(ip.to_owned());
    }
    for ni in i.network_interfaces() {
        for p in ni.private_ip_addresses() {
            if let Some(ip) = p.private_ip_address()
                && !out.private_ips.iter().any(|x| x == ip)
            {
                out.private_ips.push(ip.to_owned());
            }
        }
    }
    if let Some(ip) = i.public_ip_address() {
        out.public_ips.push(ip.to_owned());
    }
    for t in i.tags() {
        if let Some(k) = t.key() {
            out.tags
                .insert(k.to_owned(), t.value().unwrap_or_default().to_owned());
        }
    }
    out.name = out.tags.get("Name").filter(|n| !n.is_empty()).cloned();
    out.created_at = i.launch_time().and_then(|t| SystemTime::try_from(*t).ok());
    Ok(out)
}

/// Unified filters → EC2 filters (every unified key has a native counterpart).
fn native_filters(filters: &Filters) -> Vec<ec2::Filter> {
    filters
        .iter()
        .map(|(key, values)| {
            let (name, values): (String, Vec<String>) = match key {
                FilterKey::State => {
                    let mut v: Vec<String> = Vec::new();
                    for s in values.iter().filter_map(|s| native_state(s)) {
                        if !v.iter().any(|x| x == s) {
                            v.push(s.to_owned());
                        }
                    }
                    ("instance-state-name".into(), v)
                }
                FilterKey::Name => ("tag:Name".into(), values.to_vec()),
                FilterKey::Zone => ("availability-zone".into(), values.to_vec()),
                FilterKey::Vpc => ("vpc-id".into(), values.to_vec()),
                FilterKey::Subnet => ("subnet-id".into(), values.to_vec()),
                FilterKey::Image => ("image-id".into(), values.to_vec()),
                FilterKey::InstanceType => ("instance-type".into(), values.to_vec()),
                FilterKey::PrivateIp => ("private-ip-address".into(), values.to_vec()),
                FilterKey::Tag(k) => (format!("tag:{k}"), values.to_vec()),
            };
            ec2::Filter::builder()
                .name(name)
                .set_values(Some(values))
                .build()
        })
        .collect()
}

fn change_of(c: &ec2::InstanceStateChange) -> Option<StateChange> {
    let state =
        |s: Option<&ec2::InstanceState>| s.and_then(|s| s.name()).map(|n| map_state(n.as_str()));
    Some(StateChange::new(
        c.instance_id()?,
        state(c.previous_state()),
        state(c.current_state()).unwrap_or(InstanceState::Unknown(String::new())),
    ))
}

impl AwsBackend {
    /// Runs one EC2 operation under the retry policy (see [`AwsClient::retry`]).
    async fn retry<T, F, Fut>(&self, operation: &'static str, op: F) -> Result<T, Error>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        self.aws.retry(operation, op).await
    }
}

impl Backend for AwsBackend {
    fn region(&self) -> &Region {
        self.aws.region()
    }

    fn clock(&self) -> SharedClock {
        self.aws.config().clock().clone()
    }

    fn limits(&self) -> Limits {
        LIMITS
    }

    fn id_rule(&self) -> IdRule {
        ID_RULE
    }

    fn describe_page<'a>(&'a self, q: PageQuery<'a>) -> BoxFuture<'a, Result<Page, Error>> {
        Box::pin(async move {
            let filters = native_filters(q.filters);
            let max = i32::try_from(q.page_size.clamp(5, 1000)).unwrap_or(1000);
            let out = self
                .retry("DescribeInstances", |_| {
                    let mut req = self
                        .client
                        .describe_instances()
                        .set_next_token(q.cursor.map(str::to_owned));
                    match q.ids {
                        // EC2 refuses MaxResults together with instance ids.
                        Some(ids) => req = req.set_instance_ids(Some(ids.to_vec())),
                        None => {
                            req = req.max_results(max);
                            if !filters.is_empty() {
                                req = req.set_filters(Some(filters.clone()));
                            }
                        }
                    }
                    async move {
                        req.send()
                            .await
                            .map_err(|e| map_sdk_error("DescribeInstances", &EC2, e))
                    }
                })
                .await?;
            let mut instances = Vec::new();
            for r in out.reservations() {
                for i in r.instances() {
                    instances.push(to_instance(i)?);
                }
            }
            let next = out
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            Ok(Page {
                items: instances,
                next,
            })
        })
    }

    fn create<'a>(
        &'a self,
        spec: &'a CreateInstancesSpec,
        token: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, Error>> {
        Box::pin(async move {
            let mut tags: Vec<ec2::Tag> = Vec::new();
            if let Some(name) = &spec.name {
                if spec.tags.get("Name").is_some_and(|v| v != name) {
                    return Err(Error::invalid_input(
                        "the name and the `Name` tag differ (on AWS the name is the `Name` tag)",
                    )
                    .with_provider(Provider::Aws));
                }
                tags.push(ec2::Tag::builder().key("Name").value(name).build());
            }
            for (k, v) in &spec.tags {
                if k == "Name" && spec.name.is_some() {
                    continue;
                }
                tags.push(ec2::Tag::builder().key(k).value(v).build());
            }
            let count = i32::try_from(spec.count).map_err(|_| {
                Error::invalid_input("too many instances").with_provider(Provider::Aws)
            })?;
            let user_data = spec.user_data.as_deref().map(base64);
            let result = self
                .retry("RunInstances", |_| {
                    let mut req = self
                        .client
                        .run_instances()
                        .image_id(&spec.image_id)
                        .instance_type(ec2::InstanceType::from(spec.instance_type.as_str()))
                        .min_count(count)
                        .max_count(count)
                        .client_token(token);
                    if let Some(z) = &spec.zone {
                        req = req.placement(ec2::Placement::builder().availability_zone(z).build());
                    }
                    if let Some(s) = &spec.subnet_id {
                        req = req.subnet_id(s);
                    }
                    if !spec.security_group_ids.is_empty() {
                        req = req.set_security_group_ids(Some(spec.security_group_ids.clone()));
                    }
                    if let Some(k) = &spec.key_pair {
                        req = req.key_name(k);
                    }
                    if let Some(u) = &user_data {
                        req = req.user_data(u);
                    }
                    if spec.dry_run {
                        req = req.dry_run(true);
                    }
                    if !tags.is_empty() {
                        req = req.tag_specifications(
                            ec2::TagSpecification::builder()
                                .resource_type(ResourceType::Instance)
                                .set_tags(Some(tags.clone()))
                                .build(),
                        );
                    }
                    async move {
                        req.send()
                            .await
                            .map_err(|e| map_sdk_error("RunInstances", &EC2, e))
                    }
                })
                .await;
            match result {
                Ok(out) => Ok(out
                    .instances()
                    .iter()
                    .filter_map(|i| i.instance_id().map(str::to_owned))
                    .collect()),
                Err(e) if spec.dry_run && e.code() == Some("DryRunOperation") => Ok(Vec::new()),
                Err(e) => Err(e),
            }
        })
    }

    fn change<'a>(
        &'a self,
        action: Action,
        ids: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<StateChange>, Error>> {
        Box::pin(async move {
            let ids_v = Some(ids.to_vec());
            let raw: Vec<ec2::InstanceStateChange> = match action {
                Action::Start => self
                    .retry("StartInstances", |_| {
                        let req = self
                            .client
                            .start_instances()
                            .set_instance_ids(ids_v.clone());
                        async move {
                            req.send()
                                .await
                                .map_err(|e| map_sdk_error("StartInstances", &EC2, e))
                        }
                    })
                    .await?
                    .starting_instances()
                    .to_vec(),
                Action::Stop(mode) => self
                    .retry("StopInstances", |_| {
                        let req = self
                            .client
                            .stop_instances()
                            .set_instance_ids(ids_v.clone())
                            .force(mode.is_force());
                        async move {
                            req.send()
                                .await
                                .map_err(|e| map_sdk_error("StopInstances", &EC2, e))
                        }
                    })
                    .await?
                    .stopping_instances()
                    .to_vec(),
                Action::Destroy => self
                    .retry("TerminateInstances", |_| {
                        let req = self
                            .client
                            .terminate_instances()
                            .set_instance_ids(ids_v.clone());
                        async move {
                            req.send()
                                .await
                                .map_err(|e| map_sdk_error("TerminateInstances", &EC2, e))
                        }
                    })
                    .await?
                    .terminating_instances()
                    .to_vec(),
            };
            let mut changes: Vec<StateChange> = raw.iter().filter_map(change_of).collect();
            // In the order of the ids given.
            changes.sort_by_key(|c| ids.iter().position(|i| *i == c.id).unwrap_or(usize::MAX));
            Ok(changes)
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Every `InstanceStateName` in the EC2 API reference.
    #[test]
    fn every_ec2_state_maps() {
        let cases = [
            ("pending", InstanceState::Pending),
            ("running", InstanceState::Running),
            ("shutting-down", InstanceState::Terminating),
            ("terminated", InstanceState::Terminated),
            ("stopping", InstanceState::Stopping),
            ("stopped", InstanceState::Stopped),
        ];
        for (raw, want) in cases {
            assert_eq!(map_state(raw), want, "{raw}");
            // The SDK's enum knows the same strings.
            assert_eq!(ec2::InstanceStateName::from(raw).as_str(), raw);
        }
        assert_eq!(
            map_state("hibernating"),
            InstanceState::Unknown("hibernating".into())
        );
        for s in InstanceState::ALL {
            let native = native_state(s.as_str()).unwrap();
            if s != InstanceState::Starting {
                assert_eq!(map_state(native), s);
            }
        }
    }

    #[test]
    fn filters_translate_to_ec2_names() {
        let f = Filters::new()
            .state([
                InstanceState::Pending,
                InstanceState::Starting,
                InstanceState::Terminating,
            ])
            .name("web")
            .zone(["us-east-1a"])
            .vpc(["vpc-1"])
            .subnet(["subnet-1"])
            .image(["ami-1"])
            .instance_type(["t3.micro"])
            .private_ip(["10.0.0.1"])
            .tag("env", ["prod"]);
        let got: Vec<(String, Vec<String>)> = native_filters(&f)
            .iter()
            .map(|f| (f.name().unwrap().to_owned(), f.values().to_vec()))
            .collect();
        let want = [
            ("instance-state-name", vec!["pending", "shutting-down"]),
            ("tag:Name", vec!["web"]),
            ("availability-zone", vec!["us-east-1a"]),
            ("vpc-id", vec!["vpc-1"]),
            ("subnet-id", vec!["subnet-1"]),
            ("image-id", vec!["ami-1"]),
            ("instance-type", vec!["t3.micro"]),
            ("private-ip-address", vec!["10.0.0.1"]),
            ("tag:env", vec!["prod"]),
        ];
        let want: Vec<(String, Vec<String>)> = want
            .iter()
            .map(|(n, v)| ((*n).to_owned(), v.iter().map(|s| (*s).to_owned()).collect()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn instance_fields() {
        let i = ec2::Instance::builder()
            .instance_id("i-0123456789abcdef0")
            .state(
                ec2::InstanceState::builder()
                    .name(ec2::InstanceStateName::Running)
                    .code(16)
                    .build(),
            )
            .instance_type(ec2::InstanceType::T3Micro)
            .image_id("ami-1")
            .placement(
                ec2::Placement::builder()
                    .availability_zone("us-east-1a")
                    .build(),
            )
            .vpc_id("vpc-1")
            .subnet_id("subnet-1")
            .private_ip_address("10.0.0.5")
            .public_ip_address("3.3.3.3")
            .tags(ec2::Tag::builder().key("Name").value("web").build())
            .tags(ec2::Tag::builder().key("env").value("prod").build())
            .launch_time(aws_sdk_ec2::primitives::DateTime::from_secs(1_700_000_000))
            .build();
        let u = to_instance(&i).unwrap();
        assert_eq!(u.name.as_deref(), Some("web"));
        assert_eq!(u.state, InstanceState::Running);
        assert_eq!(u.instance_type.as_deref(), Some("t3.micro"));
        assert_eq!(u.private_ip(), Some("10.0.0.5"));
        assert_eq!(u.public_ips, ["3.3.3.3"]);
        assert_eq!(u.tag("env"), Some("prod"));
        assert!(u.created_at.is_some());
    }
}
