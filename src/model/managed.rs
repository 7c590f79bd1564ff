//! Which AWS service owns a network interface: one table, from interface type, requester ID and description.
//!
//! AWS creates interfaces in the account's subnets for many services. They carry security groups like an EC2
//! instance does, but they are not compute hosts: a database port open on a NAT gateway's interface exposes
//! no database, and nothing connects onward *through* a VPC endpoint. The audit asks this table what each
//! interface is; nothing else in sgaudit matches descriptions.
//!
//! Each row names the AWS documentation its match comes from. AWS documents the interface types in the EC2
//! API reference (`NetworkInterface.InterfaceType`) and the requester-managed fields in "Requester-managed
//! network interfaces"; the description strings are written by each service. Where a service's guide does
//! not quote its description, the row says so and matches only interfaces that are requester-managed, so
//! that an EC2 instance someone described as "kafka broker" stays a compute host.

use super::NetworkInterface;

/// The AWS service behind an interface that is not a plain compute interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ManagedBy {
    /// Amazon RDS (and Aurora, DocumentDB, Neptune) instances.
    Rds,
    /// RDS Proxy.
    RdsProxy,
    /// ElastiCache.
    ElastiCache,
    /// Amazon Redshift.
    Redshift,
    /// Amazon OpenSearch Service.
    OpenSearch,
    /// Amazon MSK (Kafka) brokers.
    Msk,
    /// MemoryDB.
    MemoryDb,
    /// DynamoDB Accelerator (DAX).
    Dax,
    /// Database Migration Service replication instances.
    Dms,
    /// Application, network and Classic load balancers.
    LoadBalancer,
    /// Gateway Load Balancers.
    GatewayLoadBalancer,
    /// Gateway Load Balancer endpoints.
    GatewayLoadBalancerEndpoint,
    /// NAT gateways.
    NatGateway,
    /// Interface VPC endpoints.
    VpcEndpoint,
    /// Transit gateway VPC attachments.
    TransitGateway,
    /// Amazon EFS mount targets.
    Efs,
    /// Amazon FSx file systems.
    Fsx,
    /// The EKS control plane's cross-account interfaces.
    EksControlPlane,
    /// Lambda's VPC interfaces (Hyperplane).
    Lambda,
    /// AWS Directory Service.
    DirectoryService,
    /// Client VPN endpoints.
    ClientVpn,
    /// Route 53 Resolver endpoints.
    Route53Resolver,
    /// API Gateway VPC links.
    ApiGateway,
    /// Global Accelerator.
    GlobalAccelerator,
    /// Amazon QuickSight VPC connections.
    QuickSight,
    /// Amazon MQ brokers.
    AmazonMq,
    /// WorkSpaces.
    WorkSpaces,
    /// CodeStar Connections (host VPC configurations).
    CodeStarConnections,
    /// AWS IoT rule destinations in a VPC.
    IotRules,
    /// Requester-managed, but not in the table.
    OtherService,
}

/// What an interface of a service does in a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Listens on a database or cache port (its datastore is audited, or its documented ports are).
    Datastore,
    /// Accepts connections and forwards them to targets.
    LoadBalancer,
    /// Opens connections of its own (a function, a replication task, a control plane) but accepts none
    /// that it forwards.
    Client,
    /// Network plumbing or a managed endpoint: neither a database nor a relay.
    Plumbing,
}

