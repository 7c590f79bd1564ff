"""Times sgaudit against the floor: the same read calls sgaudit makes, all fired at once by a raw HTTP client
that only reads the bytes (no retries, no parsing, no SDK). Alternates the two, RUNS times each.

Usage: e2e.py ENDPOINT RUNS SGAUDIT_BINARY REGION [REGION...]
"""
import json
import os
import statistics
import subprocess
import http.client
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

CALLS = [
    ("ec2", "2016-11-15", "DescribeSecurityGroups", {"MaxResults": "1000"}),
    ("ec2", "2016-11-15", "DescribeSecurityGroupRules", {"MaxResults": "1000"}),
    ("ec2", "2016-11-15", "DescribeNetworkInterfaces", {"MaxResults": "1000"}),
    ("rds", "2014-10-31", "DescribeDBInstances", {"MaxRecords": "100"}),
    ("rds", "2014-10-31", "DescribeDBClusters", {"MaxRecords": "100"}),
    ("elasticache", "2015-02-02", "DescribeCacheClusters", {"MaxRecords": "100", "ShowCacheNodeInfo": "true"}),
    ("elasticache", "2015-02-02", "DescribeReplicationGroups", {"MaxRecords": "100"}),
    ("elasticache", "2015-02-02", "DescribeServerlessCaches", {"MaxResults": "100"}),
]


def call(host, port, region, service, version, action, params):
    body = urllib.parse.urlencode({"Action": action, "Version": version, **params})
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Authorization": f"AWS4-HMAC-SHA256 Credential=bench/20260101/{region}/{service}/aws4_request, "
                         "SignedHeaders=host, Signature=0",
    }
    conn = http.client.HTTPConnection(host, port)
    conn.request("POST", "/", body, headers)
    resp = conn.getresponse()
    n = len(resp.read())
    conn.close()
    return n


def run(endpoint, regions):
    u = urllib.parse.urlparse(endpoint)
    jobs = [(r, *c) for r in regions for c in CALLS] + [(regions[0], "sts", "2011-06-15", "GetCallerIdentity", {})]
    start = time.perf_counter()
    with ThreadPoolExecutor(len(jobs)) as pool:
        list(pool.map(lambda j: call(u.hostname, u.port, *j), jobs))
    return time.perf_counter() - start, len(jobs)


def sgaudit(binary, endpoint, regions, output):
    start = time.perf_counter()
    subprocess.run([binary, "audit", "--endpoint-url", endpoint, "--region", ",".join(regions), "--max-attempts", "1",
                    "--format", "json", "--output", output, "-q"], check=False)
    return time.perf_counter() - start


if __name__ == "__main__":
    endpoint, runs, binary, regions = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
    out = "/tmp/sgaudit-bench.json"
    sgaudit(binary, endpoint, regions, out)  # warm-up
    report = json.load(open(out))
    requests = sum(max(c["pages"], 1) for c in report["coverage"])
    s = report["summary"]
    ours, floor = [], []
    for _ in range(runs):
        ours.append(sgaudit(binary, endpoint, regions, os.devnull))
        seconds, floor_requests = run(endpoint, regions)
        floor.append(seconds)
    print(f"inventory: {s['security_groups']} groups, {s['rules']} rules, {s['network_interfaces']} interfaces, "
          f"{s['datastores']} databases/caches, {len(regions)} regions")
    print(f"sgaudit: median {statistics.median(ours):.3f}s (min {min(ours):.3f}s) over {runs} runs, {requests} requests")
    print(f"floor:   median {statistics.median(floor):.3f}s (min {min(floor):.3f}s) over {runs} runs, "
          f"{floor_requests} requests")
    print(f"ratio:   {statistics.median(ours) / statistics.median(floor):.2f}")
