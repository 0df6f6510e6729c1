import type { ClusterHost, CommandResult } from '../types';

/**
 * Errors of remote execution. The class names double as Temporal error types: HostKeyError and SshAuthError cannot
 * be fixed by a retry (someone must add a key), the others can. Messages carry host, port, file paths and the fix —
 * never key material, file contents or anything a command printed on stdout.
 */

export const SSH_NON_RETRYABLE_ERROR_TYPES = ['HostKeyError', 'SshAuthError'];

const where = (h: ClusterHost) => `${h.name} (${h.sshHost} port ${h.sshPort})`;

/** The last lines of a command's stderr, for error messages (bounded, one line each). */
export function stderrTail(stderr: string, count = 5): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  return lines
    .slice(-count)
    .map((l) => (l.length > 300 ? `${l.slice(0, 299)}…` : l))
    .join(' | ');
}

export class HostKeyError extends Error {
  override name = 'HostKeyError';
  constructor(
    readonly host: ClusterHost,
    readonly knownHostsPath: string,
    readonly reason: 'unknown' | 'changed',
  ) {
    const hostPattern = host.sshPort === 22 ? host.sshHost : `[${host.sshHost}]:${host.sshPort}`;
    super(
      reason === 'changed'
        ? `${where(host)}: the host key does NOT match the one recorded for ${hostPattern} in ${knownHostsPath} ` +
            '(the host was rebuilt, or something is intercepting the connection); refused, and trustOnFirstUse never ' +
            'accepts a changed key. Fix: verify the new key out of band, then replace the entry ' +
            `(ssh-keygen -R '${hostPattern}' -f ${knownHostsPath}, then add the new key).`
        : `${where(host)}: no host key for ${hostPattern} in ${knownHostsPath} and trustOnFirstUse is off; refused. ` +
            `Fix: add the host's key to that file (ssh-keyscan -p ${host.sshPort} ${host.sshHost}, after checking ` +
            'its fingerprint out of band), or set ssh.trustOnFirstUse to record it on first contact.',
    );
  }
}

export class SshAuthError extends Error {
  override name = 'SshAuthError';
  constructor(
    readonly host: ClusterHost,
    readonly user: string,
    readonly keyPath: string,
  ) {
    super(
      `${where(host)}: ssh refused key authentication as ${user}@${host.sshHost} with the key ${keyPath}. ` +
        `Fix: add that key's public half to ~${user}/.ssh/authorized_keys on the host, or correct ssh.user / ` +
        'ssh.keyPath (a key with a passphrase cannot be used: ssh runs in batch mode).',
    );
  }
}

/** The host could not be reached (refused, timed out, reset): worth a retry. */
export class SshConnectError extends Error {
  override name = 'SshConnectError';
  constructor(
    readonly host: ClusterHost,
    detail: string,
  ) {
    super(`${where(host)}: cannot connect over ssh: ${detail || 'ssh exited 255'}`);
  }
}

/** A remote command ran past its timeout and was killed; `result.code` is 124 like coreutils `timeout`. */
export class CommandTimeoutError extends Error {
  override name = 'CommandTimeoutError';
  constructor(
    readonly host: ClusterHost,
    readonly result: CommandResult,
    readonly timeoutSeconds: number,
  ) {
    super(`${host.name}: \`${result.command}\` did not finish within ${timeoutSeconds} s and was killed (exit 124)`);
  }
}

/** A remote command that had to succeed exited non-zero. */
export class RemoteCommandError extends Error {
  override name = 'RemoteCommandError';
  constructor(
    readonly host: ClusterHost,
    readonly command: string,
    readonly code: number,
    stderr: string,
    context?: string,
  ) {
    const tail = stderrTail(stderr);
    super(`${host.name}: ${context ? `${context}: ` : ''}\`${command}\` exited ${code}${tail ? `: ${tail}` : ''}`);
  }
}
