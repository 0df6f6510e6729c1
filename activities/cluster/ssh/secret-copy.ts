import { posix } from 'node:path';
import type { RemoteHost } from '../types';
import { RemoteCommandError } from './errors';
import { shellQuote } from './shell-quote';

/**
 * Copies a secrets file host → worker memory → host (chef-ha-ops.md §1.1 step 2, §2.2 step 3): over the two ssh
 * connections only, never through a command line, a log or the worker's disk. The worker's copy is zeroed once written.
 */
export async function copySecretBetweenHosts(
  from: RemoteHost,
  fromPath: string,
  to: RemoteHost,
  toPath: string,
  mode: number,
): Promise<void> {
  const content = await from.readFile(fromPath);
  try {
    await to.writeFile(toPath, content, mode);
  } finally {
    content.fill(0);
  }
}

/**
 * Gives `to` a temporary copy of a secrets file for the duration of `use` (e.g. `join-cluster -s <path>`), in a
 * fresh 0700 directory, and deletes it afterwards whatever happened — the docs require the copy to be removed once the
 * join is done. A copy that cannot be removed is an error of its own (unless `use` already failed).
 */
export async function withSecretCopy<T>(
  from: RemoteHost,
  fromPath: string,
  to: RemoteHost,
  mode: number,
  use: (tempPath: string) => Promise<T>,
): Promise<T> {
  const made = await to.run('umask 077 && mktemp -d');
  const dir = made.stdout.trim();
  if (made.code !== 0 || !dir.startsWith('/')) {
    throw new RemoteCommandError(to.host, made.command, made.code, made.stderr, 'cannot create a temp dir');
  }
  const tempPath = posix.join(dir, posix.basename(fromPath));
  let result: T;
  try {
    await copySecretBetweenHosts(from, fromPath, to, tempPath, mode);
    result = await use(tempPath);
  } catch (err) {
    // The original failure is the one to report; the removal is still attempted.
    await removeDir(to, dir).catch(() => undefined);
    throw err;
  }
  await removeDir(to, dir);
  return result;
}

async function removeDir(host: RemoteHost, dir: string): Promise<void> {
  const r = await host.run(`rm -rf -- ${shellQuote(dir)}`);
  if (r.code !== 0) {
    throw new RemoteCommandError(host.host, r.command, r.code, r.stderr, 'the temporary secrets copy was not removed');
  }
}
