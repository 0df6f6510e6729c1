import { RemoteCommandError } from '../ssh/errors';
import { shellQuote } from '../ssh/shell-quote';
import type { CommandResult, RemoteHost } from '../types';

/** Small helpers over RemoteHost for build steps: commands that must succeed, and file probes. */

export async function mustRun(
  host: RemoteHost,
  command: string,
  opts?: { timeoutSeconds?: number; context?: string },
): Promise<CommandResult> {
  const r = await host.run(command, opts?.timeoutSeconds ? { timeoutSeconds: opts.timeoutSeconds } : undefined);
  if (r.code !== 0) throw new RemoteCommandError(host.host, command, r.code, r.stderr, opts?.context);
  return r;
}

export async function exists(host: RemoteHost, path: string): Promise<boolean> {
  const r = await host.run(`test -e ${shellQuote(path)}`);
  if (r.code > 1) throw new RemoteCommandError(host.host, r.command, r.code, r.stderr);
  return r.code === 0;
}

export async function readIfExists(host: RemoteHost, path: string): Promise<Buffer | undefined> {
  return (await exists(host, path)) ? host.readFile(path) : undefined;
}

/** A fresh private (0700) directory on the host, removed after `use` whatever happened. */
export async function withRemoteTempDir<T>(host: RemoteHost, use: (dir: string) => Promise<T>): Promise<T> {
  const dir = (await mustRun(host, 'umask 077 && mktemp -d', { context: 'cannot create a temp dir' })).stdout.trim();
  const remove = `rm -rf -- ${shellQuote(dir)}`;
  let result: T;
  try {
    result = await use(dir);
  } catch (err) {
    // The original failure is the one to report; the removal is still attempted.
    await host.run(remove).catch(() => undefined);
    throw err;
  }
  // It may hold a generated config with a database password: a leftover is an error, not a warning.
  await mustRun(host, remove, { context: 'temp dir not removed' });
  return result;
}

/** Byte equality that does not keep either buffer around (secrets are compared in memory, never logged). */
export function sameBytes(a: Buffer | undefined, b: Buffer | undefined): boolean {
  return a !== undefined && b !== undefined && a.equals(b);
}
