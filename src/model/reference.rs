//! References across VPCs and accounts, as AWS itself answers for them: DescribeStaleSecurityGroups (the
//! rules of a VPC whose peer group is gone or whose peering is no longer active) and
//! DescribeSecurityGroupReferences (the peered VPCs whose rules reference a group of this account).

use crate::model::Direction;
use serde::{Deserialize, Serialize};

/// AWS's stale-rule answer for one VPC. Present only for the VPCs it was asked about.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StaleCheck {
    pub region: String,
    pub vpc_id: String,
    #[serde(default)]
    pub stale: Vec<StaleReference>,
}

/// One stale reference: a rule of `group_id` whose peer `peer_group_id` is gone or unreachable.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StaleReference {
    pub group_id: String,
    pub direction: Direction,
    pub peer_group_id: String,
    /// `deleted`, `pending-acceptance`, ... : the state of the peering the reference went through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peering_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peering_connection_id: Option<String>,
}

/// A group of this account that a rule in another VPC references, through peering or a transit gateway.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PeerReference {
    pub region: String,
    pub group_id: String,
    pub referencing_vpc_id: String,
    /// `pcx-…` or `tgw-…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}
