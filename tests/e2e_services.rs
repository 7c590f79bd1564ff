//! End to end against moto on 127.0.0.1: the managed services beyond RDS and ElastiCache that moto 5.2 serves
//! (Redshift clusters, RDS Proxy, Neptune through the RDS API, OpenSearch VPC domains, MemoryDB), seeded
//! through the SDK with the data-platform design and audited by the binary. What moto cannot serve (Redshift
//! Serverless, proxy endpoints, serverless caches, service interfaces) is covered by mocks/dataplatform. And
//! what holds groups without running: launch templates, Auto Scaling, ECS, Lambda, EKS and ELBv2.

mod common;

use common::scenarios::Seeder;
use common::*;

#[test]
fn data_platform_services_live() {
    let Some(moto) = Moto::start() else { return };
    let s = rt().block_on(async {
        let mut s = Seeder::new(&moto.endpoint, "us-east-1").await;
        common::dataplatform::dataplatform(&mut s).await;
        s
    });
    let (code, report) =
        audit_json(&["--endpoint-url", &moto.endpoint, "--region", "us-east-1", "--max-attempts", "2"]);
    assert_eq!(code, 2, "moto's gaps make the audit incomplete: {:#}", report["coverage"]);

    // Every service was read, and only moto's known gaps failed.
    let ok =
        |op: &str| report["coverage"].as_array().unwrap().iter().any(|c| c["operation"] == op && c["status"] == "ok");
    for op in
        ["DescribeClusters", "DescribeClusterSubnetGroups", "ListDomainNames", "DescribeDomains", "DescribeDBProxies"]
    {
        assert!(ok(op), "{op}: {:#}", report["coverage"]);
    }
    let failed: Vec<&str> = report["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "failed")
        .map(|c| c["operation"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["DescribeDBProxyEndpoints", "DescribeServerlessCaches", "ListWorkgroups"]);

    // The BI cluster: publicly accessible in the routed subnet, its port 5440 inside 5000-6000 from anywhere.
    let bi = finding(&report, "exposed-database", "dp-bi").expect("the BI cluster");
    assert_eq!(bi["severity"], "critical", "{bi:#}");
    assert_eq!(bi["resource"]["kind"], "redshift-cluster");
    assert!(bi["message"].as_str().unwrap().contains("tcp/5440"), "{bi:#}");
    assert!(bi["remediation"]["commands"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c.as_str().unwrap().contains("aws redshift modify-cluster")));
    // The log domain: HTTPS from all of IPv6, no public endpoint.
    let logs = finding(&report, "exposed-database", "dp-logs").expect("the log domain");
    assert_eq!(
        (logs["severity"].as_str(), logs["resource"]["kind"].as_str()),
        (Some("high"), Some("opensearch-domain"))
    );
    // The proxy, through the bastion and the VPC-wide rule.
    let path = finding(&report, "internet-path-to-database", "dp-proxy").expect("the path to the proxy");
    assert_eq!(path["resource"]["kind"], "rds-proxy");
    // Silent: the warehouse (its IPv6 rule is the VPC's own /56), the graph, MemoryDB, Aurora, and 9200 on
    // the search domain.
    for quiet in ["dp-warehouse", "dp-graph", "dp-features", "dp-aurora"] {
        assert!(finding(&report, "exposed-database", quiet).is_none(), "{quiet} is not exposed");
    }
    assert!(!logs["message"].as_str().unwrap().contains("9200"), "{logs:#}");
    // The public domain is no datastore of a group, and the report says why it is not judged.
    let notes: Vec<&str> = report["notes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert!(
        notes.iter().any(|n| n.contains("opensearch-domain dp-marketing-search has a public endpoint")),
        "{notes:?}"
    );

    // reach: the datastores by qualified name, the warehouse closed to the internet without a proposed fix.
    let ep = moto.endpoint.as_str();
    let reach = |from: &str, to: &str| {
        sgaudit(&[
            "reach",
            "--endpoint-url",
            ep,
            "--region",
            "us-east-1",
            "--max-attempts",
            "2",
            "--from",
            from,
            "--to",
            to,
        ])
    };
    let (code, out, err) = reach("dp-etl-sg", "memorydb:dp-features");
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = reach("dp-etl-sg", "rds:dp-graph");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("neptune-cluster dp-graph on tcp/8182"), "{out}");
    let (code, out, _) = reach("internet", "redshift:dp-warehouse");
    // Not reachable while calls failed: exit 2, and no command that would open the warehouse.
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("proposes no rule") && !out.contains("authorize-security-group"), "{out}");
    // moto may write the block with leading zeros; sgaudit prints it canonically.
    let v6 = s.id("dp-vpc-ipv6").parse::<ipnet::IpNet>().unwrap().to_string();
    let (code, out, err) = reach(&v6, "redshift:dp-warehouse");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&format!("from {v6} (an IPv6 block of {})", s.id("dp-vpc"))), "{out}");
}

