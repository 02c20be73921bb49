//! Tencent Cloud CVM (API 3.0, 2017-03-12) backend.

use std::sync::Arc;

use unicloud_core::clock::{BoxFuture, SharedClock};
use unicloud_core::ids::IdRule;
use unicloud_core::{Error, ErrorKind, Provider, Region};
use unicloud_tencent::client::TencentClient;
use unicloud_tencent::generated::cvm;

use crate::model::{CreateInstancesSpec, FilterKey, Instance, InstanceState, StateChange};
use crate::util::{base64, parse_time};
use crate::{Action, Backend, Compute, Limits, Page, PageQuery};

/// CVM's per-call limits: `InstanceIds` ≤ 100, `Limit` ≤ 100, `InstanceCount` ≤ 100.
const LIMITS: Limits = Limits {
    ids: 100,
    page: 100,
    create: Some(100),
};

impl Compute {
    /// Instances on Tencent Cloud CVM through `client` (its region, credentials, endpoint,
    /// retry policy and clock).
    pub fn tencent(client: &TencentClient) -> Self {
        Compute::from_backend(Arc::new(TencentBackend {
            client: client.clone(),
        }))
    }
}

/// `ins-` + 8 lowercase letters or digits.
const ID_RULE: IdRule = IdRule {
    noun: "instance",
    provider: Provider::Tencent,
    is_valid: |id| {
        id.strip_prefix("ins-").is_some_and(|rest| {
            rest.len() == 8
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
    },
};

#[derive(Debug)]
struct TencentBackend {
    client: TencentClient,
}

/// CVM `InstanceState` → unified state.
pub(crate) fn map_state(raw: &str) -> InstanceState {
    match raw {
        "PENDING" => InstanceState::Pending,
        "RUNNING" => InstanceState::Running,
        "STARTING" | "REBOOTING" => InstanceState::Starting,
        "STOPPING" => InstanceState::Stopping,
        "STOPPED" | "SHUTDOWN" => InstanceState::Stopped,
        "TERMINATING" => InstanceState::Terminating,
        other => InstanceState::Unknown(other.to_owned()),
    }
}

/// Unified state → the CVM `instance-state` filter value(s).
fn native_states(state: &str) -> &'static [&'static str] {
    match state {
        "pending" => &["PENDING"],
        "running" => &["RUNNING"],
        "starting" => &["STARTING", "REBOOTING"],
        "stopping" => &["STOPPING"],
        "stopped" => &["STOPPED", "SHUTDOWN"],
        "terminating" => &["TERMINATING"],
        _ => &[],
    }
}

pub(crate) fn to_instance(i: cvm::Instance) -> Result<Instance, Error> {
    let id = i.instance_id.ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidResponse,
            "a CVM instance without InstanceId",
        )
        .with_provider(Provider::Tencent)
    })?;
    let raw = i.instance_state.unwrap_or_default();
    let mut out = Instance::new(Provider::Tencent, id, map_state(&raw));
    out.raw_state = raw;
    out.name = i.instance_name.filter(|n| !n.is_empty());
    out.instance_type = i.instance_type;
    out.image_id = i.image_id;
    out.zone = i.placement.and_then(|p| p.zone);
    if let Some(vpc) = i.virtual_private_cloud {
        out.vpc_id = vpc.vpc_id.filter(|v| !v.is_empty());
        out.subnet_id = vpc.subnet_id.filter(|v| !v.is_empty());
    }
    out.private_ips = i.private_ip_addresses.unwrap_or_default();
    out.public_ips = i.public_ip_addresses.unwrap_or_default();
    for t in i.tags.unwrap_or_default() {
        if let Some(k) = t.key {
            out.tags.insert(k, t.value.unwrap_or_default());
        }
    }
    out.created_at = i.created_time.as_deref().and_then(parse_time);
    Ok(out)
}

