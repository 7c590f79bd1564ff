#!/usr/bin/env bash
# Organisation benchmark: sgaudit --organization against a moto server holding an organisation of ACCOUNTS
# member accounts (50 groups each), against the floor of the same requests with no parsing
# (scripts/bench/org.py), and the peak memory for 10 and for all accounts. Results: docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ACCOUNTS=${ACCOUNTS:-100} RUNS=${RUNS:-3} CONCURRENCY=${CONCURRENCY:-16}

if ! .venv/bin/python -c 'import moto.server, boto3' 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check 'moto[server]>=5.2,<5.3'
fi
cargo build --release --quiet
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
MOTO_EC2_LOAD_DEFAULT_AMIS=false .venv/bin/moto_server -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null || true' EXIT
endpoint="http://127.0.0.1:$port"
until .venv/bin/python -c "import urllib.request; urllib.request.urlopen('$endpoint/moto-api/')" 2>/dev/null; do sleep 0.2; done
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_EC2_METADATA_DISABLED=true
.venv/bin/python scripts/bench/org.py "$endpoint" ./target/release/sgaudit "$ACCOUNTS" "$RUNS" "$CONCURRENCY"
