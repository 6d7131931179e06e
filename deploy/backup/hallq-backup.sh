#!/usr/bin/env bash
# Dump the hall's PostgreSQL database (custom format: compressed, restorable table by table) and
# remove dumps older than the retention. The connection comes from libpq's usual variables
# (PGHOST, PGPORT, PGUSER, PGDATABASE; a password from ~/.pgpass), so no secret sits in this file.
set -euo pipefail

: "${PGDATABASE:=hallq}"
BACKUP_DIR="${HALLQ_BACKUP_DIR:-/var/backups/hallq}"
KEEP_DAYS="${HALLQ_BACKUP_KEEP_DAYS:-14}"
export PGDATABASE

mkdir -p "$BACKUP_DIR"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
target="$BACKUP_DIR/hallq-$PGDATABASE-$stamp.dump"
partial="$target.partial"

# What the dump must hold at least (tickets and events only ever grow): the restore check compares.
psql -X -A -t -v ON_ERROR_STOP=1 \
  -c "SELECT (SELECT count(*) FROM halls) || ' ' || (SELECT count(*) FROM tickets) || ' ' || (SELECT count(*) FROM events)" \
  > "$target.counts"

pg_dump --format=custom --compress=6 --no-owner --file="$partial"
mv "$partial" "$target"  # a dump is complete or absent: never half a file under the final name
echo "backup: $target ($(stat -c %s "$target") bytes; halls tickets events at start: $(cat "$target.counts"))"

find "$BACKUP_DIR" -name "hallq-$PGDATABASE-*.dump*" -type f -mtime +"$KEEP_DAYS" -print -delete
