//! A hub-and-spoke account: three VPCs attached to one transit gateway, seeded on moto through the SDK.
//!
//! - `hub-app` (10.70.0.0/16): the application host. Its attachment is associated with the default route
//!   table (`spokes`), where every VPC attachment propagates its block (the gateway's defaults), and which
//!   also holds a static route to the legacy VPC (it wins over the propagated one for the same block) and a
//!   static blackhole for the legacy VPC's quarantined subnet (10.72.9.0/24).
//! - `hub-data` (10.71.0.0/16): a self-managed PostgreSQL host admitting 5432 from the application VPC. Its
//!   attachment and the legacy one are associated with the `shared` route table, which holds a static route
//!   back to the application VPC. Its subnet routes the application VPC to the transit gateway: the
//!   application reaches PostgreSQL.
//! - `hub-legacy` (10.72.0.0/16): a MySQL host admitting 3306 from the application VPC, and a quarantined host.
//!   Its subnets have no route back to the transit gateway: nothing reaches them, and `reach` names the
//!   missing route (and, for the quarantined host, the blackhole first).
//!
//! - `hub-old-relay-sg`: a group of the application VPC that nothing uses any more.
//!
//! moto 5.2 answers SearchTransitGatewayRoutes with no attachments on any route and reports every attachment
//! as associated with the default route table; `patch::transit_gateway` writes both as AWS returns them.

use super::scenarios::{perm, Seeder, P};

/// What the patch needs: the IDs moto gave.
pub struct Hub {
    pub tgw: String,
    pub spokes: String,
    pub shared: String,
    pub app: String,
    pub data: String,
    pub legacy: String,
}

pub async fn hub(s: &mut Seeder) -> Hub {
    let app_vpc = s.vpc("hub-app-vpc", "10.70.0.0/16").await;
    let data_vpc = s.vpc("hub-data-vpc", "10.71.0.0/16").await;
    let legacy_vpc = s.vpc("hub-legacy-vpc", "10.72.0.0/16").await;
    let app_net = s.subnet("hub-app-a", &app_vpc, "10.70.1.0/24", "us-east-1a").await;
    let data_net = s.subnet("hub-data-a", &data_vpc, "10.71.1.0/24", "us-east-1a").await;
    let legacy_net = s.subnet("hub-legacy-a", &legacy_vpc, "10.72.1.0/24", "us-east-1a").await;
    let quarantine = s.subnet("hub-legacy-quarantine", &legacy_vpc, "10.72.9.0/24", "us-east-1b").await;

    let app = s.group("hub-app-sg", &app_vpc).await;
    let pg = s.group("hub-pg-sg", &data_vpc).await;
    let mysql = s.group("hub-mysql-sg", &legacy_vpc).await;
    let quarantined = s.group("hub-quarantine-sg", &legacy_vpc).await;
    s.ingress(&pg, perm("tcp", 5432, 5432, P::V4("10.70.0.0/16"))).await;
    s.ingress(&mysql, perm("tcp", 3306, 3306, P::V4("10.70.0.0/16"))).await;
    s.ingress(&quarantined, perm("tcp", 3306, 3306, P::V4("10.70.0.0/16"))).await;
    // A leftover: the group of a retired VPN relay, with no member left.
    let relay = s.group("hub-old-relay-sg", &app_vpc).await;
    s.ingress(&relay, perm("udp", 500, 500, P::V4("10.72.0.0/16"))).await;
    s.instance("hub-app-host", &app_net, &[&app], false).await;
    s.instance("hub-pg-host", &data_net, &[&pg], false).await;
    s.instance("hub-mysql-host", &legacy_net, &[&mysql], false).await;
    s.instance("hub-quarantine-host", &quarantine, &[&quarantined], false).await;

    let tgw = s.ec2.create_transit_gateway().description("hub").send().await.unwrap();
    let tgw = tgw.transit_gateway().unwrap();
    let spokes = tgw.options().unwrap().association_default_route_table_id().unwrap().to_string();
    let tgw = tgw.transit_gateway_id().unwrap().to_string();
    let shared = s.ec2.create_transit_gateway_route_table().transit_gateway_id(&tgw).send().await.unwrap();
    let shared = shared.transit_gateway_route_table().unwrap().transit_gateway_route_table_id().unwrap().to_string();
    let attachment = |vpc: String, subnets: Vec<String>| {
        let ec2 = s.ec2.clone();
        let tgw = tgw.clone();
        async move {
            let a = ec2.create_transit_gateway_vpc_attachment().transit_gateway_id(&tgw).vpc_id(vpc);
            let a = a.set_subnet_ids(Some(subnets)).send().await.unwrap();
            a.transit_gateway_vpc_attachment().unwrap().transit_gateway_attachment_id().unwrap().to_string()
        }
    };
    let app_att = attachment(app_vpc.clone(), vec![app_net]).await;
    let data_att = attachment(data_vpc.clone(), vec![data_net]).await;
    let legacy_att = attachment(legacy_vpc.clone(), vec![legacy_net, quarantine]).await;
    // Every attachment starts associated with the default table (`spokes`); the data and legacy VPCs move to
    // `shared`. What AWS holds after these calls, moto does not answer: the patch writes it.
    // (moto 5.2 fails DisassociateTransitGatewayRouteTable with HTTP 500, so the scenario associates only.)
    for a in [&data_att, &legacy_att] {
        let x = s.ec2.associate_transit_gateway_route_table().transit_gateway_route_table_id(&shared);
        x.transit_gateway_attachment_id(a).send().await.unwrap();
    }
    for (table, cidr, target) in [
        (&spokes, "10.72.0.0/16", Some(&legacy_att)),
        (&spokes, "10.72.9.0/24", None),
        (&shared, "10.70.0.0/16", Some(&app_att)),
    ] {
        let r = s.ec2.create_transit_gateway_route().transit_gateway_route_table_id(table).destination_cidr_block(cidr);
        match target {
            Some(a) => r.transit_gateway_attachment_id(a).send().await.unwrap(),
            None => r.blackhole(true).send().await.unwrap(),
        };
    }
    for (vpc, cidrs) in [(&app_vpc, &["10.71.0.0/16", "10.72.0.0/16"][..]), (&data_vpc, &["10.70.0.0/16"][..])] {
        let main = s.main_route_table(vpc).await;
        for cidr in cidrs {
            let r = s.ec2.create_route().route_table_id(&main).destination_cidr_block(*cidr).transit_gateway_id(&tgw);
            r.send().await.unwrap();
        }
    }
    Hub { tgw, spokes, shared, app: app_att, data: data_att, legacy: legacy_att }
}
