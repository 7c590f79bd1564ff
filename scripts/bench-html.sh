#!/usr/bin/env bash
# HTML report benchmark: a synthetic account with about 10,000 findings (SIZE groups, FLAWED percent of them
# flawed), its HTML report written by `examples/scale.rs`, then timed in headless Chromium by
# scripts/bench-html-page.py (page load, filters, groups, highlight, VPC expansion). Results: docs/benchmarks.md.
# Needs the test tools (`bash scripts/test.sh` installs selenium into .venv; Chromium from Debian).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-4600} FLAWED=${FLAWED:-50} RUNS=${RUNS:-5} PROFILE=${PROFILE:-dev}

cargo build --quiet --profile "$PROFILE" --example scale
dir=$([ "$PROFILE" = dev ] && echo debug || echo "$PROFILE")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
SCALE_HTML="$out/report.html" "target/$dir/examples/scale" "$SIZE" "$FLAWED"
.venv/bin/python scripts/bench-html-page.py "$out/report.html" "$RUNS"
