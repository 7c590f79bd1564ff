//! The network around the groups: VPCs and their blocks, peering connections, subnets and route tables.

use serde::{Deserialize, Serialize};

/// A VPC with the CIDR blocks associated with it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Vpc {
    /// The VPC ID.
    pub id: String,
    /// Its region.
    pub region: String,
    /// The account that owns it.
    #[serde(default)]
    pub owner_id: Option<String>,
    /// Primary and secondary IPv4 blocks and IPv6 blocks, in the `associated` state.
    #[serde(default)]
    pub cidrs: Vec<ipnet::IpNet>,
}

/// A VPC peering connection, as DescribeVpcPeeringConnections shows it from the collected region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct VpcPeering {
    /// The peering connection ID (`pcx-…`).
    pub id: String,
    /// The region it was collected in.
    pub region: String,
    /// `active`, `pending-acceptance`, `deleted`, ...
    pub status: String,
    /// The side that asked for the peering.
    pub requester: PeeringSide,
    /// The side that accepted it.
    pub accepter: PeeringSide,
}

impl VpcPeering {
    /// Whether the peering carries traffic.
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }
}

/// One side of a peering connection.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PeeringSide {
    /// The VPC on this side.
    pub vpc_id: String,
    /// The account that owns it.
    #[serde(default)]
    pub owner_id: Option<String>,
    /// Its region.
    #[serde(default)]
    pub region: Option<String>,
    /// The blocks the peering routes for this side (IPv4 and IPv6).
    #[serde(default)]
    pub cidrs: Vec<ipnet::IpNet>,
}

/// A subnet of a VPC.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Subnet {
    /// The subnet ID.
    pub id: String,
    /// Its region.
    pub region: String,
    /// Its VPC.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Its IPv4 block and any IPv6 blocks.
    #[serde(default)]
    pub cidrs: Vec<ipnet::IpNet>,
}

/// A VPC route table, reduced to what decides internet reachability.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RouteTable {
    /// The route table ID.
    pub id: String,
    /// Its region.
    pub region: String,
    /// Its VPC.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// The VPC's main route table: it serves every subnet without an explicit association.
    #[serde(default)]
    pub main: bool,
    /// Subnets explicitly associated with it.
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    /// Its routes.
    #[serde(default)]
    pub routes: Vec<Route>,
}

/// One route: a destination (CIDR or prefix list ID) and its target (`igw-…`, `nat-…`, `vpce-…`, `local`, …).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Route {
    /// A CIDR block or a prefix list ID.
    pub destination: String,
    /// Where matching traffic goes: a gateway, NAT, endpoint, peering or interface ID, or `local`.
    pub target: String,
    /// A blackhole route (its target is gone): it matches, and drops.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub blackhole: bool,
}

impl Route {
    /// Whether the route sends traffic to an internet gateway, which also lets the internet in. Egress-only
    /// internet gateways (`eigw-`) do not.
    pub fn to_internet_gateway(&self) -> bool {
        self.target.starts_with("igw-")
    }
}

/// A transit gateway attachment (a VPC's, or a peering, VPN or Direct Connect one), with the transit
/// gateway route table it is associated with.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TransitGatewayAttachment {
    /// The attachment ID (`tgw-attach-…`).
    pub id: String,
    /// Its region.
    pub region: String,
    /// The transit gateway.
    pub transit_gateway_id: String,
    /// `vpc`, `peering`, `vpn`, `direct-connect-gateway`, `connect`, ...
    pub resource_type: String,
    /// The VPC ID for a VPC attachment.
    #[serde(default)]
    pub resource_id: Option<String>,
    /// The account that owns the attached resource.
    #[serde(default)]
    pub resource_owner: Option<String>,
    /// `available`, `pending`, `deleted`, ...
    pub state: String,
    /// The associated transit gateway route table: where traffic from this attachment is routed.
    #[serde(default)]
    pub route_table_id: Option<String>,
}

/// A transit gateway route table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TransitGatewayRouteTable {
    /// The route table ID (`tgw-rtb-…`).
    pub id: String,
    /// Its region.
    pub region: String,
    /// The transit gateway.
    pub transit_gateway_id: String,
    /// Its active routes. `None` when SearchTransitGatewayRoutes failed for it: where it sends traffic is
    /// unknown.
    #[serde(default)]
    pub routes: Option<Vec<TransitGatewayRoute>>,
}

/// One route of a transit gateway route table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TransitGatewayRoute {
    /// The destination block.
    pub destination: ipnet::IpNet,
    /// The attachments it sends to (none for a blackhole).
    #[serde(default)]
    pub attachments: Vec<String>,
    /// A blackhole route: it matches, and drops.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub blackhole: bool,
    /// Propagated from an attachment rather than static. For one destination a static route wins.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub propagated: bool,
}
