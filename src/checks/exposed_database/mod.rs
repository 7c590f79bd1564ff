mod halves;
mod interfaces;

use super::db_ports::DatabasePort;
use super::{group_label, revoke_command, DATABASE_PORTS};
use crate::engine::{Body, Context, Evidence, Findings, Remediation, Resource, Severity};
use crate::model::{Datastore, ResourceKind, Role, Rule};
use halves::{verdict, Half, Verdict};
use interfaces::{check_interface, group_exposure, RuleExposure};
use ipnet::IpNet;
use rustc_hash::FxHashMap as HashMap;

declare_check! {
    /// ### What it does
    /// Finds databases and caches that the internet may reach through their security groups: an RDS instance or
    /// cluster (Aurora, DocumentDB and Neptune included), an RDS Proxy or proxy endpoint, or an ElastiCache
    /// cluster, replication group or serverless cache, one of whose groups has an ingress rule admitting a
    /// public source on the port the resource actually listens on. Also finds network interfaces that are not
    /// managed databases (EC2 instances, ECS tasks, EKS pods) whose groups admit public sources on well-known
    /// database ports, and the interfaces of datastore services whose own API is not read (MSK, DAX,
    /// Redshift, OpenSearch, MemoryDB) on those services' documented ports.
    ///
    /// A source is public when it contains any address outside private and reserved space (RFC 1918,
    /// 100.64.0.0/10, loopback, link-local, documentation and multicast blocks, `fc00::/7`, `fe80::/10`, ...)
    /// *and* outside every CIDR block of the account's VPCs in that region (primary and secondary, IPv4 and
    /// IPv6, public-range IPv4 blocks used as VPC CIDRs included) and of the VPCs actively peered with them. So
    /// `0.0.0.0/0`, `::/0` and `52.0.0.0/8` count, while the VPC's own IPv6 /56 does not: it admits the VPC,
    /// not the internet. A rule matches when its protocol is `tcp` or `-1` (all traffic) and its port range
    /// contains the port; prefix lists are expanded to their entries. The port is the one AWS reports, so a
    /// PostgreSQL database moved to 6543 is audited on 6543; a proxy listens on its engine family's port.
    ///
    /// Well-known ports checked on other interfaces (each from the engine's documentation): SQL Server 1433
    /// and 1434, Oracle 1521 and 2483-2484, ZooKeeper 2181, etcd 2379-2380, Firebird 3050, MySQL/MariaDB 3306
    /// and 33060, PostgreSQL 5432, YugabyteDB/Vertica 5433, Redshift 5439, CouchDB 5984, Redis/Valkey 6379
    /// and 16379, PgBouncer 6432, Cassandra 7000-7001, 7199, 9042 and 9160, Neo4j 7474 and 7687, InfluxDB
    /// 8086, Couchbase 8091-8096 and 11210, ClickHouse 8123, 9000 and 9440, Gremlin/Neptune 8182, ArangoDB
    /// 8529, Kafka 9092-9098, Elasticsearch/OpenSearch 9200 and 9300, Memcached 11211, CockroachDB 26257,
    /// MongoDB 27017-27019, RethinkDB 28015 and DB2 50000. Interfaces of load balancers, Lambda functions,
    /// NAT gateways, VPC endpoints, transit gateway attachments, EFS mount targets, the EKS control plane and
    /// the other services of the interface table are skipped: they host no database.
    ///
    /// An exposure has two halves, and the message says which are open. The *rule* half: an ingress rule
    /// admits a public source. The *address* half: the resource has a public address of the same family (an
    /// Elastic or auto-assigned IPv4 address, an IPv6 address, or for RDS `PubliclyAccessible`) in a subnet
    /// whose route table (its own, else the VPC's main table) sends replies to the admitted clients through an
    /// internet gateway. Routes are read as AWS evaluates them: the default route decides for the internet at
    /// large (to a NAT gateway, an egress-only gateway or a blackhole: closed; to a Gateway Load Balancer or
    /// Network Firewall endpoint: open through inspection), more specific routes to an internet gateway open
    /// the address only to clients in their destinations, and more specific routes elsewhere close it for
    /// theirs. For a database, the subnet is its own: that of its interfaces, else its subnet group's.
    ///
    /// With the address half open, the subnet's *network ACL* is the third half: some admitted public client
    /// must have its request allowed in on the port and the reply allowed out to its ephemeral port
    /// (1024-65535), entries read in rule-number order; the message quotes the entries, or the one that blocks.
    ///
    /// Each address family is decided on its own: an IPv4 client reaches only an IPv4 address, through the
    /// routes and ACL entries for IPv4, and the same for IPv6. A dual-stack resource is as exposed as its most
    /// open family, and when the open rules admit sources of both, the message says how each stands (`IPv4:
    /// open (…), but network ACL … blocks …; IPv6: open (…)`).
    ///
    /// Severity: critical when every half is open (route tables or ACLs that could not be read count as
    /// open); high when the address is reached only through an inspection endpoint (one step lower), when a
    /// network ACL blocks, or when only the rule half is open (no public address, no route to an internet
    /// gateway for the admitted clients, or a public address of the other family only).
    ///
    /// ### Why is this bad?
    /// A database reachable from the internet is exposed to password spraying, exploitation of engine
    /// vulnerabilities and data theft. Databases belong behind the application tier: only the groups of the
    /// services that use them should be admitted.
    ///
    /// ### Example
    /// ```text
    /// rds-sg ingress: tcp 0-65535 from 0.0.0.0/0      # a wide range that contains 5432
    /// rds-sg ingress: -1 from ::/0                    # all traffic over IPv6
    /// redis-sg ingress: tcp 6379 from pl-0a1b (office-and-vendor, includes 52.95.0.0/16)
    /// ```
    /// Use instead:
    /// ```text
    /// rds-sg ingress: tcp 5432 from sg-backend
    /// ```
    ///
    /// ### Remediation
    /// Revoke the rule (the finding gives the exact `aws ec2 revoke-security-group-ingress` command with the rule
    /// ID) and admit the application tier's security group on the database port instead. For RDS, also set
    /// `PubliclyAccessible` to false (`aws rds modify-db-instance --no-publicly-accessible`).
    pub EXPOSED_DATABASE,
    id: "exposed-database",
    title: "Database or cache reachable from public addresses",
    severity: High,
    run: check,
}