/// Unified filters → CVM `Filters` (every unified key has a native counterpart).
fn native_filters(filters: &crate::Filters) -> Vec<cvm::Filter> {
    filters
        .iter()
        .filter_map(|(key, values)| {
            let (name, values): (String, Vec<String>) = match key {
                FilterKey::State => (
                    "instance-state".into(),
                    values
                        .iter()
                        .flat_map(|v| native_states(v).iter().map(|s| (*s).to_owned()))
                        .collect(),
                ),
                FilterKey::Name => ("instance-name".into(), values.to_vec()),
                FilterKey::Zone => ("zone".into(), values.to_vec()),
                FilterKey::Vpc => ("vpc-id".into(), values.to_vec()),
                FilterKey::Subnet => ("subnet-id".into(), values.to_vec()),
                FilterKey::Image => ("image-id".into(), values.to_vec()),
                FilterKey::InstanceType => ("instance-type".into(), values.to_vec()),
                FilterKey::PrivateIp => ("private-ip-address".into(), values.to_vec()),
                FilterKey::Tag(k) => (format!("tag:{k}"), values.to_vec()),
            };
            // `state=terminated` has no CVM value (destroyed instances vanish): filter
            // client-side only, which matches nothing.
            (!values.is_empty()).then_some(cvm::Filter { name, values })
        })
        .collect()
}

/// The CVM `RunInstances` request for `spec`, carrying `token`.
fn run_request(spec: &CreateInstancesSpec, token: &str) -> Result<cvm::RunInstancesRequest, Error> {
    let zone = spec.zone.clone().ok_or_else(|| {
        Error::invalid_input("Tencent Cloud needs a zone to create instances")
            .with_provider(Provider::Tencent)
    })?;
    let vpc = match (&spec.vpc_id, &spec.subnet_id) {
        (None, None) => None,
        (Some(v), Some(s)) => Some(cvm::VirtualPrivateCloud {
            vpc_id: Some(v.clone()),
            subnet_id: Some(s.clone()),
            ..Default::default()
        }),
        _ => {
            return Err(Error::invalid_input(
                "Tencent Cloud needs both a VPC and a subnet (or neither)",
            )
            .with_provider(Provider::Tencent));
        }
    };
    let tags: Vec<cvm::Tag> = spec
        .tags
        .iter()
        .map(|(k, v)| cvm::Tag {
            key: Some(k.clone()),
            value: Some(v.clone()),
        })
        .collect();
    let req = cvm::RunInstancesRequest {
        placement: Some(cvm::Placement {
            zone: Some(zone),
            ..Default::default()
        }),
        instance_type: Some(spec.instance_type.clone()),
        image_id: Some(spec.image_id.clone()),
        virtual_private_cloud: vpc,
        instance_count: Some(i64::from(spec.count)),
        instance_name: spec.name.clone(),
        login_settings: spec.key_pair.as_ref().map(|k| cvm::LoginSettings {
            key_ids: Some(vec![k.clone()]),
            ..Default::default()
        }),
        security_group_ids: (!spec.security_group_ids.is_empty())
            .then(|| spec.security_group_ids.clone()),
        client_token: Some(token.to_owned()),
        tag_specification: (!tags.is_empty()).then(|| {
            vec![cvm::TagSpecification {
                resource_type: "instance".into(),
                tags,
            }]
        }),
        user_data: spec.user_data.as_deref().map(base64),
        dry_run: spec.dry_run.then_some(true),
        ..Default::default()
    };
    Ok(req)
}

fn is_dry_run_ok(e: &Error) -> bool {
    e.code() == Some("DryRunOperation")
}

impl Backend for TencentBackend {
    fn region(&self) -> &Region {
        self.client.region()
    }

    fn clock(&self) -> SharedClock {
        self.client.config().clock().clone()
    }

    fn limits(&self) -> Limits {
        LIMITS
    }

    fn id_rule(&self) -> IdRule {
        ID_RULE
    }

