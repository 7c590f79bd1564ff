#!/usr/bin/env bash
# The build of the container image's first stage (Dockerfile: `RUN scripts/container-build.sh`), and of
# scripts/container-check.sh, which runs it in CI: one command, so the image and CI cannot build differently.
# The release profile, every feature a scheduled job needs (--security-hub, --output s3://), the locked
# dependency versions.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --features full
