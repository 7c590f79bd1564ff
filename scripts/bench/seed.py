"""Seeds a moto server with the synthetic account of the end-to-end benchmark.

Per region: one VPC, 1,000 security groups with 10 ingress rules each (one AuthorizeSecurityGroupIngress call
per group), 2,000 network interfaces, 50 RDS instances and 25 ElastiCache clusters.
Usage: seed.py ENDPOINT REGION [REGION...]
"""
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3

GROUPS, ENIS, RDS, CACHES = 1000, 2000, 50, 25


def client(endpoint, service, region):
    return boto3.client(service, endpoint_url=endpoint, region_name=region,
                        aws_access_key_id="bench", aws_secret_access_key="bench")


def seed(endpoint, region):
    ec2 = client(endpoint, "ec2", region)
    rds = client(endpoint, "rds", region)
    ec = client(endpoint, "elasticache", region)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/17")["Subnet"]["SubnetId"]

    def group(i):
        gid = ec2.create_security_group(GroupName=f"bench-{i}", Description="bench", VpcId=vpc)["GroupId"]
        perms = [{"IpProtocol": "tcp", "FromPort": 1000 + r, "ToPort": 1000 + r,
                  "IpRanges": [{"CidrIp": f"10.{r}.{i % 250}.0/24"}]} for r in range(8)]
        perms.append({"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]})
        perms.append({"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": gid}]})
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=perms)
        return gid

    with ThreadPoolExecutor(8) as pool:
        groups = list(pool.map(group, range(GROUPS)))
        list(pool.map(lambda i: ec2.create_network_interface(SubnetId=subnet, Groups=[groups[i % GROUPS]]),
                      range(ENIS)))
        list(pool.map(lambda i: rds.create_db_instance(
            DBInstanceIdentifier=f"bench-db-{i}", Engine="postgres", DBInstanceClass="db.t3.micro",
            AllocatedStorage=20, MasterUsername="bench", MasterUserPassword="bench-password",
            VpcSecurityGroupIds=[groups[i]]), range(RDS)))
        list(pool.map(lambda i: ec.create_cache_cluster(
            CacheClusterId=f"bench-cache-{i}", Engine="redis", CacheNodeType="cache.t3.micro", NumCacheNodes=1,
            SecurityGroupIds=[groups[RDS + i]]), range(CACHES)))


if __name__ == "__main__":
    endpoint, regions = sys.argv[1], sys.argv[2:]
    for region in regions:
        seed(endpoint, region)
