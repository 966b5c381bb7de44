#!/usr/bin/env bash
# Runs the CivicWatch demo: 209 points, 210 simulated cameras, detection, workflow and the wall.
# Usage: ./run.sh [civicwatch run options, e.g. --port 8060]
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
exec .venv/bin/civicwatch --config "${CIVICWATCH_CONFIG:-config.yaml}" run "$@"
