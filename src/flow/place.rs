//! The ends of a reach question: `internet`, a CIDR, a group, an interface or a datastore, named plainly or
//! unambiguously (`sg:`, `eni:`, `rds:`, `cache:`, `redshift:`, `opensearch:`, `memorydb:`, ARNs).

use super::{ClassId, Exposure, Network, Node, Party};
use crate::model::{Datastore, NetworkInterface, ResourceKind, SecurityGroup};
use ipnet::IpNet;

/// One end of a question.
#[derive(Debug, Clone, Copy)]
pub enum Place<'a> {
    /// The internet: any public address.
    Internet,
    /// An address block.
    Cidr(IpNet),
    /// The members of a security group.
    Group(&'a SecurityGroup),
    /// One network interface.
    Interface(&'a NetworkInterface),
    /// A database or cache.
    Datastore(&'a Datastore),
}

/// The qualified prefixes of places: `sg:`, `eni:`, `rds:` (every RDS-API datastore: instances and clusters
/// of every engine, proxies and proxy endpoints), `cache:` (ElastiCache), `redshift:` (clusters and
/// serverless workgroups), `opensearch:`, `memorydb:`.
const PREFIXES: &[&str] = &["sg", "eni", "rds", "cache", "redshift", "opensearch", "memorydb"];

/// Resolves a place: `internet`; a CIDR or address; a qualified `sg:ID-or-name`, `eni:ID`, `rds:ID` or
/// `cache:ID`; an ARN of a security group, network interface, RDS or ElastiCache resource; or, unqualified, a
/// group ID or name, an ENI ID, or a datastore identifier. A name that fits several resources is an error
/// that lists each with its qualified form.
pub fn resolve<'a>(net: &Network<'a>, text: &str) -> Result<Place<'a>, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("internet") {
        return Ok(Place::Internet);
    }
    if let Ok(n) = t.parse::<IpNet>() {
        return Ok(Place::Cidr(n.trunc()));
    }
    if let Ok(a) = t.parse::<std::net::IpAddr>() {
        return Ok(Place::Cidr(IpNet::from(a)));
    }
    let candidates = if let Some(arn) = t.strip_prefix("arn:") {
        from_arn(net, arn)?
    } else if let Some((prefix, rest)) = t.split_once(':').filter(|(p, _)| PREFIXES.contains(p)) {
        lookup(net, Some(prefix), rest)
    } else {
        lookup(net, None, t)
    };
    match candidates.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!(
            "`{t}` is not `internet`, a CIDR, or a security group, network interface or datastore in the inventory \
             (qualified forms: sg:ID-or-name, eni:ID, rds:ID, cache:ID, redshift:ID, opensearch:NAME, memorydb:NAME, \
             or an ARN)"
        )),
        many => {
            let all: Vec<String> = many.iter().map(|p| p.qualified()).collect();
            Err(format!(
                "`{t}` is ambiguous: {}; name one of them so (or pick the region with --region)",
                all.join(", ")
            ))
        }
    }
}

/// Every place a (possibly qualified) name fits.
fn lookup<'a>(net: &Network<'a>, prefix: Option<&str>, id: &str) -> Vec<Place<'a>> {
    let inv = net.inventory;
    let wants = |p: &str| prefix.is_none_or(|x| x == p);
    let mut out = Vec::new();
    if wants("eni") {
        out.extend(inv.interfaces.iter().filter(|e| e.id == id).map(Place::Interface));
    }
    if wants("sg") {
        out.extend(inv.groups.iter().filter(|g| g.id == id || g.name == id).map(Place::Group));
    }
    for d in inv.datastores.iter().filter(|d| d.id == id) {
        if wants(datastore_prefix(d)) {
            out.push(Place::Datastore(d));
        }
    }
    // A group ID is unique: when it matches, a group of the same name elsewhere is not meant.
    if out.iter().any(|p| matches!(p, Place::Group(g) if g.id == id)) {
        out.retain(|p| matches!(p, Place::Group(g) if g.id == id));
    }
    out
}

fn datastore_prefix(d: &Datastore) -> &'static str {
    match d.kind {
        k if k.is_rds() => "rds",
        ResourceKind::RdsProxy | ResourceKind::RdsProxyEndpoint => "rds",
        ResourceKind::RedshiftCluster | ResourceKind::RedshiftServerless => "redshift",
        ResourceKind::OpensearchDomain => "opensearch",
        ResourceKind::MemorydbCluster => "memorydb",
        _ => "cache",
    }
}

