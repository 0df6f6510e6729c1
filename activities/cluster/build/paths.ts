/** Files and packages of a Chef HA install (chef-ha-ops.md §0, §1.1, §2.2). */

export const BACKEND_RB = '/etc/chef-backend/chef-backend.rb';
export const BACKEND_SECRETS = '/etc/chef-backend/chef-backend-secrets.json';
/** Older ctl docs name the secrets file this way (§0): used when the first name is absent. */
export const BACKEND_SECRETS_OLD = '/etc/chef-backend/secrets.json';

export const SERVER_RB = '/etc/opscode/chef-server.rb';
export const SERVER_SECRETS = '/etc/opscode/private-chef-secrets.json';
export const UPGRADES_DIR = '/var/opt/opscode/upgrades';
export const MIGRATION_LEVEL = '/var/opt/opscode/upgrades/migration-level';
export const BOOTSTRAPPED = '/var/opt/opscode/bootstrapped';
/** Written by a successful `chef-server-ctl reconfigure`: the frontend is configured, not just bootstrapped. */
export const SERVER_RUNNING_JSON = '/etc/opscode/chef-server-running.json';

export const BACKEND_PACKAGE = 'chef-backend';
export const FRONTEND_PACKAGE = 'chef-server-core';

/**
 * create-cluster, join-cluster, reconfigure and package installs run whole Chef converges (minutes on real hosts):
 * they get at least this long, whatever the plan's per-command timeout.
 */
export const CONVERGE_TIMEOUT_SECONDS = 1800;
