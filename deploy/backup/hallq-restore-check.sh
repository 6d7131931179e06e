#!/usr/bin/env bash
# Prove the newest dump (or the one named) restores: load it into a scratch database, check the
# schema version and that halls, tickets and events are all there, then drop the scratch database.
# Exit status 0 only when everything checked out, so a timer's failure is a backup that would not
# have saved the hall.
set -euo pipefail

: "${PGDATABASE:=hallq}"
BACKUP_DIR="${HALLQ_BACKUP_DIR:-/var/backups/hallq}"
dump="${1:-$(ls -1t "$BACKUP_DIR"/hallq-"$PGDATABASE"-*.dump 2>/dev/null | head -n 1)}"
if [ -z "$dump" ] || [ ! -s "$dump" ]; then
  echo "restore check: no dump found in $BACKUP_DIR" >&2
  exit 2
fi
scratch="hallq_restore_check_$$"
cleanup() { dropdb --if-exists "$scratch" >/dev/null 2>&1 || true; }
trap cleanup EXIT

createdb "$scratch"
pg_restore --exit-on-error --no-owner --dbname="$scratch" "$dump"

query() { psql -X -A -t -v ON_ERROR_STOP=1 --dbname="$scratch" -c "$1"; }
version="$(query "SELECT string_agg(version_num, ',') FROM alembic_version")"
read -r halls tickets events <<<"$(query "SELECT (SELECT count(*) FROM halls) || ' ' || (SELECT count(*) FROM tickets) || ' ' || (SELECT count(*) FROM events)")"
if [ -f "$dump.counts" ]; then
  read -r want_halls want_tickets want_events <"$dump.counts"
  if [ "$halls" -lt "$want_halls" ] || [ "$tickets" -lt "$want_tickets" ] || [ "$events" -lt "$want_events" ]; then
    echo "restore check: $dump holds fewer rows than the database had ($halls/$tickets/$events < $want_halls/$want_tickets/$want_events)" >&2
    exit 1
  fi
fi
if [ -z "$version" ] || [ "$halls" -lt 1 ]; then
  echo "restore check: $dump restored without a schema version or without halls" >&2
  exit 1
fi
echo "restore check: $dump OK (schema $version; $halls halls, $tickets tickets, $events events)"
