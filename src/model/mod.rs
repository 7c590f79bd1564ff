//! The shared rule model: one normalized inventory per account.
//!
//! Everything the audit engine knows about an account is in [`Inventory`]. The collector builds it from
//! AWS responses; tests build it from fixtures. Nothing in here performs I/O.

mod net;
mod rule;

pub use net::{is_public, public_part, PublicRanges};
pub use rule::{Direction, Peer, PortRange, Protocol, Rule};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// One account's inventory, across every collected region.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Inventory {
    /// The 12-digit account ID, when it is known.
    #[serde(default)]
    pub account: Option<String>,
    /// Regions the collection was asked to cover.
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default)]
    pub groups: Vec<SecurityGroup>,
    #[serde(default)]
    pub rules: Vec<Rule>,
    #[serde(default)]
    pub interfaces: Vec<NetworkInterface>,
    /// RDS instances and clusters, ElastiCache clusters, replication groups and serverless caches.
    #[serde(default)]
    pub datastores: Vec<Datastore>,
    #[serde(default)]
    pub prefix_lists: Vec<PrefixList>,
    /// Subnets, for the route table that decides whether a public address is reachable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subnets: Vec<Subnet>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub route_tables: Vec<RouteTable>,
    /// One entry per API operation the collector ran (or tried to).
    #[serde(default)]
    pub coverage: Vec<Coverage>,
}

/// A security group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SecurityGroup {
    pub id: String,
    pub name: String,
    pub region: String,
    #[serde(default)]
    pub vpc_id: Option<String>,
    #[serde(default)]
    pub owner_id: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl SecurityGroup {
    /// Every VPC has exactly one group named `default`, which AWS creates and never deletes.
    pub fn is_default(&self) -> bool {
        self.name == "default"
    }
}

/// An elastic network interface: the attachment point of groups for EC2, ECS tasks, Lambda, load balancers,
/// VPC endpoints and (in real accounts) RDS and ElastiCache nodes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct NetworkInterface {
    pub id: String,
    pub region: String,
    #[serde(default)]
    pub vpc_id: Option<String>,
    #[serde(default)]
    pub subnet_id: Option<String>,
    #[serde(default)]
    pub group_ids: Vec<String>,
    #[serde(default)]
    pub private_ips: Vec<IpAddr>,
    /// Public IPv4 addresses (auto-assigned or elastic) and IPv6 addresses.
    #[serde(default)]
    pub public_ips: Vec<IpAddr>,
    /// `interface`, `lambda`, `network_load_balancer`, `vpc_endpoint`, `nat_gateway`, ...
    #[serde(default)]
    pub interface_type: String,
    /// The service that created the interface on the account's behalf (`amazon-rds`, `amazon-elb`, ...).
    #[serde(default)]
    pub requester_id: Option<String>,
    #[serde(default)]
    pub requester_managed: bool,
    #[serde(default)]
    pub description: String,
    /// The instance it is attached to, if any.
    #[serde(default)]
    pub instance_id: Option<String>,
}

impl NetworkInterface {
    /// The AWS service that owns this interface, when it is not a plain compute interface.
    pub fn managed_by(&self) -> Option<ManagedBy> {
        let requester = self.requester_id.as_deref().unwrap_or_default();
        let desc = self.description.as_str();
        if requester == "amazon-rds" || desc.starts_with("RDSNetworkInterface") {
            return Some(ManagedBy::Rds);
        }
        if requester == "amazon-elasticache" || desc.starts_with("ElastiCache") {
            return Some(ManagedBy::ElastiCache);
        }
        match self.interface_type.as_str() {
            "network_load_balancer" | "gateway_load_balancer" | "gateway_load_balancer_endpoint" => {
                return Some(ManagedBy::LoadBalancer)
            }
            "lambda" => return Some(ManagedBy::Lambda),
            "interface" | "efa" | "efa-only" | "trunk" | "branch" | "" => {}
            _ => return Some(ManagedBy::OtherService),
        }
        if requester == "amazon-elb" || desc.starts_with("ELB ") {
            return Some(ManagedBy::LoadBalancer);
        }
        None
    }

    pub fn has_public_address(&self) -> bool {
        !self.public_ips.is_empty()
    }
}

/// The AWS service behind a requester-managed interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManagedBy {
    Rds,
    ElastiCache,
    LoadBalancer,
    Lambda,
    /// NAT gateways, VPC endpoints, transit gateway attachments, EFS mount targets, ...
    OtherService,
}

