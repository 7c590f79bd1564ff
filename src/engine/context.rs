//! The index every check reads: built once per audit, in time linear in the inventory.

use crate::grouped::{Grouped, GroupedBuilder};
use crate::model::{
    Coverage, CoverageStatus, Datastore, Direction, Holder, Inventory, ManagedBy, NetworkInterface, Peer, PrefixList,
    Rule, SecurityGroup,
};
use ipnet::IpNet;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// What a security group is attached to.
#[derive(Debug, Clone, Copy)]
pub enum Member<'a> {
    Interface(&'a NetworkInterface),
    Datastore(&'a Datastore),
    /// A template or service that names the group for what it launches: attached, but not running.
    Holder(&'a Holder),
}

impl Member<'_> {
    pub fn label(&self) -> String {
        match self {
            Member::Interface(eni) => {
                // `eni-1 (i-1)`, `eni-1 (its description)` or `eni-1`, in one allocation.
                let detail = eni.instance_id.as_deref().unwrap_or(&eni.description);
                let mut s = String::with_capacity(eni.id.len() + detail.len() + 3);
                s.push_str(&eni.id);
                if !detail.is_empty() {
                    s.push_str(" (");
                    s.push_str(detail);
                    s.push(')');
                }
                s
            }
            Member::Datastore(d) => format!("{} {}", d.kind, d.id),
            Member::Holder(h) => h.label(),
        }
    }

    /// An interface or a datastore: something that carries the group's traffic today.
    pub fn is_running(&self) -> bool {
        !matches!(self, Member::Holder(_))
    }
}

/// An ingress rule that admits public sources.
#[derive(Debug, Clone)]
pub struct PublicIngress<'a> {
    pub rule: &'a Rule,
    /// The public networks it admits: the CIDR itself, or the public entries of a prefix list.
    pub sources: Vec<IpNet>,
}

/// Operations whose failure leaves a region's group membership unknown: service, operation, and what it
/// would have listed.
pub const MEMBERSHIP_OPERATIONS: &[(&str, &str, &str)] = &[
    ("ec2", "DescribeNetworkInterfaces", "a network interface"),
    ("ec2", "DescribeLaunchTemplateVersions", "a launch template"),
    ("rds", "DescribeDBInstances", "an RDS instance"),
    ("rds", "DescribeDBClusters", "an RDS cluster"),
    ("rds", "DescribeDBProxies", "an RDS proxy"),
    ("rds", "DescribeDBProxyEndpoints", "an RDS proxy endpoint"),
    ("elasticache", "DescribeCacheClusters", "an ElastiCache cluster"),
    ("elasticache", "DescribeReplicationGroups", "an ElastiCache replication group"),
    ("elasticache", "DescribeServerlessCaches", "an ElastiCache serverless cache"),
    ("redshift", "DescribeClusters", "a Redshift cluster"),
    ("redshift-serverless", "ListWorkgroups", "a Redshift Serverless workgroup"),
    ("es", "ListDomainNames", "an OpenSearch domain"),
    ("batch", "DescribeComputeEnvironments", "a Batch compute environment"),
    ("events", "ListEventBuses", "an EventBridge rule that runs an ECS task"),
    ("events", "ListRules", "an EventBridge rule that runs an ECS task"),
    ("events", "ListTargetsByRule", "an EventBridge rule that runs an ECS task"),
    ("codebuild", "ListProjects", "a CodeBuild project"),
    ("codebuild", "BatchGetProjects", "a CodeBuild project"),
    ("glue", "GetConnections", "a Glue connection"),
    ("es", "DescribeDomains", "an OpenSearch domain"),
    ("memorydb", "DescribeClusters", "a MemoryDB cluster"),
    ("autoscaling", "DescribeAutoScalingGroups", "an auto-scaling group"),
    ("autoscaling", "DescribeLaunchConfigurations", "a launch configuration"),
    ("ecs", "ListClusters", "an ECS service"),
    ("ecs", "ListServices", "an ECS service"),
    ("ecs", "DescribeServices", "an ECS service"),
    ("lambda", "ListFunctions", "a Lambda function"),
    ("eks", "ListClusters", "an EKS cluster"),
    ("eks", "DescribeCluster", "an EKS cluster"),
    ("eks", "ListNodegroups", "an EKS node group"),
    ("eks", "DescribeNodegroup", "an EKS node group"),
    ("elasticloadbalancing", "DescribeLoadBalancers", "a load balancer"),
];