fn check(ctx: &Context, out: &mut Findings) {
    for d in &ctx.inventory.datastores {
        // Members of an RDS cluster or a replication group are reported once, on the parent.
        if !ctx.network.reported_on_parent(d) {
            check_datastore(ctx, d, out);
        }
    }
    // Each group's exposure is worked out once, on the first interface that carries it.
    let mut slot_of: HashMap<&str, usize> = HashMap::default();
    let mut exposures: Vec<Vec<RuleExposure>> = Vec::new();
    for eni in &ctx.inventory.interfaces {
        match eni.managed_by() {
            // A compute host: any well-known database port.
            None => {
                let slots: Vec<usize> = eni
                    .group_ids
                    .iter()
                    .map(|g| {
                        *slot_of.entry(g.as_str()).or_insert_with(|| {
                            exposures.push(group_exposure(ctx, g, DATABASE_PORTS));
                            exposures.len() - 1
                        })
                    })
                    .collect();
                if slots.iter().all(|&s| exposures[s].is_empty()) {
                    continue;
                }
                let groups: Vec<&[RuleExposure]> = slots.iter().map(|&s| exposures[s].as_slice()).collect();
                check_interface(ctx, eni, None, DATABASE_PORTS, &groups, out);
            }
            // A datastore service's interface that no collected datastore claims (MSK and DAX, whose APIs are
            // not read, or a resource whose describe call failed): the service's documented ports.
            Some(m)
                if m.role() == Role::Datastore && !ctx.network.is_attached(eni) && !m.default_ports().is_empty() =>
            {
                let table: Vec<DatabasePort> = m
                    .default_ports()
                    .iter()
                    .map(|&(from, to)| DatabasePort { from, to, engine: m.name(), source: "" })
                    .collect();
                let per_group: Vec<Vec<RuleExposure>> =
                    eni.group_ids.iter().map(|g| group_exposure(ctx, g, &table)).collect();
                let groups: Vec<&[RuleExposure]> = per_group.iter().map(Vec::as_slice).collect();
                check_interface(ctx, eni, Some(m), &table, &groups, out);
            }
            // Load balancers, functions and network plumbing host no database.
            Some(_) => {}
        }
    }
}

/// One admitting rule with the public networks it admits.
struct Opening<'a> {
    rule: &'a Rule,
    public: &'a [IpNet],
}

fn openings<'c>(ctx: &'c Context<'_>, group_ids: &[String], port: u16) -> Vec<Opening<'c>> {
    let mut found = Vec::new();
    for g in group_ids {
        for p in ctx.public_ingress(g) {
            if p.rule.admits_tcp(port) {
                found.push(Opening { rule: p.rule, public: &p.sources });
            }
        }
    }
    found
}

fn describe_source(o: &Opening) -> String {
    let nets = o.public.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    match &o.rule.peer {
        crate::model::Peer::PrefixList(id) => format!("prefix list {id} ({nets})"),
        _ => nets,
    }
}

fn evidence(ctx: &Context, o: &Opening, port: u16) -> Evidence {
    let rule = o.rule;
    Evidence::rule(
        rule,
        format!(
            "{} admits {} from {}, which covers tcp/{port}",
            group_label(ctx, &rule.group_id),
            rule.traffic(),
            describe_source(o)
        ),
    )
}

fn finding_parts(
    ctx: &Context,
    found: &[Opening],
    port: u16,
) -> (Vec<String>, Vec<String>, Vec<Evidence>, Vec<String>) {
    let mut group_ids: Vec<String> = found.iter().map(|o| o.rule.group_id.clone()).collect();
    group_ids.dedup();
    let rule_ids = found.iter().map(|o| o.rule.label()).collect();
    let evidence = found.iter().map(|o| evidence(ctx, o, port)).collect();
    let commands = found.iter().map(|o| revoke_command(o.rule)).collect();
    (group_ids, rule_ids, evidence, commands)
}

