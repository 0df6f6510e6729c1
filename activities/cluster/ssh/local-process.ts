import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/** One finished local process (here: always an `ssh` client), its output kept as bytes. */
export interface Finished {
  code: number;
  stdout: Buffer;
  stderr: Buffer;
  durationMs: number;
  /** Killed by the local guard timer. */
  killed: boolean;
}

/** A grace period between SIGTERM and SIGKILL: ssh closes its channel on SIGTERM, which is what we want. */
const KILL_GRACE_MS = 2_000;

/**
 * Runs a program without a shell, feeds it `stdin` (or /dev/null) and collects its output. After `timeoutMs` the
 * process is terminated and the result says `killed` (code 124, like coreutils `timeout`).
 */
export function runLocal(file: string, args: string[], opts: { stdin?: Buffer; timeoutMs: number }): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(file, args, { stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let killed = false;
    let hardKill: NodeJS.Timeout | undefined;
    const guard = setTimeout(() => {
      killed = true;
      child.kill('SIGTERM');
      hardKill = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    }, opts.timeoutMs);
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(guard);
      clearTimeout(hardKill);
      reject((e as NodeJS.ErrnoException).code === 'ENOENT' ? new Error(`${file} is not installed (${e.message})`) : e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      clearTimeout(hardKill);
      resolve({
        code: killed ? 124 : (code ?? 128 + signalNumber(signal)),
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err),
        durationMs: Date.now() - started,
        killed,
      });
    });
    if (opts.stdin && child.stdin) {
      // The remote side may exit before reading everything (e.g. a failing `mkdir`): its exit code tells, not EPIPE.
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.stdin);
    }
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return (signal && constants.signals[signal]) || 1;
}
