//! Alibaba Cloud ECS (RPC, 2014-05-26) backend.

use std::sync::Arc;

use unicloud_alibaba::client::AlibabaClient;
use unicloud_alibaba::generated::ecs;
use unicloud_core::clock::{BoxFuture, SharedClock};
use unicloud_core::ids::IdRule;
use unicloud_core::{Error, ErrorKind, Provider, Region};

use crate::model::{CreateInstancesSpec, FilterKey, Filters, Instance, InstanceState, StateChange};
use crate::util::{alnum, base64, parse_time};
use crate::{Action, Backend, Compute, Limits, Page, PageQuery};

/// ECS's per-call limits: `InstanceIds` / `InstanceId.N` ≤ 100, `MaxResults` ≤ 100,
/// `Amount` ≤ 100.
const LIMITS: Limits = Limits {
    ids: 100,
    page: 100,
    create: Some(100),
};

impl Compute {
    /// Instances on Alibaba Cloud ECS through `client` (its region, credentials, endpoint,
    /// retry policy and clock).
    pub fn alibaba(client: &AlibabaClient) -> Self {
        Compute::from_backend(Arc::new(AlibabaBackend {
            client: client.clone(),
        }))
    }
}

/// `i-` (or another region prefix, e.g. `i-bp1…`) + letters and digits.
const ID_RULE: IdRule = IdRule {
    noun: "instance",
    provider: Provider::Alibaba,
    is_valid: |id| {
        id.strip_prefix("i-")
            .is_some_and(|rest| rest.len() <= 64 && alnum(rest))
    },
};

#[derive(Debug)]
struct AlibabaBackend {
    client: AlibabaClient,
}

/// ECS `Status` → unified state.
pub(crate) fn map_state(raw: &str) -> InstanceState {
    match raw {
        "Pending" => InstanceState::Pending,
        "Running" => InstanceState::Running,
        "Starting" => InstanceState::Starting,
        "Stopping" => InstanceState::Stopping,
        "Stopped" => InstanceState::Stopped,
        "Deleted" | "Released" => InstanceState::Terminated,
        other => InstanceState::Unknown(other.to_owned()),
    }
}

/// Unified state → the ECS `Status` parameter value, when there is one.
fn native_state(state: &str) -> Option<&'static str> {
    Some(match state {
        "pending" => "Pending",
        "running" => "Running",
        "starting" => "Starting",
        "stopping" => "Stopping",
        "stopped" => "Stopped",
        _ => return None,
    })
}

pub(crate) fn to_instance(i: ecs::DescribeInstancesInstance) -> Result<Instance, Error> {
    let id = i.instance_id.ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidResponse,
            "an ECS instance without InstanceId",
        )
        .with_provider(Provider::Alibaba)
    })?;
    let raw = i.status.unwrap_or_default();
    let mut out = Instance::new(Provider::Alibaba, id, map_state(&raw));
    out.raw_state = raw;
    out.name = i.instance_name.filter(|n| !n.is_empty());
    out.instance_type = i.instance_type;
    out.image_id = i.image_id;
    out.zone = i.zone_id;
    if let Some(vpc) = i.vpc_attributes {
        out.vpc_id = vpc.vpc_id.filter(|v| !v.is_empty());
        out.subnet_id = vpc.v_switch_id.filter(|v| !v.is_empty());
        out.private_ips = vpc
            .private_ip_address
            .and_then(|p| p.ip_address)
            .unwrap_or_default();
    }
    if out.private_ips.is_empty() {
        // Classic network instances report their address here.
        out.private_ips = i
            .inner_ip_address
            .and_then(|p| p.ip_address)
            .unwrap_or_default();
    }
    out.public_ips = i
        .public_ip_address
        .and_then(|p| p.ip_address)
        .unwrap_or_default();
    if let Some(eip) = i
        .eip_address
        .and_then(|e| e.ip_address)
        .filter(|e| !e.is_empty())
    {
        out.public_ips.push(eip);
    }
    for t in i.tags.and_then(|t| t.tag).unwrap_or_default() {
        if let Some(k) = t.tag_key {
            out.tags.insert(k, t.tag_value.unwrap_or_default());
        }
    }
    out.created_at = i.creation_time.as_deref().and_then(parse_time);
    Ok(out)
}

