#!/usr/bin/env bash
# Set up (if needed) and run every check and test: lint, types, then each pytest process.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== ruff"
.venv/bin/ruff check .
echo "== ruff format --check"
.venv/bin/ruff format --check .
echo "== mypy (strict: the queue server, hallq, the kiosk, the board, the pad codec and bridge)"
.venv/bin/mypy
echo "== pytest"
# pytest exit 5 ("no tests collected") is a failure here like any other. Most tests wait on servers,
# browsers and serial lines rather than the CPU, so three workers share the machine's two cores; a test
# file stays on one worker (its module fixtures, e.g. one served hall or one browser, are built once).
.venv/bin/python -m pytest -q --ignore=tests/kiosk -n "${HALLQ_TEST_WORKERS:-3}" --dist loadfile "$@"
echo "== pytest: the kiosk's Kivy screens (own process: Kivy keeps one window per process)"
kivy_home="$(mktemp -d)"
trap 'rm -rf "$kivy_home"' EXIT
SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy KIVY_NO_ARGS=1 KIVY_HOME="$kivy_home" \
  .venv/bin/python -m pytest -q tests/kiosk
echo "== pytest: the kiosk against a newer server (replies and events with fields it does not know)"
HALLQ_TEST_NEWER_SERVER=1 SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy KIVY_NO_ARGS=1 KIVY_HOME="$kivy_home" \
  .venv/bin/python -m pytest -q tests/kiosk/test_citizen.py -k "start_screen or takes_a_ticket_and_gets_it_printed"
