#!/usr/bin/env bash
# Prints the Temporal CLI the project uses: TEMPORAL_CLI_PATH, a temporal on PATH, or the cached build.
set -eu
if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then echo "$TEMPORAL_CLI_PATH"; exit 0; fi
if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi
echo "${CHEF_MIGRATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chef-ha-migrator}/temporal-cli-v1.5.1/temporal"
