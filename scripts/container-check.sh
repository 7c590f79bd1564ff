#!/usr/bin/env bash
# What the Dockerfile does, without a container engine (none on the build machines): its build stage's
# command, then its runtime check as an unprivileged user (nobody) with an empty HOME. CI runs this, so a
# Dockerfile whose stages only call these two scripts is checked on every change.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/container-build.sh
home="$(mktemp -d)"
stage="$(mktemp -d)"
trap 'rm -rf "$home" "$stage"' EXIT
# The image's layout: the binary and the demo recording, readable by anyone.
install -m 0755 target/release/sgaudit "$stage/sgaudit"
cp -r mocks/tiered "$stage/demo"
install -m 0644 scripts/container-runtime-check.sh "$stage/container-runtime-check.sh"
chmod -R a+rX "$stage"
if [ "$(id -u)" = 0 ]; then
  chown 65534:65534 "$home"
  setpriv --reuid=65534 --regid=65534 --clear-groups \
    env -i PATH=/usr/bin:/bin HOME="$home" bash "$stage/container-runtime-check.sh" "$stage/sgaudit" "$stage/demo"
else
  env -i PATH=/usr/bin:/bin HOME="$home" bash "$stage/container-runtime-check.sh" "$stage/sgaudit" "$stage/demo"
fi
