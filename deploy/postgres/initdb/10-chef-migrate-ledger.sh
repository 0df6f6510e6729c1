#!/usr/bin/env bash
# Creates the migration ledger's role and database in the compose PostgreSQL (service postgresql).
# The postgres image runs the files of /docker-entrypoint-initdb.d once, when it initialises an empty data directory;
# on a volume that already holds a cluster, create them by hand with the same statements.
# The worker creates its table itself (activities/ledger/pg-ledger.ts); a plan points at this database with
#   ledgerUrl: postgres://chef_migrate@postgresql:5432/chef_migrate   (password: PGPASSWORD in the worker's environment)
set -euo pipefail

: "${POSTGRES_USER:?set by the postgres image}"
: "${CHEF_MIGRATE_DB_PASSWORD:?CHEF_MIGRATE_DB_PASSWORD must hold the password of the chef_migrate role}"

# psql variables (:'x' quotes a literal, format %I / %L quote an identifier / literal): no password in the SQL text.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "${POSTGRES_DB:-$POSTGRES_USER}" \
  -v role=chef_migrate -v db=chef_migrate -v password="$CHEF_MIGRATE_DB_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'role', :'password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
