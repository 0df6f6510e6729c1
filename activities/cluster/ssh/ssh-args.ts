import type { ClusterHost, SshSettings } from '../types';

/**
 * The `ssh` options every connection to a cluster host uses. Key-only, non-interactive (BatchMode: a prompt would hang
 * an activity), host keys checked against the plan's known_hosts file only (never ~/.ssh/known_hosts or the global
 * file), and keepalives so a dead peer fails the command instead of hanging it.
 */
export function sshOptions(host: ClusterHost, ssh: SshSettings): string[] {
  const o = (kv: string) => ['-o', kv];
  return [
    '-i',
    ssh.keyPath,
    ...o('IdentitiesOnly=yes'),
    ...o('BatchMode=yes'),
    ...o('PasswordAuthentication=no'),
    ...o('KbdInteractiveAuthentication=no'),
    ...o(`UserKnownHostsFile=${ssh.knownHostsPath}`),
    ...o('GlobalKnownHostsFile=/dev/null'),
    // accept-new records an unknown key but still refuses a changed one.
    ...o(`StrictHostKeyChecking=${ssh.trustOnFirstUse ? 'accept-new' : 'yes'}`),
    ...o('UpdateHostKeys=no'),
    ...o(`ConnectTimeout=${Math.max(1, Math.ceil(ssh.connectTimeoutSeconds))}`),
    ...o('ServerAliveInterval=15'),
    ...o('ServerAliveCountMax=3'),
    // Errors only: warnings such as "Permanently added ..." would otherwise land in every command's stderr.
    ...o('LogLevel=ERROR'),
    '-p',
    String(host.sshPort),
    '-l',
    ssh.user,
  ];
}
