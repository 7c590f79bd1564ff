#!/usr/bin/env bash
# Installs what the tests need (moto in ./.venv) and runs every test. Safe to run again: it reuses .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! .venv/bin/python -c 'import moto.server' 2>/dev/null; then
  echo "test.sh: installing moto[server] into .venv" >&2
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check 'moto[server]>=5.2,<5.3'
fi

# Tests never reach AWS: dummy credentials, no instance-metadata probing, a fixed region.
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
cargo test --all-targets "$@"
