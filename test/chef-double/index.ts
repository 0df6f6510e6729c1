/**
 * An in-process, multi-tenant Chef Server 12 test double for end-to-end tests: real Mixlib authentication,
 * organizations, groups, ACLs, cookbooks through sandboxes and a bookshelf-like file store, policies, search,
 * and injectable faults. State lives in memory and dies with stop().
 */
import { createPublicKey } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultUserAcl } from './acl';
import { defaultFaults, type FaultConfig } from './faults';
import { actorKey, KeyPool, newKeyPair } from './keys';
import { buildRouter } from './routes';
import { createRequestHandler, type RequestRecord } from './server';
import type { ServerState } from './state';

export type { FaultConfig } from './faults';
export type { RequestRecord } from './server';

export interface ChefDouble {
  /** http://127.0.0.1:<port>, or https:// when started with `tls`. */
  url: string;
  /** Temp dir holding pivotal.pem and webui_priv.pem (PKCS#1 PEM, mode 0600). */
  keyDir: string;
  pivotalKeyPath: string;
  webuiKeyPath: string;
  /** Read on every request: tests may mutate it or replace it. */
  faults: FaultConfig;
  /** Every answered request, faulted ones included; clear with `log.length = 0`. */
  log: RequestRecord[];
  /**
   * The server's clock minus the real one, read on every request: signature timestamps are checked against it
   * (±15 minutes) and the `Date` response header carries it. Tests may set it.
   */
  clockSkewMs: number;
  /** TCP connections accepted so far (TLS handshakes that failed included). */
  connections: number;
  /** Closes the server and removes keyDir. */
  stop(): Promise<void>;
}

/** Spare keys kept ready for user/client/org creation. */
const KEY_POOL_SIZE = 4;

export interface ChefDoubleOptions {
  port?: number;
  serverVersion?: string;
  /** Initial `clockSkewMs` (default 0). */
  clockSkewMs?: number;
  /** Serve HTTPS with this PEM key and certificate (contents, not paths); the URL is then https://. */
  tls?: { key: string; cert: string };
}

export async function startChefDouble(opts: ChefDoubleOptions = {}): Promise<ChefDouble> {
  const [pivotal, webui] = await Promise.all([newKeyPair(), newKeyPair()]);
  const keyDir = await mkdtemp(join(tmpdir(), 'chef-double-'));
  const pivotalKeyPath = join(keyDir, 'pivotal.pem');
  const webuiKeyPath = join(keyDir, 'webui_priv.pem');
  await writeFile(pivotalKeyPath, pivotal.privateKey, { mode: 0o600 });
  await writeFile(webuiKeyPath, webui.privateKey, { mode: 0o600 });

  const keyPool = new KeyPool(KEY_POOL_SIZE);
  const state: ServerState = {
    baseUrl: '',
    serverVersion: opts.serverVersion ?? '12.19.31',
    users: new Map([
      [
        'pivotal',
        {
          username: 'pivotal',
          fields: {
            display_name: 'Chef Server Superuser',
            email: 'root@localhost.localdomain',
            first_name: 'Chef',
            last_name: 'Server',
          },
          password: '',
          keys: new Map([['default', actorKey('default', pivotal.publicKey)]]),
          acl: defaultUserAcl('pivotal', []),
        },
      ],
    ]),
    orgs: new Map(),
    webuiKey: createPublicKey(webui.privateKey),
    keyPool,
  };

  const server = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }) : createServer();
  const double: ChefDouble = {
    url: '',
    keyDir,
    pivotalKeyPath,
    webuiKeyPath,
    faults: defaultFaults(),
    log: [],
    clockSkewMs: opts.clockSkewMs ?? 0,
    connections: 0,
    stop: async () => {
      keyPool.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(keyDir, { recursive: true, force: true });
    },
  };
  server.on('connection', () => void double.connections++);
  server.on(
    'request',
    createRequestHandler(state, buildRouter(), () => double),
  );

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
    });
  } catch (err) {
    await rm(keyDir, { recursive: true, force: true });
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  // Absolute URLs the double hands out (sandbox uploads, cookbook files) are built from this: same scheme.
  double.url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  state.baseUrl = double.url;
  keyPool.start();
  return double;
}
