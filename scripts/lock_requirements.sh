#!/usr/bin/env bash
# Regenerates requirements.lock (exact versions + SHA-256 hashes of every runtime dependency) from
# setup.cfg's install_requires, with pip-tools. Run after changing install_requires or to pick up fixes:
#     .venv/bin/pip install pip-tools && bash scripts/lock_requirements.sh
# Deploy with:  pip install --require-hashes -r requirements.lock && pip install --no-deps .
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pip-compile --quiet --upgrade --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
    --no-emit-find-links --output-file requirements.lock setup.cfg
echo "wrote requirements.lock" >&2
