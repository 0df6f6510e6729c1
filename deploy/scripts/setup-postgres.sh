#!/bin/sh
# One-shot schema setup for the Temporal server of docker-compose.yml (service temporal-admin-tools).
# Runs in temporalio/admin-tools with /bin/sh (POSIX sh: no bash there is assumed).
#
# Mirrors temporalio/samples-server compose/scripts/setup-postgres.sh: temporal-sql-tool with the postgres12 plugin
# creates the `temporal` and `temporal_visibility` databases, sets the schema up at 0.0 and applies the versioned
# migrations that ship in the image. Every step is idempotent (an existing database is kept, setup-schema does not lower
# a newer version, update-schema applies only what is missing), so this runs again on every `docker compose up` and,
# after an image upgrade, migrates the schema before the new server starts.
set -eu

POSTGRES_SEEDS=${POSTGRES_SEEDS:-postgresql}
DB_PORT=${DB_PORT:-5432}
POSTGRES_USER=${POSTGRES_USER:-temporal}
# temporal-sql-tool reads the password from SQL_PASSWORD (its --password flag would show it in `ps`).
: "${SQL_PASSWORD:?SQL_PASSWORD must hold the password of $POSTGRES_USER}"
export SQL_PASSWORD
SCHEMA_ROOT=${SCHEMA_ROOT:-/etc/temporal/schema/postgresql/v12}
MAX_ATTEMPTS=${MAX_ATTEMPTS:-30}
SLEEP_SECONDS=${SLEEP_SECONDS:-2}

echo "setup-postgres: waiting for $POSTGRES_SEEDS:$DB_PORT"
attempt=1
until nc -z -w 10 "$POSTGRES_SEEDS" "$DB_PORT"; do
  if [ "$attempt" -ge "$MAX_ATTEMPTS" ]; then
    echo "setup-postgres: $POSTGRES_SEEDS:$DB_PORT not reachable after $MAX_ATTEMPTS attempts" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep "$SLEEP_SECONDS"
done

sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"
}

# database name, then the directory of its versioned migrations
setup_database() {
  echo "setup-postgres: database $1"
  sql_tool --db "$1" create
  sql_tool --db "$1" setup-schema -v 0.0
  sql_tool --db "$1" update-schema -d "$2"
}

setup_database temporal "$SCHEMA_ROOT/temporal/versioned"
setup_database temporal_visibility "$SCHEMA_ROOT/visibility/versioned"

echo 'setup-postgres: schema setup complete'
