//! What moto 5.2 cannot return, written into a fresh recording in the shape real AWS returns it.
//! Each patch is listed in mocks/README.md. Everything else in a recording is moto's own response.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

pub struct CacheCluster<'a> {
    pub id: &'a str,
    pub engine: &'a str,
    pub replication_group: Option<&'a str>,
    pub groups: Vec<String>,
    pub port: u16,
}

/// A requester-managed interface, by names the seeder knows: `(id, subnet, group, interface type, requester,
/// description, private IP)`.
pub type ManagedEni<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, &'a str, &'a str);

pub struct Serverless<'a> {
    pub name: &'a str,
    pub engine: &'a str,
    pub groups: Vec<String>,
    pub subnets: Vec<String>,
}

fn index(dir: &Path) -> Value {
    serde_json::from_str(&super::read(&dir.join("index.json"))).unwrap()
}

fn save_index(dir: &Path, v: &Value) {
    std::fs::write(dir.join("index.json"), serde_json::to_string_pretty(v).unwrap() + "\n").unwrap();
}

fn entry_file(dir: &Path, region: &str, operation: &str) -> std::path::PathBuf {
    let idx = index(dir);
    let e = idx["responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["region"] == region && e["operation"] == operation)
        .unwrap_or_else(|| panic!("no {operation} in {region}"));
    dir.join(e["file"].as_str().unwrap())
}

fn set_status(dir: &Path, region: &str, operation: &str, status: u16) {
    let mut idx = index(dir);
    for e in idx["responses"].as_array_mut().unwrap() {
        if e["region"] == region && e["operation"] == operation {
            e["status"] = status.into();
        }
    }
    save_index(dir, &idx);
}

/// DescribeCacheClusters: moto drops `SecurityGroups` and replication-group members; real AWS lists both.
pub fn cache_clusters(dir: &Path, region: &str, clusters: &[CacheCluster]) {
    let mut xml = String::from(
        "<DescribeCacheClustersResponse xmlns=\"http://elasticache.amazonaws.com/doc/2015-02-02/\"><DescribeCacheClustersResult><CacheClusters>",
    );
    for c in clusters {
        let rg =
            c.replication_group.map(|r| format!("<ReplicationGroupId>{r}</ReplicationGroupId>")).unwrap_or_default();
        let sgs: String = c
            .groups
            .iter()
            .map(|g| format!("<member><SecurityGroupId>{g}</SecurityGroupId><Status>active</Status></member>"))
            .collect();
        let host = format!("{}.abc123.use1.cache.amazonaws.com", c.id);
        let config_ep = if c.engine == "memcached" {
            format!("<ConfigurationEndpoint><Address>{host}</Address><Port>{}</Port></ConfigurationEndpoint>", c.port)
        } else {
            String::new()
        };
        xml.push_str(&format!(
            "<CacheCluster><CacheClusterId>{id}</CacheClusterId>{config_ep}<CacheNodeType>cache.t3.micro</CacheNodeType><Engine>{engine}</Engine><CacheClusterStatus>available</CacheClusterStatus><NumCacheNodes>1</NumCacheNodes><CacheNodes><CacheNode><CacheNodeId>0001</CacheNodeId><CacheNodeStatus>available</CacheNodeStatus><Endpoint><Address>{host}</Address><Port>{port}</Port></Endpoint></CacheNode></CacheNodes><SecurityGroups>{sgs}</SecurityGroups>{rg}<CacheSubnetGroupName>default</CacheSubnetGroupName><ARN>arn:aws:elasticache:{region}:123456789012:cluster:{id}</ARN></CacheCluster>",
            id = c.id,
            engine = c.engine,
            port = c.port,
        ));
    }
    xml.push_str("</CacheClusters></DescribeCacheClustersResult><ResponseMetadata><RequestId>recorded</RequestId></ResponseMetadata></DescribeCacheClustersResponse>");
    std::fs::write(entry_file(dir, region, "DescribeCacheClusters"), xml).unwrap();
}

/// DescribeServerlessCaches: moto answers HTTP 500 NotImplemented.
pub fn serverless_caches(dir: &Path, region: &str, caches: &[Serverless]) {
    let mut xml = String::from(
        "<DescribeServerlessCachesResponse xmlns=\"http://elasticache.amazonaws.com/doc/2015-02-02/\"><DescribeServerlessCachesResult><ServerlessCaches>",
    );
    for c in caches {
        let sgs: String = c.groups.iter().map(|g| format!("<SecurityGroupId>{g}</SecurityGroupId>")).collect();
        let subnets: String = c.subnets.iter().map(|g| format!("<SubnetId>{g}</SubnetId>")).collect();
        xml.push_str(&format!(
            "<member><ServerlessCacheName>{name}</ServerlessCacheName><Status>available</Status><Engine>{engine}</Engine><MajorEngineVersion>8</MajorEngineVersion><SecurityGroupIds>{sgs}</SecurityGroupIds><Endpoint><Address>{name}-abc123.serverless.use1.cache.amazonaws.com</Address><Port>6379</Port></Endpoint><ReaderEndpoint><Address>{name}-abc123.serverless.use1.cache.amazonaws.com</Address><Port>6380</Port></ReaderEndpoint><ARN>arn:aws:elasticache:{region}:123456789012:serverlesscache:{name}</ARN><SubnetIds>{subnets}</SubnetIds></member>",
            name = c.name,
            engine = c.engine,
        ));
    }
    xml.push_str("</ServerlessCaches></DescribeServerlessCachesResult><ResponseMetadata><RequestId>recorded</RequestId></ResponseMetadata></DescribeServerlessCachesResponse>");
    std::fs::write(entry_file(dir, region, "DescribeServerlessCaches"), xml).unwrap();
    set_status(dir, region, "DescribeServerlessCaches", 200);
}

/// DescribeDBProxyEndpoints: moto 5.2 answers HTTP 500; the scenarios create no proxy endpoints, so AWS would
/// answer with an empty list.
pub fn proxy_endpoints(dir: &Path, region: &str) {
    let xml = "<DescribeDBProxyEndpointsResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\"><DescribeDBProxyEndpointsResult><DBProxyEndpoints/></DescribeDBProxyEndpointsResult><ResponseMetadata><RequestId>recorded</RequestId></ResponseMetadata></DescribeDBProxyEndpointsResponse>";
    std::fs::write(entry_file(dir, region, "DescribeDBProxyEndpoints"), xml).unwrap();
    set_status(dir, region, "DescribeDBProxyEndpoints", 200);
}

/// DescribeSecurityGroupReferences: moto 5.2 does not serve it; the body is AWS's answer when no rule of the
/// peered VPCs references the groups asked about.
#[allow(dead_code)]
pub fn no_security_group_references(dir: &Path, region: &str) {
    let xml = "<DescribeSecurityGroupReferencesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>recorded</requestId><securityGroupReferenceSet/></DescribeSecurityGroupReferencesResponse>";
    std::fs::write(entry_file(dir, region, "DescribeSecurityGroupReferences"), xml).unwrap();
    set_status(dir, region, "DescribeSecurityGroupReferences", 200);
}

/// A Redshift Serverless workgroup, as ListWorkgroups returns it.
#[allow(dead_code)]
pub struct Workgroup {
    pub name: &'static str,
    pub port: u16,
    pub publicly_accessible: bool,
    pub groups: Vec<String>,
    pub subnets: Vec<String>,
}

/// ListWorkgroups: moto 5.2 does not serve Redshift Serverless; the body is what AWS sends.
pub fn serverless_workgroups(dir: &Path, region: &str, workgroups: &[Workgroup]) {
    let list: Vec<Value> = workgroups
        .iter()
        .map(|w| {
            serde_json::json!({
                "workgroupName": w.name,
                "workgroupId": "00000000-0000-4000-8000-000000000000",
                "workgroupArn": format!("arn:aws:redshift-serverless:{region}:123456789012:workgroup/{}", w.name),
                "namespaceName": format!("{}-ns", w.name),
                "baseCapacity": 8,
                "port": w.port,
                "publiclyAccessible": w.publicly_accessible,
                "securityGroupIds": w.groups,
                "subnetIds": w.subnets,
                "status": "AVAILABLE",
                "endpoint": { "address": format!("{}.123456789012.{region}.redshift-serverless.amazonaws.com", w.name), "port": w.port },
            })
        })
        .collect();
    let body = serde_json::json!({ "workgroups": list });
    std::fs::write(entry_file(dir, region, "ListWorkgroups"), body.to_string()).unwrap();
    set_status(dir, region, "ListWorkgroups", 200);
}

/// DescribeNetworkInterfaces: moto creates no interfaces for RDS, ElastiCache, load balancers or Lambda.
pub fn managed_interfaces(dir: &Path, region: &str, seeder: &super::scenarios::Seeder, vpc: &str, enis: &[ManagedEni]) {
    let vpc = seeder.id(vpc);
    let path = entry_file(dir, region, "DescribeNetworkInterfaces");
    let xml = super::read(&path);
    let mut items = String::new();
    for &(id, subnet, group, ty, req, desc, ip) in enis {
        let (subnet, group) = (seeder.id(subnet), seeder.id(group));
        let groups = format!("<item><groupId>{group}</groupId><groupName>{group}</groupName></item>");
        items.push_str(&format!(
            "<item><availabilityZone>{region}a</availabilityZone><description>{desc}</description><groupSet>{groups}</groupSet><interfaceType>{ty}</interfaceType><ipv6AddressesSet/><networkInterfaceId>{id}</networkInterfaceId><ownerId>123456789012</ownerId><privateIpAddress>{ip}</privateIpAddress><privateIpAddressesSet><item><primary>true</primary><privateIpAddress>{ip}</privateIpAddress></item></privateIpAddressesSet><requesterId>{req}</requesterId><requesterManaged>true</requesterManaged><sourceDestCheck>true</sourceDestCheck><status>in-use</status><subnetId>{subnet}</subnetId><tagSet/><vpcId>{vpc}</vpcId></item>",
        ));
    }
    let xml = if xml.contains("<networkInterfaceSet/>") {
        xml.replace("<networkInterfaceSet/>", &format!("<networkInterfaceSet>{items}</networkInterfaceSet>"))
    } else {
        xml.replace("</networkInterfaceSet>", &format!("{items}</networkInterfaceSet>"))
    };
    std::fs::write(path, xml).unwrap();
}

/// Public addresses of requester-managed interfaces (an internet-facing load balancer's).
pub fn managed_public_ips(dir: &Path, region: &str, ips: &[(&str, &str)]) {
    let path = entry_file(dir, region, "DescribeNetworkInterfaces");
    let mut xml = super::read(&path);
    for (eni, ip) in ips {
        let anchor = format!("<networkInterfaceId>{eni}</networkInterfaceId>");
        assert!(xml.contains(&anchor), "no interface {eni}");
        let dns = format!("ec2-{}.compute-1.amazonaws.com", ip.replace('.', "-"));
        xml = xml.replace(
            &anchor,
            &format!("<association><ipOwnerId>amazon</ipOwnerId><publicDnsName>{dns}</publicDnsName><publicIp>{ip}</publicIp></association>{anchor}"),
        );
    }
    std::fs::write(path, xml).unwrap();
}

/// Splits the top-level `<item>`s of `set` into pages of `size`, chained with `nextToken`, as AWS paginates.
/// moto never paginates; real accounts with more than one page do.
pub fn paginate_ec2(dir: &Path, region: &str, operation: &str, set: &str, size: usize) {
    let path = entry_file(dir, region, operation);
    let xml = super::read(&path);
    let open = format!("<{set}>");
    let close = format!("</{set}>");
    let start = xml.find(&open).expect("set element") + open.len();
    let end = xml.rfind(&close).expect("set end");
    let (head, body, tail) = (&xml[..start], &xml[start..end], &xml[end..]);
    let items = top_level_items(body);
    let pages: Vec<&[String]> = items.chunks(size).collect();
    if pages.len() < 2 {
        return;
    }
    let mut idx = index(dir);
    let responses = idx["responses"].as_array_mut().unwrap();
    let pos = responses.iter().position(|e| e["region"] == region && e["operation"] == operation).unwrap();
    let template = responses.remove(pos);
    for (n, page) in pages.iter().enumerate() {
        let next = if n + 1 < pages.len() {
            format!("<nextToken>{operation}-page-{}</nextToken>", n + 2)
        } else {
            String::new()
        };
        let file = format!("{region}/ec2/{operation}.page{}.xml", n + 1);
        let text = format!("{head}{}{tail}", page.concat()).replacen(&close, &format!("{close}{next}"), 1);
        std::fs::write(dir.join(&file), text).unwrap();
        let mut e = template.clone();
        let mut params: BTreeMap<String, String> = serde_json::from_value(e["params"].clone()).unwrap();
        if n > 0 {
            params.insert("NextToken".into(), format!("{operation}-page-{}", n + 1));
        }
        e["params"] = serde_json::to_value(params).unwrap();
        e["file"] = file.into();
        responses.insert(pos + n, e);
    }
    std::fs::remove_file(&path).unwrap();
    save_index(dir, &idx);
}

fn top_level_items(body: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut start = 0usize;
    let mut i = 0usize;
    while i < body.len() {
        let rest = &body[i..];
        if rest.starts_with("<item>") {
            if depth == 0 {
                start = i;
            }
            depth += 1;
            i += "<item>".len();
        } else if rest.starts_with("</item>") {
            depth -= 1;
            i += "</item>".len();
            if depth == 0 {
                items.push(body[start..i].to_string());
            }
        } else {
            i += rest.chars().next().unwrap().len_utf8();
        }
    }
    items
}

/// Elastic IPs: moto allocates them from 127.0.0.0/8; a real account has public ones.
pub fn public_ips(dir: &Path, region: &str, ips: &[&str]) {
    let path = entry_file(dir, region, "DescribeNetworkInterfaces");
    let mut xml = super::read(&path);
    for ip in ips {
        let start = xml.find("<publicIp>127.").expect("an Elastic IP from moto") + "<publicIp>".len();
        let end = start + xml[start..].find('<').unwrap();
        let old = xml[start..end].to_string();
        xml = xml
            .replace(&old, ip)
            .replace(&format!("ip-{}", old.replace('.', "-")), &format!("ec2-{}", ip.replace('.', "-")));
    }
    std::fs::write(path, xml).unwrap();
}

/// DescribeNetworkAcls: moto's default ACLs carry IPv4 entries only. AWS gives the default ACL of a VPC with
/// an IPv6 block rule 101 allowing `::/0` and the closing `*` (32768) for `::/0`, in both directions.
#[allow(dead_code)]
pub fn default_acls_ipv6(dir: &Path, region: &str) {
    let vpcs = super::read(&entry_file(dir, region, "DescribeVpcs"));
    let start = vpcs.find("<vpcSet>").expect("vpc set") + "<vpcSet>".len();
    let dual: Vec<String> = top_level_items(&vpcs[start..vpcs.rfind("</vpcSet>").expect("vpc set end")])
        .into_iter()
        .filter(|v| v.contains("<ipv6CidrBlock>"))
        .filter_map(|v| {
            let s = v.find("<vpcId>")? + "<vpcId>".len();
            Some(v[s..s + v[s..].find('<')?].to_string())
        })
        .collect();
    let path = entry_file(dir, region, "DescribeNetworkAcls");
    let xml = super::read(&path);
    let (open, close) = ("<networkAclSet>", "</networkAclSet>");
    let s = xml.find(open).expect("acl set") + open.len();
    let e = xml.rfind(close).expect("acl set end");
    let entry = |number: u16, action: &str, egress: bool| {
        format!(
            "<item><ruleNumber>{number}</ruleNumber><protocol>-1</protocol><ruleAction>{action}</ruleAction>\
             <egress>{egress}</egress><ipv6CidrBlock>::/0</ipv6CidrBlock></item>"
        )
    };
    let items: Vec<String> = top_level_items(&xml[s..e])
        .into_iter()
        .map(|item| {
            let default = item.contains("<default>true</default>") || item.contains("<isDefault>true</isDefault>");
            if !default || !dual.iter().any(|v| item.contains(&format!("<vpcId>{v}</vpcId>"))) {
                return item;
            }
            let added: String = [false, true]
                .iter()
                .flat_map(|&egress| [entry(101, "allow", egress), entry(32768, "deny", egress)])
                .collect();
            item.replacen("<entrySet>", &format!("<entrySet>{added}"), 1)
        })
        .collect();
    std::fs::write(&path, format!("{}{}{}", &xml[..s], items.concat(), &xml[e..])).unwrap();
}

/// The transit gateway of `transit::hub` as AWS answers for it. moto 5.2 reports every attachment as
/// associated with the default route table, and answers SearchTransitGatewayRoutes with no attachment on any
/// route; AWS gives each attachment its own association and each active route its attachments (`resourceId`,
/// `transitGatewayAttachmentId`, `resourceType`), with `type` (static or propagated) and `state`. With the
/// gateway's default propagation on (AWS's default), each VPC attachment propagates its block to the default
/// route table (`spokes`), next to the static routes the scenario made there.
pub fn transit_gateway(dir: &Path, region: &str, s: &super::scenarios::Seeder) {
    let (spokes, shared) = (s.id("hub-spokes-rtb"), s.id("hub-shared-rtb"));
    let attachment = |name: &str| (s.id(&format!("hub-{name}-attachment")), s.id(&format!("hub-{name}-vpc")));
    let (app, data, legacy) = (attachment("app"), attachment("data"), attachment("legacy"));

    let path = dir.join(entry_where(dir, region, "DescribeTransitGatewayAttachments", None));
    let mut xml = super::read(&path);
    for (id, table) in [(&app.0, &spokes), (&data.0, &shared), (&legacy.0, &shared)] {
        let at = xml.find(&format!("<transitGatewayAttachmentId>{id}<")).expect("attachment recorded");
        let open = "<association><transitGatewayRouteTableId>";
        let s = at + xml[at..].find(open).expect("an association") + open.len();
        let e = s + xml[s..].find('<').unwrap();
        xml.replace_range(s..e, table);
    }
    std::fs::write(&path, xml).unwrap();

    type Route<'r> = (&'r str, Option<&'r (String, String)>, &'r str);
    let routes = |table: &str, routes: &[Route]| {
        let items: String = routes
            .iter()
            .map(|(cidr, target, kind)| {
                let (attachments, state) = match target {
                    Some((id, vpc)) => (
                        format!(
                            "<transitGatewayAttachments><item><resourceId>{vpc}</resourceId>\
                             <transitGatewayAttachmentId>{id}</transitGatewayAttachmentId>\
                             <resourceType>vpc</resourceType></item></transitGatewayAttachments>"
                        ),
                        "active",
                    ),
                    None => (String::new(), "blackhole"),
                };
                format!(
                    "<item><destinationCidrBlock>{cidr}</destinationCidrBlock>{attachments}<type>{kind}</type>\
                     <state>{state}</state></item>"
                )
            })
            .collect();
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SearchTransitGatewayRoutesResponse \
             xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>recorded</requestId><routeSet>{items}\
             </routeSet><additionalRoutesAvailable>false</additionalRoutesAvailable></SearchTransitGatewayRoutesResponse>"
        );
        let file = entry_where(dir, region, "SearchTransitGatewayRoutes", Some(("TransitGatewayRouteTableId", table)));
        std::fs::write(dir.join(file), body).unwrap();
    };
    routes(
        &spokes,
        &[
            ("10.70.0.0/16", Some(&app), "propagated"),
            ("10.71.0.0/16", Some(&data), "propagated"),
            ("10.72.0.0/16", Some(&legacy), "propagated"),
            ("10.72.0.0/16", Some(&legacy), "static"),
            ("10.72.9.0/24", None, "static"),
        ],
    );
    routes(&shared, &[("10.70.0.0/16", Some(&app), "static")]);
}

