#!/usr/bin/env bash
# Set up (if needed) and run every check and test: lint, then types and the kiosk's Kivy process
# beside the main pytest process. Any failure fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== ruff"
.venv/bin/ruff check .
echo "== ruff format --check"
.venv/bin/ruff format --check .

# The second lane runs while the main pytest process does: mypy, then the Kivy kiosk's own processes
# (Kivy keeps one window per process). They wait on the kiosk's server and printer more than they use
# the CPU, so side by side the whole run is shorter. Their output is printed when the main one ends.
# The tests' files in memory when the machine has room: their SQLite halls commit with fdatasync
# (~3 ms each on a virtual disk, nothing in tmpfs) and each PostgreSQL test database is a 13 MB copy
# of its template (8 times faster to make in tmpfs). What is tested does not change: the databases
# are still files and servers, killed and restarted. Open to every user: the throwaway PostgreSQL
# clusters run as postgres.
scratch=""
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] \
  && [ "$(df -Pk /dev/shm | awk 'NR == 2 { print $4 }')" -gt $((6 * 1024 * 1024)) ]; then
  scratch="$(mktemp -d /dev/shm/hallq-tests.XXXXXX)"
  chmod 1777 "$scratch"
  export TMPDIR="$scratch"
fi
side_dir="$(mktemp -d)"
trap 'rm -rf "$side_dir" ${scratch:+"$scratch"}' EXIT
side_lane() {
  local kivy_home="$side_dir/kivy"
  mkdir -p "$kivy_home"
  export SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy KIVY_NO_ARGS=1 KIVY_HOME="$kivy_home"
  echo "== mypy (strict: the queue server, hallq, the kiosk, the board, the pad codec and bridge)"
  .venv/bin/mypy || return 1
  echo "== pytest: the kiosk's Kivy screens (own process: Kivy keeps one window per process)"
  .venv/bin/python -m pytest -q tests/kiosk || return 1
  echo "== pytest: the kiosk against a newer server (replies and events with fields it does not know)"
  HALLQ_TEST_NEWER_SERVER=1 .venv/bin/python -m pytest -q tests/kiosk/test_citizen.py \
    -k "start_screen or takes_a_ticket_and_gets_it_printed"
}
side_lane >"$side_dir/side.log" 2>&1 &
side_pid=$!

echo "== pytest"
# pytest exit 5 ("no tests collected") is a failure here like any other. Most tests wait on servers,
# browsers and serial lines rather than the CPU, so three workers share the machine's two cores; a test
# file stays on one worker (its module fixtures, e.g. one served hall or one browser, are built once).
main_rc=0
.venv/bin/python -m pytest -q --ignore=tests/kiosk -n "${HALLQ_TEST_WORKERS:-3}" --dist loadfile "$@" || main_rc=$?
side_rc=0
wait "$side_pid" || side_rc=$?
cat "$side_dir/side.log"
echo "== main pytest exit $main_rc, mypy and kiosk lane exit $side_rc"
[ "$main_rc" -eq 0 ] && [ "$side_rc" -eq 0 ]
