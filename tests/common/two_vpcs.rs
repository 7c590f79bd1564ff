//! Two VPCs for the cross-VPC end-to-end tests: an application VPC and a database VPC, each with one subnet,
//! one group and one instance, the database group admitting PostgreSQL from the application VPC's block. How
//! the two are joined (peering, a transit gateway) and routed is each test's own.

use super::scenarios::{perm, Seeder, P};

pub struct TwoVpcs {
    pub app_vpc: String,
    pub db_vpc: String,
    pub app_net: String,
    pub db_net: String,
}

/// `NAME-app-vpc` (10.APP.0.0/16) and `NAME-db-vpc` (10.DB.0.0/16), with subnets `NAME-app` and `NAME-db`
/// (10.APP.1.0/24, 10.DB.1.0/24), groups `NAME-app-sg` and `NAME-db-sg`, and instances `NAME-app-host` and
/// `NAME-db-host`.
pub async fn two_vpcs(s: &mut Seeder, name: &str, app: u8, db: u8) -> TwoVpcs {
    let app_vpc = s.vpc(&format!("{name}-app-vpc"), &format!("10.{app}.0.0/16")).await;
    let db_vpc = s.vpc(&format!("{name}-db-vpc"), &format!("10.{db}.0.0/16")).await;
    let app_net = s.subnet(&format!("{name}-app"), &app_vpc, &format!("10.{app}.1.0/24"), "us-east-1a").await;
    let db_net = s.subnet(&format!("{name}-db"), &db_vpc, &format!("10.{db}.1.0/24"), "us-east-1a").await;
    let app_sg = s.group(&format!("{name}-app-sg"), &app_vpc).await;
    let db_sg = s.group(&format!("{name}-db-sg"), &db_vpc).await;
    let app_block = format!("10.{app}.0.0/16");
    s.ingress(&db_sg, perm("tcp", 5432, 5432, P::V4(&app_block))).await;
    s.instance(&format!("{name}-app-host"), &app_net, &[&app_sg], false).await;
    s.instance(&format!("{name}-db-host"), &db_net, &[&db_sg], false).await;
    TwoVpcs { app_vpc, db_vpc, app_net, db_net }
}

/// A peering connection from `requester` to `accepter`, accepted; its ID.
pub async fn peering(s: &Seeder, requester: &str, accepter: &str) -> String {
    let out = s.ec2.create_vpc_peering_connection().vpc_id(requester).peer_vpc_id(accepter).send().await.unwrap();
    let pcx = out.vpc_peering_connection().unwrap().vpc_peering_connection_id().unwrap().to_string();
    s.ec2.accept_vpc_peering_connection().vpc_peering_connection_id(&pcx).send().await.unwrap();
    pcx
}

/// A route in `table` sending `cidr` through the peering connection `pcx`.
pub async fn peering_route(s: &Seeder, table: &str, cidr: &str, pcx: &str) {
    let route = s.ec2.create_route().route_table_id(table).destination_cidr_block(cidr);
    route.vpc_peering_connection_id(pcx).send().await.unwrap();
}
