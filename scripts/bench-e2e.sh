#!/usr/bin/env bash
# End-to-end benchmark: sgaudit against a moto server holding a synthetic account (2 regions x 1,000 groups
# with 10 rules, 2,000 interfaces, 50 RDS instances, 25 caches), compared with the floor: the same read calls
# fired all at once by a raw HTTP client with no parsing (scripts/bench/e2e.py). Results: docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
REGIONS=(us-east-1 eu-west-1)

if ! .venv/bin/python -c 'import moto.server, boto3' 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check 'moto[server]>=5.2,<5.3'
fi
cargo build --release --all-targets --quiet
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
MOTO_EC2_LOAD_DEFAULT_AMIS=false .venv/bin/moto_server -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null || true' EXIT
endpoint="http://127.0.0.1:$port"
until .venv/bin/python -c "import urllib.request; urllib.request.urlopen('$endpoint/moto-api/')" 2>/dev/null; do sleep 0.2; done

start=$SECONDS
.venv/bin/python scripts/bench/seed.py "$endpoint" "${REGIONS[@]}"
echo "seeded in $((SECONDS - start)) s"
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_EC2_METADATA_DISABLED=true
.venv/bin/python scripts/bench/e2e.py "$endpoint" "$RUNS" ./target/release/sgaudit "${REGIONS[@]}"
