#!/usr/bin/env bash
# End-to-end benchmark: sgaudit against a moto server holding a synthetic account (2 regions x 1,000 groups
# with 10 rules, 2,000 interfaces, 50 RDS instances, 25 caches), compared with the floor: the same read calls
# fired all at once by a raw HTTP client with no parsing (scripts/bench/e2e.py). Results: docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
REGIONS=(us-east-1 eu-west-1)

cargo build --release --all-targets --quiet
source scripts/bench/moto.sh

start=$SECONDS
.venv/bin/python scripts/bench/seed.py "$endpoint" "${REGIONS[@]}"
echo "seeded in $((SECONDS - start)) s"
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_EC2_METADATA_DISABLED=true
.venv/bin/python scripts/bench/e2e.py "$endpoint" "$RUNS" ./target/release/sgaudit "${REGIONS[@]}"