fn check_datastore(ctx: &Context, d: &Datastore, out: &mut Findings) {
    // The first port it answers on that a public rule admits (an OpenSearch domain: 443, then 80).
    let Some((port, found)) =
        d.ports().into_iter().map(|p| (p, openings(ctx, &d.group_ids, p))).find(|(_, f)| !f.is_empty())
    else {
        return;
    };
    // Aurora sets public accessibility per instance: a cluster is as reachable as its most reachable member.
    let public_members: Vec<&Datastore> = ctx
        .inventory
        .datastores
        .iter()
        .filter(|m| m.parent.as_deref() == Some(d.id.as_str()) && m.region == d.region && m.publicly_accessible)
        .collect();
    let sources: Vec<IpNet> = found.iter().flat_map(|o| o.public.iter().copied()).collect();
    let vpc = d.vpc_id.as_deref();
    let ports = [(port, port)];
    let mut v = verdict(ctx, &d.region, vpc, &ports, &sources, &ctx.network.datastore_exposure(d));
    for m in &public_members {
        if v.half == Half::Closed {
            let mv = verdict(ctx, &d.region, vpc, &ports, &sources, &ctx.network.datastore_exposure(m));
            v = Verdict { text: format!("its member {}: {}", m.id, mv.text), ..mv };
        }
    }
    let (half, acl_text) = (v.half, v.acl_suffix());
    let open = half != Half::Closed && !v.acl.is_blocked();
    let severity = if half == Half::Open && open { Severity::Critical } else { Severity::High };
    let (acl, address) = (&v.acl, &v.text);
    let (group_ids, rule_ids, evidence, mut commands) = finding_parts(ctx, &found, port);
    let sources: Vec<String> = found.iter().map(describe_source).collect();
    let reach = if half != Half::Closed && acl.is_blocked() && v.per_family {
        format!("address half open ({address}), so the internet cannot connect while those entries stand")
    } else if half != Half::Closed && acl.is_blocked() {
        format!("address half open ({address}), but {acl}, so the internet cannot connect while that entry stands")
    } else if half == Half::Inspected {
        format!(
            "address half open through inspection, so the internet can connect if the inspection lets it: \
             {address}{acl_text}"
        )
    } else if open {
        format!("address half open too, so the internet can connect now: {address}{acl_text}")
    } else if !d.publicly_accessible && public_members.is_empty() {
        let why = match d.kind {
            k if k.can_be_public() => "it is not publicly accessible",
            ResourceKind::RdsProxy | ResourceKind::RdsProxyEndpoint => "RDS Proxy is never publicly accessible",
            k if k.is_rds() => "DocumentDB and Neptune have no public endpoints",
            ResourceKind::OpensearchDomain => "a VPC domain has no public endpoint",
            ResourceKind::MemorydbCluster => "MemoryDB has no public endpoint",
            _ => "ElastiCache has no public endpoint",
        };
        format!("address half closed ({why}), so only this rule and the network path stand in the way")
    } else {
        format!("address half closed ({address}), so only this rule and the network path stand in the way")
    };
    let message = format!(
        "{} {} ({} on port {port}) admits {} on tcp/{port} through {} (rule half open); {reach}",
        d.kind,
        d.id,
        d.engine,
        sources.join(", "),
        found.iter().map(|o| o.rule.label()).collect::<Vec<_>>().join(", "),
    );
    let instances: Vec<&str> = if d.kind == ResourceKind::RdsInstance && d.publicly_accessible {
        vec![d.id.as_str()]
    } else {
        public_members.iter().map(|m| m.id.as_str()).collect()
    };
    for id in instances {
        commands.push(format!(
            "aws rds modify-db-instance --region {} --db-instance-identifier {id} --no-publicly-accessible --apply-immediately",
            d.region
        ));
    }
    match (d.kind, d.publicly_accessible) {
        (ResourceKind::RedshiftCluster, true) => commands.push(format!(
            "aws redshift modify-cluster --region {} --cluster-identifier {} --no-publicly-accessible",
            d.region, d.id
        )),
        (ResourceKind::RedshiftServerless, true) => commands.push(format!(
            "aws redshift-serverless update-workgroup --region {} --workgroup-name {} --no-publicly-accessible",
            d.region, d.id
        )),
        _ => {}
    }
    if d.kind == ResourceKind::RdsCluster && d.publicly_accessible {
        commands.push(format!(
            "aws rds modify-db-cluster --region {} --db-cluster-identifier {} --no-publicly-accessible --apply-immediately",
            d.region, d.id
        ));
    }
    out.report(Body {
        severity,
        region: d.region.clone(),
        resource: Resource { kind: d.kind, id: d.id.clone(), name: Some(d.engine.clone()) },
        group_ids,
        rule_ids,
        message,
        evidence,
        remediation: Remediation {
            summary: format!(
                "Revoke the public rule(s) and admit only the application tier's security group on tcp/{port}."
            ),
            commands,
        },
        confidence: None,
    });
}
