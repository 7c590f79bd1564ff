"""The organisation benchmark: an AWS organisation in moto, audited end to end by sgaudit, against the floor.

Seeds ACCOUNTS member accounts (moto's CreateAccount gives each its OrganizationAccountAccessRole), each with
one VPC, 50 security groups of 10 ingress rules and 50 interfaces. Then, alternating RUNS times:
- sgaudit: `audit --organization --org-role OrganizationAccountAccessRole` over the first 10 and over all
  member accounts (`--accounts`), timed, with the peak resident memory of the process (wait4's ru_maxrss);
- the floor: the same requests sgaudit makes, by a raw HTTP client that reads the bytes and parses nothing
  (no SDK, no retries): ListAccounts page by page, then for every account at once AssumeRole followed by
  the 32 read calls of one region, 128 requests in flight at most.

Usage: org.py ENDPOINT SGAUDIT_BINARY ACCOUNTS RUNS CONCURRENCY
"""
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import boto3

REGION = "us-east-1"
ROLE = "OrganizationAccountAccessRole"
GROUPS = 50

QUERY = {  # service: (API version, operations)
    "ec2": ("2016-11-15", ["DescribeSecurityGroups", "DescribeSecurityGroupRules", "DescribeNetworkInterfaces",
                           "DescribeSubnets", "DescribeRouteTables", "DescribeNetworkAcls", "DescribeVpcs",
                           "DescribeVpcPeeringConnections", "DescribeTransitGatewayAttachments",
                           "DescribeLaunchTemplateVersions"]),
    "rds": ("2014-10-31", ["DescribeDBInstances", "DescribeDBClusters", "DescribeDBSubnetGroups",
                           "DescribeDBProxies", "DescribeDBProxyEndpoints"]),
    "elasticache": ("2015-02-02", ["DescribeCacheClusters", "DescribeReplicationGroups",
                                   "DescribeServerlessCaches"]),
    "redshift": ("2012-12-01", ["DescribeClusters", "DescribeClusterSubnetGroups"]),
    "autoscaling": ("2011-01-01", ["DescribeAutoScalingGroups", "DescribeLaunchConfigurations"]),
    "elasticloadbalancing": ("2015-12-01", ["DescribeLoadBalancers", "DescribeTargetGroups"]),
    "sts": ("2011-06-15", ["GetCallerIdentity"]),
}
JSON = [  # (signing name, target)
    ("redshift-serverless", "RedshiftServerless.ListWorkgroups"),
    ("memorydb", "AmazonMemoryDB.DescribeClusters"),
    ("memorydb", "AmazonMemoryDB.DescribeSubnetGroups"),
    ("ecs", "AmazonEC2ContainerServiceV20141113.ListClusters"),
]
REST = [  # (signing name, path)
    ("es", "/2021-01-01/domain"),
    ("lambda", "/2015-03-31/functions/?FunctionVersion=ALL&MaxItems=50"),
    ("eks", "/clusters?maxResults=100"),
]


def request(endpoint, key, service, method, path, body=b"", headers=None):
    u = urllib.parse.urlparse(endpoint)
    h = {"Authorization": f"AWS4-HMAC-SHA256 Credential={key}/20260101/{REGION}/{service}/aws4_request, "
                          "SignedHeaders=host, Signature=0", **(headers or {})}
    conn = http.client.HTTPConnection(u.hostname, u.port)
    conn.request(method, path, body, h)
    data = conn.getresponse().read()
    conn.close()
    return data


def query(endpoint, key, service, version, action, **params):
    body = urllib.parse.urlencode({"Action": action, "Version": version, **params})
    return request(endpoint, key, service, "POST", "/", body,
                   {"Content-Type": "application/x-www-form-urlencoded"})


def account_calls(endpoint, key):
    calls = [lambda s=s, v=v, o=o: query(endpoint, key, s, v, o) for s, (v, ops) in QUERY.items() for o in ops]
    calls += [lambda s=s, t=t: request(endpoint, key, s, "POST", "/", b"{}",
                                       {"X-Amz-Target": t, "Content-Type": "application/x-amz-json-1.1"})
              for s, t in JSON]
    calls += [lambda s=s, p=p: request(endpoint, key, s, "GET", p) for s, p in REST]
    return calls


