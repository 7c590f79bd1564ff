//! One region's collection: every independent call at once, then what needs their answers.

use super::*;

#[derive(Default)]
pub(super) struct RegionPart {
    pub(super) groups: Vec<crate::model::SecurityGroup>,
    pub(super) rules: Vec<crate::model::Rule>,
    pub(super) interfaces: Vec<crate::model::NetworkInterface>,
    pub(super) datastores: Vec<crate::model::Datastore>,
    pub(super) holders: Vec<crate::model::Holder>,
    pub(super) load_balancers: Vec<crate::model::LoadBalancer>,
    pub(super) target_groups: Vec<crate::model::TargetGroup>,
    pub(super) prefix_lists: Vec<crate::model::PrefixList>,
    pub(super) subnets: Vec<crate::model::Subnet>,
    pub(super) route_tables: Vec<crate::model::RouteTable>,
    pub(super) network_acls: Vec<crate::model::NetworkAcl>,
    pub(super) vpcs: Vec<crate::model::Vpc>,
    pub(super) peerings: Vec<crate::model::VpcPeering>,
    pub(super) transit_gateway_attachments: Vec<crate::model::TransitGatewayAttachment>,
    pub(super) transit_gateway_route_tables: Vec<crate::model::TransitGatewayRouteTable>,
    pub(super) stale_checks: Vec<crate::model::StaleCheck>,
    pub(super) peer_references: Vec<crate::model::PeerReference>,
    pub(super) flow_logs: Vec<crate::model::FlowLog>,
    pub(super) notes: Vec<String>,
    pub(super) coverage: Vec<Coverage>,
}