/// What a failed call would have listed, when its failure leaves group membership unknown.
pub fn membership_source(c: &Coverage) -> Option<&'static str> {
    if c.status != CoverageStatus::Failed {
        return None;
    }
    MEMBERSHIP_OPERATIONS.iter().find(|(s, o, _)| *s == c.service && *o == c.operation).map(|(_, _, what)| *what)
}

/// The inventory indexed for the checks: groups, rules and members by ID, built once per audit.
pub struct Context<'a> {
    /// The inventory the checks read.
    pub inventory: &'a Inventory,
    /// Who can reach whom: the flow model over the same inventory.
    pub network: crate::flow::Network<'a>,
    /// The intended flows, when the audit was given a policy.
    pub policy: Option<&'a crate::policy::Policy>,
    /// What the flow logs show, when the audit read them.
    pub traffic: Option<&'a crate::flowlog::Evidence>,
    rules: Grouped<&'a str, &'a Rule>,
    members: Grouped<&'a str, Member<'a>>,
    referenced_by: Grouped<&'a str, &'a Rule>,
    /// Ingress rules that admit at least one public network, with those networks, by group.
    public_ingress: HashMap<&'a str, Vec<PublicIngress<'a>>>,
    /// Regions where some membership operation failed, with the operations.
    membership_gaps: HashMap<&'a str, Vec<&'a str>>,
}

impl<'a> Context<'a> {
    /// Indexes `inventory`. Linear in its size.
    pub fn new(inventory: &'a Inventory) -> Context<'a> {
        // The flow model and the per-rule index do not depend on each other: build them side by side.
        let (network, index) = rayon::join(|| crate::flow::Network::new(inventory), || Index::new(inventory));
        index.finish(inventory, network)
    }

    /// The same context, with the intended-flow policy the policy checks read.
    pub fn with_policy(mut self, policy: Option<&'a crate::policy::Policy>) -> Context<'a> {
        self.policy = policy;
        self
    }

    /// The same context, with the flow-log evidence the traffic checks read.
    pub fn with_traffic(mut self, traffic: Option<&'a crate::flowlog::Evidence>) -> Context<'a> {
        self.traffic = traffic;
        self
    }

    /// The ingress rules of a group that admit public sources.
    pub fn public_ingress(&self, group_id: &str) -> &[PublicIngress<'a>] {
        self.public_ingress.get(group_id).map(Vec::as_slice).unwrap_or_default()
    }

    /// The group with this ID.
    pub fn group(&self, id: &str) -> Option<&'a SecurityGroup> {
        self.network.group(id)
    }

    /// Every rule of a group, both directions, in inventory order.
    pub fn rules(&self, group_id: &str) -> &[&'a Rule] {
        self.rules.get(group_id)
    }

    /// The ingress rules of a group.
    pub fn ingress(&self, group_id: &str) -> impl Iterator<Item = &'a Rule> + '_ {
        self.rules(group_id).iter().copied().filter(|r| r.direction == Direction::Ingress)
    }

    /// The resources a group is attached to, deduplicated: interfaces, datastores, then holders.
    pub fn members(&self, group_id: &str) -> &[Member<'a>] {
        self.members.get(group_id)
    }

    /// Rules (of any group) whose peer is this group.
    pub fn referenced_by(&self, group_id: &str) -> &[&'a Rule] {
        self.referenced_by.get(group_id)
    }

    /// The prefix list with this ID in this region.
    pub fn prefix_list(&self, region: &str, id: &str) -> Option<&'a PrefixList> {
        self.network.prefix_list(region, id)
    }

    /// Operations that failed in `region` and that could have attached groups to resources. While any did,
    /// no group in that region can be called unused.
    pub fn membership_gaps(&self, region: &str) -> &[&'a str] {
        self.membership_gaps.get(region).map(Vec::as_slice).unwrap_or_default()
    }

    /// The membership sources that failed in `region`, as a verdict that depends on them says so: `unless an
    /// ECS service uses it: ecs:ListServices failed (AccessDenied)`.
    pub fn membership_gap_text(&self, region: &str) -> String {
        let failed: Vec<String> = self
            .inventory
            .coverage
            .iter()
            .filter(|c| c.region == region)
            .filter_map(|c| {
                let what = membership_source(c)?;
                let code = c.error_code.as_deref().unwrap_or("error");
                Some(format!("unless {what} uses it: {}:{} failed ({code})", c.service, c.operation))
            })
            .collect();
        failed.join("; ")
    }

    /// The public networks a rule's peer admits: the CIDR itself, or the public entries of a prefix list.
    /// `Err` when the peer is a prefix list whose entries were not collected.
    pub fn public_sources(&self, rule: &Rule) -> Result<Vec<IpNet>, String> {
        match &rule.peer {
            Peer::Ipv4(_) | Peer::Ipv6(_) => {
                let net = rule.peer.cidr().expect("cidr peer");
                Ok(if self.network.space().is_public(&rule.region, &net) { vec![net] } else { vec![] })
            }
            Peer::Group { .. } => Ok(vec![]),
            Peer::PrefixList(id) => match self.prefix_list(&rule.region, id) {
                Some(pl) => Ok(self.network.space().public_part(&rule.region, &pl.entries)),
                None => Err(id.clone()),
            },
        }
    }
}

/// The part of the context that does not need the flow model, built beside it.
struct Index<'a> {
    rules: Grouped<&'a str, &'a Rule>,
    members: Grouped<&'a str, Member<'a>>,
    referenced_by: Grouped<&'a str, &'a Rule>,
    membership_gaps: HashMap<&'a str, Vec<&'a str>>,
}

