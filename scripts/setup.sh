#!/usr/bin/env bash
# Creates .venv and installs CivicWatch with its dependencies. Idempotent: reruns only what changed.
#   scripts/setup.sh          runtime dependencies
#   scripts/setup.sh --test   plus test dependencies and system packages (Chromium, CJK fonts, GStreamer RTSP)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
want_test=0; [ "${1:-}" = "--test" ] && want_test=1

if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.civicwatch-installed
extras=""; [ $want_test = 1 ] && extras="[test]"
sum=$(cat setup.cfg pyproject.toml | sha256sum | cut -c1-16)"$extras"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
  echo "[setup] installing Python packages$extras (progress below)"
  # setuptools: the venv's bundled 65.x has published CVEs (CVE-2022-40897, CVE-2024-6345, CVE-2025-47273)
  .venv/bin/python -m pip install --upgrade pip "setuptools>=78.1.1" >/dev/null
  .venv/bin/python -m pip install --progress-bar on -e ".$extras"
  echo "$sum" > "$stamp"
fi

if [ $want_test = 1 ]; then
  need=()
  command -v chromium >/dev/null || need+=(chromium)
  command -v openssl >/dev/null || need+=(openssl)  # a test CA for the SMTP STARTTLS test
  dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
  [ -f /usr/share/doc/opencv-doc/examples/data/vtest.avi ] || need+=(opencv-doc)  # real footage for replay tests
  /usr/bin/python3 -c "import gi; gi.require_version('GstRtspServer','1.0')" 2>/dev/null \
    || need+=(python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly)
  if [ ${#need[@]} -gt 0 ]; then
    echo "[setup] installing system packages: ${need[*]}"
    SUDO=""; [ "$(id -u)" != 0 ] && SUDO=sudo
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need[@]}"
  fi
fi