    fn describe_page<'a>(&'a self, q: PageQuery<'a>) -> BoxFuture<'a, Result<Page, Error>> {
        Box::pin(async move {
            let offset: i64 = match q.cursor {
                None => 0,
                Some(c) => c.parse().map_err(|_| {
                    Error::new(ErrorKind::InvalidInput, format!("bad page cursor `{c}`"))
                        .with_provider(Provider::Tencent)
                })?,
            };
            let filters = native_filters(q.filters);
            // A state no CVM value expresses (terminated) can match nothing.
            if q.filters.values(&FilterKey::State).is_some()
                && !filters.iter().any(|f| f.name == "instance-state")
            {
                return Ok(Page {
                    items: Vec::new(),
                    next: None,
                });
            }
            let limit = i64::try_from(q.page_size).unwrap_or(100);
            let req = cvm::DescribeInstancesRequest {
                instance_ids: q.ids.map(<[String]>::to_vec),
                filters: (q.ids.is_none() && !filters.is_empty()).then_some(filters),
                offset: Some(offset),
                limit: Some(limit),
            };
            let out = self.client.call(&req).await?;
            let set = out.instance_set.unwrap_or_default();
            let got = i64::try_from(set.len()).unwrap_or(0);
            let total = out.total_count.unwrap_or(0);
            let instances = set
                .into_iter()
                .map(to_instance)
                .collect::<Result<Vec<_>, _>>()?;
            let next_offset = offset + got;
            let next = (got > 0 && next_offset < total).then(|| next_offset.to_string());
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
            let req = run_request(spec, token)?;
            match self.client.call(&req).await {
                Ok(out) => Ok(out.instance_id_set.unwrap_or_default()),
                Err(e) if spec.dry_run && is_dry_run_ok(&e) => Ok(Vec::new()),
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
            let instance_ids = ids.to_vec();
            // CVM answers only "accepted": report the transition each call starts.
            let current = match action {
                Action::Start => {
                    self.client
                        .call(&cvm::StartInstancesRequest { instance_ids })
                        .await?;
                    InstanceState::Starting
                }
                Action::Stop(mode) => {
                    self.client
                        .call(&cvm::StopInstancesRequest {
                            instance_ids,
                            stop_type: Some(
                                if mode.is_force() {
                                    "HARD"
                                } else {
                                    "SOFT_FIRST"
                                }
                                .into(),
                            ),
                            ..Default::default()
                        })
                        .await?;
                    InstanceState::Stopping
                }
                Action::Destroy => {
                    self.client
                        .call(&cvm::TerminateInstancesRequest {
                            instance_ids,
                            ..Default::default()
                        })
                        .await?;
                    InstanceState::Terminating
                }
            };
            Ok(ids
                .iter()
                .map(|id| StateChange::new(id.clone(), None, current.clone()))
                .collect())
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::Filters;

    /// Every `InstanceState` value in the CVM 2017-03-12 documentation.
    #[test]
    fn every_cvm_state_maps() {
        let cases = [
            ("PENDING", InstanceState::Pending),
            (
                "LAUNCH_FAILED",
                InstanceState::Unknown("LAUNCH_FAILED".into()),
            ),
            ("RUNNING", InstanceState::Running),
            ("STOPPED", InstanceState::Stopped),
            ("STARTING", InstanceState::Starting),
            ("STOPPING", InstanceState::Stopping),
            ("REBOOTING", InstanceState::Starting),
            ("SHUTDOWN", InstanceState::Stopped),
            ("TERMINATING", InstanceState::Terminating),
            (
                "ENTER_RESCUE_MODE",
                InstanceState::Unknown("ENTER_RESCUE_MODE".into()),
            ),
            (
                "EXIT_RESCUE_MODE",
                InstanceState::Unknown("EXIT_RESCUE_MODE".into()),
            ),
        ];
        for (raw, want) in cases {
            assert_eq!(map_state(raw), want, "{raw}");
        }
        // Every unified state but `terminated` has a native filter value that maps back to it.
        for s in InstanceState::ALL {
            for v in native_states(s.as_str()) {
                assert_eq!(map_state(v), s);
            }
        }
        assert!(native_states("terminated").is_empty());
    }

    #[test]
    fn filters_translate_to_cvm_names() {
        let f = Filters::new()
            .state([InstanceState::Stopped])
            .name("web")
            .zone(["ap-guangzhou-3"])
            .vpc(["vpc-1"])
            .subnet(["subnet-1"])
            .image(["img-1"])
            .instance_type(["S5.SMALL1"])
            .private_ip(["10.0.0.1"])
            .tag("env", ["prod", "dev"]);
        let native = native_filters(&f);
        let body = serde_json::to_value(&native).unwrap();
        assert_eq!(
            body,
            serde_json::json!([
                {"Name": "instance-state", "Values": ["STOPPED", "SHUTDOWN"]},
                {"Name": "instance-name", "Values": ["web"]},
                {"Name": "zone", "Values": ["ap-guangzhou-3"]},
                {"Name": "vpc-id", "Values": ["vpc-1"]},
                {"Name": "subnet-id", "Values": ["subnet-1"]},
                {"Name": "image-id", "Values": ["img-1"]},
                {"Name": "instance-type", "Values": ["S5.SMALL1"]},
                {"Name": "private-ip-address", "Values": ["10.0.0.1"]},
                {"Name": "tag:env", "Values": ["prod", "dev"]},
            ])
        );
    }

    /// The instance from the CVM documentation's DescribeInstances example, trimmed.
    #[test]
    fn documented_instance_maps() {
        let doc = serde_json::json!({
            "Placement": {"Zone": "ap-guangzhou-1", "ProjectId": 0},
            "InstanceId": "ins-xlsyru2j",
            "InstanceType": "S2.SMALL2",
            "InstanceName": "xxx",
            "PrivateIpAddresses": ["10.1.1.1"],
            "PublicIpAddresses": ["139.199.1.1"],
            "VirtualPrivateCloud": {"VpcId": "vpc-xxx", "SubnetId": "subnet-xxx", "AsVpcGateway": false},
            "ImageId": "img-pi0ii46r",
            "CreatedTime": "2020-09-22T00:00:00+00:00",
            "InstanceState": "RUNNING",
            "Tags": [{"Key": "env", "Value": "prod"}]
        });
        let i: cvm::Instance = serde_json::from_value(doc).unwrap();
        let u = to_instance(i).unwrap();
        assert_eq!(u.id, "ins-xlsyru2j");
        assert_eq!(u.state, InstanceState::Running);
        assert_eq!(u.raw_state, "RUNNING");
        assert_eq!(u.zone.as_deref(), Some("ap-guangzhou-1"));
        assert_eq!(u.vpc_id.as_deref(), Some("vpc-xxx"));
        assert_eq!(u.subnet_id.as_deref(), Some("subnet-xxx"));
        assert_eq!(u.private_ip(), Some("10.1.1.1"));
        assert_eq!(u.public_ips, ["139.199.1.1"]);
        assert_eq!(u.tag("env"), Some("prod"));
        assert!(u.created_at.is_some());
    }

    /// The body we send for the documented "2 instances in a VPC" RunInstances example carries
    /// the example's fields with the example's values (CVM 2017-03-12 API examples).
    #[test]
    fn run_request_matches_the_documented_example() {
        let documented = serde_json::json!({
            "VirtualPrivateCloud": {"SubnetId": "subnet-dcs9x3gz", "VpcId": "vpc-1urkhbj4"},
            "InstanceCount": 2,
            "Placement": {"Zone": "ap-shanghai-2"},
            "ImageId": "img-dkwyg6sr",
            "InstanceType": "S5.16XLARGE256"
        });
        let spec = CreateInstancesSpec::new("img-dkwyg6sr", "S5.16XLARGE256")
            .count(2)
            .zone("ap-shanghai-2")
            .vpc("vpc-1urkhbj4")
            .subnet("subnet-dcs9x3gz")
            .name("web")
            .tag("env", "prod")
            .key_pair("skey-123")
            .user_data("#!/bin/sh\n");
        let body = serde_json::to_value(run_request(&spec, "tok-1").unwrap()).unwrap();
        for (k, v) in documented.as_object().unwrap() {
            assert_eq!(&body[k], v, "{k}");
        }
        assert_eq!(body["ClientToken"], "tok-1");
        assert_eq!(body["InstanceName"], "web");
        assert_eq!(
            body["LoginSettings"],
            serde_json::json!({"KeyIds": ["skey-123"]})
        );
        assert_eq!(body["UserData"], "IyEvYmluL3NoCg==");
        assert_eq!(
            body["TagSpecification"],
            serde_json::json!([{"ResourceType": "instance", "Tags": [{"Key": "env", "Value": "prod"}]}])
        );
        assert!(body.get("DryRun").is_none());
        // Tencent needs a zone, and a subnet needs its VPC.
        let no_zone = CreateInstancesSpec::new("img", "S5.SMALL1");
        assert_eq!(
            run_request(&no_zone, "t").unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        let half = CreateInstancesSpec::new("img", "S5.SMALL1")
            .zone("z")
            .subnet("subnet-1");
        assert_eq!(
            run_request(&half, "t").unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
    }
}
