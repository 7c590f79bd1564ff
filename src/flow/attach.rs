//! Which interfaces belong to which datastore: where a database lives.
//!
//! AWS creates interfaces for RDS (every engine), RDS Proxy and ElastiCache in the subnets of the resource's
//! subnet group, with the resource's groups. An interface belongs to a datastore when the same service
//! created it, it carries exactly the datastore's groups, and it sits where the datastore lives: the
//! resource it names in its description (ElastiCache nodes and proxies name theirs), else one of the
//! subnets of the datastore's subnet group in its VPC. Two databases that share a group set are therefore
//! told apart by their subnet groups, and a database is never given the interfaces of another one only for
//! sharing its groups.

use crate::model::{Datastore, Inventory, ManagedBy, NetworkInterface, ResourceKind};
use rustc_hash::FxHashMap as HashMap;

/// The interfaces of each datastore, in inventory order.
pub(crate) fn datastore_interfaces(inv: &Inventory) -> Vec<Vec<&NetworkInterface>> {
    let mut index: HashMap<(&str, ManagedBy, Vec<&str>), Vec<&NetworkInterface>> = HashMap::default();
    for eni in &inv.interfaces {
        if let Some(m) = eni.managed_by().filter(|m| m.folds_into_datastore()) {
            index.entry((eni.region.as_str(), m, sorted(&eni.group_ids))).or_default().push(eni);
        }
    }
    let parents: HashMap<(&str, &str), &str> = inv
        .datastores
        .iter()
        .filter_map(|d| Some(((d.region.as_str(), d.id.as_str()), d.parent.as_deref()?)))
        .collect();
    inv.datastores
        .iter()
        .map(|d| {
            let Some(service) = d.kind.service() else { return Vec::new() };
            let Some(candidates) = index.get(&(d.region.as_str(), service, sorted(&d.group_ids))) else {
                return Vec::new();
            };
            candidates.iter().copied().filter(|e| belongs(d, e, &parents)).collect()
        })
        .collect()
}

fn sorted(ids: &[String]) -> Vec<&str> {
    let mut v: Vec<&str> = ids.iter().map(String::as_str).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The resource an interface's description names: `ElastiCache my-redis-001`, `Network interface for DBProxy
/// my-proxy`.
fn named_resource(eni: &NetworkInterface) -> Option<&str> {
    ["ElastiCache ", "ElastiCache+", "Network interface for DBProxy "]
        .iter()
        .find_map(|p| eni.description.strip_prefix(p))
        .map(str::trim)
        .filter(|n| !n.is_empty())
}

fn belongs(d: &Datastore, eni: &NetworkInterface, parents: &HashMap<(&str, &str), &str>) -> bool {
    if d.kind != ResourceKind::RdsProxyEndpoint {
        if let Some(name) = named_resource(eni) {
            return name == d.id || parents.get(&(d.region.as_str(), name)) == Some(&d.id.as_str());
        }
    }
    if let (Some(a), Some(b)) = (d.vpc_id.as_deref(), eni.vpc_id.as_deref()) {
        if a != b {
            return false;
        }
    }
    d.subnet_ids.is_empty() || eni.subnet_id.as_ref().is_some_and(|s| d.subnet_ids.contains(s))
}
