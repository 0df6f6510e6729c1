import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ClusterHost, SshSettings } from '../../activities/cluster/types';

/**
 * Real `sshd` instances on 127.0.0.1 standing for the hosts of a Chef HA cluster (be1..beN, fe1..feN), for tests of
 * the ssh layer and the cluster build. Each instance runs as root in its own mount namespace, where /etc, /var and /run
 * are overlays whose upper layers are that host's state directory (`hostRoot(name)`): a command run over ssh reads and
 * writes `/etc/chef-backend/...` like on a real host, yet sees only its own host's files. A ForceCommand wrapper
 * (cluster/host-shell) logs every command and puts the stub programs (cluster/bin) first on PATH. State that spans
 * hosts (membership, leader, join lock) lives in a shared cluster directory the stubs find through the environment.
 */

export interface ClusterHostsOptions {
  backends: number;
  frontends: number;
  /** Seconds a joined backend stays `syncing` before it is a healthy follower (the stub's join time). Default 1. */
  joinSeconds?: number;
  /** Pre-install chef-backend / chef-server-core on every host (default true). */
  packagesInstalled?: boolean;
}

export interface LoggedCommand {
  /** Epoch milliseconds when the host's shell received the command. */
  at: number;
  command: string;
}

/** The stubs' shared cluster state (cluster.json), for assertions. */
export interface StubClusterState {
  members: { name: string; ip: string; guid: string; joinedAt: number; healthyAt: number }[];
  leader: string | null;
  failover?: boolean;
}

export interface TestClusterHosts {
  backends: ClusterHost[];
  frontends: ClusterHost[];
  /** Settings that work against these hosts (root, the generated key, the generated known_hosts). */
  ssh: SshSettings;
  baseDir: string;
  /** The host's state directory: its private etc/, var/ (overlay upper layers), tmp/ (TMPDIR) and state/. */
  hostRoot(name: string): string;
  /** Every command run on the host, in order: `<ISO timestamp> <command>` (newlines in a command shown as \n). */
  commandLog(name: string): string[];
  commands(name: string): LoggedCommand[];
  /** Turns a stub fault on or off for one host, or for every host with name `*`. */
  setFault(name: string, fault: string, on: boolean): void;
  setPackageInstalled(name: string, pkg: string, installed: boolean): void;
  /** The host's public key as a known_hosts line (`[127.0.0.1]:PORT ssh-ed25519 AAAA…`). */
  knownHostsLine(name: string): string;
  clusterState(): StubClusterState;
  stop(): Promise<void>;
}

const HERE = join(__dirname, 'cluster');
const STUB_BIN = join(HERE, 'bin');
const HOST_SHELL = join(HERE, 'host-shell');
const USER = 'root';

interface Instance {
  host: ClusterHost;
  root: string;
  log: string;
  publicKey: string;
  process: ChildProcess;
  stderr: string;
}

const running = new Set<number>();
process.once('exit', () => {
  for (const pid of running) killTree(pid);
});