/// One region: every independent call at once; then what needs their answers (prefix lists named by rules or
/// routes, references across VPCs).
pub(super) async fn collect_region(base: &SdkConfig, region: &str, partition: &str, flow_logs: bool) -> RegionPart {
    let cfg = for_region(base, region);
    let ec2 = client!(aws_sdk_ec2, &cfg, partition);
    let rds = client!(aws_sdk_rds, &cfg, partition);
    let elasticache = client!(aws_sdk_elasticache, &cfg, partition);
    let redshift = client!(aws_sdk_redshift, &cfg, partition);
    let redshift_serverless = client!(aws_sdk_redshiftserverless, &cfg, partition);
    let opensearch = client!(aws_sdk_opensearch, &cfg, partition);
    let memorydb = client!(aws_sdk_memorydb, &cfg, partition);
    let autoscaling = client!(aws_sdk_autoscaling, &cfg, partition);
    let ecs = client!(aws_sdk_ecs, &cfg, partition);
    let lambda = client!(aws_sdk_lambda, &cfg, partition);
    let eks = client!(aws_sdk_eks, &cfg, partition);
    let elbv2 = client!(aws_sdk_elasticloadbalancingv2, &cfg, partition);
    let batch = client!(aws_sdk_batch, &cfg, partition);
    let eventbridge = client!(aws_sdk_eventbridge, &cfg, partition);
    let codebuild = client!(aws_sdk_codebuild, &cfg, partition);
    let glue = client!(aws_sdk_glue, &cfg, partition);

    // Each future keeps the coverage of its own calls, returned beside what it read.
    let groups_and_rules = async {
        let mut coverage = Vec::new();
        let (groups, rules) = ec2::groups_and_rules(&ec2, region, &mut coverage).await;
        ((groups, rules), coverage)
    };
    let interfaces = async {
        let mut coverage = Vec::new();
        (ec2::interfaces(&ec2, region, &mut coverage).await, coverage)
    };
    let databases = async {
        let mut coverage = Vec::new();
        (rds::datastores(&rds, region, &mut coverage).await, coverage)
    };
    let caches = async {
        let mut coverage = Vec::new();
        (elasticache::datastores(&elasticache, region, &mut coverage).await, coverage)
    };
    let routing = async {
        let (mut route_coverage, mut acl_coverage) = (Vec::new(), Vec::new());
        let (routes, acls) = tokio::join!(
            ec2::routing(&ec2, region, &mut route_coverage),
            network_acl::acls(&ec2, region, &mut acl_coverage)
        );
        ((routes, acls), [route_coverage, acl_coverage].concat())
    };
    let networks = async {
        let (mut vpc_coverage, mut transit_coverage) = (Vec::new(), Vec::new());
        let ((vpcs, peerings), transit) = tokio::join!(
            ec2::vpcs(&ec2, region, &mut vpc_coverage),
            transit::transit(&ec2, region, &mut transit_coverage)
        );
        ((vpcs, peerings, transit), [vpc_coverage, transit_coverage].concat())
    };
    // Flow logs only when their evidence was asked for.
    let flow_log_definitions = async {
        let mut coverage = Vec::new();
        let found = if flow_logs { flowlogs::definitions(&ec2, region, &mut coverage).await } else { Vec::new() };
        (found, coverage)
    };
    // Warehouses, search domains and MemoryDB: one future, their four services concurrently.
    let analytics = async {
        let mut coverage: [Vec<Coverage>; 4] = Default::default();
        let [redshift_coverage, serverless_coverage, search_coverage, memorydb_coverage] = &mut coverage;
        let (mut warehouses, workgroups, (domains, notes), memorydb_clusters) = tokio::join!(
            redshift::clusters(&redshift, region, redshift_coverage),
            redshift_serverless::workgroups(&redshift_serverless, region, serverless_coverage),
            opensearch::domains(&opensearch, region, search_coverage),
            memorydb::clusters(&memorydb, region, memorydb_coverage),
        );
        warehouses.extend(workgroups.into_iter().chain(domains).chain(memorydb_clusters));
        ((warehouses, notes), coverage.concat())
    };
    // What holds groups without running: templates, scaling groups, services, functions, clusters, balancers,
    // and what runs now and then: Batch compute environments, scheduled or event-driven tasks, builds, Glue
    // connections.
    let holders = async {
        let mut coverage: [Vec<Coverage>; 9] = Default::default();
        let [templates, services, functions, clusters, balancers, batches, rules, builds, connections] = &mut coverage;
        let (mut held, by_services, by_functions, by_clusters, elb, by_batch, by_rules, by_builds, by_connections) = tokio::join!(
            launch::holders(&ec2, &autoscaling, region, templates),
            ecs::services(&ecs, region, services),
            lambda::functions(&lambda, region, functions),
            eks::clusters(&eks, region, clusters),
            elbv2::balancers(&elbv2, region, balancers),
            batch::compute_environments(&batch, region, batches),
            events::rules(&eventbridge, region, rules),
            codebuild::projects(&codebuild, region, builds),
            glue::connections(&glue, region, connections),
        );
        held.extend(by_services.into_iter().chain(by_functions).chain(by_clusters).chain(elb.holders));
        held.extend(by_batch.into_iter().chain(by_rules).chain(by_builds).chain(by_connections));
        ((held, elb.load_balancers, elb.target_groups), coverage.concat())
    };
    let (
        ((groups, rules), group_coverage),
        (interfaces, interface_coverage),
        (mut datastores, database_coverage),
        (caches, cache_coverage),
        (((subnets, route_tables), network_acls), routing_coverage),
        ((vpcs, peerings, (transit_gateway_attachments, transit_gateway_route_tables)), network_coverage),
        ((warehouses, notes), analytics_coverage),
        ((holders, load_balancers, target_groups), holder_coverage),
        (flow_logs, flow_log_coverage),
    ) = tokio::join!(
        groups_and_rules,
        interfaces,
        databases,
        caches,
        routing,
        networks,
        analytics,
        holders,
        flow_log_definitions
    );
    datastores.extend(caches);
    datastores.extend(warehouses);
    let mut coverage = [
        group_coverage,
        interface_coverage,
        database_coverage,
        cache_coverage,
        routing_coverage,
        network_coverage,
        analytics_coverage,
        holder_coverage,
        flow_log_coverage,
    ]
    .concat();
    // What crosses a VPC or an account, once the rules and the peering connections are in; beside it, the
    // prefix lists that rules or routes name.
    let mut list_coverage = Vec::new();
    let ((stale_checks, peer_references), prefix_lists) = tokio::join!(
        references::references(&ec2, region, &groups, &rules, &peerings, &mut coverage),
        ec2::prefix_lists(&ec2, region, ec2::named_prefix_lists(&rules, &route_tables), &mut list_coverage),
    );
    coverage.extend(list_coverage);
    RegionPart {
        groups,
        rules,
        interfaces,
        datastores,
        holders,
        load_balancers,
        target_groups,
        prefix_lists,
        subnets,
        route_tables,
        network_acls,
        vpcs,
        peerings,
        transit_gateway_attachments,
        transit_gateway_route_tables,
        stale_checks,
        peer_references,
        flow_logs,
        notes,
        coverage,
    }
}
