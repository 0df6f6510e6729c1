import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/** The repository the deployment files live in, read as they are committed. */
export const ROOT = join(__dirname, '..', '..');
export const SETTINGS_FILE = 'worker/settings.ts';
export const NAMESPACE_SCRIPT = 'deploy/scripts/create-namespace.sh';

export const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
export const repoExists = (file: string) => existsSync(join(ROOT, file));
