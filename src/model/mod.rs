//! The shared rule model: one normalized inventory per account.
//!
//! Everything the audit engine knows about an account is in [`Inventory`]. The collector builds it from
//! AWS responses; tests build it from fixtures. Nothing in here performs I/O.

mod acl;
mod balancer;
mod flowlog;
mod holder;
pub mod managed;
mod net;
mod ports;
mod reference;
mod rule;
mod vpc;

pub use acl::{address, bounds, AclAction, AclEntry, Decision, NetworkAcl, EPHEMERAL, LAST_RULE};
pub use balancer::{Listener, LoadBalancer, Target, TargetGroup};
pub use flowlog::FlowLog;
pub use holder::{Holder, HolderKind};
pub use managed::{ManagedBy, Role};
pub use net::{is_public, AddressSpace, InternalBlock, PublicRanges};
pub use ports::{traffic_text, PortRange, Protocol, UnknownProtocol};
pub use reference::{PeerReference, StaleCheck, StaleReference};
pub use rule::{Direction, Peer, Rule};
pub use vpc::{
    PeeringSide, Route, RouteTable, Subnet, TransitGatewayAttachment, TransitGatewayRoute, TransitGatewayRouteTable,
    Vpc, VpcPeering,
};

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
    /// Security groups, every region.
    #[serde(default)]
    pub groups: Vec<SecurityGroup>,
    /// Their rules, one entry per protocol, port range and peer.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Network interfaces: the members of the groups.
    #[serde(default)]
    pub interfaces: Vec<NetworkInterface>,
    /// RDS instances and clusters, ElastiCache clusters, replication groups and serverless caches.
    #[serde(default)]
    pub datastores: Vec<Datastore>,
    /// Launch templates, auto-scaling groups, ECS services, Lambda functions, EKS and load balancers: what
    /// holds a group without being a running interface.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holders: Vec<Holder>,
    /// ELBv2 load balancers with their listeners, and the target groups they forward to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub load_balancers: Vec<LoadBalancer>,
    /// ELBv2 target groups with their registered targets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_groups: Vec<TargetGroup>,
    /// Managed prefix lists, with their entries.
    #[serde(default)]
    pub prefix_lists: Vec<PrefixList>,
    /// VPCs with their CIDR blocks: what "internal" means for this account.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vpcs: Vec<Vpc>,
    /// VPC peering connections (every state; only active ones carry traffic).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peerings: Vec<VpcPeering>,
    /// Transit gateway attachments and route tables: flows between VPCs through a transit gateway.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transit_gateway_attachments: Vec<TransitGatewayAttachment>,
    /// Transit gateway route tables with their routes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transit_gateway_route_tables: Vec<TransitGatewayRouteTable>,
    /// Subnets, for the route table that decides whether a public address is reachable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subnets: Vec<Subnet>,
    /// VPC route tables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub route_tables: Vec<RouteTable>,
    /// Network ACLs with their entries and subnets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub network_acls: Vec<NetworkAcl>,
    /// VPC flow logs: what each logs and where it delivers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flow_logs: Vec<FlowLog>,
    /// AWS's answer on stale references, for the VPCs whose rules reference other VPCs or accounts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stale_checks: Vec<StaleCheck>,
    /// Groups that rules in peered VPCs reference.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peer_references: Vec<PeerReference>,
    /// One entry per API operation the collector ran (or tried to).
    #[serde(default)]
    pub coverage: Vec<Coverage>,
    /// Facts the collector found that no security group decides (an OpenSearch domain with a public
    /// endpoint, say): the report repeats them, so that nothing read is passed over in silence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// A security group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SecurityGroup {
    /// The group ID (`sg-…`).
    pub id: String,
    /// The group name.
    pub name: String,
    /// Its region.
    pub region: String,
    /// Its VPC (none for EC2-Classic groups).
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// The account that owns it.
    #[serde(default)]
    pub owner_id: Option<String>,
    /// Its description.
    #[serde(default)]
    pub description: String,
    /// Its tags.
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
    /// The interface ID (`eni-…`).
    pub id: String,
    /// Its region.
    pub region: String,
    /// Its VPC.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Its subnet.
    #[serde(default)]
    pub subnet_id: Option<String>,
    /// Its security groups.
    #[serde(default)]
    pub group_ids: Vec<String>,
    /// Its private IPv4 addresses and its IPv6 addresses.
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
    /// Created and managed by an AWS service on the account's behalf.
    #[serde(default)]
    pub requester_managed: bool,
    /// The description the creator gave it (services write theirs, which [`managed`] reads).
    #[serde(default)]
    pub description: String,
    /// The instance it is attached to, if any.
    #[serde(default)]
    pub instance_id: Option<String>,
}