export async function startClusterHosts(opts: ClusterHostsOptions): Promise<TestClusterHosts> {
  if (process.getuid?.() !== 0) throw new Error('the ssh test hosts need root (mount namespaces and overlays)');
  for (const stub of [HOST_SHELL, ...readdirSync(STUB_BIN).map((f) => join(STUB_BIN, f))]) {
    if ((statSync(stub).mode & 0o111) === 0) chmodSync(stub, 0o755);
  }
  const base = mkdtempSync(join(tmpdir(), 'chef-ha-hosts-'));
  const clusterRoot = join(base, 'cluster');
  mkdirSync(join(clusterRoot, 'nodes'), { recursive: true });
  writeFileSync(join(clusterRoot, 'config.json'), JSON.stringify({ joinSeconds: opts.joinSeconds ?? 1 }));
  const clientDir = join(base, 'client');
  mkdirSync(clientDir, { mode: 0o700 });
  const keyPath = join(clientDir, 'id_ed25519');
  keygen(keyPath, 'chef-ha-migrator-test-client');
  writeFileSync(join(clientDir, 'authorized_keys'), readFileSync(`${keyPath}.pub`));

  const hosts: ClusterHost[] = [
    ...Array.from({ length: opts.backends }, (_, i) => host(`be${i + 1}`, `127.0.10.${i + 1}`)),
    ...Array.from({ length: opts.frontends }, (_, i) => ({
      ...host(`fe${i + 1}`, `127.0.20.${i + 1}`),
      fqdn: `fe${i + 1}.chef-ha.test`,
    })),
  ];
  const instances = new Map<string, Instance>();
  try {
    for (const h of hosts) {
      h.sshPort = await freePort();
      const kind = h.name.startsWith('be') ? 'chef-backend' : 'chef-server-core';
      instances.set(h.name, await startSshd(base, clusterRoot, h, kind, opts.packagesInstalled ?? true));
    }
  } catch (err) {
    for (const i of instances.values()) killTree(i.process.pid ?? 0);
    throw err;
  }
  const knownHostsPath = join(clientDir, 'known_hosts');
  writeFileSync(knownHostsPath, [...instances.values()].map((i) => `${knownLine(i)}\n`).join(''));

  const instance = (name: string): Instance => {
    const i = instances.get(name);
    if (!i) throw new Error(`no test host named ${name}`);
    return i;
  };
  const faultsFile = (name: string) => join(instance(name).root, 'state', 'faults');
  const commands = (name: string): LoggedCommand[] =>
    readLines(instance(name).log).map((line) => {
      const space = line.indexOf(' ');
      return { at: Date.parse(line.slice(0, space)), command: unescape(line.slice(space + 1)) };
    });

  return {
    backends: hosts.filter((h) => h.name.startsWith('be')),
    frontends: hosts.filter((h) => h.name.startsWith('fe')),
    ssh: {
      user: USER,
      keyPath,
      knownHostsPath,
      trustOnFirstUse: false,
      sudo: false,
      commandTimeoutSeconds: 30,
      connectTimeoutSeconds: 5,
    },
    baseDir: base,
    hostRoot: (name) => instance(name).root,
    commandLog: (name) => readLines(instance(name).log),
    commands,
    setFault(name, fault, on) {
      for (const n of name === '*' ? [...instances.keys()] : [name]) {
        const file = faultsFile(n);
        const rest = readLines(file).filter((f) => f !== fault);
        writeFileSync(file, [...rest, ...(on ? [fault] : [])].map((f) => `${f}\n`).join(''));
      }
    },
    setPackageInstalled(name, pkg, installed) {
      const file = join(instance(name).root, 'state', 'packages', pkg);
      if (installed) writeFileSync(file, '2.3.16-1\n');
      else rmSync(file, { force: true });
    },
    knownHostsLine: (name) => knownLine(instance(name)),
    clusterState: () =>
      JSON.parse(
        existsSync(join(clusterRoot, 'cluster.json'))
          ? readFileSync(join(clusterRoot, 'cluster.json'), 'utf8')
          : '{"members":[],"leader":null}',
      ) as StubClusterState,
    async stop() {
      await Promise.all([...instances.values()].map((i) => stopInstance(i)));
      if (!process.env.CHEF_TEST_KEEP_HOSTS) rmSync(base, { recursive: true, force: true });
    },
  };
}

function host(name: string, address: string): ClusterHost {
  return { name, sshHost: '127.0.0.1', sshPort: 0, address };
}

function keygen(path: string, comment: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
}

const knownLine = (i: Instance) => `[127.0.0.1]:${i.host.sshPort} ${i.publicKey}`;

