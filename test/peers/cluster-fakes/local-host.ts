import { spawn } from 'node:child_process';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import type { ClusterHost, CommandResult, RemoteHost } from '../../../activities/cluster/types';

/**
 * A `RemoteHost` that runs commands on this machine through `bash -c`, for tests of the checks (the real one is ssh).
 * `env` is how a test tells the stub programs which host they are (`CHEF_FAKE_HOST`) and where the fake cluster state
 * lives; `pathPrefix` puts the stub `chef-backend-ctl`/`chef-server-ctl`/`chef-load` first on PATH.
 */
export interface LocalHostOptions {
  env?: Record<string, string>;
  pathPrefix?: string[];
  /** Default per-command timeout (seconds). */
  timeoutSeconds?: number;
}

export class LocalProcessHost implements RemoteHost {
  readonly commands: string[] = [];
  closed = false;

  constructor(
    readonly host: ClusterHost,
    private readonly opts: LocalHostOptions = {},
  ) {}

  run(
    command: string,
    opts: { timeoutSeconds?: number; sudo?: boolean; stdin?: Buffer | string } = {},
  ): Promise<CommandResult> {
    this.commands.push(command);
    const started = Date.now();
    const env = {
      ...process.env,
      ...this.opts.env,
      PATH: [...(this.opts.pathPrefix ?? []), process.env.PATH ?? '/usr/bin:/bin'].join(':'),
    };
    return new Promise((resolve, reject) => {
      // Own process group, so a timeout kills the command and everything it started (by PID, never by name).
      const child = spawn('bash', ['-c', command], { env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      const seconds = opts.timeoutSeconds ?? this.opts.timeoutSeconds ?? 60;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      }, seconds * 1000);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const stderr = Buffer.concat(err).toString('utf8');
        resolve({
          command,
          code: timedOut ? 124 : (code ?? (signal ? 128 : 1)),
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: timedOut ? `${stderr}\n(timed out after ${seconds}s)` : stderr,
          durationMs: Date.now() - started,
        });
      });
      // A command that exits without reading stdin closes the pipe first: that EPIPE is not an error of the run.
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.stdin ?? '');
    });
  }

  async writeFile(remotePath: string, content: Buffer, mode: number): Promise<void> {
    await writeFile(remotePath, content, { mode });
    await chmod(remotePath, mode);
  }

  readFile(remotePath: string): Promise<Buffer> {
    return readFile(remotePath);
  }

  async removeFile(remotePath: string): Promise<void> {
    await rm(remotePath, { force: true });
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