impl NetworkInterface {
    /// The AWS service that owns this interface, when it is not a plain compute interface ([`managed`]).
    pub fn managed_by(&self) -> Option<ManagedBy> {
        managed::classify(self)
    }

    /// Whether it has a public IPv4 address.
    pub fn has_public_address(&self) -> bool {
        !self.public_ips.is_empty()
    }
}

/// What kind of resource a finding is about.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceKind {
    /// An RDS DB instance.
    RdsInstance,
    /// An Aurora or Multi-AZ DB cluster.
    RdsCluster,
    /// A DocumentDB instance or cluster (RDS API, engine `docdb`).
    DocdbInstance,
    /// A DocumentDB cluster.
    DocdbCluster,
    /// A Neptune instance or cluster (RDS API, engine `neptune`).
    NeptuneInstance,
    /// A Neptune cluster.
    NeptuneCluster,
    /// An RDS Proxy.
    RdsProxy,
    /// A proxy endpoint other than the default one: its own groups, subnets and possibly VPC.
    RdsProxyEndpoint,
    /// An ElastiCache cache cluster.
    ElasticacheCluster,
    /// An ElastiCache replication group.
    ElasticacheReplicationGroup,
    /// An ElastiCache Serverless cache.
    ElasticacheServerless,
    /// A provisioned Redshift cluster.
    RedshiftCluster,
    /// A Redshift Serverless workgroup.
    #[serde(rename = "redshift-serverless-workgroup")]
    RedshiftServerless,
    /// An OpenSearch Service domain inside a VPC.
    OpensearchDomain,
    /// A MemoryDB cluster.
    MemorydbCluster,
    /// A network interface.
    NetworkInterface,
    /// A security group.
    SecurityGroup,
    /// A security group rule.
    SecurityGroupRule,
    /// A flow between sets of members (or from the internet), for intended-flow policy findings.
    Flow,
}