/// `aws:rds:us-east-1:123456789012:db:name` and the like (the text after `arn:`).
fn from_arn<'a>(net: &Network<'a>, arn: &str) -> Result<Vec<Place<'a>>, String> {
    let parts: Vec<&str> = arn.splitn(5, ':').collect();
    let [_partition, service, region, _account, resource] = parts.as_slice() else {
        return Err(format!("`arn:{arn}` is not an ARN"));
    };
    let (kind, id) = resource.split_once(['/', ':']).unwrap_or(("", resource));
    let inv = net.inventory;
    let in_region = |r: &str| region.is_empty() || r == *region;
    let kinds: &[ResourceKind] = match (*service, kind) {
        ("ec2", "security-group") => {
            return Ok(inv.groups.iter().filter(|g| g.id == id && in_region(&g.region)).map(Place::Group).collect())
        }
        ("ec2", "network-interface") => {
            return Ok(inv
                .interfaces
                .iter()
                .filter(|e| e.id == id && in_region(&e.region))
                .map(Place::Interface)
                .collect())
        }
        ("rds", "db") => &[ResourceKind::RdsInstance, ResourceKind::DocdbInstance, ResourceKind::NeptuneInstance],
        ("rds", "cluster") => &[ResourceKind::RdsCluster, ResourceKind::DocdbCluster, ResourceKind::NeptuneCluster],
        ("elasticache", "cluster") => &[ResourceKind::ElasticacheCluster],
        ("elasticache", "replicationgroup") => &[ResourceKind::ElasticacheReplicationGroup],
        ("elasticache", "serverlesscache") => &[ResourceKind::ElasticacheServerless],
        ("redshift", "cluster") => &[ResourceKind::RedshiftCluster],
        ("es", "domain") => &[ResourceKind::OpensearchDomain],
        ("memorydb", "cluster") => &[ResourceKind::MemorydbCluster],
        _ => return Err(format!("`arn:{arn}` is not the ARN of a group, interface or datastore sgaudit reads")),
    };
    Ok(inv
        .datastores
        .iter()
        .filter(|d| d.id == id && kinds.contains(&d.kind) && in_region(&d.region))
        .map(Place::Datastore)
        .collect())
}

impl<'a> Place<'a> {
    /// The unambiguous name of the place, as `resolve` takes it: `rds:db (rds-instance in us-east-1)`.
    pub fn qualified(&self) -> String {
        match self {
            Place::Internet => "internet".to_string(),
            Place::Cidr(n) => n.to_string(),
            Place::Group(g) => format!("sg:{} (group {} in {})", g.id, g.name, g.region),
            Place::Interface(e) => format!("eni:{} (in {})", e.id, e.region),
            Place::Datastore(d) => format!("{}:{} ({} in {})", datastore_prefix(d), d.id, d.kind, d.region),
        }
    }

    /// How answers name the place.
    pub fn label(&self) -> String {
        match self {
            Place::Internet => "the internet".to_string(),
            Place::Cidr(n) => n.to_string(),
            Place::Group(g) => format!("{} ({})", g.id, g.name),
            Place::Interface(e) => match &e.instance_id {
                Some(i) => format!("{} ({i})", e.id),
                None => e.id.clone(),
            },
            Place::Datastore(d) => format!("{} {}", d.kind, d.id),
        }
    }

    /// The party (or parties: one per set of groups its members carry) this place is, with its node.
    pub fn parties(&self, net: &Network<'a>) -> Vec<(Node, Party<'a>)> {
        match self {
            Place::Internet | Place::Cidr(_) => Vec::new(),
            Place::Group(g) => {
                net.classes_of_group(&g.id).iter().map(|&c| (Node::Class(c), net.classes[c].party.clone())).collect()
            }
            Place::Interface(e) => match net.class_of_interface(e) {
                Some(c) => vec![(Node::Class(c), Party::interface(e))],
                None => Vec::new(),
            },
            Place::Datastore(d) => {
                let Some(c) = net.class_of_datastore(d) else { return Vec::new() };
                let enis = net.datastore_interfaces(d);
                let mut addresses: Vec<_> =
                    enis.iter().flat_map(|e| e.private_ips.iter().chain(&e.public_ips)).copied().collect();
                addresses.sort_unstable();
                addresses.dedup();
                let party = Party { addresses, unaddressed: enis.is_empty(), ..net.classes[c].party.clone() };
                vec![(Node::Class(c), party)]
            }
        }
    }

    /// The address half toward this place from the internet, for the class `c` it is part of.
    pub(crate) fn exposure(&self, net: &Network<'a>, c: ClassId) -> Exposure {
        match self {
            Place::Interface(e) => net.routing.interface(e),
            Place::Datastore(d) => net.datastore_exposure(d),
            _ => {
                let class = &net.classes[c];
                let mut best = Exposure::CLOSED;
                let all = class
                    .interfaces
                    .iter()
                    .map(|e| net.routing.interface(e))
                    .chain(class.datastores.iter().map(|d| net.datastore_exposure(d)));
                for e in all {
                    if e.is_open() && !best.is_open() || best == Exposure::CLOSED {
                        best = e;
                    }
                }
                best
            }
        }
    }

    /// The port a question about this place means when none is given: a database's own.
    pub fn default_port(&self) -> Option<u16> {
        match self {
            Place::Datastore(d) => d.effective_port(),
            _ => None,
        }
    }
}
