import type { ClusterHost, CommandResult, RemoteHost, SshSettings } from '../types';
import { classifySshFailure } from './classify';
import { ControlMaster, MasterFailed } from './control-master';
import { CommandTimeoutError, HostKeyError, RemoteCommandError, SshAuthError, SshConnectError } from './errors';
import { runLocal } from './local-process';
import { shellQuote } from './shell-quote';
import { sshOptions } from './ssh-args';

export interface RemoteHostOptions {
  /**
   * Called after every remote command, including the ones behind writeFile/readFile/removeFile (for an audit log).
   * File contents never appear in it: readFile's result is reported with an empty stdout.
   */
  onCommand?: (result: CommandResult) => void;
}

interface RunOptions {
  timeoutSeconds?: number;
  sudo?: boolean;
  stdin?: Buffer | string;
}

/** Seconds the remote `timeout` waits after SIGTERM before SIGKILL. */
const REMOTE_KILL_AFTER = 5;
/** Extra time the local guard gives the remote `timeout` to report back before the ssh client itself is killed. */
const LOCAL_GUARD_SLACK_SECONDS = REMOTE_KILL_AFTER + 5;

/** A cluster host reached with the system `ssh` client over one multiplexed connection. */
export function openRemoteHost(host: ClusterHost, ssh: SshSettings, options: RemoteHostOptions = {}): RemoteHost {
  return new SshRemoteHost(host, ssh, options);
}

class SshRemoteHost implements RemoteHost {
  private readonly master: ControlMaster;
  private closed = false;

  constructor(
    readonly host: ClusterHost,
    private readonly ssh: SshSettings,
    private readonly options: RemoteHostOptions,
  ) {
    this.master = new ControlMaster(host, ssh);
  }

  async run(command: string, opts: RunOptions = {}): Promise<CommandResult> {
    const { result } = await this.exec(command, opts);
    return result;
  }

  async writeFile(remotePath: string, content: Buffer, mode: number): Promise<void> {
    // Bytes go over stdin into a temp file beside the target, then chmod + rename: readers never see a partial file,
    // and the content is never part of an argv, a log line or a CommandResult.
    const target = shellQuote(remotePath);
    const script = [
      'set -e',
      `t=${target}`,
      'd=$(dirname -- "$t")',
      'mkdir -p -- "$d"',
      'tmp=$(mktemp -- "$d/.$(basename -- "$t").XXXXXX")',
      `trap 'rm -f -- "$tmp"' EXIT`,
      'cat > "$tmp"',
      `chmod ${(mode & 0o7777).toString(8).padStart(4, '0')} -- "$tmp"`,
      'mv -f -- "$tmp" "$t"',
      'trap - EXIT',
    ].join('; ');
    const { result } = await this.exec(script, { stdin: content });
    if (result.code !== 0) throw new RemoteCommandError(this.host, result.command, result.code, result.stderr);
  }

  async readFile(remotePath: string): Promise<Buffer> {
    const { result, stdout } = await this.exec(`cat -- ${shellQuote(remotePath)}`, {}, true);
    if (result.code !== 0) throw new RemoteCommandError(this.host, result.command, result.code, result.stderr);
    return stdout;
  }

  async removeFile(remotePath: string): Promise<void> {
    const { result } = await this.exec(`rm -f -- ${shellQuote(remotePath)}`);
    if (result.code !== 0) throw new RemoteCommandError(this.host, result.command, result.code, result.stderr);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.master.close();
  }

  private async exec(
    command: string,
    opts: RunOptions = {},
    secretStdout = false,
  ): Promise<{ result: CommandResult; stdout: Buffer }> {
    if (this.closed) throw new Error(`${this.host.name}: remote host already closed`);
    const timeoutSeconds = opts.timeoutSeconds ?? this.ssh.commandTimeoutSeconds;
    const socket = await this.master.socket().catch((err: unknown) => {
      throw err instanceof MasterFailed ? this.sshError(err.stderr) : err;
    });
    // The remote `timeout` kills the command's whole process group on the host (killing only the local ssh client
    // would leave it running there); its exit code 124 is the timeout signal.
    const wrapped =
      `${(opts.sudo ?? this.ssh.sudo) ? 'sudo -n ' : ''}timeout -k ${REMOTE_KILL_AFTER} ${timeoutSeconds} ` +
      `sh -c ${shellQuote(command)}`;
    const stdin = opts.stdin === undefined ? undefined : Buffer.from(opts.stdin);
    const done = await runLocal(
      'ssh',
      ['-S', socket, '-o', 'ControlMaster=no', ...sshOptions(this.host, this.ssh), this.host.sshHost, wrapped],
      { stdin, timeoutMs: (timeoutSeconds + this.ssh.connectTimeoutSeconds + LOCAL_GUARD_SLACK_SECONDS) * 1000 },
    );
    const stderr = done.stderr.toString('utf8');
    if (done.code === 255 && !done.killed) {
      const err = this.sshError(stderr, true);
      if (err) throw err;
    }
    const result: CommandResult = {
      command,
      code: done.code,
      stdout: secretStdout ? '' : done.stdout.toString('utf8'),
      stderr,
      durationMs: done.durationMs,
    };
    this.options.onCommand?.(result);
    // 124 from a command that ended early is its own exit code, not our timeout.
    if (done.killed || (done.code === 124 && done.durationMs >= timeoutSeconds * 1000 - 100)) {
      throw new CommandTimeoutError(this.host, { ...result, code: 124 }, timeoutSeconds);
    }
    return { result, stdout: done.stdout };
  }

  private sshError(stderr: string): Error;
  private sshError(stderr: string, onlyKnown: true): Error | undefined;
  private sshError(stderr: string, onlyKnown = false): Error | undefined {
    const failure = classifySshFailure(stderr);
    switch (failure?.kind) {
      case 'host-key-changed':
        return new HostKeyError(this.host, this.ssh.knownHostsPath, 'changed');
      case 'host-key-unknown':
        return new HostKeyError(this.host, this.ssh.knownHostsPath, 'unknown');
      case 'auth':
        return new SshAuthError(this.host, this.ssh.user, this.ssh.keyPath);
      case 'connect':
        return new SshConnectError(this.host, failure.detail);
      default:
        return onlyKnown ? undefined : new SshConnectError(this.host, stderr.trim().split(/\r?\n/).pop() ?? '');
    }
  }
}