impl ResourceKind {
    /// The kebab-case name reports use.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::RdsInstance => "rds-instance",
            ResourceKind::RdsCluster => "rds-cluster",
            ResourceKind::DocdbInstance => "docdb-instance",
            ResourceKind::DocdbCluster => "docdb-cluster",
            ResourceKind::NeptuneInstance => "neptune-instance",
            ResourceKind::NeptuneCluster => "neptune-cluster",
            ResourceKind::RdsProxy => "rds-proxy",
            ResourceKind::RdsProxyEndpoint => "rds-proxy-endpoint",
            ResourceKind::ElasticacheCluster => "elasticache-cluster",
            ResourceKind::ElasticacheReplicationGroup => "elasticache-replication-group",
            ResourceKind::ElasticacheServerless => "elasticache-serverless",
            ResourceKind::RedshiftCluster => "redshift-cluster",
            ResourceKind::RedshiftServerless => "redshift-serverless-workgroup",
            ResourceKind::OpensearchDomain => "opensearch-domain",
            ResourceKind::MemorydbCluster => "memorydb-cluster",
            ResourceKind::NetworkInterface => "network-interface",
            ResourceKind::SecurityGroup => "security-group",
            ResourceKind::SecurityGroupRule => "security-group-rule",
            ResourceKind::Flow => "flow",
        }
    }

    /// RDS instances and clusters of every engine (Aurora, DocumentDB and Neptune share the API).
    pub fn is_rds(self) -> bool {
        matches!(
            self,
            ResourceKind::RdsInstance
                | ResourceKind::RdsCluster
                | ResourceKind::DocdbInstance
                | ResourceKind::DocdbCluster
                | ResourceKind::NeptuneInstance
                | ResourceKind::NeptuneCluster
        )
    }

    /// Every kind, for tests and documentation.
    pub const ALL: [ResourceKind; 19] = [
        ResourceKind::RdsInstance,
        ResourceKind::RdsCluster,
        ResourceKind::DocdbInstance,
        ResourceKind::DocdbCluster,
        ResourceKind::NeptuneInstance,
        ResourceKind::NeptuneCluster,
        ResourceKind::RdsProxy,
        ResourceKind::RdsProxyEndpoint,
        ResourceKind::ElasticacheCluster,
        ResourceKind::ElasticacheReplicationGroup,
        ResourceKind::ElasticacheServerless,
        ResourceKind::RedshiftCluster,
        ResourceKind::RedshiftServerless,
        ResourceKind::OpensearchDomain,
        ResourceKind::MemorydbCluster,
        ResourceKind::NetworkInterface,
        ResourceKind::SecurityGroup,
        ResourceKind::SecurityGroupRule,
        ResourceKind::Flow,
    ];

    /// The kinds a member is reported on: RDS-API clusters and ElastiCache replication groups.
    pub const PARENTS: [ResourceKind; 4] = [
        ResourceKind::RdsCluster,
        ResourceKind::DocdbCluster,
        ResourceKind::NeptuneCluster,
        ResourceKind::ElasticacheReplicationGroup,
    ];

    /// The service whose interfaces belong to resources of this kind.
    pub fn service(self) -> Option<ManagedBy> {
        match self {
            k if k.is_rds() => Some(ManagedBy::Rds),
            ResourceKind::RdsProxy | ResourceKind::RdsProxyEndpoint => Some(ManagedBy::RdsProxy),
            ResourceKind::ElasticacheCluster
            | ResourceKind::ElasticacheReplicationGroup
            | ResourceKind::ElasticacheServerless => Some(ManagedBy::ElastiCache),
            ResourceKind::RedshiftCluster | ResourceKind::RedshiftServerless => Some(ManagedBy::Redshift),
            ResourceKind::OpensearchDomain => Some(ManagedBy::OpenSearch),
            ResourceKind::MemorydbCluster => Some(ManagedBy::MemoryDb),
            _ => None,
        }
    }

    /// Whether resources of this kind can have a public endpoint (`PubliclyAccessible`): RDS instances and
    /// clusters, Redshift clusters and workgroups. DocumentDB, Neptune, RDS Proxy, ElastiCache, MemoryDB and
    /// OpenSearch domains inside a VPC cannot.
    pub fn can_be_public(self) -> bool {
        matches!(
            self,
            ResourceKind::RdsInstance
                | ResourceKind::RdsCluster
                | ResourceKind::RedshiftCluster
                | ResourceKind::RedshiftServerless
        )
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
    /// What kind of datastore it is.
    pub kind: ResourceKind,
    /// Its identifier.
    pub id: String,
    /// Its region.
    pub region: String,
    /// Its engine (`postgres`, `redis`, ...).
    pub engine: String,
    /// The port it listens on, when AWS reports it.
    #[serde(default)]
    pub port: Option<u16>,
    /// Its security groups.
    #[serde(default)]
    pub group_ids: Vec<String>,
    /// RDS `PubliclyAccessible`; always false for ElastiCache, which has no public endpoints.
    #[serde(default)]
    pub publicly_accessible: bool,
    /// Its endpoint address, when AWS reports one.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// Its VPC.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// The RDS cluster of an instance, or the replication group of an ElastiCache cluster. Findings are
    /// reported on the parent, which carries the same groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// The subnets of its subnet group (RDS instances): where AWS may place it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subnet_ids: Vec<String>,
    /// Other ports it answers on (an OpenSearch domain that does not enforce HTTPS also answers on 80).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_ports: Vec<u16>,
}

impl Datastore {
    /// The port to audit: the reported one, or the engine's default when AWS did not report one.
    pub fn effective_port(&self) -> Option<u16> {
        self.port.or_else(|| default_port(&self.engine))
    }

    /// Every port to audit: the effective one, then the extra ones.
    pub fn ports(&self) -> Vec<u16> {
        let mut out: Vec<u16> = self.effective_port().into_iter().collect();
        out.extend(self.extra_ports.iter().filter(|p| !out.contains(p)).collect::<Vec<_>>());
        out
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
    } else if e.contains("redshift") {
        5439
    } else {
        return None;
    };
    Some(port)
}

/// A managed prefix list with its entries expanded.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PrefixList {
    /// The prefix list ID (`pl-…`).
    pub id: String,
    /// Its region.
    pub region: String,
    /// Its name (`com.amazonaws.us-east-1.s3` for an AWS-managed one).
    #[serde(default)]
    pub name: String,
    /// Its entries.
    #[serde(default)]
    pub entries: Vec<ipnet::IpNet>,
}

/// The outcome of one API operation in one region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Coverage {
    /// The account the call was made in (set once the account is known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The region of the call.
    pub region: String,
    /// The service, as the SDK names it (`ec2`, `rds`, ...).
    pub service: String,
    /// The API operation.
    pub operation: String,
    /// Whether it succeeded.
    pub status: CoverageStatus,
    /// The AWS error code of a failure (`AccessDenied`, `UnauthorizedOperation`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// The error message of a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// What to do about a failure (the IAM action to grant, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// Pages read (0 when the first call failed).
    #[serde(default)]
    pub pages: u32,
}

/// Whether an operation succeeded.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CoverageStatus {
    /// Every page was read.
    Ok,
    /// A call failed: what it would have returned is missing.
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
