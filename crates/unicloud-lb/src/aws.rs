//! AWS Elastic Load Balancing: ELBv2 target groups (aws-sdk-elasticloadbalancingv2, Query
//! protocol `2015-12-01`) and, with the `aws-classic` feature, classic load balancers
//! (aws-sdk-elasticloadbalancing, `2012-06-01`).

use std::fmt;
use std::future::Future;
use std::net::Ipv4Addr;
use std::sync::Arc;

use aws_sdk_elasticloadbalancingv2 as elbv2;
use unicloud_aws::codes::ELBV2;
use unicloud_aws::{AwsClient, map_sdk_error};
use unicloud_core::clock::{BoxFuture, SharedClock};
use unicloud_core::{Error, Provider, Region};

use crate::{
    Backend, BackendHealth, BackendPool, Change, HealthState, LbBackend, LoadBalancing, Task,
    check_id, refuse,
};

const P: Provider = Provider::Aws;

/// Targets (instances) per register or deregister call.
const BATCH: usize = 100;

impl LoadBalancing {
    /// ELBv2 target groups (and, with the `aws-classic` feature, classic load balancers)
    /// through `client`: the credentials and region of its `aws-config`
    /// [`SdkConfig`](unicloud_aws::SdkConfig), and the endpoint override (service
    /// `elasticloadbalancing`), time-outs, retry policy and clock of its
    /// [`ClientConfig`](unicloud_core::ClientConfig). The SDKs' own retries are off: the
    /// [`RetryPolicy`](unicloud_core::RetryPolicy) retries instead.
    pub fn aws(client: &AwsClient) -> Self {
        let config = client.service_config("elasticloadbalancing");
        LoadBalancing::from_backend(Arc::new(AwsBackend {
            v2: elbv2::Client::new(&config),
            #[cfg(feature = "aws-classic")]
            classic: aws_sdk_elasticloadbalancing::Client::new(&config),
            aws: client.clone(),
        }))
    }
}

struct AwsBackend {
    v2: elbv2::Client,
    #[cfg(feature = "aws-classic")]
    classic: aws_sdk_elasticloadbalancing::Client,
    aws: AwsClient,
}

impl fmt::Debug for AwsBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsBackend")
            .field("aws", &self.aws)
            .finish_non_exhaustive()
    }
}

