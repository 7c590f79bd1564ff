//! ARNs of the resources findings are about, built from their IDs, for the outputs that name resources by ARN
//! (OCSF, Security Hub).

use crate::model::ResourceKind;

/// The partition of a region, for ARNs.
pub(crate) fn partition(region: &str) -> &'static str {
    const PREFIXES: [(&str, &str); 5] = [
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-isob-", "aws-iso-b"),
        ("us-iso-", "aws-iso"),
        ("eu-isoe-", "aws-iso-e"),
    ];
    PREFIXES.iter().find(|(prefix, _)| region.starts_with(prefix)).map_or("aws", |(_, p)| p)
}

/// The ARN of a resource from its ID, for the kinds whose ARN needs nothing else (an RDS proxy's ARN holds its
/// resource ID, a Redshift Serverless workgroup's its UUID, which findings do not carry).
pub(crate) fn arn(kind: ResourceKind, id: &str, region: &str, account: &str) -> Option<String> {
    use ResourceKind as K;
    let (service, resource) = match kind {
        K::SecurityGroup => ("ec2", format!("security-group/{id}")),
        K::SecurityGroupRule => ("ec2", format!("security-group-rule/{id}")),
        K::NetworkInterface => ("ec2", format!("network-interface/{id}")),
        K::RdsInstance | K::DocdbInstance | K::NeptuneInstance => ("rds", format!("db:{id}")),
        K::RdsCluster | K::DocdbCluster | K::NeptuneCluster => ("rds", format!("cluster:{id}")),
        K::ElasticacheCluster => ("elasticache", format!("cluster:{id}")),
        K::ElasticacheReplicationGroup => ("elasticache", format!("replicationgroup:{id}")),
        K::ElasticacheServerless => ("elasticache", format!("serverlesscache:{id}")),
        K::RedshiftCluster => ("redshift", format!("cluster:{id}")),
        K::OpensearchDomain => ("es", format!("domain/{id}")),
        K::MemorydbCluster => ("memorydb", format!("cluster/{id}")),
        K::RdsProxy | K::RdsProxyEndpoint | K::RedshiftServerless | K::Flow => return None,
    };
    Some(format!("arn:{}:{service}:{region}:{account}:{resource}", partition(region)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_follow_the_region_s_partition() {
        let sg = arn(ResourceKind::SecurityGroup, "sg-1", "cn-north-1", "123456789012").unwrap();
        assert_eq!(sg, "arn:aws-cn:ec2:cn-north-1:123456789012:security-group/sg-1");
        let db = arn(ResourceKind::RdsInstance, "orders", "us-gov-west-1", "1").unwrap();
        assert_eq!(db, "arn:aws-us-gov:rds:us-gov-west-1:1:db:orders");
        assert_eq!(partition("us-isob-east-1"), "aws-iso-b");
        assert_eq!(partition("eu-west-1"), "aws");
        assert_eq!(arn(ResourceKind::RdsProxy, "p", "eu-west-1", "1"), None);
    }
}