/// The single value of `key`, if it has exactly one (ECS's scalar filters take one value).
fn single<'a>(filters: &'a Filters, key: &FilterKey) -> Option<&'a str> {
    match filters.values(key) {
        Some([one]) => Some(one.as_str()),
        _ => None,
    }
}

/// Sets the native ECS parameters for `filters` (those with a single value; the rest are applied
/// client-side). Returns `false` when the filters can match nothing.
fn apply_filters(
    req: &mut ecs::DescribeInstancesRequest,
    filters: &Filters,
) -> Result<bool, Error> {
    if let Some(states) = filters.values(&FilterKey::State) {
        let native: Vec<&str> = states.iter().filter_map(|s| native_state(s)).collect();
        match native.as_slice() {
            [] => return Ok(false),
            [one] => req.status = Some((*one).to_owned()),
            _ => {}
        }
    }
    req.instance_name = single(filters, &FilterKey::Name).map(str::to_owned);
    req.zone_id = single(filters, &FilterKey::Zone).map(str::to_owned);
    req.vpc_id = single(filters, &FilterKey::Vpc).map(str::to_owned);
    req.v_switch_id = single(filters, &FilterKey::Subnet).map(str::to_owned);
    req.image_id = single(filters, &FilterKey::Image).map(str::to_owned);
    req.instance_type = single(filters, &FilterKey::InstanceType).map(str::to_owned);
    if let Some(ips) = filters.values(&FilterKey::PrivateIp) {
        req.private_ip_addresses = Some(json_list(ips)?);
    }
    let tags: Vec<ecs::DescribeInstancesTag> = filters
        .iter()
        .filter_map(|(k, values)| match (k, values) {
            (FilterKey::Tag(key), [value]) => Some(ecs::DescribeInstancesTag {
                key: Some(key.clone()),
                value: Some(value.clone()),
                ..Default::default()
            }),
            _ => None,
        })
        .take(20)
        .collect();
    if !tags.is_empty() {
        req.tag = Some(tags);
    }
    Ok(true)
}

/// ECS's JSON-array-in-a-string parameters (`InstanceIds=["i-1","i-2"]`).
fn json_list(items: &[String]) -> Result<String, Error> {
    serde_json::to_string(items).map_err(|e| {
        Error::invalid_input(format!("cannot encode a list parameter: {e}"))
            .with_provider(Provider::Alibaba)
    })
}

/// The ECS `RunInstances` request for `spec` in `region_id`, carrying `token`.
fn run_request(
    region_id: String,
    spec: &CreateInstancesSpec,
    token: &str,
) -> ecs::RunInstancesRequest {
    let tags: Vec<ecs::RunInstancesTag> = spec
        .tags
        .iter()
        .map(|(k, v)| ecs::RunInstancesTag {
            key: Some(k.clone()),
            value: Some(v.clone()),
        })
        .collect();
    let (one_group, groups) = match spec.security_group_ids.as_slice() {
        [] => (None, None),
        [one] => (Some(one.clone()), None),
        many => (None, Some(many.to_vec())),
    };
    ecs::RunInstancesRequest {
        region_id,
        image_id: Some(spec.image_id.clone()),
        instance_type: Some(spec.instance_type.clone()),
        security_group_id: one_group,
        security_group_ids: groups,
        v_switch_id: spec.subnet_id.clone(),
        instance_name: spec.name.clone(),
        zone_id: spec.zone.clone(),
        user_data: spec.user_data.as_deref().map(base64),
        key_pair_name: spec.key_pair.clone(),
        amount: Some(i32::try_from(spec.count).unwrap_or(i32::MAX)),
        client_token: Some(token.to_owned()),
        dry_run: spec.dry_run.then_some(true),
        tag: (!tags.is_empty()).then_some(tags),
        ..Default::default()
    }
}

fn is_dry_run_ok(e: &Error) -> bool {
    e.code() == Some("DryRunOperation")
}

