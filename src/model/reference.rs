//! References across VPCs and accounts, as AWS itself answers for them: DescribeStaleSecurityGroups (the
//! rules of a VPC whose peer group is gone or whose peering is no longer active) and
//! DescribeSecurityGroupReferences (the peered VPCs whose rules reference a group of this account).

use crate::model::Direction;
use serde::{Deserialize, Serialize};

/// AWS's stale-rule answer for one VPC. Present only for the VPCs it was asked about.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StaleCheck {
    /// The region of the VPC.
    pub region: String,
    /// The VPC asked about.
    pub vpc_id: String,
    /// Its stale references; empty when it has none.
    #[serde(default)]
    pub stale: Vec<StaleReference>,
}

/// One stale reference: a rule of `group_id` whose peer `peer_group_id` is gone or unreachable.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StaleReference {
    /// The group whose rule is stale.
    pub group_id: String,
    /// Whether the rule is ingress or egress.
    pub direction: Direction,
    /// The group the rule references.
    pub peer_group_id: String,
    /// `deleted`, `pending-acceptance`, ... : the state of the peering the reference went through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peering_status: Option<String>,
    /// The peering connection the reference went through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peering_connection_id: Option<String>,
}

/// A group of this account that a rule in another VPC references, through peering or a transit gateway.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PeerReference {
    /// The region of the group.
    pub region: String,
    /// The group referenced.
    pub group_id: String,
    /// The VPC whose rules reference it.
    pub referencing_vpc_id: String,
    /// `pcx-…` or `tgw-…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}
