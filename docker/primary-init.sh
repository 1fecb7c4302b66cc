#!/usr/bin/env bash
# Run once by the postgres image when it creates the primary's cluster: lets the `replica` service
# stream from it (replication connections are refused by the image's default rules).
set -euo pipefail
echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