#[derive(Debug, Clone, Copy)]
enum Match {
    /// `InterfaceType`, as the EC2 API names it.
    Type(&'static str),
    /// `RequesterId`, the alias of the service that created the interface.
    Requester(&'static str),
    /// `Description` starts with this, whoever created the interface.
    Description(&'static str),
    /// `Description` contains this (case-insensitive), on requester-managed interfaces only.
    ManagedDescription(&'static str),
}

struct Row {
    service: ManagedBy,
    by: Match,
    /// The AWS documentation the match comes from.
    source: &'static str,
}

const EC2_API: &str = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterface.html";
const REQUESTER_MANAGED: &str = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/requester-managed-eni.html";

/// First match wins: specific rows (RDS Proxy) come before the general ones of the same requester (RDS).
const TABLE: &[Row] = &[
    // Interface types (EC2 API reference, NetworkInterface.InterfaceType).
    Row { service: ManagedBy::Lambda, by: Match::Type("lambda"), source: EC2_API },
    Row { service: ManagedBy::NatGateway, by: Match::Type("nat_gateway"), source: EC2_API },
    Row { service: ManagedBy::NatGateway, by: Match::Type("natGateway"), source: EC2_API },
    Row { service: ManagedBy::LoadBalancer, by: Match::Type("network_load_balancer"), source: EC2_API },
    Row { service: ManagedBy::LoadBalancer, by: Match::Type("load_balancer"), source: EC2_API },
    Row { service: ManagedBy::GatewayLoadBalancer, by: Match::Type("gateway_load_balancer"), source: EC2_API },
    Row {
        service: ManagedBy::GatewayLoadBalancerEndpoint,
        by: Match::Type("gateway_load_balancer_endpoint"),
        source: EC2_API,
    },
    Row { service: ManagedBy::VpcEndpoint, by: Match::Type("vpc_endpoint"), source: EC2_API },
    Row { service: ManagedBy::TransitGateway, by: Match::Type("transit_gateway"), source: EC2_API },
    Row { service: ManagedBy::QuickSight, by: Match::Type("quicksight"), source: EC2_API },
    Row { service: ManagedBy::GlobalAccelerator, by: Match::Type("global_accelerator_managed"), source: EC2_API },
    Row { service: ManagedBy::ApiGateway, by: Match::Type("api_gateway_managed"), source: EC2_API },
    Row { service: ManagedBy::IotRules, by: Match::Type("iot_rules_managed"), source: EC2_API },
    Row {
        service: ManagedBy::CodeStarConnections,
        by: Match::Type("aws_codestar_connections_managed"),
        source: EC2_API,
    },
    // Databases and caches.
    Row {
        service: ManagedBy::RdsProxy,
        by: Match::Description("Network interface for DBProxy"),
        source: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-network-prereqs.html",
    },
    Row {
        service: ManagedBy::Rds,
        by: Match::Description("RDSNetworkInterface"),
        source: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html",
    },
    Row { service: ManagedBy::Rds, by: Match::Requester("amazon-rds"), source: REQUESTER_MANAGED },
    Row {
        service: ManagedBy::ElastiCache,
        by: Match::Description("ElastiCache"),
        source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/VPCs.html",
    },
    Row { service: ManagedBy::ElastiCache, by: Match::Requester("amazon-elasticache"), source: REQUESTER_MANAGED },
    Row {
        service: ManagedBy::Redshift,
        by: Match::Description("RedshiftNetworkInterface"),
        source: "https://docs.aws.amazon.com/redshift/latest/mgmt/managing-clusters-vpc.html",
    },
    Row { service: ManagedBy::Redshift, by: Match::Requester("amazon-redshift"), source: REQUESTER_MANAGED },
    Row {
        service: ManagedBy::OpenSearch,
        by: Match::Requester("amazon-elasticsearch"),
        source: "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/vpc.html",
    },
    Row {
        service: ManagedBy::OpenSearch,
        by: Match::Requester("amazon-opensearch"),
        source: "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/vpc.html",
    },
    // Not quoted in the service guides: requester-managed interfaces whose description names the service.
    Row {
        service: ManagedBy::MemoryDb,
        by: Match::ManagedDescription("memorydb"),
        source: "https://docs.aws.amazon.com/memorydb/latest/devguide/vpcs.html",
    },
    Row {
        service: ManagedBy::Dax,
        by: Match::ManagedDescription("dax"),
        source: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DAX.concepts.vpc.html",
    },
    Row {
        service: ManagedBy::Msk,
        by: Match::ManagedDescription("kafka"),
        source: "https://docs.aws.amazon.com/msk/latest/developerguide/msk-create-cluster.html",
    },
    Row {
        service: ManagedBy::Msk,
        by: Match::ManagedDescription("msk"),
        source: "https://docs.aws.amazon.com/msk/latest/developerguide/msk-create-cluster.html",
    },
    Row {
        service: ManagedBy::Dms,
        by: Match::Description("DMSNetworkInterface"),
        source: "https://docs.aws.amazon.com/dms/latest/userguide/CHAP_ReplicationInstance.VPC.html",
    },
    // Load balancers: `ELB app/…`, `ELB net/…`, `ELB gwy/…` and Classic `ELB name`.
    Row {
        service: ManagedBy::GatewayLoadBalancer,
        by: Match::Description("ELB gwy/"),
        source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/gateway/introduction.html",
    },
    Row {
        service: ManagedBy::LoadBalancer,
        by: Match::Description("ELB "),
        source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/how-elastic-load-balancing-works.html",
    },
    Row { service: ManagedBy::LoadBalancer, by: Match::Requester("amazon-elb"), source: REQUESTER_MANAGED },
    // Network plumbing and managed endpoints.
    Row {
        service: ManagedBy::NatGateway,
        by: Match::Description("Interface for NAT Gateway"),
        source: "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html",
    },
    Row {
        service: ManagedBy::VpcEndpoint,
        by: Match::Description("VPC Endpoint Interface"),
        source: REQUESTER_MANAGED,
    },
    Row {
        service: ManagedBy::TransitGateway,
        by: Match::Description("Network Interface for Transit Gateway Attachment"),
        source: "https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html",
    },
    Row {
        service: ManagedBy::Efs,
        by: Match::Description("EFS mount target for"),
        source: "https://docs.aws.amazon.com/efs/latest/ug/accessing-fs.html",
    },
    Row {
        service: ManagedBy::Fsx,
        by: Match::ManagedDescription("fsx"),
        source: "https://docs.aws.amazon.com/fsx/latest/WindowsGuide/limit-access-security-groups.html",
    },
    Row {
        service: ManagedBy::EksControlPlane,
        by: Match::Description("Amazon EKS "),
        source: "https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html",
    },
    Row {
        service: ManagedBy::Lambda,
        by: Match::Description("AWS Lambda VPC ENI"),
        source: "https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html",
    },
    Row {
        service: ManagedBy::DirectoryService,
        by: Match::Description("AWS created network interface for directory"),
        source: "https://docs.aws.amazon.com/directoryservice/latest/admin-guide/ms_ad_getting_started_what_gets_created.html",
    },
    Row {
        service: ManagedBy::ClientVpn,
        by: Match::ManagedDescription("clientvpn"),
        source: "https://docs.aws.amazon.com/vpn/latest/clientvpn-admin/cvpn-working-target.html",
    },
    Row {
        service: ManagedBy::ClientVpn,
        by: Match::ManagedDescription("client vpn"),
        source: "https://docs.aws.amazon.com/vpn/latest/clientvpn-admin/cvpn-working-target.html",
    },
    Row {
        service: ManagedBy::Route53Resolver,
        by: Match::Description("Route 53 Resolver"),
        source: "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-getting-started.html",
    },
    Row {
        service: ManagedBy::AmazonMq,
        by: Match::Description("Amazon MQ network interface"),
        source: "https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/connecting-to-amazon-mq.html",
    },
    Row {
        service: ManagedBy::WorkSpaces,
        by: Match::Description("Created By Amazon Workspaces"),
        source: "https://docs.aws.amazon.com/workspaces/latest/adminguide/amazon-workspaces-security-groups.html",
    },
];

impl Match {
    /// `lower` is the description in lower case, for the requester-managed matches (computed once).
    fn hits(self, eni: &NetworkInterface, lower: &str) -> bool {
        match self {
            Match::Type(t) => eni.interface_type == t,
            Match::Requester(r) => eni.requester_id.as_deref() == Some(r),
            Match::Description(d) => eni.description.starts_with(d),
            Match::ManagedDescription(d) => eni.requester_managed && lower.contains(d),
        }
    }
}

/// The service that owns an interface, or `None` for a compute interface (EC2, ECS and EKS pods, ...).
pub fn classify(eni: &NetworkInterface) -> Option<ManagedBy> {
    let lower = if eni.requester_managed { eni.description.to_ascii_lowercase() } else { String::new() };
    if let Some(row) = TABLE.iter().find(|r| r.by.hits(eni, &lower)) {
        return Some(row.service);
    }
    // Interfaces a service created that the table does not know: not a host the account runs code on.
    let compute_type =
        matches!(eni.interface_type.as_str(), "interface" | "efa" | "efa-only" | "trunk" | "branch" | "");
    if eni.requester_managed || !compute_type {
        return Some(ManagedBy::OtherService);
    }
    None
}

impl ManagedBy {
    /// The service's name, as messages print it.
    pub fn name(self) -> &'static str {
        match self {
            ManagedBy::Rds => "RDS",
            ManagedBy::RdsProxy => "RDS Proxy",
            ManagedBy::ElastiCache => "ElastiCache",
            ManagedBy::Redshift => "Redshift",
            ManagedBy::OpenSearch => "OpenSearch",
            ManagedBy::Msk => "MSK",
            ManagedBy::MemoryDb => "MemoryDB",
            ManagedBy::Dax => "DAX",
            ManagedBy::Dms => "DMS",
            ManagedBy::LoadBalancer => "load balancer",
            ManagedBy::GatewayLoadBalancer => "Gateway Load Balancer",
            ManagedBy::GatewayLoadBalancerEndpoint => "Gateway Load Balancer endpoint",
            ManagedBy::NatGateway => "NAT gateway",
            ManagedBy::VpcEndpoint => "VPC endpoint",
            ManagedBy::TransitGateway => "transit gateway attachment",
            ManagedBy::Efs => "EFS mount target",
            ManagedBy::Fsx => "FSx",
            ManagedBy::EksControlPlane => "EKS control plane",
            ManagedBy::Lambda => "Lambda",
            ManagedBy::DirectoryService => "Directory Service",
            ManagedBy::ClientVpn => "Client VPN",
            ManagedBy::Route53Resolver => "Route 53 Resolver endpoint",
            ManagedBy::ApiGateway => "API Gateway",
            ManagedBy::GlobalAccelerator => "Global Accelerator",
            ManagedBy::QuickSight => "QuickSight",
            ManagedBy::AmazonMq => "Amazon MQ",
            ManagedBy::WorkSpaces => "WorkSpaces",
            ManagedBy::CodeStarConnections => "CodeStar Connections",
            ManagedBy::IotRules => "IoT rules",
            ManagedBy::OtherService => "service interface",
        }
    }

    /// The AWS documentation of the table rows that map interfaces to this service.
    pub fn sources(self) -> impl Iterator<Item = &'static str> {
        TABLE.iter().filter(move |r| r.service == self).map(|r| r.source)
    }

    /// Whether the service's own API is read, so that its interfaces are folded into the datastores it
    /// returns (one member, not two).
    pub fn folds_into_datastore(self) -> bool {
        matches!(
            self,
            ManagedBy::Rds
                | ManagedBy::RdsProxy
                | ManagedBy::ElastiCache
                | ManagedBy::Redshift
                | ManagedBy::OpenSearch
                | ManagedBy::MemoryDb
        )
    }

    /// What the interface does for the audit: a datastore, a forwarder, or an endpoint that opens nothing onward.
    pub fn role(self) -> Role {
        match self {
            ManagedBy::Rds
            | ManagedBy::RdsProxy
            | ManagedBy::ElastiCache
            | ManagedBy::Redshift
            | ManagedBy::OpenSearch
            | ManagedBy::Msk
            | ManagedBy::MemoryDb
            | ManagedBy::Dax => Role::Datastore,
            ManagedBy::LoadBalancer => Role::LoadBalancer,
            ManagedBy::Lambda
            | ManagedBy::Dms
            | ManagedBy::EksControlPlane
            | ManagedBy::QuickSight
            | ManagedBy::ApiGateway
            | ManagedBy::Route53Resolver
            | ManagedBy::IotRules
            | ManagedBy::CodeStarConnections => Role::Client,
            _ => Role::Plumbing,
        }
    }

    /// The TCP ports a datastore service listens on by default, for interfaces that no collected datastore
    /// claims (MSK and DAX, whose APIs sgaudit does not read, or a resource whose describe call failed): they
    /// are audited on these ports. From each service's
    /// documentation: MSK brokers 9092 (plaintext), 9094 (TLS), 9096 (SASL/SCRAM), 9098 (IAM), 9194-9198
    /// (public access) and ZooKeeper 2181/2182; DAX 8111 (unencrypted) and 9111 (TLS); Redshift 5439;
    /// OpenSearch 443 (and 9200 where clients use it); MemoryDB 6379.
    pub fn default_ports(self) -> &'static [(u16, u16)] {
        match self {
            ManagedBy::Msk => &[(2181, 2182), (9092, 9098), (9194, 9198)],
            ManagedBy::Dax => &[(8111, 8111), (9111, 9111)],
            ManagedBy::Redshift => &[(5439, 5439)],
            ManagedBy::OpenSearch => &[(443, 443), (9200, 9200)],
            ManagedBy::MemoryDb => &[(6379, 6379)],
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eni(interface_type: &str, requester: Option<&str>, managed: bool, description: &str) -> NetworkInterface {
        NetworkInterface {
            id: "eni-1".into(),
            region: "us-east-1".into(),
            vpc_id: None,
            subnet_id: None,
            group_ids: vec![],
            private_ips: vec![],
            public_ips: vec![],
            interface_type: interface_type.into(),
            requester_id: requester.map(str::to_string),
            requester_managed: managed,
            description: description.into(),
            instance_id: None,
        }
    }

    #[test]
    fn every_documented_shape_is_classified() {
        let cases = [
            (eni("lambda", Some("AROAX:fn"), true, "AWS Lambda VPC ENI-fn-1"), Some(ManagedBy::Lambda)),
            (eni("interface", Some("AROAX:fn"), true, "AWS Lambda VPC ENI-old-style"), Some(ManagedBy::Lambda)),
            (eni("interface", Some("amazon-rds"), true, "RDSNetworkInterface"), Some(ManagedBy::Rds)),
            (
                eni("interface", Some("amazon-rds"), true, "Network interface for DBProxy app"),
                Some(ManagedBy::RdsProxy),
            ),
            (eni("interface", Some("amazon-elasticache"), true, "ElastiCache redis-001"), Some(ManagedBy::ElastiCache)),
            (eni("interface", Some("amazon-redshift"), true, "RedshiftNetworkInterface"), Some(ManagedBy::Redshift)),
            (eni("interface", Some("amazon-elasticsearch"), true, "ES logs"), Some(ManagedBy::OpenSearch)),
            (eni("interface", Some("123456789012"), true, "MSK broker eni"), Some(ManagedBy::Msk)),
            (eni("interface", Some("123456789012"), true, "DAX cluster node"), Some(ManagedBy::Dax)),
            (eni("interface", Some("amazon-elb"), true, "ELB app/web/50dc6c495c0c9188"), Some(ManagedBy::LoadBalancer)),
            (eni("network_load_balancer", None, true, "ELB net/nlb/1"), Some(ManagedBy::LoadBalancer)),
            (eni("gateway_load_balancer", None, true, "ELB gwy/inspect/1"), Some(ManagedBy::GatewayLoadBalancer)),
            (eni("interface", Some("amazon-elb"), true, "ELB classic-web"), Some(ManagedBy::LoadBalancer)),
            (eni("nat_gateway", None, true, "Interface for NAT Gateway nat-1"), Some(ManagedBy::NatGateway)),
            (eni("vpc_endpoint", None, true, "VPC Endpoint Interface vpce-1"), Some(ManagedBy::VpcEndpoint)),
            (eni("interface", None, true, "VPC Endpoint Interface vpce-2"), Some(ManagedBy::VpcEndpoint)),
            (
                eni("transit_gateway", None, true, "Network Interface for Transit Gateway Attachment tgw-attach-1"),
                Some(ManagedBy::TransitGateway),
            ),
            (eni("interface", None, true, "EFS mount target for fs-1 (fsmt-1)"), Some(ManagedBy::Efs)),
            (eni("interface", Some("123456789012"), false, "Amazon EKS prod"), Some(ManagedBy::EksControlPlane)),
            (
                eni("interface", None, true, "AWS created network interface for directory d-1"),
                Some(ManagedBy::DirectoryService),
            ),
            (eni("interface", None, true, "Route 53 Resolver: rslvr-in-1:rni-1"), Some(ManagedBy::Route53Resolver)),
            (eni("interface", None, true, "DMSNetworkInterface"), Some(ManagedBy::Dms)),
            (eni("interface", Some("AIDAX"), true, "something new"), Some(ManagedBy::OtherService)),
            // Compute hosts, including those whose owner describes them with a service's name.
            (eni("interface", None, false, "Primary network interface"), None),
            (eni("interface", None, false, "kafka broker 1"), None),
            (eni("interface", None, false, "arn:aws:ecs:us-east-1:1:attachment/abc"), None),
            (eni("branch", None, false, "aws-k8s-branch-eni"), None),
            (eni("trunk", None, false, "aws-k8s-trunk-eni"), None),
        ];
        for (e, want) in cases {
            assert_eq!(classify(&e), want, "{} {:?} {}", e.interface_type, e.requester_id, e.description);
        }
    }

    #[test]
    fn only_load_balancers_relay_and_only_datastores_listen() {
        assert_eq!(ManagedBy::LoadBalancer.role(), Role::LoadBalancer);
        assert_eq!(ManagedBy::Lambda.role(), Role::Client);
        assert_eq!(ManagedBy::NatGateway.role(), Role::Plumbing);
        assert_eq!(ManagedBy::Msk.role(), Role::Datastore);
        assert!(ManagedBy::Msk.default_ports().iter().any(|(a, b)| (*a..=*b).contains(&9098)));
    }

    #[test]
    fn every_row_names_aws_documentation() {
        for row in TABLE {
            assert!(row.source.starts_with("https://docs.aws.amazon.com/"), "{:?}: {}", row.service, row.source);
        }
        assert!(ManagedBy::Rds.sources().count() >= 2);
    }
}