def assume(endpoint, account):
    xml = query(endpoint, "bench", "sts", "2011-06-15", "AssumeRole",
                RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="sgaudit").decode()
    return re.search(r"<AccessKeyId>([^<]+)</AccessKeyId>", xml).group(1)


def floor(endpoint, accounts):
    start = time.perf_counter()
    token, pages = None, 0
    while True:
        body = json.dumps({"MaxResults": 20, **({"NextToken": token} if token else {})}).encode()
        page = json.loads(request(endpoint, "bench", "organizations", "POST", "/", body,
                                  {"X-Amz-Target": "AWSOrganizationsV20161128.ListAccounts",
                                   "Content-Type": "application/x-amz-json-1.1"}))
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    with ThreadPoolExecutor(128) as pool:
        keys = list(pool.map(lambda a: assume(endpoint, a), accounts))
        calls = [c for k in keys for c in account_calls(endpoint, k)]
        list(pool.map(lambda c: c(), calls))
    return time.perf_counter() - start, pages + len(accounts) + len(calls)


def sgaudit(binary, endpoint, accounts, concurrency, output):
    args = [binary, "audit", "--endpoint-url", endpoint, "--region", REGION, "--max-attempts", "1",
            "--organization", "--org-role", ROLE, "--accounts", ",".join(accounts),
            "--concurrency", str(concurrency), "--format", "json", "--output", output, "-q"]
    start = time.perf_counter()
    proc = subprocess.Popen(args)
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def seed(endpoint, n):
    boto = dict(endpoint_url=endpoint, region_name=REGION)
    org = boto3.client("organizations", aws_access_key_id="bench", aws_secret_access_key="bench", **boto)
    org.create_organization(FeatureSet="ALL")
    ids = [org.create_account(AccountName=f"member-{i}", Email=f"member-{i}@example.com")
           ["CreateAccountStatus"]["AccountId"] for i in range(n)]
    sts = boto3.client("sts", aws_access_key_id="bench", aws_secret_access_key="bench", **boto)

    def one(account):
        c = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="seed")["Credentials"]
        ec2 = boto3.client("ec2", aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                           aws_session_token=c["SessionToken"], **boto)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/17")["Subnet"]["SubnetId"]
        for i in range(GROUPS):
            gid = ec2.create_security_group(GroupName=f"bench-{i}", Description="bench", VpcId=vpc)["GroupId"]
            perms = [{"IpProtocol": "tcp", "FromPort": 1000 + r, "ToPort": 1000 + r,
                      "IpRanges": [{"CidrIp": f"10.{r}.{i}.0/24"}]} for r in range(8)]
            perms.append({"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                          "Ipv6Ranges": [{"CidrIpv6": "::/0"}]})
            perms.append({"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": gid}]})
            ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=perms)
            ec2.create_network_interface(SubnetId=subnet, Groups=[gid])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, ids))
    return ids


if __name__ == "__main__":
    endpoint, binary, n, runs, concurrency = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), \
        int(sys.argv[5])
    start = time.perf_counter()
    accounts = seed(endpoint, n)
    print(f"seeded {n} accounts of {GROUPS} groups in {time.perf_counter() - start:.0f} s")
    out = "/tmp/sgaudit-org-bench.json"
    sgaudit(binary, endpoint, accounts, concurrency, out)  # warm-up, and the request count
    report = json.load(open(out))
    s = report["summary"]
    requests = sum(max(c["pages"], 1) for c in report["coverage"]) + len(accounts)  # + one AssumeRole each
    print(f"inventory: {s['security_groups']} groups, {s['rules']} rules, {s['network_interfaces']} interfaces "
          f"in {len(report['accounts'])} accounts; {s['findings']} findings; {requests} requests")
    for size in sorted({min(10, n), n}):
        ours, mems, base = [], [], []
        for _ in range(runs):
            t, rss = sgaudit(binary, endpoint, accounts[:size], concurrency, os.devnull)
            ours.append(t)
            mems.append(rss)
            t, floor_requests = floor(endpoint, accounts[:size])
            base.append(t)
        print(f"{size} accounts: sgaudit median {statistics.median(ours):.2f} s (min {min(ours):.2f}), peak RSS "
              f"{max(mems):.0f} MiB; floor median {statistics.median(base):.2f} s (min {min(base):.2f}), "
              f"{floor_requests} requests; ratio {statistics.median(ours) / statistics.median(base):.2f}")