async function startSshd(
  base: string,
  clusterRoot: string,
  h: ClusterHost,
  pkg: string,
  installed: boolean,
): Promise<Instance> {
  const root = join(base, 'hosts', h.name);
  for (const d of ['etc', 'var', 'run', '.overlay-work/etc', '.overlay-work/var', '.overlay-work/run', 'tmp', 'home']) {
    mkdirSync(join(root, d), { recursive: true });
  }
  mkdirSync(join(root, 'state', 'packages'), { recursive: true });
  writeFileSync(join(root, 'state', 'faults'), '');
  if (installed) writeFileSync(join(root, 'state', 'packages', pkg), '2.3.16-1\n');
  const sshdDir = join(base, 'sshd', h.name);
  mkdirSync(sshdDir, { recursive: true, mode: 0o700 });
  const hostKey = join(sshdDir, 'ssh_host_ed25519_key');
  keygen(hostKey, `${h.name}-host-key`);
  const log = join(base, 'logs', `${h.name}.log`);
  mkdirSync(dirname(log), { recursive: true });
  writeFileSync(log, '');
  const env = {
    // A per-host home: also keeps the worker's own ~/.bashrc (sourced by bash under sshd) out of every command.
    HOME: join(root, 'home'),
    CHEF_TEST_HOST: h.name,
    CHEF_TEST_HOST_ADDRESS: h.address,
    CHEF_TEST_HOST_ROOT: root,
    CHEF_TEST_CLUSTER_ROOT: clusterRoot,
    CHEF_TEST_COMMAND_LOG: log,
    CHEF_TEST_PATH: [
      STUB_BIN,
      dirname(process.execPath),
      '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    ]
      .filter((p, i, all) => all.indexOf(p) === i)
      .join(':'),
  };
  const config = join(sshdDir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${h.sshPort}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(sshdDir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(base, 'client', 'authorized_keys')}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      `AllowUsers ${USER}`,
      'UsePAM no',
      // The key files live under /tmp, whose mode StrictModes rejects.
      'StrictModes no',
      'PrintMotd no',
      'PrintLastLog no',
      'MaxSessions 64',
      'MaxStartups 64:30:128',
      'LogLevel INFO',
      `ForceCommand /bin/bash ${HOST_SHELL}`,
      `SetEnv ${Object.entries(env)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
      '',
    ].join('\n'),
  );
  // unshare execs sh, which mounts the overlays and execs sshd: one PID from spawn to kill.
  const script = [
    'set -e',
    'for d in etc var run; do',
    '  mount -t overlay overlay -o "lowerdir=/$d,upperdir=$1/$d,workdir=$1/.overlay-work/$d" "/$d"',
    'done',
    'mkdir -p /run/sshd && chmod 0755 /run/sshd',
    'exec /usr/sbin/sshd -D -e -f "$2"',
  ].join('\n');
  // Same process group as the test: a Ctrl-C that ends the test ends the sshd instances too.
  const child = spawn('unshare', ['--mount', '--propagation', 'private', '/bin/sh', '-c', script, 'sh', root, config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (child.pid) running.add(child.pid);
  const instance: Instance = {
    host: h,
    root,
    log,
    publicKey: readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' '),
    process: child,
    stderr: '',
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${h.name}: sshd did not start: ${instance.stderr}`)), 10_000);
    child.stderr?.on('data', (b: Buffer) => {
      instance.stderr = (instance.stderr + b.toString('utf8')).slice(-16_384);
      if (instance.stderr.includes(`Server listening on 127.0.0.1 port ${h.sshPort}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${h.name}: sshd exited ${code}: ${instance.stderr}`));
    });
  });
  // sshd -e keeps logging (one line per connection); keep only the tail for diagnostics.
  child.stderr?.on('data', (b: Buffer) => appendFileSync(join(sshdDir, 'sshd.log'), b));
  return instance;
}

async function stopInstance(i: Instance): Promise<void> {
  const pid = i.process.pid;
  if (!pid || i.process.exitCode !== null || i.process.signalCode !== null) return;
  const exited = new Promise<void>((r) => i.process.once('exit', () => r()));
  killTree(pid);
  await exited;
  running.delete(pid);
}

/** SIGKILL to a process we started and to everything below it (sshd's per-connection children call setsid). */
function killTree(pid: number): void {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const order: number[] = [];
  const walk = (p: number) => {
    order.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  for (const p of order) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function readLines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

function unescape(text: string): string {
  return text.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
}
