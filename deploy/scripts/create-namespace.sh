#!/bin/sh
# One-shot namespace setup for docker-compose.yml (service temporal-create-namespace, image temporalio/admin-tools,
# POSIX sh). temporalio/server creates no namespace of its own (the deprecated auto-setup image used to), and nothing
# pre-registers custom search attributes: a workflow that upserts an unregistered one fails its workflow task.
#
# Written after temporalio/samples-server compose/scripts/create-namespace.sh (wait for the port, wait for
# `temporal operator cluster health`, describe-or-create the namespace), not copied: the retry branch there reads a
# misspelled variable (MAX_ATTdMPTS) that aborts under `set -u`, and it registers no search attributes.
#
# Idempotent: an existing namespace is kept as it is (its retention is not changed), and an attribute that exists
# with the same type is accepted (the server skips it). An attribute that exists with another type is an error
# that retrying cannot fix: the script stops and says so.
set -eu

NAMESPACE=${DEFAULT_NAMESPACE:-default}
TEMPORAL_ADDRESS=${TEMPORAL_ADDRESS:-temporal:7233}
# Retention of closed workflow histories, set only when this script creates the namespace. A migration's history is
# its audit trail; keep it a while after the run closes.
NAMESPACE_RETENTION=${NAMESPACE_RETENTION:-720h}
MAX_ATTEMPTS=${MAX_ATTEMPTS:-30}
SLEEP_SECONDS=${SLEEP_SECONDS:-5}

log() { echo "create-namespace: $*"; }
fail() {
  echo "create-namespace: $*" >&2
  exit 1
}

host=${TEMPORAL_ADDRESS%:*}
port=${TEMPORAL_ADDRESS##*:}
if [ -z "$host" ] || [ -z "$port" ] || [ "$host" = "$TEMPORAL_ADDRESS" ]; then
  fail "TEMPORAL_ADDRESS must be host:port, got '$TEMPORAL_ADDRESS'"
fi

log "waiting for $TEMPORAL_ADDRESS to accept connections"
attempt=1
until nc -z -w 10 "$host" "$port"; do
  [ "$attempt" -lt "$MAX_ATTEMPTS" ] || fail "$TEMPORAL_ADDRESS not reachable after $MAX_ATTEMPTS attempts"
  attempt=$((attempt + 1))
  sleep "$SLEEP_SECONDS"
done

# The newer samples-server script dials the IPv4 address: the CLI may try an IPv6 address of the name first, which the
# server (BIND_ON_IP=0.0.0.0) does not listen on. Keep the name when no IPv4 address can be looked up.
address=$TEMPORAL_ADDRESS
if command -v getent >/dev/null 2>&1; then
  ip=$({ getent ahostsv4 "$host" || getent hosts "$host"; } 2>/dev/null | awk '$1 ~ /^[0-9.]+$/ { print $1; exit }')
  if [ -n "$ip" ]; then address="$ip:$port"; fi
fi
log "using $address"

log 'waiting for the cluster to report healthy'
attempt=1
until temporal operator cluster health --address "$address"; do
  [ "$attempt" -lt "$MAX_ATTEMPTS" ] || fail "cluster not healthy after $MAX_ATTEMPTS attempts"
  log "not healthy yet (attempt $attempt/$MAX_ATTEMPTS)"
  attempt=$((attempt + 1))
  sleep "$SLEEP_SECONDS"
done

attempt=1
while :; do
  if temporal operator namespace describe --namespace "$NAMESPACE" --address "$address" >/dev/null 2>&1; then
    log "namespace '$NAMESPACE' exists"
    break
  fi
  if temporal operator namespace create --namespace "$NAMESPACE" --retention "$NAMESPACE_RETENTION" \
    --address "$address"; then
    log "namespace '$NAMESPACE' created (retention $NAMESPACE_RETENTION)"
    break
  fi
  [ "$attempt" -lt "$MAX_ATTEMPTS" ] || fail "cannot create namespace '$NAMESPACE' after $MAX_ATTEMPTS attempts"
  attempt=$((attempt + 1))
  sleep "$SLEEP_SECONDS"
done

# name, then type as the CLI spells it (Keyword, Int, Double, Bool, Datetime, Text, KeywordList).
# A new namespace can take a moment to reach every frontend cache, hence the retries.
ensure_search_attribute_registered() {
  name=$1
  type=$2
  attempt=1
  while :; do
    if out=$(temporal operator search-attribute create --namespace "$NAMESPACE" --name "$name" --type "$type" \
      --address "$address" 2>&1); then
      log "search attribute $name ($type) registered"
      return 0
    fi
    case $out in
      *"different type"*) fail "search attribute $name exists with another type than $type: $out" ;;
      *"already exists"*)
        log "search attribute $name ($type) already registered"
        return 0
        ;;
    esac
    [ "$attempt" -lt "$MAX_ATTEMPTS" ] || fail "cannot register search attribute $name ($type): $out"
    log "search attribute $name not registered yet (attempt $attempt/$MAX_ATTEMPTS): $out"
    attempt=$((attempt + 1))
    sleep "$SLEEP_SECONDS"
  done
}

# The workflow's search attributes: workflows/search-attributes.ts (test/compose-config.test.ts checks this list
# against it). SQL visibility has 3 Int, 3 Double and 10 Keyword columns per namespace.
ensure_search_attribute_registered MigrationPhase Keyword
ensure_search_attribute_registered MigrationOrgsTotal Int
ensure_search_attribute_registered MigrationOrgsCutOver Int
ensure_search_attribute_registered MigrationLastPassSeconds Double

log "namespace '$NAMESPACE' ready"
