#!/usr/bin/env bash
# One idempotent setup for developers, CI and the README: Debian packages, PostgreSQL up, npm packages,
# and the Temporal CLI (built once from Go modules into a cache outside the clone, keyed by version).
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_CLI_VERSION=v1.5.1
CACHE_ROOT="${CHEF_MIGRATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chef-ha-migrator}"
DEB_PACKAGES=(goiardi ruby ruby-mixlib-authentication openssh-server)

log() { printf '[setup] %s\n' "$*"; }

missing=()
for p in "${DEB_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if command -v pg_isready >/dev/null && ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi

stamp=node_modules/.package-lock.sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "${CI:-}" = true ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "npm ci"
  # The registry reachable here lacks some optional platform packages of @swc/core (darwin, win32, ...), and
  # npm 11 then refuses `npm ci` although every package this platform needs is pinned in the lock file:
  # fall back to `npm install`, which installs the same pinned versions.
  if ! npm ci --no-audit --no-fund --loglevel=error 2>/tmp/chef-migrate-npm-ci.log; then
    log "npm ci refused the lock file ($(grep -m1 'Missing:' /tmp/chef-migrate-npm-ci.log || tail -n1 /tmp/chef-migrate-npm-ci.log)); npm install instead"
    npm install --no-audit --no-fund --loglevel=error
  fi
  echo "$want" >"$stamp"
fi

temporal_bin="$CACHE_ROOT/temporal-cli-$TEMPORAL_CLI_VERSION/temporal"
if command -v temporal >/dev/null 2>&1; then
  log "using temporal on PATH: $(command -v temporal)"
elif [ ! -x "$temporal_bin" ]; then
  log "building Temporal CLI $TEMPORAL_CLI_VERSION from Go modules (first time only; several minutes)"
  mkdir -p "$(dirname "$temporal_bin")"
  GOBIN="$(dirname "$temporal_bin")" CGO_ENABLED=0 GOFLAGS=-mod=mod \
    go install -ldflags "-s -w -X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION#v}" \
    "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
fi
log "ready"
