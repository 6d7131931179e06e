#!/usr/bin/env bash
# Set up (if needed) and run every check and test: lint, types, then each pytest process.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== ruff"
.venv/bin/ruff check .
echo "== mypy (strict on the domain core and the wire contract)"
.venv/bin/mypy
echo "== pytest"
# pytest exit 5 ("no tests collected") is a failure here like any other.
.venv/bin/python -m pytest -q "$@"
