import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { freePort } from './free-port';
import { reapOnExit } from './reap-on-exit';

/** One authenticated, in-memory goiardi on loopback (shared/docs/goiardi.md §2.2). */
export interface GoiardiServer {
  url: string;
  port: number;
  /** The conf-root: the three .pem files, goiardi.log and, with persist, the data and index files. */
  dir: string;
  adminKeyPath: string;
  webuiKeyPath: string;
  validatorKeyPath: string;
  pid: number;
  /** SIGTERM (SIGKILL after 10 s), then removes the dir unless the caller supplied it. Safe to call twice. */
  stop(): Promise<void>;
  /** SIGKILL only, like a crash: the dir stays for inspection or a restart; stop() still cleans up. */
  kill(): void;
}

export interface StartGoiardiOptions {
  /** Freeze to goiardi-data.bin / goiardi-index.bin in the dir (every 10 s unless --freeze-interval is passed). */
  persist?: boolean;
  extraArgs?: string[];
  binary?: string;
  /** Reuse this conf-root, e.g. to restart from a persisted data file. The harness never deletes it. */
  confRoot?: string;
}

const DEFAULT_BINARY = '/usr/bin/goiardi';
const READY_TIMEOUT_MS = 15_000;
const POLL_INTERVAL_MS = 100;
const STOP_GRACE_MS = 10_000;
const START_ATTEMPTS = 3;
const LOG_TAIL_CHARS = 4000;

/** freePort() cannot hold the port, so another process may bind it first; that start is retried on a new port. */
class PortTakenError extends Error {}

export async function startGoiardi(opts: StartGoiardiOptions = {}): Promise<GoiardiServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      if (!(err instanceof PortTakenError) || attempt >= START_ATTEMPTS) throw err;
    }
  }
}

async function startOnce(opts: StartGoiardiOptions): Promise<GoiardiServer> {
  const port = await freePort();
  const ownsDir = opts.confRoot === undefined;
  const dir = opts.confRoot ?? (await mkdtemp(join(tmpdir(), 'goiardi-test-')));
  const logPath = join(dir, 'goiardi.log');
  const url = `http://127.0.0.1:${port}`;

  // A file, not a pipe: goiardi can never block on a full pipe, and the log survives for the failure message.
  const logFd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(opts.binary ?? DEFAULT_BINARY, goiardiArgs(port, dir, opts), {
      env: envWithoutGoiardi(),
      stdio: ['ignore', logFd, logFd],
    });
  } finally {
    closeSync(logFd);
  }

  let exitReason: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (err) => {
      exitReason ??= `could not be started: ${err.message}`;
      resolve();
    });
    child.once('exit', (code, signal) => {
      exitReason ??= signal === null ? `exited with code ${code}` : `was killed by ${signal}`;
      resolve();
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null && exitReason === undefined;
  const pid = child.pid;
  const cleanUp = () => (ownsDir ? rm(dir, { recursive: true, force: true }) : Promise.resolve());

  if (pid === undefined) {
    await exited;
    await cleanUp();
    throw new Error(`goiardi ${exitReason ?? 'could not be started'}`);
  }
  const release = reapOnExit(pid, ownsDir ? dir : undefined);
  void exited.then(release);
  // A test that forgets stop() must not keep the runner alive; the exit hook kills the child instead.
  child.unref();

  const signal = (name: NodeJS.Signals) => {
    if (!running()) return;
    try {
      process.kill(pid, name);
    } catch {
      // Exited between the check and the signal.
    }
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (running()) {
        signal('SIGTERM');
        // With --data-file goiardi freezes before exiting; SIGKILL is only for a hung process.
        const escalate = setTimeout(() => signal('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(escalate);
      }
      await cleanUp();
    })());

  try {
    await waitUntilReady(url, () => exitReason, logPath);
    for (const key of ['admin.pem', 'chef-webui.pem', 'chef-validator.pem']) await access(join(dir, key));
  } catch (err) {
    signal('SIGKILL');
    await exited;
    await cleanUp();
    throw err;
  }

  return {
    url,
    port,
    dir,
    adminKeyPath: join(dir, 'admin.pem'),
    webuiKeyPath: join(dir, 'chef-webui.pem'),
    validatorKeyPath: join(dir, 'chef-validator.pem'),
    pid,
    stop,
    kill: () => signal('SIGKILL'),
  };
}

function goiardiArgs(port: number, dir: string, opts: StartGoiardiOptions): string[] {
  const args = [
    '--ipaddress=127.0.0.1',
    `--port=${port}`,
    // Without it every URL goiardi returns names the kernel hostname (pitfall 4).
    '--hostname=127.0.0.1',
    '--use-auth',
    `--conf-root=${dir}`,
    '--log-level=warning',
    '--disable-webui',
  ];
  if (opts.persist) {
    args.push(`--data-file=${join(dir, 'goiardi-data.bin')}`, `--index-file=${join(dir, 'goiardi-index.bin')}`);
  }
  return [...args, ...(opts.extraArgs ?? [])];
}

/** Every option has a GOIARDI_* twin (GOIARDI_CONFIG even loads a file), so the caller's environment must not leak in. */
function envWithoutGoiardi(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^GOIARDI_/i.test(name)));
}

/** goiardi writes the .pem files before it listens, so a 401 to an unsigned request means the keys are complete. */
async function waitUntilReady(url: string, exitReason: () => string | undefined, logPath: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const reason = exitReason();
    if (reason !== undefined) {
      const log = await logTail(logPath);
      if (log.includes('address already in use')) throw new PortTakenError(`goiardi ${reason}: port taken`);
      throw new Error(`goiardi ${reason} before it was ready; log tail:\n${log}`);
    }
    if (await answersUnauthorized(url)) return;
    if (Date.now() > deadline) {
      throw new Error(`goiardi at ${url} not ready after ${READY_TIMEOUT_MS} ms; log tail:\n${await logTail(logPath)}`);
    }
    await sleep(POLL_INTERVAL_MS);
  }
}

async function answersUnauthorized(url: string): Promise<boolean> {
  try {
    const res = await request(`${url}/nodes`, { signal: AbortSignal.timeout(2000) });
    await res.body.dump();
    return res.statusCode === 401;
  } catch {
    return false;
  }
}

async function logTail(logPath: string): Promise<string> {
  try {
    return (await readFile(logPath, 'utf8')).slice(-LOG_TAIL_CHARS);
  } catch {
    return '(no log)';
  }
}