impl AlibabaBackend {
    fn region_id(&self) -> String {
        self.client.region().as_str().to_owned()
    }
}

/// Per-instance results of ECS Start/StopInstances, in the order of `ids`; instances the
/// response leaves out get the transition the call starts.
fn changes(
    ids: &[String],
    answers: Vec<(Option<String>, Option<String>, Option<String>)>,
    started: InstanceState,
) -> Vec<StateChange> {
    ids.iter()
        .map(|id| {
            match answers
                .iter()
                .find(|(aid, _, _)| aid.as_deref() == Some(id.as_str()))
            {
                Some((_, prev, cur)) => StateChange::new(
                    id.clone(),
                    prev.as_deref().map(map_state),
                    cur.as_deref().map_or(started.clone(), map_state),
                ),
                None => StateChange::new(id.clone(), None, started.clone()),
            }
        })
        .collect()
}

impl Backend for AlibabaBackend {
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
            let mut req = ecs::DescribeInstancesRequest {
                region_id: self.region_id(),
                max_results: Some(i32::try_from(q.page_size).unwrap_or(100)),
                next_token: q.cursor.map(str::to_owned),
                ..Default::default()
            };
            match q.ids {
                Some(ids) => req.instance_ids = Some(json_list(ids)?),
                None => {
                    if !apply_filters(&mut req, q.filters)? {
                        return Ok(Page {
                            items: Vec::new(),
                            next: None,
                        });
                    }
                }
            }
            let out = self.client.call(&req).await?;
            let instances = out
                .instances
                .and_then(|i| i.instance)
                .unwrap_or_default()
                .into_iter()
                .map(to_instance)
                .collect::<Result<Vec<_>, _>>()?;
            let next = out.next_token.filter(|t| !t.is_empty());
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
            let req = run_request(self.region_id(), spec, token);
            match self.client.call(&req).await {
                Ok(out) => Ok(out
                    .instance_id_sets
                    .and_then(|s| s.instance_id_set)
                    .unwrap_or_default()),
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
            let region_id = self.region_id();
            let instance_id = ids.to_vec();
            Ok(match action {
                Action::Start => {
                    let out = self
                        .client
                        .call(&ecs::StartInstancesRequest {
                            region_id,
                            instance_id,
                            ..Default::default()
                        })
                        .await?;
                    let answers = out
                        .instance_responses
                        .and_then(|r| r.instance_response)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|r| (r.instance_id, r.previous_status, r.current_status))
                        .collect();
                    changes(ids, answers, InstanceState::Starting)
                }
                Action::Stop(mode) => {
                    let out = self
                        .client
                        .call(&ecs::StopInstancesRequest {
                            region_id,
                            instance_id,
                            force_stop: Some(mode.is_force()),
                            ..Default::default()
                        })
                        .await?;
                    let answers = out
                        .instance_responses
                        .and_then(|r| r.instance_response)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|r| (r.instance_id, r.previous_status, r.current_status))
                        .collect();
                    changes(ids, answers, InstanceState::Stopping)
                }
                Action::Destroy => {
                    // `Force` releases running instances too, as EC2 and CVM do.
                    self.client
                        .call(&ecs::DeleteInstancesRequest {
                            region_id,
                            instance_id,
                            force: Some(true),
                            ..Default::default()
                        })
                        .await?;
                    changes(ids, Vec::new(), InstanceState::Terminating)
                }
            })
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use unicloud_alibaba::encode::to_query_pairs;

    use super::*;

    /// Every `Status` in the ECS 2014-05-26 documentation (plus the release states).
    #[test]
    fn every_ecs_status_maps() {
        let cases = [
            ("Pending", InstanceState::Pending),
            ("Running", InstanceState::Running),
            ("Starting", InstanceState::Starting),
            ("Stopping", InstanceState::Stopping),
            ("Stopped", InstanceState::Stopped),
            ("Deleted", InstanceState::Terminated),
            ("Released", InstanceState::Terminated),
            ("Expired", InstanceState::Unknown("Expired".into())),
        ];
        for (raw, want) in cases {
            assert_eq!(map_state(raw), want, "{raw}");
        }
        for s in InstanceState::ALL {
            if let Some(v) = native_state(s.as_str()) {
                assert_eq!(map_state(v), s);
            }
        }
    }

    fn pairs(req: &ecs::DescribeInstancesRequest) -> Vec<(String, String)> {
        to_query_pairs(req).unwrap()
    }

    #[test]
    fn single_valued_filters_are_native() {
        let mut req = ecs::DescribeInstancesRequest {
            region_id: "cn-hangzhou".into(),
            ..Default::default()
        };
        let f = Filters::new()
            .state([InstanceState::Running])
            .name("web")
            .zone(["cn-hangzhou-i"])
            .vpc(["vpc-1"])
            .subnet(["vsw-1"])
            .image(["img"])
            .instance_type(["ecs.g7.large"])
            .private_ip(["172.16.0.1", "172.16.0.2"])
            .tag("env", ["prod"])
            .tag("team", ["a", "b"]);
        assert!(apply_filters(&mut req, &f).unwrap());
        let p = pairs(&req);
        let get = |k: &str| p.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("Status"), Some("Running"));
        assert_eq!(get("InstanceName"), Some("web"));
        assert_eq!(get("ZoneId"), Some("cn-hangzhou-i"));
        assert_eq!(get("VpcId"), Some("vpc-1"));
        assert_eq!(get("VSwitchId"), Some("vsw-1"));
        assert_eq!(get("ImageId"), Some("img"));
        assert_eq!(get("InstanceType"), Some("ecs.g7.large"));
        assert_eq!(
            get("PrivateIpAddresses"),
            Some(r#"["172.16.0.1","172.16.0.2"]"#)
        );
        assert_eq!(get("Tag.1.Key"), Some("env"));
        assert_eq!(get("Tag.1.Value"), Some("prod"));
        // A tag with two values is left to the client side.
        assert_eq!(get("Tag.2.Key"), None);
    }

    #[test]
    fn multi_valued_and_impossible_filters() {
        let mut req = ecs::DescribeInstancesRequest::default();
        let f = Filters::new()
            .state([InstanceState::Running, InstanceState::Stopped])
            .zone(["a", "b"]);
        assert!(apply_filters(&mut req, &f).unwrap());
        assert_eq!(req.status, None);
        assert_eq!(req.zone_id, None);
        let mut req = ecs::DescribeInstancesRequest::default();
        let f = Filters::new().state([InstanceState::Terminating]);
        assert!(!apply_filters(&mut req, &f).unwrap());
    }

    #[test]
    fn ids_are_a_json_string() {
        let req = ecs::DescribeInstancesRequest {
            region_id: "cn-hangzhou".into(),
            instance_ids: Some(json_list(&["i-a".into(), "i-b".into()]).unwrap()),
            ..Default::default()
        };
        assert!(pairs(&req).contains(&("InstanceIds".into(), r#"["i-a","i-b"]"#.into())));
    }

    #[test]
    fn documented_instance_maps() {
        let doc = serde_json::json!({
            "InstanceId": "i-bp67acfmxazb4p****",
            "InstanceName": "InstanceNameTest",
            "Status": "Running",
            "InstanceType": "ecs.g5.large",
            "ZoneId": "cn-hangzhou-g",
            "ImageId": "m-bp67acfmxazb4p****",
            "CreationTime": "2017-12-10T04:04Z",
            "VpcAttributes": {"VpcId": "v-bp67acfmxazb4p****", "VSwitchId": "vsw-bp67acfmxazb4p****",
                              "PrivateIpAddress": {"IpAddress": ["172.17.**.**"]}},
            "PublicIpAddress": {"IpAddress": ["121.40.**.**"]},
            "Tags": {"Tag": [{"TagKey": "env", "TagValue": "prod"}]}
        });
        let i: ecs::DescribeInstancesInstance = serde_json::from_value(doc).unwrap();
        let u = to_instance(i).unwrap();
        assert_eq!(u.state, InstanceState::Running);
        assert_eq!(u.subnet_id.as_deref(), Some("vsw-bp67acfmxazb4p****"));
        assert_eq!(u.private_ips, ["172.17.**.**"]);
        assert_eq!(u.public_ips, ["121.40.**.**"]);
        assert_eq!(u.tag("env"), Some("prod"));
        assert!(u.created_at.is_some());
    }

    #[test]
    fn changes_follow_the_ids() {
        let ids = vec!["i-a".to_string(), "i-b".to_string()];
        let c = changes(
            &ids,
            vec![(
                Some("i-b".into()),
                Some("Stopped".into()),
                Some("Starting".into()),
            )],
            InstanceState::Starting,
        );
        assert_eq!(c[0], StateChange::new("i-a", None, InstanceState::Starting));
        assert_eq!(
            c[1],
            StateChange::new("i-b", Some(InstanceState::Stopped), InstanceState::Starting)
        );
    }

    /// Our DescribeInstances query for ids + `state=running` + `tag:Name=web` has exactly the
    /// parameters the official Python SDK sent for the same call (wire capture 011), except the
    /// page parameters (we page with MaxResults/NextToken).
    #[test]
    fn describe_query_matches_the_sdk_capture() {
        // What the official SDK sent for the same query (wire capture 011, loaded, not pasted).
        let capture = unicloud_testkit::capture::Capture::load("011").unwrap();
        let sdk: Vec<(String, String)> = capture
            .query()
            .split('&')
            .filter(|kv| !kv.starts_with("PageSize="))
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                let v = percent_encoding::percent_decode_str(v)
                    .decode_utf8()
                    .unwrap();
                (k.to_owned(), v.into_owned())
            })
            .collect();
        let mut req = ecs::DescribeInstancesRequest {
            region_id: "cn-hangzhou".into(),
            instance_ids: Some(json_list(&["i-bp67acfmxazb4p****".into()]).unwrap()),
            ..Default::default()
        };
        let f = Filters::new()
            .state([InstanceState::Running])
            .tag("Name", ["web"]);
        assert!(apply_filters(&mut req, &f).unwrap());
        assert_eq!(pairs(&req), sdk);
    }

    #[test]
    fn run_request_parameters() {
        let spec =
            CreateInstancesSpec::new("aliyun_3_x64_20G_alibase_20240819.vhd", "ecs.g7.large")
                .count(3)
                .zone("cn-hangzhou-i")
                .subnet("vsw-1")
                .security_group("sg-1")
                .name("web")
                .tag("env", "prod")
                .key_pair("ops")
                .user_data("#!/bin/sh\n")
                .dry_run(true);
        let p = to_query_pairs(&run_request("cn-hangzhou".into(), &spec, "tok-1")).unwrap();
        let get = |k: &str| p.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("RegionId"), Some("cn-hangzhou"));
        assert_eq!(
            get("ImageId"),
            Some("aliyun_3_x64_20G_alibase_20240819.vhd")
        );
        assert_eq!(get("InstanceType"), Some("ecs.g7.large"));
        assert_eq!(get("Amount"), Some("3"));
        assert_eq!(get("ZoneId"), Some("cn-hangzhou-i"));
        assert_eq!(get("VSwitchId"), Some("vsw-1"));
        assert_eq!(get("SecurityGroupId"), Some("sg-1"));
        assert_eq!(get("InstanceName"), Some("web"));
        assert_eq!(get("Tag.1.Key"), Some("env"));
        assert_eq!(get("Tag.1.Value"), Some("prod"));
        assert_eq!(get("KeyPairName"), Some("ops"));
        assert_eq!(get("UserData"), Some("IyEvYmluL3NoCg=="));
        assert_eq!(get("ClientToken"), Some("tok-1"));
        assert_eq!(get("DryRun"), Some("true"));
        // Several security groups go in the list parameter.
        let spec = spec.security_group("sg-2");
        let p = to_query_pairs(&run_request("cn-hangzhou".into(), &spec, "t")).unwrap();
        assert!(p.contains(&("SecurityGroupIds.1".into(), "sg-1".into())));
        assert!(p.contains(&("SecurityGroupIds.2".into(), "sg-2".into())));
        assert!(!p.iter().any(|(k, _)| k == "SecurityGroupId"));
    }
}