/// The file of the recorded response to `operation` (with the request parameter `param`, when given).
fn entry_where(dir: &Path, region: &str, operation: &str, param: Option<(&str, &str)>) -> String {
    let idx = index(dir);
    let e = idx["responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["region"] == region
                && e["operation"] == operation
                && param.is_none_or(|(k, v)| e["params"][k].as_str() == Some(v))
        })
        .unwrap_or_else(|| panic!("no {operation} {param:?} in {region}"));
    e["file"].as_str().unwrap().to_string()
}

/// DescribeFlowLogs: moto stamps a flow log's `creationTime` with the moment the scenario created it; the
/// recorded account's flow logs have logged since `created` (RFC 3339), as a real account's would have.
#[allow(dead_code)]
pub fn flow_logs_created(dir: &Path, region: &str, created: &str) {
    let path = entry_file(dir, region, "DescribeFlowLogs");
    let xml = super::read(&path);
    let (open, close) = ("<creationTime>", "</creationTime>");
    let mut out = String::new();
    let mut rest = xml.as_str();
    while let Some(i) = rest.find(open) {
        out.push_str(&rest[..i + open.len()]);
        out.push_str(created);
        let after = &rest[i + open.len()..];
        rest = &after[after.find(close).expect("closed")..];
    }
    out.push_str(rest);
    assert_ne!(out, xml, "no creationTime in {}", path.display());
    std::fs::write(path, out).unwrap();
}
