//! The commands `reach` proposes, run against moto as printed: each one is taken by EC2, and once they are in,
//! the flow they were meant to open is reachable. Across regions the rule names the other side's subnet
//! (a group reference across regions is refused by AWS); over a same-region peering it names the group.

mod common;

use common::cli::{self, Command};
use common::scenarios::Seeder;
use common::*;

/// A VPC with one subnet, one group and one interface in it; its group's ID.
async fn side(s: &mut Seeder, name: &str, octet: u8, az: &str) -> (String, String) {
    let vpc = s.vpc(&format!("{name}-vpc"), &format!("10.{octet}.0.0/16")).await;
    let subnet = s.subnet(&format!("{name}-net"), &vpc, &format!("10.{octet}.1.0/24"), az).await;
    let group = s.group(&format!("{name}-sg"), &vpc).await;
    let eni = s
        .ec2
        .create_network_interface()
        .subnet_id(&subnet)
        .groups(&group)
        .private_ip_address(format!("10.{octet}.1.10"));
    eni.send().await.unwrap();
    (vpc, group)
}

fn reach(moto: &Moto, from: &str, to: &str) -> (i32, String) {
    let args = ["reach", "--endpoint-url", &moto.endpoint, "--region", "us-east-1,us-west-2", "--max-attempts", "2"];
    let (code, stdout, stderr) = sgaudit(&[&args[..], &["--from", from, "--to", to, "--port", "5432"]].concat());
    (code, format!("{stdout}{stderr}"))
}

/// Runs every command `text` prints against moto, through the SDK, in the command's own region.
fn run_printed(moto: &Moto, text: &str) -> usize {
    let commands: Vec<Command> =
        text.lines().map(str::trim).filter(|l| l.starts_with("aws ")).map(|l| Command::parse(l).unwrap()).collect();
    rt().block_on(async {
        for c in &commands {
            let s = Seeder::new(&moto.endpoint, c.one("region").unwrap()).await;
            let group = c.one("group-id").unwrap();
            let p = cli::sdk_permission(&cli::shorthand(c.one("ip-permissions").unwrap()).unwrap());
            match c.operation.as_str() {
                "authorize-security-group-ingress" => {
                    s.ec2.authorize_security_group_ingress().group_id(group).ip_permissions(p).send().await
                }
                other => panic!("not expected here: {other}"),
            }
            .unwrap_or_else(|e| panic!("EC2 refused {c:?}: {e:?}"));
        }
    });
    commands.len()
}

#[test]
fn proposed_commands_are_taken_and_open_the_flow_live() {
    let Some(moto) = Moto::start() else { return };
    rt().block_on(async {
        let mut east = Seeder::new(&moto.endpoint, "us-east-1").await;
        let mut west = Seeder::new(&moto.endpoint, "us-west-2").await;
        let (app_vpc, _) = side(&mut east, "cmd-app", 41, "us-east-1a").await;
        let (near_vpc, _) = side(&mut east, "cmd-near", 42, "us-east-1b").await;
        let (far_vpc, _) = side(&mut west, "cmd-far", 43, "us-west-2a").await;
        // A same-region peering and a cross-region one, accepted, with routes both ways.
        let near = east.ec2.create_vpc_peering_connection().vpc_id(&app_vpc).peer_vpc_id(&near_vpc).send().await;
        let near = near.unwrap().vpc_peering_connection().unwrap().vpc_peering_connection_id().unwrap().to_string();
        east.ec2.accept_vpc_peering_connection().vpc_peering_connection_id(&near).send().await.unwrap();
        let far =
            east.ec2.create_vpc_peering_connection().vpc_id(&app_vpc).peer_vpc_id(&far_vpc).peer_region("us-west-2");
        let far = far.send().await.unwrap();
        let far = far.vpc_peering_connection().unwrap().vpc_peering_connection_id().unwrap().to_string();
        west.ec2.accept_vpc_peering_connection().vpc_peering_connection_id(&far).send().await.unwrap();
        let app_table = east.main_route_table(&app_vpc).await;
        for (s, table, cidr, pcx) in [
            (&east, app_table.clone(), "10.42.0.0/16", &near),
            (&east, app_table.clone(), "10.43.0.0/16", &far),
            (&east, east.main_route_table(&near_vpc).await, "10.41.0.0/16", &near),
            (&west, west.main_route_table(&far_vpc).await, "10.41.0.0/16", &far),
        ] {
            s.ec2
                .create_route()
                .route_table_id(table)
                .destination_cidr_block(cidr)
                .vpc_peering_connection_id(pcx)
                .send()
                .await
                .unwrap();
        }
    });

    // Across regions: the database group's rule, in us-west-2, names the application subnet.
    // moto serves neither proxy endpoints, serverless caches and workgroups nor DescribeSecurityGroupReferences:
    // "not reachable" then exits 2 (the answer may miss what those calls hold), "reachable" 0.
    let (code, text) = reach(&moto, "cmd-app-sg", "cmd-far-sg");
    assert_eq!(code, 2, "{text}");
    assert!(text.starts_with("NOT REACHABLE"), "{text}");
    assert!(text.contains("--region us-west-2 --group-id") && text.contains("CidrIp=10.41.1.0/24"), "{text}");
    assert_eq!(run_printed(&moto, &text), 1, "{text}");
    let (code, text) = reach(&moto, "cmd-app-sg", "cmd-far-sg");
    assert!(code == 0 && text.starts_with("REACHABLE"), "{text}");

    // Over the same-region peering: a group reference.
    let (_, text) = reach(&moto, "cmd-app-sg", "cmd-near-sg");
    assert!(text.starts_with("NOT REACHABLE") && text.contains("UserIdGroupPairs=[{GroupId=sg-"), "{text}");
    assert_eq!(run_printed(&moto, &text), 1, "{text}");
    let (code, text) = reach(&moto, "cmd-app-sg", "cmd-near-sg");
    assert!(code == 0 && text.starts_with("REACHABLE"), "{text}");
}
