//! The data-platform design: a dual-stack VPC with a Redshift warehouse, a public-facing Redshift cluster for
//! a BI vendor, an OpenSearch log domain, an RDS Proxy in front of Aurora PostgreSQL, a Neptune graph, a
//! MemoryDB feature store and (as interfaces only) an MSK cluster; ETL workers and a bastion. Deliberate flaws
//! and traps that must stay silent are listed in mocks/dataplatform/README.md.

use super::scenarios::{perm, Seeder, P};

impl Seeder {
    /// A VPC with an Amazon-provided IPv6 /56; returns its ID and that block.
    pub async fn dual_stack_vpc(&mut self, name: &str, cidr: &str) -> (String, String) {
        let out = self.ec2.create_vpc().cidr_block(cidr).amazon_provided_ipv6_cidr_block(true).send().await.unwrap();
        let vpc = out.vpc().unwrap();
        let id = vpc.vpc_id().unwrap().to_string();
        let v6 = vpc.ipv6_cidr_block_association_set()[0].ipv6_cidr_block().unwrap().to_string();
        self.ids.insert(name.into(), id.clone());
        self.ids.insert(format!("{name}-ipv6"), v6.clone());
        (id, v6)
    }

    /// Adds `::/0` through `igw` to a route table.
    pub async fn ipv6_default_route(&self, table: &str, igw: &str) {
        self.ec2
            .create_route()
            .route_table_id(table)
            .destination_ipv6_cidr_block("::/0")
            .gateway_id(igw)
            .send()
            .await
            .unwrap();
    }

    pub async fn db_subnet_group(&self, name: &str, subnets: &[&str]) {
        let mut b = self.rds.create_db_subnet_group().db_subnet_group_name(name).db_subnet_group_description(name);
        for s in subnets {
            b = b.subnet_ids(*s);
        }
        b.send().await.unwrap();
    }

    pub async fn redshift_cluster(&self, id: &str, port: i32, public: bool, subnets: &[&str], groups: &[&str]) {
        let group = format!("{id}-subnets");
        let mut g = self.redshift.create_cluster_subnet_group().cluster_subnet_group_name(&group).description(&group);
        for s in subnets {
            g = g.subnet_ids(*s);
        }
        g.send().await.unwrap();
        let mut b = self
            .redshift
            .create_cluster()
            .cluster_identifier(id)
            .node_type("ra3.xlplus")
            .master_username("admin")
            .master_user_password("DemoPassword1")
            .port(port)
            .publicly_accessible(public)
            .cluster_subnet_group_name(&group);
        for s in groups {
            b = b.vpc_security_group_ids(*s);
        }
        b.send().await.unwrap();
    }

    pub async fn opensearch_domain(&self, name: &str, subnets: &[&str], groups: &[&str]) {
        let vpc = aws_sdk_opensearch::types::VpcOptions::builder()
            .set_subnet_ids(Some(subnets.iter().map(|s| s.to_string()).collect()))
            .set_security_group_ids(Some(groups.iter().map(|s| s.to_string()).collect()))
            .build();
        let https = aws_sdk_opensearch::types::DomainEndpointOptions::builder().enforce_https(true).build();
        self.opensearch
            .create_domain()
            .domain_name(name)
            .vpc_options(vpc)
            .domain_endpoint_options(https)
            .send()
            .await
            .unwrap();
    }

    /// A domain with a public endpoint (no VPC options): no security group applies to it.
    pub async fn public_opensearch_domain(&self, name: &str) {
        self.opensearch.create_domain().domain_name(name).send().await.unwrap();
    }

    pub async fn memorydb_cluster(&self, name: &str, subnets: &[&str], groups: &[&str]) {
        let group = format!("{name}-subnets");
        let mut g = self.memorydb.create_subnet_group().subnet_group_name(&group);
        for s in subnets {
            g = g.subnet_ids(*s);
        }
        g.send().await.unwrap();
        let mut b = self
            .memorydb
            .create_cluster()
            .cluster_name(name)
            .node_type("db.t4g.small")
            .acl_name("open-access")
            .subnet_group_name(&group);
        for s in groups {
            b = b.security_group_ids(*s);
        }
        b.send().await.unwrap();
    }

    pub async fn rds_proxy(&self, name: &str, engine_family: &str, subnets: &[&str], groups: &[&str]) {
        let auth = aws_sdk_rds::types::UserAuthConfig::builder()
            .auth_scheme(aws_sdk_rds::types::AuthScheme::Secrets)
            .secret_arn("arn:aws:secretsmanager:us-east-1:123456789012:secret:dp-aurora-admin")
            .build();
        let mut b = self
            .rds
            .create_db_proxy()
            .db_proxy_name(name)
            .engine_family(aws_sdk_rds::types::EngineFamily::from(engine_family))
            .auth(auth)
            .role_arn("arn:aws:iam::123456789012:role/dp-proxy");
        for s in subnets {
            b = b.vpc_subnet_ids(*s);
        }
        for g in groups {
            b = b.vpc_security_group_ids(*g);
        }
        b.send().await.unwrap();
    }
}