/// Every holder moto serves, live: launch templates, Auto Scaling, ECS, Lambda, EKS, ELBv2, Batch, EventBridge,
/// CodeBuild and Glue are read, the groups only they name are idle (never unused, no delete command), and the
/// group nothing holds is unused.
#[test]
fn groups_held_by_templates_and_services_live() {
    let Some(moto) = Moto::start() else { return };
    let s = rt().block_on(async {
        let mut s = Seeder::new(&moto.endpoint, "us-east-1").await;
        common::holders::holders(&mut s).await;
        s
    });
    let (code, report) =
        audit_json(&["--endpoint-url", &moto.endpoint, "--region", "us-east-1", "--max-attempts", "2"]);
    assert_eq!(code, 2, "moto's known gaps: {:#}", report["coverage"]);
    let ok = |service: &str, op: &str| {
        report["coverage"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["service"] == service && c["operation"] == op && c["status"] == "ok")
    };
    for (service, op) in [
        ("ec2", "DescribeLaunchTemplateVersions"),
        ("autoscaling", "DescribeAutoScalingGroups"),
        ("autoscaling", "DescribeLaunchConfigurations"),
        ("ecs", "ListClusters"),
        ("ecs", "ListServices"),
        ("ecs", "DescribeServices"),
        ("lambda", "ListFunctions"),
        ("eks", "ListClusters"),
        ("eks", "DescribeCluster"),
        ("eks", "ListNodegroups"),
        ("eks", "DescribeNodegroup"),
        ("elasticloadbalancing", "DescribeLoadBalancers"),
        ("elasticloadbalancing", "DescribeListeners"),
        ("elasticloadbalancing", "DescribeTargetGroups"),
        ("elasticloadbalancing", "DescribeTargetHealth"),
        ("batch", "DescribeComputeEnvironments"),
        ("batch", "DescribeJobQueues"),
        ("events", "ListEventBuses"),
        ("events", "ListRules"),
        ("events", "ListTargetsByRule"),
        ("codebuild", "ListProjects"),
        ("codebuild", "BatchGetProjects"),
        ("glue", "GetConnections"),
    ] {
        assert!(ok(service, op), "{service}:{op}: {:#}", report["coverage"]);
    }
    for (group, holder) in [
        ("held-web-sg", "launch template"),
        ("held-web-sg", "auto-scaling group held-web-asg at 0 instances"),
        ("held-task-sg", "ECS service held-worker in cluster held-cluster at 0 running tasks (desired 0)"),
        ("held-fn-sg", "Lambda function held-report"),
        ("held-eks-sg", "EKS cluster held-eks"),
        ("held-batch-sg", "Batch compute environment held-batch (job queue held-queue)"),
        ("held-sched-sg", "EventBridge rule held-nightly (target report runs ECS task held-report:1)"),
        ("held-build-sg", "CodeBuild project held-build"),
        ("held-glue-sg", "Glue connection held-warehouse"),
    ] {
        let id = s.id(group);
        assert!(finding(&report, "unused-group", &id).is_none(), "{group} is held, not unused");
        let idle = finding(&report, "idle-group", &id).unwrap_or_else(|| panic!("{group}: {:#}", report["findings"]));
        assert!(idle["message"].as_str().unwrap().contains(holder), "{group}: {idle:#}");
        assert_eq!(idle["remediation"]["commands"], serde_json::json!([]), "no delete command for {group}");
    }
    // The web group's rule admitting the load balancer's group is not stale: the balancer holds it.
    assert!(!report["findings"].to_string().contains("is stale: peer group"), "{:#}", report["findings"]);
    let orphan = finding(&report, "unused-group", &s.id("held-orphan-sg")).expect("nothing holds the orphan");
    // moto's serverless-cache gap leaves membership incomplete: unconfirmed, naming what it could not list.
    assert_eq!((orphan["severity"].as_str(), orphan["confidence"].as_str()), (Some("info"), Some("unconfirmed")));
    assert!(
        orphan["message"].as_str().unwrap().contains("unless an ElastiCache serverless cache uses it"),
        "{orphan:#}"
    );
    assert!(orphan["remediation"]["commands"].to_string().contains("delete-security-group"));

    // The load balancer forwards what its listener takes (80) to its registered target only, on 8080.
    let ep = moto.endpoint.as_str();
    let reach = |from: &str, to: &str, port: &str| {
        let base = ["reach", "--endpoint-url", ep, "--region", "us-east-1", "--max-attempts", "2"];
        sgaudit(&[&base[..], &["--from", from, "--to", to, "--port", port, "--hops", "1"]].concat())
    };
    let (code, out, err) = reach("held-lb-sg", &s.id("held-app-eni"), "8080");
    assert_eq!(code, 0, "a path shown exists, gaps or not: {out}{err}");
    assert!(out.starts_with("REACHABLE"), "{out}{err}");
    let (_, out, _) = reach("held-lb-sg", &s.id("held-admin-eni"), "22");
    assert!(out.starts_with("NOT REACHABLE") && out.contains("only to its registered targets"), "{out}");
    // Nothing listens on 8443.
    let (_, out, _) = reach(&s.id("held-app-eni"), "held-lb-sg", "8443");
    assert!(out.starts_with("NOT REACHABLE") && out.contains("no listener for tcp/8443"), "{out}");
}