/// `i-` + 8 or 17 lowercase hexadecimal digits.
fn instance_id(id: &str) -> bool {
    id.strip_prefix("i-").is_some_and(|rest| {
        (rest.len() == 8 || rest.len() == 17)
            && rest
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// An ELBv2 target: an instance, or an IPv4 address (IP target groups).
fn target_id(id: &str) -> bool {
    instance_id(id) || id.parse::<Ipv4Addr>().is_ok()
}

/// The unified state of an ELBv2 target. A stopped or terminated instance is `unused` with
/// `Target.InvalidState` on AWS: unhealthy here, as on the other clouds.
fn v2_state(state: &str, reason: Option<&str>) -> HealthState {
    match state {
        "healthy" => HealthState::Healthy,
        "unhealthy" => HealthState::Unhealthy,
        "unhealthy.draining" | "draining" => HealthState::Draining,
        "initial" => HealthState::Initial,
        "unused" if reason == Some("Target.InvalidState") => HealthState::Unhealthy,
        "unused" | "unavailable" => HealthState::Unused,
        other => HealthState::Unknown(other.to_owned()),
    }
}

/// An ELBv2 `TargetHealthDescription` in the model.
fn v2_health(d: &elbv2::types::TargetHealthDescription) -> Option<BackendHealth> {
    let t = d.target()?;
    let mut b = Backend::new(t.id()?);
    b.port = t.port().and_then(|p| u16::try_from(p).ok());
    let health = d.target_health();
    let raw = health
        .and_then(|h| h.state())
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default();
    let reason = health
        .and_then(|h| h.reason())
        .map(|r| r.as_str().to_owned());
    let state = v2_state(&raw, reason.as_deref());
    let mut out = BackendHealth::new(b, state, raw);
    if let Some(r) = reason {
        out = out.with_reason(r);
    }
    Some(out)
}

/// The unified state of a classic ELB instance: `InService` healthy; `OutOfService` with
/// reason code `ELB` (registration or the first checks in progress) initial, otherwise
/// (`Instance`: failing checks, stopped) unhealthy.
#[cfg(feature = "aws-classic")]
fn classic_state(state: &str, reason_code: Option<&str>) -> HealthState {
    match (state, reason_code) {
        ("InService", _) => HealthState::Healthy,
        ("OutOfService", Some("ELB")) => HealthState::Initial,
        ("OutOfService", _) => HealthState::Unhealthy,
        (other, _) => HealthState::Unknown(other.to_owned()),
    }
}

#[cfg(feature = "aws-classic")]
fn classic_health(s: &aws_sdk_elasticloadbalancing::types::InstanceState) -> Option<BackendHealth> {
    let raw = s.state().unwrap_or_default();
    let mut out = BackendHealth::new(
        Backend::new(s.instance_id()?),
        classic_state(raw, s.reason_code()),
        raw,
    );
    if let Some(d) = s.description().filter(|d| !d.is_empty() && *d != "N/A") {
        out = out.with_reason(d);
    }
    Some(out)
}

impl AwsBackend {
    /// Runs one operation under the retry policy (see [`AwsClient::retry`]).
    async fn retry<T, F, Fut>(&self, operation: &'static str, op: F) -> Result<T, Error>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        self.aws.retry(operation, op).await
    }

    async fn v2_health(&self, arn: &str) -> Result<Vec<BackendHealth>, Error> {
        let req = self.v2.describe_target_health().target_group_arn(arn);
        let out = self
            .retry("DescribeTargetHealth", |_| {
                let req = req.clone();
                async move {
                    req.send()
                        .await
                        .map_err(|e| map_sdk_error("DescribeTargetHealth", &ELBV2, e))
                }
            })
            .await?;
        Ok(out
            .target_health_descriptions()
            .iter()
            .filter_map(v2_health)
            .collect())
    }

    async fn v2_change(
        &self,
        arn: &str,
        change: Change,
        backends: &[Backend],
    ) -> Result<(), Error> {
        let targets: Vec<elbv2::types::TargetDescription> = backends
            .iter()
            .map(|b| {
                elbv2::types::TargetDescription::builder()
                    .id(&b.instance_id)
                    .set_port(b.port.map(i32::from))
                    .build()
            })
            .collect();
        match change {
            Change::Register => {
                let req = self
                    .v2
                    .register_targets()
                    .target_group_arn(arn)
                    .set_targets(Some(targets));
                self.retry("RegisterTargets", |_| {
                    let req = req.clone();
                    async move {
                        req.send()
                            .await
                            .map_err(|e| map_sdk_error("RegisterTargets", &ELBV2, e))
                    }
                })
                .await
                .map(drop)
            }
            Change::Deregister => {
                let req = self
                    .v2
                    .deregister_targets()
                    .target_group_arn(arn)
                    .set_targets(Some(targets));
                self.retry("DeregisterTargets", |_| {
                    let req = req.clone();
                    async move {
                        req.send()
                            .await
                            .map_err(|e| map_sdk_error("DeregisterTargets", &ELBV2, e))
                    }
                })
                .await
                .map(drop)
            }
        }
    }

    #[cfg(feature = "aws-classic")]
    async fn classic_health(&self, name: &str) -> Result<Vec<BackendHealth>, Error> {
        use unicloud_aws::codes::ELB;
        let req = self
            .classic
            .describe_instance_health()
            .load_balancer_name(name);
        let out = self
            .retry("DescribeInstanceHealth", |_| {
                let req = req.clone();
                async move {
                    req.send()
                        .await
                        .map_err(|e| map_sdk_error("DescribeInstanceHealth", &ELB, e))
                }
            })
            .await?;
        Ok(out
            .instance_states()
            .iter()
            .filter_map(classic_health)
            .collect())
    }

    #[cfg(feature = "aws-classic")]
    async fn classic_change(
        &self,
        name: &str,
        change: Change,
        backends: &[Backend],
    ) -> Result<(), Error> {
        use aws_sdk_elasticloadbalancing::types::Instance;
        use unicloud_aws::codes::ELB;
        let instances: Vec<Instance> = backends
            .iter()
            .map(|b| Instance::builder().instance_id(&b.instance_id).build())
            .collect();
        match change {
            Change::Register => {
                let req = self
                    .classic
                    .register_instances_with_load_balancer()
                    .load_balancer_name(name)
                    .set_instances(Some(instances));
                self.retry("RegisterInstancesWithLoadBalancer", |_| {
                    let req = req.clone();
                    async move {
                        req.send().await.map_err(|e| {
                            map_sdk_error("RegisterInstancesWithLoadBalancer", &ELB, e)
                        })
                    }
                })
                .await
                .map(drop)
            }
            Change::Deregister => {
                let req = self
                    .classic
                    .deregister_instances_from_load_balancer()
                    .load_balancer_name(name)
                    .set_instances(Some(instances));
                self.retry("DeregisterInstancesFromLoadBalancer", |_| {
                    let req = req.clone();
                    async move {
                        req.send().await.map_err(|e| {
                            map_sdk_error("DeregisterInstancesFromLoadBalancer", &ELB, e)
                        })
                    }
                })
                .await
                .map(drop)
            }
        }
    }
}

/// Classic pools without the `aws-classic` feature.
#[cfg(not(feature = "aws-classic"))]
fn classic_off() -> Error {
    Error::new(
        unicloud_core::ErrorKind::Unsupported,
        "classic load balancers (elb:NAME) need unicloud-lb's `aws-classic` feature",
    )
    .with_provider(P)
}

impl LbBackend for AwsBackend {
    fn provider(&self) -> Provider {
        P
    }

    fn region(&self) -> &Region {
        self.aws.region()
    }

    fn clock(&self) -> SharedClock {
        self.aws.config().clock().clone()
    }

    fn check_pool(&self, pool: &BackendPool) -> Result<(), Error> {
        match pool {
            BackendPool::TargetGroup { .. } => Ok(()),
            #[cfg(feature = "aws-classic")]
            BackendPool::ClassicLoadBalancer { .. } => Ok(()),
            #[cfg(not(feature = "aws-classic"))]
            BackendPool::ClassicLoadBalancer { .. } => Err(classic_off()),
            other => {
                Err(Error::invalid_input(format!("{other} is not an AWS pool")).with_provider(P))
            }
        }
    }

    fn check_backend(&self, pool: &BackendPool, b: &Backend, weight: bool) -> Result<(), Error> {
        match pool {
            BackendPool::ClassicLoadBalancer { .. } => {
                check_id(P, b, instance_id, "i- and 8 or 17 hexadecimal digits")?;
                if b.port.is_some() {
                    return Err(refuse(
                        P,
                        pool,
                        b,
                        "no backend port (its listeners' instance ports apply)",
                    ));
                }
            }
            _ => check_id(
                P,
                b,
                target_id,
                "i- and 8 or 17 hexadecimal digits, or an IPv4 address",
            )?,
        }
        if weight && b.weight.is_some() {
            return Err(refuse(
                P,
                pool,
                b,
                "no backend weight (AWS weighs target groups in listener rules, not targets)",
            ));
        }
        Ok(())
    }

    fn batch_size(&self) -> usize {
        BATCH
    }

    fn health<'a>(
        &'a self,
        pool: &'a BackendPool,
    ) -> BoxFuture<'a, Result<Vec<BackendHealth>, Error>> {
        Box::pin(async move {
            match pool {
                BackendPool::TargetGroup { arn } => self.v2_health(arn).await,
                #[cfg(feature = "aws-classic")]
                BackendPool::ClassicLoadBalancer { name } => self.classic_health(name).await,
                #[cfg(not(feature = "aws-classic"))]
                BackendPool::ClassicLoadBalancer { .. } => Err(classic_off()),
                other => {
                    Err(Error::invalid_input(format!("{other} is not an AWS pool"))
                        .with_provider(P))
                }
            }
        })
    }

    fn change<'a>(
        &'a self,
        pool: &'a BackendPool,
        change: Change,
        backends: &'a [Backend],
    ) -> BoxFuture<'a, Result<Option<Task>, Error>> {
        Box::pin(async move {
            match pool {
                BackendPool::TargetGroup { arn } => self.v2_change(arn, change, backends).await?,
                #[cfg(feature = "aws-classic")]
                BackendPool::ClassicLoadBalancer { name } => {
                    self.classic_change(name, change, backends).await?;
                }
                #[cfg(not(feature = "aws-classic"))]
                BackendPool::ClassicLoadBalancer { .. } => return Err(classic_off()),
                other => {
                    return Err(Error::invalid_input(format!("{other} is not an AWS pool"))
                        .with_provider(P));
                }
            }
            Ok(None)
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn elbv2_states_map_to_the_unified_ones() {
        for (raw, reason, want) in [
            ("healthy", None, HealthState::Healthy),
            (
                "unhealthy",
                Some("Target.FailedHealthChecks"),
                HealthState::Unhealthy,
            ),
            (
                "initial",
                Some("Elb.RegistrationInProgress"),
                HealthState::Initial,
            ),
            (
                "draining",
                Some("Target.DeregistrationInProgress"),
                HealthState::Draining,
            ),
            ("unhealthy.draining", None, HealthState::Draining),
            ("unused", Some("Target.NotInUse"), HealthState::Unused),
            (
                "unused",
                Some("Target.InvalidState"),
                HealthState::Unhealthy,
            ),
            ("unavailable", None, HealthState::Unused),
            ("new-state", None, HealthState::Unknown("new-state".into())),
        ] {
            assert_eq!(v2_state(raw, reason), want, "{raw} {reason:?}");
        }
    }

    #[test]
    fn target_descriptions_read_into_backends() {
        let d = elbv2::types::TargetHealthDescription::builder()
            .target(
                elbv2::types::TargetDescription::builder()
                    .id("i-0123456789abcdef0")
                    .port(8080)
                    .build(),
            )
            .target_health(
                elbv2::types::TargetHealth::builder()
                    .state(elbv2::types::TargetHealthStateEnum::Unused)
                    .reason(elbv2::types::TargetHealthReasonEnum::NotInUse)
                    .build(),
            )
            .build();
        let h = v2_health(&d)
            .unwrap_or_else(|| BackendHealth::new(Backend::new("x"), HealthState::Healthy, ""));
        assert_eq!(
            h.backend,
            Backend::new("i-0123456789abcdef0").with_port(8080)
        );
        assert_eq!(h.state, HealthState::Unused);
        assert_eq!(h.raw_state, "unused");
        assert_eq!(h.reason.as_deref(), Some("Target.NotInUse"));
    }

    #[test]
    fn ids_are_instances_or_ipv4_addresses() {
        assert!(target_id("i-0123456789abcdef0"));
        assert!(target_id("i-01234567"));
        assert!(target_id("10.0.0.5"));
        assert!(!target_id("i-XYZ"));
        assert!(!target_id("ins-12345678"));
        assert!(!instance_id("10.0.0.5"));
    }

    #[cfg(feature = "aws-classic")]
    #[test]
    fn classic_states_map_to_the_unified_ones() {
        assert_eq!(
            classic_state("InService", Some("N/A")),
            HealthState::Healthy
        );
        assert_eq!(
            classic_state("OutOfService", Some("ELB")),
            HealthState::Initial
        );
        assert_eq!(
            classic_state("OutOfService", Some("Instance")),
            HealthState::Unhealthy
        );
        assert_eq!(
            classic_state("Unknown", None),
            HealthState::Unknown("Unknown".into())
        );
    }
}
