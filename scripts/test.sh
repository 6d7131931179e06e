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
.venv/bin/python -m pytest -q --ignore=tests/kiosk "$@"
echo "== pytest: the kiosk's Kivy screens (own process: Kivy keeps one window per process)"
kivy_home="$(mktemp -d)"
trap 'rm -rf "$kivy_home"' EXIT
SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy KIVY_NO_ARGS=1 KIVY_HOME="$kivy_home" \
  .venv/bin/python -m pytest -q tests/kiosk
echo "== pytest: the kiosk against a newer server (replies and events with fields it does not know)"
HALLQ_TEST_NEWER_SERVER=1 SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy KIVY_NO_ARGS=1 KIVY_HOME="$kivy_home" \
  .venv/bin/python -m pytest -q tests/kiosk/test_citizen.py -k "start_screen or takes_a_ticket_and_gets_it_printed"
