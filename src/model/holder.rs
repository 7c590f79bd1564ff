//! What holds a security group without being a running network interface: launch templates and
//! configurations, auto-scaling groups, ECS services, Lambda functions, EKS clusters and node groups, load
//! balancers, Batch compute environments, EventBridge rules that run ECS tasks, CodeBuild projects and Glue
//! connections. Such a group may have no interface today and still be needed at the next scale-out, job,
//! scheduled task or build.

use serde::{Deserialize, Serialize};

/// A resource that names security groups for what it launches or runs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Holder {
    /// What kind of resource it is.
    pub kind: HolderKind,
    /// What the service calls it: `lt-…` for a launch template, the name of an auto-scaling group, ECS
    /// service, function, cluster, node group or load balancer.
    pub id: String,
    /// Its region.
    pub region: String,
    /// Its state, as a finding repeats it: `version 3 (the default)`, `at 0 instances`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// The groups it names by ID.
    #[serde(default)]
    pub group_ids: Vec<String>,
    /// Groups named by name rather than ID (launch templates and configurations for the default VPC). Every
    /// group of the region with that name counts as held: a false "held" keeps a group, a false "unused" would
    /// delete one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_names: Vec<String>,
}

/// The kinds of resources that hold security groups without a running interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HolderKind {
    /// An EC2 launch template version.
    LaunchTemplate,
    /// An auto-scaling launch configuration.
    LaunchConfiguration,
    /// An auto-scaling group (through its launch template or configuration).
    AutoScalingGroup,
    /// An ECS service's network configuration.
    EcsService,
    /// A Lambda function's VPC configuration.
    LambdaFunction,
    /// An EKS cluster's VPC configuration.
    EksCluster,
    /// An EKS managed node group's remote access groups.
    EksNodegroup,
    /// An ELBv2 load balancer.
    LoadBalancer,
    /// An AWS Batch compute environment.
    BatchComputeEnvironment,
    /// An EventBridge rule or schedule that runs ECS tasks.
    EventBridgeRule,
    /// A CodeBuild project's VPC configuration.
    CodeBuildProject,
    /// A Glue connection's physical requirements.
    GlueConnection,
}

impl HolderKind {
    /// How findings name the kind (`launch template`, ...).
    pub fn noun(self) -> &'static str {
        match self {
            HolderKind::LaunchTemplate => "launch template",
            HolderKind::LaunchConfiguration => "launch configuration",
            HolderKind::AutoScalingGroup => "auto-scaling group",
            HolderKind::EcsService => "ECS service",
            HolderKind::LambdaFunction => "Lambda function",
            HolderKind::EksCluster => "EKS cluster",
            HolderKind::EksNodegroup => "EKS node group",
            HolderKind::LoadBalancer => "load balancer",
            HolderKind::BatchComputeEnvironment => "Batch compute environment",
            HolderKind::EventBridgeRule => "EventBridge rule",
            HolderKind::CodeBuildProject => "CodeBuild project",
            HolderKind::GlueConnection => "Glue connection",
        }
    }

    /// Every kind, in the order a report lists them.
    pub const ALL: [HolderKind; 12] = [
        HolderKind::LaunchTemplate,
        HolderKind::LaunchConfiguration,
        HolderKind::AutoScalingGroup,
        HolderKind::EcsService,
        HolderKind::LambdaFunction,
        HolderKind::EksCluster,
        HolderKind::EksNodegroup,
        HolderKind::LoadBalancer,
        HolderKind::BatchComputeEnvironment,
        HolderKind::EventBridgeRule,
        HolderKind::CodeBuildProject,
        HolderKind::GlueConnection,
    ];
}

impl Holder {
    /// `launch template lt-0abc version 3 (the default)`.
    pub fn label(&self) -> String {
        let mut s = format!("{} {}", self.kind.noun(), self.id);
        if !self.detail.is_empty() {
            s.push(' ');
            s.push_str(&self.detail);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_as_a_sentence() {
        let h = Holder {
            kind: HolderKind::AutoScalingGroup,
            id: "web-asg".into(),
            region: "us-east-1".into(),
            detail: "at 0 instances".into(),
            group_ids: vec![],
            group_names: vec![],
        };
        assert_eq!(h.label(), "auto-scaling group web-asg at 0 instances");
        assert_eq!(Holder { detail: String::new(), ..h }.label(), "auto-scaling group web-asg");
    }
}
