import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterHost, ClusterPlan } from '../../../activities/cluster/types';
import type { EndpointOverrides } from '../../../activities/cluster/validate/endpoints';
import { startElasticsearchFake, startEtcdFakes, startLeaderlFakes, startStatusFakes } from './http-fakes';
import { LocalProcessHost } from './local-host';

/**
 * A whole fake Chef HA cluster for the validation tests: three backends and N frontends that are this machine (the
 * local-process RemoteHost with the stub ctl programs first on PATH), the HTTP health fakes on loopback, and the
 * state directory the stubs read. Fault injection writes that state.
 */

export const BIN_DIR = join(__dirname, 'bin');

export interface FakeClusterOptions {
  frontends?: number;
  /** Add the `epmd` row and the disks table to `chef-backend-ctl status` (newer builds). */
  newerStatus?: boolean;
}

export type FakeCluster = Awaited<ReturnType<typeof startFakeCluster>>;

export async function startFakeCluster(opts: FakeClusterOptions = {}) {
  for (const f of ['chef-backend-ctl', 'chef-server-ctl', 'chef-load']) chmodSync(join(BIN_DIR, f), 0o755);
  const stateDir = mkdtempSync(join(tmpdir(), 'cm-fake-cluster-'));
  const state = (file: string, content = '') => {
    mkdirSync(join(stateDir, file, '..'), { recursive: true });
    writeFileSync(join(stateDir, file), content);
  };
  const unstate = (file: string) => rmSync(join(stateDir, file), { force: true });
  const backendNames = ['be1', 'be2', 'be3'];
  const frontendNames = Array.from({ length: opts.frontends ?? 2 }, (_, i) => `fe${i + 1}`);
  state('hosts', backendNames.join(' '));
  state('leader', 'be1');
  state('es_master', 'be3');
  state('resync_ms', '1200');
  state('elect_delay_ms', '800');
  if (opts.newerStatus ?? true) {
    state('epmd');
    state('disks');
  }
  const leader = () => (existsSync(join(stateDir, 'leader')) ? readFileSync(join(stateDir, 'leader'), 'utf8') : '');

  const es = await startElasticsearchFake();
  const etcd = await startEtcdFakes(backendNames);
  const leaderl = await startLeaderlFakes(backendNames, () => (leader() ? [leader()] : []));
  const status = await startStatusFakes(frontendNames);

  const host = (name: string): ClusterHost => ({
    name,
    sshHost: '127.0.0.1',
    sshPort: 22,
    address: '127.0.0.1',
    ...(name.startsWith('fe') ? { fqdn: `${name}.chef.test` } : {}),
  });
  const backends = backendNames.map(host);
  const frontends = frontendNames.map(host);
  const hosts: LocalProcessHost[] = [];
  const hostFactory = (h: ClusterHost) => {
    const lh = new LocalProcessHost(h, {
      env: { CHEF_FAKE_STATE: stateDir, CHEF_FAKE_HOST: h.name },
      pathPrefix: [BIN_DIR],
    });
    hosts.push(lh);
    return lh;
  };
  const urls: EndpointOverrides = { leaderl: leaderl.urls, etcd: etcd.urls, elasticsearch: es.url };

  /** A plan for this fake cluster; postgres ports come from the caller (a real replicated PostgreSQL). */
  const plan = (over: Partial<ClusterPlan> = {}): ClusterPlan => ({
    ssh: {
      user: 'root',
      keyPath: '/dev/null',
      knownHostsPath: '/dev/null',
      trustOnFirstUse: false,
      sudo: false,
      commandTimeoutSeconds: 30,
      connectTimeoutSeconds: 5,
    },
    backends,
    frontends,
    packages: {},
    requiredPorts: [],
    health: {
      leaderlPort: 7331,
      elasticsearchPort: 9200,
      etcdPort: 2379,
      statusUrls: status.urls,
      postgres: { port: 5432, user: 'postgres', database: 'postgres' },
    },
    thresholds: {
      maxClockDriftSeconds: 1.5,
      maxReplicationLagBytes: 1024 * 1024,
      joinTimeoutSeconds: 60,
      failoverTimeoutSeconds: 15,
      pollIntervalSeconds: 0.3,
    },
    failoverTests: { soft: false, hard: false },
    ...over,
  });

  return {
    stateDir,
    backends,
    frontends,
    hostFactory,
    hosts,
    urls,
    plan,
    es,
    etcd,
    leaderl,
    status,
    leader,
    // ---- faults ----
    setLeader: (name: string | null) => state('leader', name ?? ''),
    serviceDown: (hostName: string, service: string) => state(`down/${hostName}.${service}`),
    serviceUp: (hostName: string, service: string) => unstate(`down/${hostName}.${service}`),
    syncing: (hostName: string, forever = true) =>
      forever ? state(`syncing/${hostName}`, 'forever') : unstate(`syncing/${hostName}`),
    failPedant: (hostName: string, fail = true) =>
      fail ? state(`pedant_fail/${hostName}`) : unstate(`pedant_fail/${hostName}`),
    failoverOff: (off = true) => (off ? state('failover_off') : unstate('failover_off')),
    noJson: (on = true) => (on ? state('no_json') : unstate('no_json')),
    setLoad: (profile: string, log = '') => {
      state('load.profile', profile);
      state('load.log', log);
    },
    state,
    async close(): Promise<void> {
      await Promise.all([es.close(), etcd.close(), leaderl.close(), status.close()]);
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
