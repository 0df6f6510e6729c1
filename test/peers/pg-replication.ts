import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  chownSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';

/**
 * Local PostgreSQL 15 clusters with REAL streaming replication, for the replication check's tests: a primary made with
 * initdb and one `pg_basebackup -R` standby per requested node, each a `postgres` process this module started (and
 * stops by PID). Everything lives under one temporary directory, removed on stop and on process exit. Only 127.0.0.1.
 *
 * PostgreSQL refuses to run as root, so the binaries run as the `postgres` user (spawn uid/gid).
 */

const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const HOST = '127.0.0.1';
const REPLICATION_USER = 'replicator';

export interface PgServer {
  name: string;
  port: number;
  dataDir: string;
  /** PID of the running postmaster, undefined once stopped. */
  readonly pid: number | undefined;
  /** Fast shutdown (SIGINT to this postmaster's PID); resolves once it has exited. The data dir stays until stop(). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data dir. */
  start(): Promise<void>;
}

export interface PgStandby extends PgServer {
  /** Points primary_conninfo at a port nothing listens on and reloads: in recovery, but no longer streaming. */
  breakReplication(): Promise<void>;
  repairReplication(): Promise<void>;
  /** `pg_wal_replay_pause()`: WAL still arrives but is not replayed, so the replay lag grows with every write. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
}

export interface ReplicatedPostgres {
  host: string;
  /** Superuser and its password (scram over TCP, like md5 on chef-backend). */
  user: string;
  password: string;
  database: string;
  primary: PgServer;
  standbys: PgStandby[];
  /** Runs SQL on the primary (or a standby port). */
  query<T extends object = Record<string, unknown>>(sql: string, port?: number): Promise<T[]>;
  /** Resolves when every standby that should stream does (by application_name on the primary). */
  waitStreaming(names?: string[], timeoutMs?: number): Promise<void>;
  /** Stops every server and removes the data directories. */
  stop(): Promise<void>;
}

export interface ReplicatedPostgresOptions {
  standbys?: number;
  /** Node names; the first is the primary (default be1, be2, be3…). Standbys stream as application_name = name. */
  names?: string[];
  /** Start the last standby with primary_conninfo pointing nowhere (a broken replica from the start). */
  brokenStandby?: boolean;
}

interface PgUser {
  uid: number;
  gid: number;
}

function postgresUser(): PgUser {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (!uid || !gid) throw new Error('no postgres user in /etc/passwd: PostgreSQL cannot run as root');
  return { uid: Number(uid), gid: Number(gid) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function runAs(user: PgUser, file: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { uid: user.uid, gid: user.gid, env: { PATH: '/usr/bin:/bin', LANG: 'C', ...env }, cwd: '/tmp' },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Live postmasters and roots of this process, for the exit hook (a crashed test must not leave servers behind). */
const live = new Map<number, ChildProcess>();
const roots = new Set<string>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    // Synchronous only: immediate shutdown (SIGQUIT) by PID, then remove the directories.
    for (const pid of live.keys()) {
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {
        // Already gone.
      }
    }
    for (const root of roots) rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => process.exit(signal === 'SIGINT' ? 130 : 143));
  }
}

async function connect(port: number, user: string, password: string, database = 'postgres'): Promise<Client> {
  const c = new Client({ host: HOST, port, user, password, database, connectionTimeoutMillis: 2000 });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

async function query<T extends object>(port: number, user: string, password: string, sql: string): Promise<T[]> {
  const c = await connect(port, user, password);
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

function conninfo(port: number, password: string, name: string): string {
  return `host=${HOST} port=${port} user=${REPLICATION_USER} password=${password} application_name=${name}`;
}

class Server implements PgStandby {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  constructor(
    readonly name: string,
    readonly port: number,
    readonly dataDir: string,
    private readonly ctx: {
      user: PgUser;
      root: string;
      superPassword: string;
      primaryPort: number;
      replPassword: string;
    },
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    if (this.child) return;
    const logFd = openSync(join(this.ctx.root, `${this.name}.log`), 'a');
    const child = spawn(join(BIN, 'postgres'), ['-D', this.dataDir], {
      uid: this.ctx.user.uid,
      gid: this.ctx.user.gid,
      stdio: ['ignore', logFd, logFd],
      env: { PATH: '/usr/bin:/bin', LANG: 'C' },
      cwd: '/tmp',
    });
    closeSync(logFd);
    const pid = child.pid;
    if (pid === undefined) throw new Error(`postgres ${this.name} did not start`);
    this.child = child;
    live.set(pid, child);
    let gone = false;
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        gone = true;
        live.delete(pid);
        if (this.child === child) this.child = undefined;
        resolve();
      }),
    );
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (gone) throw new Error(`postgres ${this.name} exited at start:\n${this.logTail()}`);
      try {
        const c = await connect(this.port, 'postgres', this.ctx.superPassword);
        await c.end();
        return;
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(`postgres ${this.name} not ready: ${String(err)}\n${this.logTail()}`);
        await sleep(100);
      }
    }
  }

  logTail(): string {
    try {
      return readFileSync(join(this.ctx.root, `${this.name}.log`), 'utf8').slice(-2000);
    } catch {
      return '';
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    process.kill(child.pid, 'SIGINT');
    const timer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGQUIT'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  private async setConninfo(port: number): Promise<void> {
    appendFileSync(
      join(this.dataDir, 'postgresql.auto.conf'),
      `primary_conninfo = '${conninfo(port, this.ctx.replPassword, this.name)}'\n`,
    );
    // primary_conninfo is reloadable since PG 13: the WAL receiver restarts with the new value.
    if (this.child?.pid) process.kill(this.child.pid, 'SIGHUP');
    await sleep(300);
  }

  async breakReplication(): Promise<void> {
    // Port 1 on loopback: connection refused at once, so the receiver keeps retrying and never streams.
    await this.setConninfo(1);
  }

  async repairReplication(): Promise<void> {
    await this.setConninfo(this.ctx.primaryPort);
  }

  async pauseReplay(): Promise<void> {
    await query(this.port, 'postgres', this.ctx.superPassword, 'SELECT pg_wal_replay_pause()');
  }

  async resumeReplay(): Promise<void> {
    await query(this.port, 'postgres', this.ctx.superPassword, 'SELECT pg_wal_replay_resume()');
  }
}

