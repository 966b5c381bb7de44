#!/usr/bin/env bash
# Runs the CivicWatch test suite (SQLite and the local PostgreSQL/Redis, headless Chromium, RTSP).
# Usage: ./test.sh [pytest options]
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh --test
export DASH_TEST_CHROMEPATH=/usr/bin/chromium
exec .venv/bin/python -m pytest -ra "$@"