impl<'a> Index<'a> {
    fn new(inventory: &'a Inventory) -> Index<'a> {
        let groups = inventory.groups.len();
        let mut rules = GroupedBuilder::with_capacity(groups, inventory.rules.len());
        let mut referenced_by = GroupedBuilder::with_capacity(groups, 0);
        for rule in &inventory.rules {
            rules.push(rule.group_id.as_str(), rule);
            if let Some(peer) = rule.peer.group_id() {
                referenced_by.push(peer, rule);
            }
        }

        // Datastores first, so that the interfaces their services create for them can be folded in.
        let mut members = GroupedBuilder::with_capacity(groups, inventory.interfaces.len());
        let mut managed_here: HashSet<(&str, ManagedBy)> = HashSet::default();
        for d in &inventory.datastores {
            for g in &d.group_ids {
                members.push(g.as_str(), Member::Datastore(d));
                if let Some(m) = d.kind.service() {
                    managed_here.insert((g.as_str(), m));
                }
            }
        }
        for eni in &inventory.interfaces {
            let service = eni.managed_by().filter(|m| m.folds_into_datastore());
            for g in &eni.group_ids {
                // An interface of a datastore in a group that already lists the datastore is the same member.
                if service.is_some_and(|m| managed_here.contains(&(g.as_str(), m))) {
                    continue;
                }
                members.push(g.as_str(), Member::Interface(eni));
            }
        }
        // Holders last: a group held by a template but run by an interface is listed with its interface first.
        let mut by_name: HashMap<(&str, &str), Vec<&str>> = HashMap::default();
        if inventory.holders.iter().any(|h| !h.group_names.is_empty()) {
            for g in &inventory.groups {
                by_name.entry((g.region.as_str(), g.name.as_str())).or_default().push(g.id.as_str());
            }
        }
        for h in &inventory.holders {
            let named =
                h.group_names.iter().flat_map(|n| by_name.get(&(h.region.as_str(), n.as_str())).into_iter().flatten());
            let mut ids: Vec<&str> = h.group_ids.iter().map(String::as_str).chain(named.copied()).collect();
            ids.sort_unstable();
            ids.dedup();
            for g in ids {
                members.push(g, Member::Holder(h));
            }
        }

        let mut membership_gaps: HashMap<&str, Vec<&str>> = HashMap::default();
        for c in &inventory.coverage {
            if membership_source(c).is_some() {
                membership_gaps.entry(c.region.as_str()).or_default().push(c.operation.as_str());
            }
        }

        Index { rules: rules.build(), members: members.build(), referenced_by: referenced_by.build(), membership_gaps }
    }

    fn finish(self, inventory: &'a Inventory, network: crate::flow::Network<'a>) -> Context<'a> {
        let Index { rules, members, referenced_by, membership_gaps } = self;
        let mut ctx = Context {
            inventory,
            network,
            policy: None,
            traffic: None,
            rules,
            members,
            referenced_by,
            public_ingress: HashMap::default(),
            membership_gaps,
        };
        // Once per rule, so that checks asking per resource and per port only filter by port.
        let mut public_ingress: HashMap<&str, Vec<PublicIngress>> = HashMap::default();
        for rule in inventory.rules.iter().filter(|r| r.direction == Direction::Ingress) {
            // A prefix list whose entries could not be read is a coverage gap, not a finding.
            if let Ok(sources) = ctx.public_sources(rule) {
                if !sources.is_empty() {
                    public_ingress.entry(rule.group_id.as_str()).or_default().push(PublicIngress { rule, sources });
                }
            }
        }
        ctx.public_ingress = public_ingress;
        ctx
    }
}
