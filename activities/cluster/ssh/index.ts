/** Remote execution on cluster hosts over the system ssh client. */
export { openRemoteHost, type RemoteHostOptions } from './remote-host';
export { copySecretBetweenHosts, withSecretCopy } from './secret-copy';
export {
  CommandTimeoutError,
  HostKeyError,
  RemoteCommandError,
  SSH_NON_RETRYABLE_ERROR_TYPES,
  SshAuthError,
  SshConnectError,
} from './errors';
export { shellQuote } from './shell-quote';
