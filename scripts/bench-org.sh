#!/usr/bin/env bash
# Organisation benchmark: sgaudit --organization against a moto server holding an organisation of ACCOUNTS
# member accounts (50 groups each), against the floor of the same requests with no parsing
# (scripts/bench/org.py), and the peak memory for 10 and for all accounts. Results: docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ACCOUNTS=${ACCOUNTS:-100} RUNS=${RUNS:-3} CONCURRENCY=${CONCURRENCY:-16}

cargo build --release --quiet
source scripts/bench/moto.sh
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_EC2_METADATA_DISABLED=true
.venv/bin/python scripts/bench/org.py "$endpoint" ./target/release/sgaudit "$ACCOUNTS" "$RUNS" "$CONCURRENCY"
