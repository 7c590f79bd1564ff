//! What holds a group without running, seeded on moto through the SDK: a launch template with an auto-scaling
//! group at zero, an ECS service at zero tasks, an idle Lambda function, an EKS cluster with a node group at
//! zero, and a load balancer (moto creates no interfaces for the last three). One group is held by nothing.
//!
//! The load balancer listens on 80 and forwards to one registered instance on 8080 (`held-app`); an admin host
//! admits the load balancer's group on 22 but is no target, so no path goes from the load balancer to it. The
//! load balancer's interface is made here, named as AWS names it (`ELB app/held-alb/…`).
//!
//! Four more groups are held by what runs now and then, with no interface between runs: a Batch compute
//! environment (Fargate, at rest between jobs, sent work by one job queue), a nightly EventBridge rule that
//! runs an ECS task, a CodeBuild project that builds in the VPC, and a Glue connection.

use super::scenarios::{perm, Seeder, P};

pub async fn holders(s: &mut Seeder) {
    let endpoint = s.endpoint.clone().expect("an endpoint");
    let cfg = super::moto_config(&endpoint, "us-east-1").await;
    let vpc = s.vpc("held-vpc", "10.40.0.0/16").await;
    let a = s.subnet("held-a", &vpc, "10.40.1.0/24", "us-east-1a").await;
    let b = s.subnet("held-b", &vpc, "10.40.2.0/24", "us-east-1b").await;
    let web = s.group("held-web-sg", &vpc).await;
    let task = s.group("held-task-sg", &vpc).await;
    let function = s.group("held-fn-sg", &vpc).await;
    let eks = s.group("held-eks-sg", &vpc).await;
    let lb = s.group("held-lb-sg", &vpc).await;
    let orphan = s.group("held-orphan-sg", &vpc).await;
    let app = s.group("held-app-sg", &vpc).await;
    let admin = s.group("held-admin-sg", &vpc).await;
    // The web tier admits the load balancer; the orphan admits nobody anyone uses.
    s.ingress(&web, perm("tcp", 8080, 8080, P::Sg(&lb))).await;
    s.ingress(&orphan, perm("tcp", 22, 22, P::V4("10.0.0.0/8"))).await;
    s.ingress(&app, perm("tcp", 8080, 8080, P::Sg(&lb))).await;
    s.ingress(&admin, perm("tcp", 22, 22, P::Sg(&lb))).await;

    let lt = s.launch_template("held-web-lt", &[&web]).await;
    s.auto_scaling_group("held-web-asg", &lt, &[&a, &b], 0).await;
    s.lambda_function("held-report", &[&a], &[&function]).await;

    let ecs = aws_sdk_ecs::Client::new(&cfg);
    ecs.create_cluster().cluster_name("held-cluster").send().await.unwrap();
    ecs.register_task_definition()
        .family("held-task")
        .network_mode(aws_sdk_ecs::types::NetworkMode::Awsvpc)
        .container_definitions(
            aws_sdk_ecs::types::ContainerDefinition::builder().name("app").image("app:1").memory(512).build(),
        )
        .send()
        .await
        .unwrap();
    let awsvpc = aws_sdk_ecs::types::AwsVpcConfiguration::builder().subnets(&a).security_groups(&task).build().unwrap();
    ecs.create_service()
        .cluster("held-cluster")
        .service_name("held-worker")
        .task_definition("held-task")
        .desired_count(0)
        .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
        .network_configuration(aws_sdk_ecs::types::NetworkConfiguration::builder().awsvpc_configuration(awsvpc).build())
        .send()
        .await
        .unwrap();

    let eksc = aws_sdk_eks::Client::new(&cfg);
    eksc.create_cluster()
        .name("held-eks")
        .role_arn("arn:aws:iam::123456789012:role/held-eks")
        .resources_vpc_config(
            aws_sdk_eks::types::VpcConfigRequest::builder()
                .subnet_ids(&a)
                .subnet_ids(&b)
                .security_group_ids(&eks)
                .build(),
        )
        .send()
        .await
        .unwrap();
    eksc.create_nodegroup()
        .cluster_name("held-eks")
        .nodegroup_name("held-nodes")
        .node_role("arn:aws:iam::123456789012:role/held-nodes")
        .subnets(&a)
        .scaling_config(
            aws_sdk_eks::types::NodegroupScalingConfig::builder().min_size(0).max_size(2).desired_size(0).build(),
        )
        .send()
        .await
        .unwrap();

    use aws_sdk_elasticloadbalancingv2::types as elb;
    let elbc = aws_sdk_elasticloadbalancingv2::Client::new(&cfg);
    let created = elbc
        .create_load_balancer()
        .name("held-alb")
        .subnets(&a)
        .subnets(&b)
        .security_groups(&lb)
        .scheme(elb::LoadBalancerSchemeEnum::Internal)
        .send()
        .await
        .unwrap();
    let lb_arn = created.load_balancers()[0].load_balancer_arn().unwrap().to_string();
    let key = lb_arn.split_once(":loadbalancer/").unwrap().1;
    s.eni(&format!("ELB {key}"), &a, &[&lb]).await;
    let tg = elbc
        .create_target_group()
        .name("held-app-tg")
        .protocol(elb::ProtocolEnum::Http)
        .port(8080)
        .vpc_id(&vpc)
        .target_type(elb::TargetTypeEnum::Instance)
        .send()
        .await
        .unwrap();
    let tg_arn = tg.target_groups()[0].target_group_arn().unwrap().to_string();
    elbc.create_listener()
        .load_balancer_arn(&lb_arn)
        .protocol(elb::ProtocolEnum::Http)
        .port(80)
        .default_actions(elb::Action::builder().r#type(elb::ActionTypeEnum::Forward).target_group_arn(&tg_arn).build())
        .send()
        .await
        .unwrap();
    let instance = s.instance("held-app", &b, &[&app], false).await;
    s.instance("held-admin", &b, &[&admin], false).await;
    elbc.register_targets()
        .target_group_arn(&tg_arn)
        .targets(elb::TargetDescription::builder().id(&instance).port(8080).build())
        .send()
        .await
        .unwrap();
    s.ids.insert("held-alb".into(), lb_arn);

    runs_now_and_then(s, &cfg, &vpc, &a).await;
}

async fn runs_now_and_then(s: &mut Seeder, cfg: &aws_config::SdkConfig, vpc: &str, subnet: &str) {
    let batch = s.group("held-batch-sg", vpc).await;
    let schedule = s.group("held-sched-sg", vpc).await;
    let build = s.group("held-build-sg", vpc).await;
    let glue = s.group("held-glue-sg", vpc).await;

    // Batch checks that the service role exists.
    let endpoint = s.endpoint.clone().expect("an endpoint");
    let form: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("Action", "CreateRole")
        .append_pair("Version", "2010-05-08")
        .append_pair("RoleName", "held-batch-role")
        .append_pair("AssumeRolePolicyDocument", r#"{"Version":"2012-10-17","Statement":[]}"#)
        .finish();
    let (status, body) = super::moto_post_as(&endpoint, &s.access_key, "iam", "/", &form);
    assert_eq!(status, 200, "{body}");
    let role = body.split("<Arn>").nth(1).and_then(|r| r.split('<').next()).expect("the role's ARN").to_string();
    let batchc = aws_sdk_batch::Client::new(cfg);
    let resources = aws_sdk_batch::types::ComputeResource::builder()
        .r#type(aws_sdk_batch::types::CrType::Fargate)
        .maxv_cpus(4)
        .subnets(subnet)
        .security_group_ids(&batch)
        .build();
    let env = batchc
        .create_compute_environment()
        .compute_environment_name("held-batch")
        .r#type(aws_sdk_batch::types::CeType::Managed)
        .state(aws_sdk_batch::types::CeState::Enabled)
        .compute_resources(resources)
        .service_role(role)
        .send()
        .await
        .unwrap();
    let order = aws_sdk_batch::types::ComputeEnvironmentOrder::builder()
        .order(1)
        .compute_environment(env.compute_environment_arn().unwrap())
        .build();
    let queue = batchc.create_job_queue().job_queue_name("held-queue").priority(1).compute_environment_order(order);
    let queue = queue.state(aws_sdk_batch::types::JqState::Enabled);
    queue.send().await.unwrap();

    let events = aws_sdk_eventbridge::Client::new(cfg);
    events.put_rule().name("held-nightly").schedule_expression("cron(0 3 * * ? *)").send().await.unwrap();
    use aws_sdk_eventbridge::types as ev;
    let network = ev::NetworkConfiguration::builder()
        .awsvpc_configuration(
            ev::AwsVpcConfiguration::builder().subnets(subnet).security_groups(&schedule).build().unwrap(),
        )
        .build();
    let ecs = ev::EcsParameters::builder()
        .task_definition_arn("arn:aws:ecs:us-east-1:123456789012:task-definition/held-report:1")
        .launch_type(ev::LaunchType::Fargate)
        .network_configuration(network)
        .build()
        .unwrap();
    let target = ev::Target::builder()
        .id("report")
        .arn("arn:aws:ecs:us-east-1:123456789012:cluster/held-cluster")
        .role_arn("arn:aws:iam::123456789012:role/held-events")
        .ecs_parameters(ecs)
        .build()
        .unwrap();
    events.put_targets().rule("held-nightly").targets(target).send().await.unwrap();

    use aws_sdk_codebuild::types as cb;
    aws_sdk_codebuild::Client::new(cfg)
        .create_project()
        .name("held-build")
        .source(cb::ProjectSource::builder().r#type(cb::SourceType::S3).location("held-src/app.zip").build().unwrap())
        .artifacts(cb::ProjectArtifacts::builder().r#type(cb::ArtifactsType::NoArtifacts).build().unwrap())
        .environment(
            cb::ProjectEnvironment::builder()
                .r#type(cb::EnvironmentType::LinuxContainer)
                .image("aws/codebuild/standard:7.0")
                .compute_type(cb::ComputeType::BuildGeneral1Small)
                .build()
                .unwrap(),
        )
        .service_role("arn:aws:iam::123456789012:role/held-build")
        .vpc_config(cb::VpcConfig::builder().vpc_id(vpc).subnets(subnet).security_group_ids(&build).build())
        .send()
        .await
        .unwrap();

    use aws_sdk_glue::types as gl;
    let requirements = gl::PhysicalConnectionRequirements::builder()
        .subnet_id(subnet)
        .security_group_id_list(&glue)
        .availability_zone("us-east-1a")
        .build();
    let input = gl::ConnectionInput::builder()
        .name("held-warehouse")
        .connection_type(gl::ConnectionType::Jdbc)
        .connection_properties(gl::ConnectionPropertyKey::JdbcConnectionUrl, "jdbc:postgresql://warehouse:5432/dw")
        .physical_connection_requirements(requirements)
        .build()
        .unwrap();
    aws_sdk_glue::Client::new(cfg).create_connection().connection_input(input).send().await.unwrap();
}
