import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { freePort } from './demo/free-port';
import { temporalCliPath } from './temporal-cli';

export interface DevServer {
  address: string;
  uiUrl?: string;
  pid: number;
  /** SIGTERM and wait (the SQLite file stays). */
  stop(): Promise<void>;
  /** SIGKILL, like a crash. */
  kill(): Promise<void>;
}

const SA_TYPE: Record<string, string> = {
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  TEXT: 'Text',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/**
 * The official Temporal dev server (SQLite persistence, embedded Web UI) from the local CLI binary, with the
 * migration's search attributes registered. Never downloads anything.
 */
export async function startDevServer(
  opts: { port?: number; uiPort?: number; dbFile?: string; headless?: boolean; log?: 'inherit' | 'ignore' } = {},
): Promise<DevServer> {
  const port = opts.port ?? (await freePort());
  const uiPort = opts.headless ? undefined : (opts.uiPort ?? (await freePort()));
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error'];
  args.push(...(uiPort ? ['--ui-port', String(uiPort)] : ['--headless']));
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  for (const sa of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${sa.name}=${SA_TYPE[sa.type] ?? 'Keyword'}`);
  const child: ChildProcess = spawn(temporalCliPath(), args, {
    stdio: ['ignore', opts.log ?? 'ignore', opts.log ?? 'ignore'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`temporal dev server exited with ${child.exitCode} before it was ready`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      break;
    } catch {
      if (Date.now() > deadline) {
        kill();
        throw new Error(`temporal dev server on ${address} not ready after 60 s`);
      }
      await sleep(200);
    }
  }
  return {
    address,
    ...(uiPort ? { uiUrl: `http://127.0.0.1:${uiPort}` } : {}),
    pid: child.pid ?? 0,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000).then(kill)]);
      process.removeListener('exit', kill);
    },
    async kill() {
      kill();
      await exited;
      process.removeListener('exit', kill);
    },
  };
}
