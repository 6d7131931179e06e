#!/usr/bin/env bash
# Set up (if needed) and run the whole demo hall on one machine: `hallq demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/hallq demo "$@"
