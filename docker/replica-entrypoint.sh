#!/usr/bin/env bash
# The `replica` service: on its first start a base backup of the primary (`pg_basebackup -R` writes
# standby.signal and primary_conninfo), then PostgreSQL as a hot standby streaming from it.
set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_basebackup -h "$PRIMARY_HOST" -U "$PRIMARY_USER" -D "$PGDATA" -R -X stream --checkpoint=fast; do
    echo "replica: primary not reachable yet, retrying in 2 s"
    rm -rf "$PGDATA"
    sleep 2
  done
fi
exec postgres -D "$PGDATA"
