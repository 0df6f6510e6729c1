import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../activities/errors';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';

/** The `temporal` CLI: TEMPORAL_CLI_PATH, one on PATH, or the build scripts/setup.sh caches outside the clone. */
export function temporalCliPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TEMPORAL_CLI_PATH) return env.TEMPORAL_CLI_PATH;
  try {
    const onPath = execFileSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' }).trim();
    if (onPath) return onPath;
  } catch {
    // not on PATH
  }
  const cacheRoot =
    env.CHEF_MIGRATOR_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'chef-ha-migrator');
  const cached = join(cacheRoot, `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
  if (existsSync(cached)) return cached;
  throw new ConfigError(
    `no temporal CLI found (looked at TEMPORAL_CLI_PATH, PATH and ${cached}); run: bash scripts/setup.sh`,
  );
}
