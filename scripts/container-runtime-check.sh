#!/usr/bin/env bash
# The runtime check of the container image (its last stage runs it as the image's unprivileged user) and of
# scripts/container-check.sh (CI runs it as nobody, with an empty HOME): the binary starts, and audits the
# built-in demo account with no AWS credentials and no configuration files.
#
# Usage: container-runtime-check.sh SGAUDIT DEMO_RECORDING
set -euo pipefail
bin="$1"
demo="$2"
[ "$(id -u)" != 0 ] || { echo "container-runtime-check: run me as an unprivileged user" >&2; exit 1; }
[ -z "$(ls -A "$HOME")" ] || { echo "container-runtime-check: HOME ($HOME) must be empty" >&2; exit 1; }
"$bin" --version
set +e
"$bin" audit --replay "$demo" --format json > "$HOME/report.json"
code=$?
set -e
# The demo account has high findings: exit 1. 0 would mean nothing was found, 2 a failure.
[ "$code" = 1 ] || { echo "container-runtime-check: the demo exited $code, expected 1" >&2; exit 1; }
grep -q '"complete": true' "$HOME/report.json" || { echo "container-runtime-check: incomplete demo report" >&2; exit 1; }
rm -f "$HOME/report.json"
echo "container-runtime-check: ok"