/// What kind of resource a finding is about.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceKind {
    RdsInstance,
    RdsCluster,
    ElasticacheCluster,
    ElasticacheReplicationGroup,
    ElasticacheServerless,
    NetworkInterface,
    SecurityGroup,
    SecurityGroupRule,
    /// A flow between sets of members (or from the internet), for intended-flow policy findings.
    Flow,
}

impl ResourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::RdsInstance => "rds-instance",
            ResourceKind::RdsCluster => "rds-cluster",
            ResourceKind::ElasticacheCluster => "elasticache-cluster",
            ResourceKind::ElasticacheReplicationGroup => "elasticache-replication-group",
            ResourceKind::ElasticacheServerless => "elasticache-serverless",
            ResourceKind::NetworkInterface => "network-interface",
            ResourceKind::SecurityGroup => "security-group",
            ResourceKind::SecurityGroupRule => "security-group-rule",
            ResourceKind::Flow => "flow",
        }
    }

    pub fn is_rds(self) -> bool {
        matches!(self, ResourceKind::RdsInstance | ResourceKind::RdsCluster)
    }
}

impl std::fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A managed database or cache: an RDS instance or cluster, an ElastiCache cluster, replication group or
/// serverless cache.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Datastore {
    pub kind: ResourceKind,
    pub id: String,
    pub region: String,
    pub engine: String,
    /// The port it listens on, when AWS reports it.
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub group_ids: Vec<String>,
    /// RDS `PubliclyAccessible`; always false for ElastiCache, which has no public endpoints.
    #[serde(default)]
    pub publicly_accessible: bool,
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// The RDS cluster of an instance, or the replication group of an ElastiCache cluster. Findings are
    /// reported on the parent, which carries the same groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// The subnets of its subnet group (RDS instances): where AWS may place it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subnet_ids: Vec<String>,
}

impl Datastore {
    /// The port to audit: the reported one, or the engine's default when AWS did not report one.
    pub fn effective_port(&self) -> Option<u16> {
        self.port.or_else(|| default_port(&self.engine))
    }
}

/// The default port of a database engine, as RDS and ElastiCache name engines.
pub fn default_port(engine: &str) -> Option<u16> {
    let e = engine.to_ascii_lowercase();
    let port = if e.contains("postgres") {
        5432
    } else if e.contains("mysql") || e.contains("mariadb") {
        3306
    } else if e.starts_with("sqlserver") {
        1433
    } else if e.starts_with("oracle") {
        1521
    } else if e.starts_with("db2") {
        50000
    } else if e.contains("redis") || e.contains("valkey") {
        6379
    } else if e.contains("memcached") {
        11211
    } else if e.contains("docdb") || e.contains("mongo") {
        27017
    } else if e.contains("neptune") {
        8182
    } else {
        return None;
    };
    Some(port)
}

/// A managed prefix list with its entries expanded.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PrefixList {
    pub id: String,
    pub region: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub entries: Vec<ipnet::IpNet>,
}

/// A subnet of a VPC.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Subnet {
    pub id: String,
    pub region: String,
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Its IPv4 block and any IPv6 blocks.
    #[serde(default)]
    pub cidrs: Vec<ipnet::IpNet>,
}

/// A VPC route table, reduced to what decides internet reachability.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RouteTable {
    pub id: String,
    pub region: String,
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// The VPC's main route table: it serves every subnet without an explicit association.
    #[serde(default)]
    pub main: bool,
    /// Subnets explicitly associated with it.
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    #[serde(default)]
    pub routes: Vec<Route>,
}

/// One route: a destination (CIDR or prefix list ID) and its target (`igw-…`, `nat-…`, `local`, …).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Route {
    pub destination: String,
    pub target: String,
}

impl Route {
    /// Whether the route sends traffic to an internet gateway, which also lets the internet in. Egress-only
    /// internet gateways (`eigw-`) do not.
    pub fn to_internet_gateway(&self) -> bool {
        self.target.starts_with("igw-")
    }
}

/// The outcome of one API operation in one region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Coverage {
    /// The account the call was made in (set once the account is known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub region: String,
    pub service: String,
    pub operation: String,
    pub status: CoverageStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// Pages read (0 when the first call failed).
    #[serde(default)]
    pub pages: u32,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CoverageStatus {
    Ok,
    Failed,
}

impl Inventory {
    /// True when every collected operation succeeded.
    pub fn is_complete(&self) -> bool {
        self.coverage.iter().all(|c| c.status == CoverageStatus::Ok)
    }

    /// True when the operation failed in that region, or was not collected at all.
    pub fn failed(&self, region: &str, operation: &str) -> bool {
        self.coverage
            .iter()
            .any(|c| c.region == region && c.operation == operation && c.status == CoverageStatus::Failed)
    }
}
