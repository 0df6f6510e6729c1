import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterHost, SshSettings } from '../types';
import { runLocal } from './local-process';
import { sshOptions } from './ssh-args';

/**
 * One multiplexing ssh connection per host (OpenSSH ControlMaster): a build runs dozens of commands per host, and a
 * fresh TCP + key exchange + auth for each would cost more than the commands. The master is our own child process
 * (not `ControlPersist`, whose background fork keeps the first client's stderr pipe open), its socket lives in a
 * private 0700 temp dir, and `close()` ends it.
 */
export class ControlMaster {
  private child: ChildProcess | undefined;
  private dir: string | undefined;
  private ready: Promise<string> | undefined;
  private stderr = '';

  constructor(
    private readonly host: ClusterHost,
    private readonly ssh: SshSettings,
  ) {}

  /** The control socket path once the master is authenticated; rejects with ssh's stderr when it cannot start. */
  socket(): Promise<string> {
    this.ready ??= this.start().catch((err: unknown) => {
      // A failed start may be transient (host rebooting): the next command tries again.
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  private async start(): Promise<string> {
    this.dir ??= await mkdtemp(join(tmpdir(), 'chef-ha-ssh-'));
    const socketPath = join(this.dir, 'master.sock');
    this.stderr = '';
    const child = spawn(
      'ssh',
      ['-M', '-N', '-S', socketPath, '-o', 'ControlPersist=no', ...sshOptions(this.host, this.ssh), this.host.sshHost],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    live.add(child);
    child.stderr?.on('data', (b: Buffer) => {
      this.stderr = (this.stderr + b.toString('utf8')).slice(-8192);
    });
    child.on('exit', () => {
      live.delete(child);
      // A master that dies later (network drop, host reboot) is replaced on the next command.
      if (this.child === child) {
        this.child = undefined;
        this.ready = undefined;
      }
    });
    const deadline = Date.now() + (Math.max(1, this.ssh.connectTimeoutSeconds) + 10) * 1000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new MasterFailed(this.stderr);
      if (existsSync(socketPath)) return socketPath;
      if (Date.now() > deadline) {
        child.kill('SIGTERM');
        throw new MasterFailed(`${this.stderr}\nConnection timed out (no control socket after the connect timeout)`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    this.ready = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      const socketPath = this.dir ? join(this.dir, 'master.sock') : undefined;
      if (socketPath && existsSync(socketPath)) {
        await runLocal('ssh', ['-S', socketPath, '-O', 'exit', '-l', this.ssh.user, this.host.sshHost], {
          timeoutMs: 5_000,
        }).catch(() => undefined);
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    }
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

/** Raised when the master exits before its socket appears; carries ssh's stderr for classification. */
export class MasterFailed extends Error {
  constructor(readonly stderr: string) {
    super(stderr.trim() || 'ssh exited before the connection was up');
  }
}

// Masters still running when the worker exits would outlive it (they hold no terminal): end them by PID.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGTERM');
});
