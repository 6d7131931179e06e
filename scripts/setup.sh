#!/usr/bin/env bash
# Set up a fresh Debian machine for HallQ: Debian packages, a virtualenv in .venv, the project.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(postgresql nginx wrk faketime libgl1 libegl1 libegl-mesa0 libgl1-mesa-dri libgbm1 libmtdev1 fonts-wqy-microhei espeak-ng sox zbar-tools chromium)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv"
  python3 -m venv .venv
fi
stamp=.venv/.hallq-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "== installing Python packages (pinned in pyproject.toml)"
  .venv/bin/pip install -q --disable-pip-version-check -e ".[server,board,dev,kiosk]"
  touch "$stamp"
fi
