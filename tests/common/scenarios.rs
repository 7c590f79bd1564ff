//! The demo architectures, created through the AWS SDK against a local endpoint. The same code seeds the
//! end-to-end tests and the recordings in `mocks/`.

use aws_sdk_ec2::types::{AddPrefixListEntry, IpPermission, IpRange, Ipv6Range, PrefixListId, UserIdGroupPair};
use std::collections::BTreeMap;

pub enum P<'a> {
    V4(&'a str),
    V6(&'a str),
    Sg(&'a str),
    Pl(&'a str),
}

/// One permission: protocol, port range (`-1, -1` for all), one peer.
pub fn perm(proto: &str, from: i32, to: i32, peer: P) -> IpPermission {
    let b = IpPermission::builder().ip_protocol(proto).from_port(from).to_port(to);
    match peer {
        P::V4(c) => b.ip_ranges(IpRange::builder().cidr_ip(c).build()),
        P::V6(c) => b.ipv6_ranges(Ipv6Range::builder().cidr_ipv6(c).build()),
        P::Sg(g) => b.user_id_group_pairs(UserIdGroupPair::builder().group_id(g).build()),
        P::Pl(p) => b.prefix_list_ids(PrefixListId::builder().prefix_list_id(p).build()),
    }
    .build()
}

/// Creates resources and remembers their IDs by name.
pub struct Seeder {
    pub ec2: aws_sdk_ec2::Client,
    pub rds: aws_sdk_rds::Client,
    pub ec: aws_sdk_elasticache::Client,
    pub redshift: aws_sdk_redshift::Client,
    pub opensearch: aws_sdk_opensearch::Client,
    pub memorydb: aws_sdk_memorydb::Client,
    pub autoscaling: aws_sdk_autoscaling::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
    /// The endpoint, for the calls made without an SDK client.
    pub endpoint: Option<String>,
    /// The access key the clients sign with (moto picks the account by it).
    pub access_key: String,
    pub ids: BTreeMap<String, String>,
}

impl Seeder {
    pub async fn new(endpoint: &str, region: &str) -> Seeder {
        let cfg = super::moto_config(endpoint, region).await;
        Seeder::from_config(&cfg, "testing")
    }

    /// A seeder working in `account`, through a role assumed there (moto keeps accounts apart by the
    /// credentials a role's session gets).
    pub async fn in_account(endpoint: &str, region: &str, account: &str) -> Seeder {
        Seeder::in_account_as(endpoint, region, account, "seeder").await
    }

    /// [`Seeder::in_account`] through the role `role` of that account.
    pub async fn in_account_as(endpoint: &str, region: &str, account: &str, role: &str) -> Seeder {
        let base = super::moto_config(endpoint, region).await;
        let creds = aws_sdk_sts::Client::new(&base)
            .assume_role()
            .role_arn(format!("arn:aws:iam::{account}:role/{role}"))
            .role_session_name("seeder")
            .send()
            .await
            .unwrap()
            .credentials
            .unwrap();
        let key = creds.access_key_id.clone();
        let cfg = base
            .to_builder()
            .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new(
                    creds.access_key_id,
                    creds.secret_access_key,
                    Some(creds.session_token),
                    None,
                    "seeder",
                ),
            ))
            .build();
        Seeder::from_config(&cfg, &key)
    }

    fn from_config(cfg: &aws_config::SdkConfig, access_key: &str) -> Seeder {
        Seeder {
            ec2: aws_sdk_ec2::Client::new(cfg),
            rds: aws_sdk_rds::Client::new(cfg),
            ec: aws_sdk_elasticache::Client::new(cfg),
            redshift: aws_sdk_redshift::Client::new(cfg),
            opensearch: aws_sdk_opensearch::Client::new(cfg),
            memorydb: aws_sdk_memorydb::Client::new(cfg),
            autoscaling: aws_sdk_autoscaling::Client::new(cfg),
            lambda: aws_sdk_lambda::Client::new(cfg),
            elbv2: aws_sdk_elasticloadbalancingv2::Client::new(cfg),
            endpoint: cfg.endpoint_url().map(str::to_string),
            access_key: access_key.to_string(),
            ids: BTreeMap::new(),
        }
    }

    pub fn id(&self, name: &str) -> String {
        self.ids.get(name).unwrap_or_else(|| panic!("no resource named {name}")).clone()
    }

    pub async fn vpc(&mut self, name: &str, cidr: &str) -> String {
        let out = self.ec2.create_vpc().cidr_block(cidr).send().await.unwrap();
        let id = out.vpc().unwrap().vpc_id().unwrap().to_string();
        self.ids.insert(name.into(), id.clone());
        id
    }

    pub async fn subnet(&mut self, name: &str, vpc: &str, cidr: &str, az: &str) -> String {
        let out = self.ec2.create_subnet().vpc_id(vpc).cidr_block(cidr).availability_zone(az).send().await.unwrap();
        let id = out.subnet().unwrap().subnet_id().unwrap().to_string();
        self.ids.insert(name.into(), id.clone());
        id
    }

    /// An internet gateway attached to the VPC.
    pub async fn internet_gateway(&mut self, name: &str, vpc: &str) -> String {
        let out = self.ec2.create_internet_gateway().send().await.unwrap();
        let id = out.internet_gateway().unwrap().internet_gateway_id().unwrap().to_string();
        self.ec2.attach_internet_gateway().internet_gateway_id(&id).vpc_id(vpc).send().await.unwrap();
        self.ids.insert(name.into(), id.clone());
        id
    }

    /// A route table sending 0.0.0.0/0 to `igw`, associated with `subnets`: what makes them public.
    pub async fn public_route_table(&mut self, name: &str, vpc: &str, igw: &str, subnets: &[&str]) -> String {
        let out = self.ec2.create_route_table().vpc_id(vpc).send().await.unwrap();
        let id = out.route_table().unwrap().route_table_id().unwrap().to_string();
        self.ec2
            .create_route()
            .route_table_id(&id)
            .destination_cidr_block("0.0.0.0/0")
            .gateway_id(igw)
            .send()
            .await
            .unwrap();
        for s in subnets {
            self.ec2.associate_route_table().route_table_id(&id).subnet_id(*s).send().await.unwrap();
        }
        self.ids.insert(name.into(), id.clone());
        id
    }

    /// Routes 0.0.0.0/0 in the VPC's main route table to `igw`, as in a default VPC: every subnet without a
    /// table of its own is public.
    pub async fn main_route_to(&mut self, vpc: &str, igw: &str) {
        let id = self.main_route_table(vpc).await;
        self.ec2
            .create_route()
            .route_table_id(&id)
            .destination_cidr_block("0.0.0.0/0")
            .gateway_id(igw)
            .send()
            .await
            .unwrap();
    }

    /// The VPC's main route table.
    pub async fn main_route_table(&self, vpc: &str) -> String {
        let out = self
            .ec2
            .describe_route_tables()
            .filters(aws_sdk_ec2::types::Filter::builder().name("vpc-id").values(vpc).build())
            .filters(aws_sdk_ec2::types::Filter::builder().name("association.main").values("true").build())
            .send()
            .await
            .unwrap();
        out.route_tables()[0].route_table_id().unwrap().to_string()
    }

    /// One entry of a network ACL: `ports` for TCP or UDP, none for every port.
    #[allow(clippy::too_many_arguments)]
    pub async fn network_acl_entry(
        &self,
        acl: &str,
        number: i32,
        egress: bool,
        action: aws_sdk_ec2::types::RuleAction,
        protocol: &str,
        cidr: &str,
        ports: Option<(i32, i32)>,
    ) {
        let mut b = self
            .ec2
            .create_network_acl_entry()
            .network_acl_id(acl)
            .rule_number(number)
            .egress(egress)
            .rule_action(action)
            .protocol(protocol)
            .cidr_block(cidr);
        if let Some((from, to)) = ports {
            b = b.port_range(aws_sdk_ec2::types::PortRange::builder().from(from).to(to).build());
        }
        b.send().await.unwrap();
    }

    /// Moves `subnet` from its current network ACL to `acl`.
    pub async fn associate_network_acl(&self, subnet: &str, acl: &str) {
        let current = self
            .ec2
            .describe_network_acls()
            .filters(aws_sdk_ec2::types::Filter::builder().name("association.subnet-id").values(subnet).build())
            .send()
            .await
            .unwrap();
        let association = current.network_acls()[0]
            .associations()
            .iter()
            .find(|a| a.subnet_id() == Some(subnet))
            .and_then(|a| a.network_acl_association_id())
            .unwrap()
            .to_string();
        self.ec2
            .replace_network_acl_association()
            .association_id(association)
            .network_acl_id(acl)
            .send()
            .await
            .unwrap();
    }

    pub async fn group(&mut self, name: &str, vpc: &str) -> String {
        let out = self
            .ec2
            .create_security_group()
            .group_name(name)
            .description(format!("{name} (sgaudit demo)"))
            .vpc_id(vpc)
            .send()
            .await
            .unwrap();
        let id = out.group_id().unwrap().to_string();
        self.ids.insert(name.into(), id.clone());
        id
    }

    /// The VPC's `default` group, with the self rule AWS gives it (moto omits that rule).
    pub async fn default_group(&mut self, name: &str, vpc: &str) -> String {
        let out = self
            .ec2
            .describe_security_groups()
            .filters(aws_sdk_ec2::types::Filter::builder().name("vpc-id").values(vpc).build())
            .filters(aws_sdk_ec2::types::Filter::builder().name("group-name").values("default").build())
            .send()
            .await
            .unwrap();
        let id = out.security_groups()[0].group_id().unwrap().to_string();
        self.ingress(&id, perm("-1", -1, -1, P::Sg(&id))).await;
        self.ids.insert(name.into(), id.clone());
        id
    }

    pub async fn ingress(&self, group: &str, p: IpPermission) {
        self.ec2.authorize_security_group_ingress().group_id(group).ip_permissions(p).send().await.unwrap();
    }

    pub async fn egress(&self, group: &str, p: IpPermission) {
        self.ec2.authorize_security_group_egress().group_id(group).ip_permissions(p).send().await.unwrap();
    }

    /// Removes the all-traffic egress rule every new group starts with.
    pub async fn no_default_egress(&self, group: &str) {
        self.ec2
            .revoke_security_group_egress()
            .group_id(group)
            .ip_permissions(perm("-1", -1, -1, P::V4("0.0.0.0/0")))
            .send()
            .await
            .unwrap();
    }

    pub async fn prefix_list(&mut self, name: &str, cidrs: &[&str]) -> String {
        let mut b = self.ec2.create_managed_prefix_list().prefix_list_name(name).max_entries(10).address_family("IPv4");
        for c in cidrs {
            b = b.entries(AddPrefixListEntry::builder().cidr(*c).description(name).build());
        }
        let out = b.send().await.unwrap();
        let id = out.prefix_list().unwrap().prefix_list_id().unwrap().to_string();
        self.ids.insert(name.into(), id.clone());
        id
    }

    /// A launch template whose only version names `groups`.
    pub async fn launch_template(&mut self, name: &str, groups: &[&str]) -> String {
        let mut data = aws_sdk_ec2::types::RequestLaunchTemplateData::builder().image_id("ami-12c6146b");
        for g in groups {
            data = data.security_group_ids(*g);
        }
        let out = self
            .ec2
            .create_launch_template()
            .launch_template_name(name)
            .launch_template_data(data.build())
            .send()
            .await
            .unwrap();
        let id = out.launch_template().unwrap().launch_template_id().unwrap().to_string();
        self.ids.insert(name.into(), id.clone());
        id
    }

    /// An auto-scaling group launching the template's default version, at `desired` instances.
    pub async fn auto_scaling_group(&mut self, name: &str, template: &str, subnets: &[&str], desired: i32) {
        self.autoscaling
            .create_auto_scaling_group()
            .auto_scaling_group_name(name)
            .launch_template(
                aws_sdk_autoscaling::types::LaunchTemplateSpecification::builder()
                    .launch_template_id(template)
                    .version("$Default")
                    .build(),
            )
            .min_size(0)
            .max_size(4)
            .desired_capacity(desired)
            .vpc_zone_identifier(subnets.join(","))
            .send()
            .await
            .unwrap();
        self.ids.insert(name.into(), name.into());
    }

    /// A Lambda function attached to the VPC (its execution role is created first: Lambda checks it exists).
    pub async fn lambda_function(&mut self, name: &str, subnets: &[&str], groups: &[&str]) {
        let endpoint = self.endpoint.clone().expect("an endpoint");
        let role = format!("{name}-role");
        let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let form: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("Action", "CreateRole")
            .append_pair("Version", "2010-05-08")
            .append_pair("RoleName", &role)
            .append_pair("AssumeRolePolicyDocument", policy)
            .finish();
        let (status, body) = super::moto_post_as(&endpoint, &self.access_key, "iam", "/", &form);
        assert_eq!(status, 200, "{body}");
        let account = body.split("arn:aws:iam::").nth(1).and_then(|r| r.split(':').next()).unwrap_or("123456789012");
        // The smallest valid zip archive: an empty one.
        let mut zip = b"PK\x05\x06".to_vec();
        zip.extend([0u8; 18]);
        let mut vpc = aws_sdk_lambda::types::VpcConfig::builder();
        for s in subnets {
            vpc = vpc.subnet_ids(*s);
        }
        for g in groups {
            vpc = vpc.security_group_ids(*g);
        }
        self.lambda
            .create_function()
            .function_name(name)
            .runtime(aws_sdk_lambda::types::Runtime::Python312)
            .handler("index.handler")
            .role(format!("arn:aws:iam::{account}:role/{role}"))
            .code(aws_sdk_lambda::types::FunctionCode::builder().zip_file(aws_smithy_types::Blob::new(zip)).build())
            .vpc_config(vpc.build())
            .send()
            .await
            .unwrap();
        self.ids.insert(name.into(), name.into());
    }

    /// A standalone interface (an ECS task, say).
    pub async fn eni(&mut self, name: &str, subnet: &str, groups: &[&str]) -> String {
        let mut b = self.ec2.create_network_interface().subnet_id(subnet).description(name);
        for g in groups {
            b = b.groups(*g);
        }
        let out = b.send().await.unwrap();
        let id = out.network_interface().unwrap().network_interface_id().unwrap().to_string();
        self.ids.insert(name.into(), id.clone());
        id
    }

    /// An EC2 instance; its primary interface is remembered as `NAME-eni`. With `public`, an Elastic IP.
    pub async fn instance(&mut self, name: &str, subnet: &str, groups: &[&str], public: bool) -> String {
        let mut b = self.ec2.run_instances().image_id("ami-12c6146b").min_count(1).max_count(1).subnet_id(subnet);
        for g in groups {
            b = b.security_group_ids(*g);
        }
        let out = b.send().await.unwrap();
        let inst = &out.instances()[0];
        let id = inst.instance_id().unwrap().to_string();
        let eni = inst.network_interfaces()[0].network_interface_id().unwrap().to_string();
        if public {
            let alloc = self.ec2.allocate_address().domain(aws_sdk_ec2::types::DomainType::Vpc).send().await.unwrap();
            self.ec2
                .associate_address()
                .allocation_id(alloc.allocation_id().unwrap())
                .network_interface_id(&eni)
                .send()
                .await
                .unwrap();
        }
        self.ids.insert(name.into(), id.clone());
        self.ids.insert(format!("{name}-eni"), eni);
        id
    }

    pub async fn rds_instance(&mut self, id: &str, engine: &str, port: i32, groups: &[&str], public: bool) {
        let mut b = self
            .rds
            .create_db_instance()
            .db_instance_identifier(id)
            .engine(engine)
            .db_instance_class("db.t3.micro")
            .allocated_storage(20)
            .master_username("admin")
            .master_user_password("demo-password-1")
            .port(port)
            .publicly_accessible(public);
        for g in groups {
            b = b.vpc_security_group_ids(*g);
        }
        b.send().await.unwrap();
    }

    pub async fn rds_cluster(&mut self, id: &str, engine: &str, port: i32, groups: &[&str]) {
        self.rds_cluster_in(id, engine, port, groups, None).await
    }

    /// A cluster in a DB subnet group (which gives it its VPC and subnets).
    pub async fn rds_cluster_in(&mut self, id: &str, engine: &str, port: i32, groups: &[&str], subnets: Option<&str>) {
        let mut b = self
            .rds
            .create_db_cluster()
            .db_cluster_identifier(id)
            .engine(engine)
            .master_username("admin")
            .master_user_password("demo-password-1")
            .set_db_subnet_group_name(subnets.map(str::to_string))
            .port(port);
        for g in groups {
            b = b.vpc_security_group_ids(*g);
        }
        b.send().await.unwrap();
    }

    pub async fn redis(&mut self, id: &str, groups: &[&str]) {
        let mut b = self
            .ec
            .create_replication_group()
            .replication_group_id(id)
            .replication_group_description(id)
            .engine("redis")
            .cache_node_type("cache.t3.micro")
            .num_cache_clusters(2);
        for g in groups {
            b = b.security_group_ids(*g);
        }
        b.send().await.unwrap();
    }

    pub async fn memcached(&mut self, id: &str, groups: &[&str]) {
        let mut b = self
            .ec
            .create_cache_cluster()
            .cache_cluster_id(id)
            .engine("memcached")
            .cache_node_type("cache.t3.micro")
            .num_cache_nodes(1);
        for g in groups {
            b = b.security_group_ids(*g);
        }
        b.send().await.unwrap();
    }
}

/// The tiered design: internet → ALB → frontend (3000) → backend (8080) → PostgreSQL (5432) and Redis (6379),
/// plus an analytics Aurora cluster on a non-default port, with deliberate flaws (see mocks/tiered/README.md).
pub async fn tiered(s: &mut Seeder) {
    let vpc = s.vpc("ielts-prod-vpc", "10.0.0.0/16").await;
    let public_a = s.subnet("public-a", &vpc, "10.0.0.0/24", "us-east-1a").await;
    let private_a = s.subnet("private-a", &vpc, "10.0.10.0/24", "us-east-1a").await;
    let private_b = s.subnet("private-b", &vpc, "10.0.11.0/24", "us-east-1b").await;
    let _default = s.default_group("default", &vpc).await;
    // public-a routes to the internet gateway; the private subnets keep the main table (local only).
    let igw = s.internet_gateway("ielts-prod-igw", &vpc).await;
    s.public_route_table("ielts-public-rt", &vpc, &igw, &[&public_a]).await;

    let alb = s.group("ielts-prod-alb-sg", &vpc).await;
    let fe = s.group("ielts-prod-ecs-fe-sg", &vpc).await;
    let be = s.group("ielts-prod-ecs-be-sg", &vpc).await;
    let rds = s.group("ielts-prod-rds-sg", &vpc).await;
    let redis = s.group("ielts-prod-redis-sg", &vpc).await;
    let analytics = s.group("ielts-analytics-sg", &vpc).await;
    let reporting = s.group("ielts-reporting-sg", &vpc).await;
    let legacy = s.group("ielts-legacy-bastion-sg", &vpc).await;
    let old_worker = s.group("ielts-old-worker-sg", &vpc).await;
    let sessions = s.group("ielts-sessions-sg", &vpc).await;
    let lambda = s.group("ielts-lambda-sg", &vpc).await;
    let etl = s.group("ielts-etl-sg", &vpc).await;
    let partners = s.prefix_list("ielts-partner-networks", &["10.20.0.0/16", "52.94.76.0/22"]).await;

    // The tiers, as the design intends.
    s.ingress(&alb, perm("tcp", 80, 80, P::V4("0.0.0.0/0"))).await;
    s.ingress(&alb, perm("tcp", 443, 443, P::V4("0.0.0.0/0"))).await;
    s.ingress(&alb, perm("tcp", 443, 443, P::V6("::/0"))).await;
    s.ingress(&fe, perm("tcp", 3000, 3000, P::Sg(&alb))).await;
    s.ingress(&be, perm("tcp", 8080, 8080, P::Sg(&alb))).await;
    s.ingress(&be, perm("tcp", 8080, 8080, P::Sg(&fe))).await;
    s.ingress(&rds, perm("tcp", 5432, 5432, P::Sg(&be))).await;
    s.ingress(&redis, perm("tcp", 6379, 6379, P::Sg(&be))).await;
    s.ingress(&analytics, perm("tcp", 6543, 6543, P::Sg(&be))).await;
    s.ingress(&sessions, perm("tcp", 6379, 6380, P::Sg(&be))).await;
    s.ingress(&rds, perm("tcp", 5432, 5432, P::Sg(&lambda))).await;

    // Flaw: a wide IPv6 range on the database group that contains 5432.
    s.ingress(&rds, perm("tcp", 5400, 5500, P::V6("::/0"))).await;
    // Flaw: a narrow rule hidden by a wider one (redundant).
    s.ingress(&rds, perm("tcp", 5432, 5432, P::V4("10.0.10.0/24"))).await;
    s.ingress(&rds, perm("tcp", 5000, 6000, P::V4("10.0.0.0/16"))).await;
    // Flaw: a prefix list whose second entry is public, on the Redis port.
    s.ingress(&redis, perm("tcp", 6379, 6379, P::Pl(&partners))).await;
    // Decoy: 5432 open to the world on a group whose cluster listens on 6543 (no exposure on 5432)...
    s.ingress(&analytics, perm("tcp", 5432, 5432, P::V4("0.0.0.0/0"))).await;
    // ...and a non-public range on the real port (shared address space, not the internet).
    s.ingress(&analytics, perm("tcp", 6543, 6543, P::V4("100.64.0.0/10"))).await;
    // Flaw: a self-hosted MongoDB on EC2 with all traffic open and a public address.
    s.ingress(&reporting, perm("-1", -1, -1, P::V4("0.0.0.0/0"))).await;
    // Flaw: the backend admits a bastion group that nothing uses any more.
    s.ingress(&legacy, perm("tcp", 22, 22, P::V4("0.0.0.0/0"))).await;
    s.ingress(&be, perm("tcp", 22, 22, P::Sg(&legacy))).await;
    // Flaw: the frontend admits a group that was deleted afterwards (stale reference).
    s.ingress(&fe, perm("tcp", 3000, 3000, P::Sg(&old_worker))).await;
    s.ec2.delete_security_group().group_id(&old_worker).send().await.unwrap();
    s.ids.remove("ielts-old-worker-sg");
    s.ids.insert("deleted-old-worker-sg".into(), old_worker);

    // Flaw: the reporting host (internet-facing, all traffic) reads the production database: a two-hop path.
    s.ingress(&rds, perm("tcp", 5432, 5432, P::Sg(&reporting))).await;
    // Flaw: PostgreSQL open to the world on an ETL worker that has an Elastic IP, but sits in a private subnet:
    // the rule half is open, the address half is not.
    s.ingress(&etl, perm("tcp", 5432, 5432, P::V4("0.0.0.0/0"))).await;
    // Flaw: the Lambda's egress was locked down to HTTPS, so the database's rule admitting it is half open.
    s.no_default_egress(&lambda).await;
    s.egress(&lambda, perm("tcp", 443, 443, P::V4("0.0.0.0/0"))).await;

    // Members.
    s.eni("ecs-frontend-task-1", &private_a, &[&fe]).await;
    s.eni("ecs-frontend-task-2", &private_b, &[&fe]).await;
    s.eni("ecs-backend-task-1", &private_a, &[&be]).await;
    s.eni("ecs-backend-task-2", &private_b, &[&be]).await;
    s.instance("reporting-mongo", &public_a, &[&reporting], true).await;
    s.instance("etl-worker", &private_a, &[&etl], true).await;
    s.rds_instance("ielts-prod-db", "postgres", 5432, &[&rds], false).await;
    s.rds_cluster("ielts-analytics", "aurora-postgresql", 6543, &[&analytics]).await;
    s.redis("ielts-prod-redis", &[&redis]).await;
    // Last, so that the resources above keep their IDs on a seeded moto.
    super::tiered_network::tiered_network(s).await;
}

/// The vprofile design: one shared backend group with a self-referencing all-traffic rule, holding MySQL,
/// Memcached and (as an interface) a RabbitMQ broker; Beanstalk's load balancer and app groups in front.
pub async fn vprofile(s: &mut Seeder) {
    let vpc = s.vpc("vprofile-vpc", "172.31.0.0/16").await;
    let a = s.subnet("subnet-a", &vpc, "172.31.0.0/20", "us-east-1a").await;
    let b = s.subnet("subnet-b", &vpc, "172.31.16.0/20", "us-east-1b").await;
    let default = s.default_group("default", &vpc).await;
    // Like a default VPC: the main route table sends 0.0.0.0/0 to the internet gateway.
    let igw = s.internet_gateway("vprofile-igw", &vpc).await;
    s.main_route_to(&vpc, &igw).await;

    let elb = s.group("vprofile-bean-elb-sg", &vpc).await;
    let app = s.group("vprofile-bean-app-sg", &vpc).await;
    let backend = s.group("vprofile-backend-sg", &vpc).await;
    let ops = s.group("vprofile-ops-sg", &vpc).await;

    s.ingress(&elb, perm("tcp", 80, 80, P::V4("0.0.0.0/0"))).await;
    s.ingress(&elb, perm("tcp", 443, 443, P::V4("0.0.0.0/0"))).await;
    s.ingress(&app, perm("tcp", 8080, 8080, P::Sg(&elb))).await;
    s.ingress(&app, perm("tcp", 22, 22, P::V4("203.0.113.0/24"))).await;
    // The design: backend trusts itself for everything, and the app tier on every port.
    s.ingress(&backend, perm("-1", -1, -1, P::Sg(&backend))).await;
    s.ingress(&backend, perm("-1", -1, -1, P::Sg(&app))).await;
    // Flaw: "temporary" debugging access to Memcached over IPv6 from anywhere, via all ports.
    s.ingress(&backend, perm("tcp", 0, 65535, P::V6("::/0"))).await;
    // Flaw: the ops group admits MySQL from a public partner range; nothing uses the ops group.
    s.ingress(&ops, perm("tcp", 3306, 3306, P::V4("198.51.0.0/16"))).await;
    // Egress locked down on the app tier: only the backend and HTTPS.
    s.no_default_egress(&app).await;
    s.egress(&app, perm("-1", -1, -1, P::Sg(&backend))).await;
    s.egress(&app, perm("tcp", 443, 443, P::V4("0.0.0.0/0"))).await;

    s.instance("vprofile-app-1", &a, &[&app], false).await;
    s.instance("vprofile-app-2", &b, &[&app], false).await;
    s.instance("vprofile-cron", &a, &[&default], false).await;
    s.eni("vprofile-rmq-broker", &a, &[&backend]).await;
    s.rds_instance("vprofile-rds-mysql", "mysql", 3306, &[&backend], true).await;
    s.memcached("vprofile-mc", &[&backend]).await;

    // Beanstalk's worker tier, scaled to zero between batches: its group has no interface today, and its
    // launch template and auto-scaling group need it at the next scale-out.
    let worker = s.group("vprofile-bean-worker-sg", &vpc).await;
    s.egress(&worker, perm("-1", -1, -1, P::Sg(&backend))).await;
    let lt = s.launch_template("vprofile-worker-lt", &[&worker]).await;
    s.auto_scaling_group("vprofile-worker-asg", &lt, &[&a, &b], 0).await;
    // A nightly report function in the VPC; idle, so its interfaces are gone.
    let report = s.group("vprofile-report-fn-sg", &vpc).await;
    s.lambda_function("vprofile-nightly-report", &[&a], &[&report]).await;
}

/// A shop: a web tier open to the internet on 443 (and, forgotten, on 22), a database admitting the web tier
/// and, from an old VPN range, 10.0.0.0/8 on 5432, and the web tier on 6379; a flow log on the VPC
/// delivering to the S3 bucket `shop-flow-logs` (created here). Remembers `shop-flow-log` and each host's
/// `-eni` and `-ip`.
#[allow(dead_code)]
pub async fn shop(s: &mut Seeder) {
    let endpoint = s.endpoint.clone().expect("a moto endpoint");
    super::moto_create_bucket(&endpoint, "shop-flow-logs");
    let vpc = s.vpc("shop-vpc", "10.20.0.0/16").await;
    let subnet = s.subnet("shop-app-a", &vpc, "10.20.1.0/24", "us-east-1a").await;
    let web = s.group("shop-web", &vpc).await;
    let db = s.group("shop-db", &vpc).await;
    s.ingress(&web, perm("tcp", 443, 443, P::V4("0.0.0.0/0"))).await;
    s.ingress(&web, perm("tcp", 22, 22, P::V4("0.0.0.0/0"))).await;
    s.ingress(&db, perm("tcp", 5432, 5432, P::Sg(&web))).await;
    s.ingress(&db, perm("tcp", 5432, 5432, P::V4("10.0.0.0/8"))).await;
    s.ingress(&db, perm("tcp", 6379, 6379, P::Sg(&web))).await;
    s.instance("shop-web-host", &subnet, &[&web], false).await;
    s.instance("shop-db-host", &subnet, &[&db], false).await;
    let out = s
        .ec2
        .create_flow_logs()
        .resource_type(aws_sdk_ec2::types::FlowLogsResourceType::Vpc)
        .resource_ids(&vpc)
        .traffic_type(aws_sdk_ec2::types::TrafficType::All)
        .log_destination_type(aws_sdk_ec2::types::LogDestinationType::S3)
        .log_destination("arn:aws:s3:::shop-flow-logs")
        .send()
        .await
        .unwrap();
    let flow_log = out.flow_log_ids().first().unwrap_or_else(|| panic!("{:?}", out.unsuccessful())).to_string();
    s.ids.insert("shop-flow-log".into(), flow_log);
    for host in ["shop-web-host", "shop-db-host"] {
        let eni = s.id(&format!("{host}-eni"));
        let out = s.ec2.describe_network_interfaces().network_interface_ids(eni).send().await.unwrap();
        let ip = out.network_interfaces()[0].private_ip_address().unwrap().to_string();
        s.ids.insert(format!("{host}-ip"), ip);
    }
}