pub async fn dataplatform(s: &mut Seeder) {
    let (vpc, v6) = s.dual_stack_vpc("dp-vpc", "10.40.0.0/16").await;
    let public_a = s.subnet("dp-public-a", &vpc, "10.40.0.0/24", "us-east-1a").await;
    let private_a = s.subnet("dp-private-a", &vpc, "10.40.10.0/24", "us-east-1a").await;
    let private_b = s.subnet("dp-private-b", &vpc, "10.40.11.0/24", "us-east-1b").await;
    let _default = s.default_group("default", &vpc).await;
    let igw = s.internet_gateway("dp-igw", &vpc).await;
    let rt = s.public_route_table("dp-public-rt", &vpc, &igw, &[&public_a]).await;
    s.ipv6_default_route(&rt, &igw).await;

    let bastion = s.group("dp-bastion-sg", &vpc).await;
    let etl = s.group("dp-etl-sg", &vpc).await;
    let warehouse = s.group("dp-warehouse-sg", &vpc).await;
    let bi = s.group("dp-bi-sg", &vpc).await;
    let search = s.group("dp-search-sg", &vpc).await;
    let proxy = s.group("dp-proxy-sg", &vpc).await;
    let aurora = s.group("dp-aurora-sg", &vpc).await;
    let graph = s.group("dp-graph-sg", &vpc).await;
    let features = s.group("dp-features-sg", &vpc).await;
    let msk = s.group("dp-msk-sg", &vpc).await;
    let endpoints = s.group("dp-endpoints-sg", &vpc).await;

    // The design.
    s.ingress(&bastion, perm("tcp", 22, 22, P::V4("0.0.0.0/0"))).await;
    s.ingress(&bastion, perm("tcp", 22, 22, P::V6("::/0"))).await;
    s.ingress(&warehouse, perm("tcp", 5439, 5439, P::Sg(&etl))).await;
    s.ingress(&search, perm("tcp", 443, 443, P::Sg(&etl))).await;
    s.ingress(&proxy, perm("tcp", 5432, 5432, P::Sg(&etl))).await;
    s.ingress(&aurora, perm("tcp", 5432, 5432, P::Sg(&proxy))).await;
    s.ingress(&graph, perm("tcp", 8182, 8182, P::Sg(&etl))).await;
    s.ingress(&features, perm("tcp", 6379, 6379, P::Sg(&etl))).await;
    s.ingress(&msk, perm("tcp", 9092, 9098, P::Sg(&etl))).await;
    s.ingress(&endpoints, perm("tcp", 443, 443, P::V4("10.40.0.0/16"))).await;

    // Traps that must stay silent. The warehouse admits the VPC's own IPv6 /56 (internal, however public the
    // range looks) and the proxy the VPC's IPv4 block.
    s.ingress(&warehouse, perm("tcp", 5439, 5439, P::V6(&v6))).await;
    s.ingress(&proxy, perm("tcp", 5432, 5432, P::V4("10.40.0.0/16"))).await;
    // The bastion answers ping: ICMP echo is not a database port.
    s.ingress(&bastion, perm("icmp", 8, -1, P::V4("0.0.0.0/0"))).await;
    // The VPC endpoints' group is open to the world on 443 and 9200: an endpoint hosts no database.
    s.ingress(&endpoints, perm("tcp", 443, 443, P::V4("0.0.0.0/0"))).await;
    s.ingress(&endpoints, perm("tcp", 9200, 9200, P::V4("0.0.0.0/0"))).await;
    // A managed OpenSearch domain answers on 443 only: 9200 open to the world reaches nothing.
    s.ingress(&search, perm("tcp", 9200, 9200, P::V4("0.0.0.0/0"))).await;

    // Flaws. The BI vendor's Redshift cluster: publicly accessible in the public subnet, on a non-default
    // port inside a wide public range.
    s.ingress(&bi, perm("tcp", 5000, 6000, P::V4("0.0.0.0/0"))).await;
    // The log domain admits all of IPv6 on HTTPS.
    s.ingress(&search, perm("tcp", 443, 443, P::V6("::/0"))).await;
    // The MSK brokers' IAM port opened to the world "for a partner".
    s.ingress(&msk, perm("tcp", 9098, 9098, P::V4("0.0.0.0/0"))).await;

    // Members.
    s.instance("dp-bastion", &public_a, &[&bastion], true).await;
    s.eni("dp-etl-worker-1", &private_a, &[&etl]).await;
    s.eni("dp-etl-worker-2", &private_b, &[&etl]).await;
    s.redshift_cluster("dp-warehouse", 5439, false, &[&private_a, &private_b], &[&warehouse]).await;
    s.redshift_cluster("dp-bi", 5440, true, &[&public_a], &[&bi]).await;
    s.opensearch_domain("dp-logs", &[&private_a], &[&search]).await;
    // The marketing team's domain has a public endpoint: its access policy, not a group, decides.
    s.public_opensearch_domain("dp-marketing-search").await;
    s.db_subnet_group("dp-aurora-subnets", &[&private_a, &private_b]).await;
    s.rds_cluster_in("dp-aurora", "aurora-postgresql", 5432, &[&aurora], Some("dp-aurora-subnets")).await;
    s.rds_proxy("dp-proxy", "POSTGRESQL", &[&private_a, &private_b], &[&proxy]).await;
    s.rds_cluster_in("dp-graph", "neptune", 8182, &[&graph], Some("dp-aurora-subnets")).await;
    s.memorydb_cluster("dp-features", &[&private_a, &private_b], &[&features]).await;
}
