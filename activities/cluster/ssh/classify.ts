/**
 * What an ssh client failure (exit 255) was, read from ssh's own stderr. OpenSSH has no machine-readable error codes;
 * these are its stable messages (the host-key banner and "Permission denied (...)" have not changed in 20 years).
 */
export type SshFailure =
  { kind: 'host-key-changed' } | { kind: 'host-key-unknown' } | { kind: 'auth' } | { kind: 'connect'; detail: string };

const CHANGED = /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for \S+ has changed/;
const UNKNOWN = /No \S+ host key is known for|Host key verification failed/;
const AUTH = /Permission denied \(|Too many authentication failures|Load key .*: (bad permissions|invalid format)/;
const CONNECT =
  /Connection refused|Connection timed out|Operation timed out|timed out during banner exchange|No route to host|Network is unreachable|Could not resolve hostname|Connection closed by|Connection reset by|kex_exchange_identification|Broken pipe|control socket/i;

export function classifySshFailure(stderr: string): SshFailure | undefined {
  // Order matters: a changed key also prints "Host key verification failed".
  if (CHANGED.test(stderr)) return { kind: 'host-key-changed' };
  if (UNKNOWN.test(stderr)) return { kind: 'host-key-unknown' };
  if (AUTH.test(stderr)) return { kind: 'auth' };
  const line = stderr.split(/\r?\n/).find((l) => CONNECT.test(l));
  return line ? { kind: 'connect', detail: line.trim() } : undefined;
}