export async function startReplicatedPostgres(opts: ReplicatedPostgresOptions = {}): Promise<ReplicatedPostgres> {
  const count = opts.standbys ?? 2;
  const names = opts.names ?? Array.from({ length: count + 1 }, (_, i) => `be${i + 1}`);
  const user = postgresUser();
  hookExit();
  const root = mkdtempSync('/tmp/cm-pgrepl-');
  roots.add(root);
  chownSync(root, user.uid, user.gid);
  const superPassword = randomBytes(12).toString('hex');
  const replPassword = randomBytes(12).toString('hex');
  const servers: Server[] = [];
  const stopAll = async () => {
    await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
    rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    roots.delete(root);
  };
  try {
    const pwfile = join(root, 'pw');
    writeFileSync(pwfile, `${superPassword}\n`, { mode: 0o600 });
    chownSync(pwfile, user.uid, user.gid);
    const primaryDir = join(root, names[0] ?? 'primary');
    await runAs(user, join(BIN, 'initdb'), [
      '-D',
      primaryDir,
      '-U',
      'postgres',
      `--pwfile=${pwfile}`,
      '--auth-local=scram-sha-256',
      '--auth-host=scram-sha-256',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    const primaryPort = await freePort();
    const ctx = { user, root, superPassword, primaryPort, replPassword };
    // Settings of a small, fast, replicating primary (fsync off: the data is thrown away at the end).
    appendFileSync(
      join(primaryDir, 'postgresql.conf'),
      [
        `listen_addresses = '${HOST}'`,
        `port = ${primaryPort}`,
        `unix_socket_directories = '${root}'`,
        `cluster_name = '${names[0]}'`,
        'wal_level = replica',
        'max_wal_senders = 10',
        'max_replication_slots = 10',
        "wal_keep_size = '256MB'",
        'hot_standby = on',
        'fsync = off',
        'synchronous_commit = off',
        "shared_buffers = '16MB'",
        'max_connections = 30',
        'wal_receiver_status_interval = 1s',
        "wal_retrieve_retry_interval = '500ms'",
        '',
      ].join('\n'),
    );
    appendFileSync(join(primaryDir, 'pg_hba.conf'), `host replication ${REPLICATION_USER} ${HOST}/32 scram-sha-256\n`);
    const primary = new Server(names[0] ?? 'primary', primaryPort, primaryDir, ctx);
    servers.push(primary);
    await primary.start();
    await query(
      primaryPort,
      'postgres',
      superPassword,
      `CREATE ROLE ${REPLICATION_USER} WITH REPLICATION LOGIN PASSWORD '${replPassword}'`,
    );

    const standbys: Server[] = [];
    for (let i = 1; i <= count; i++) {
      const name = names[i] ?? `standby${i}`;
      const dir = join(root, name);
      await runAs(
        user,
        join(BIN, 'pg_basebackup'),
        ['-h', HOST, '-p', String(primaryPort), '-U', REPLICATION_USER, '-D', dir, '-R', '-X', 'stream', '--no-sync'],
        { PGPASSWORD: replPassword },
      );
      const broken = opts.brokenStandby === true && i === count;
      const port = await freePort();
      // postgresql.auto.conf is read last: these override the copied primary settings and the -R conninfo.
      appendFileSync(
        join(dir, 'postgresql.auto.conf'),
        [
          `port = ${port}`,
          `cluster_name = '${name}'`,
          `primary_conninfo = '${conninfo(broken ? 1 : primaryPort, replPassword, name)}'`,
          '',
        ].join('\n'),
      );
      const s = new Server(name, port, dir, ctx);
      servers.push(s);
      standbys.push(s);
    }
    await Promise.all(standbys.map((s) => s.start()));

    const q = <T extends object>(sql: string, port = primaryPort) => query<T>(port, 'postgres', superPassword, sql);
    const waitStreaming = async (
      want = standbys.filter((_, i) => !(opts.brokenStandby && i === count - 1)).map((s) => s.name),
      timeoutMs = 30_000,
    ) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const rows = await q<{ application_name: string; state: string }>(
          'SELECT application_name, state FROM pg_stat_replication',
        );
        const streaming = new Set(rows.filter((r) => r.state === 'streaming').map((r) => r.application_name));
        if (want.every((n) => streaming.has(n))) return;
        if (Date.now() > deadline) throw new Error(`standbys not streaming: ${JSON.stringify(rows)}`);
        await sleep(100);
      }
    };
    await waitStreaming();
    return {
      host: HOST,
      user: 'postgres',
      password: superPassword,
      database: 'postgres',
      primary,
      standbys,
      query: q,
      waitStreaming,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
