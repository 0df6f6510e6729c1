import type { ChefServerConfig } from '../../activities/chef-api/client';
import type { ServerOptions } from '../../activities/operations/options';
import { startGoiardi } from '../../client/demo/goiardi';
import { startChefDouble } from '../../test/chef-double';
import { ownCpuSeconds, processCpuSeconds } from '../measure/usage';

export const TARGETS = ['goiardi', 'double'] as const;
export type Target = (typeof TARGETS)[number];

/** One server of a benchmark run: how the engine signs in, how the seeder signs in, and how to stop it. */
export interface BenchServer {
  url: string;
  multiTenant: boolean;
  /** What the engine (backup/restore) and the load generator use. */
  engine: ServerOptions;
  /** What the dataset loader and the mutator use (a superuser key). */
  admin: Pick<ChefServerConfig, 'url' | 'userId' | 'keyPath'>;
  /** Requests the server answered since the last reset, where the server keeps a log (the double does). */
  answered?: { count(): number; reset(): void };
  /** The server's own process, where it has one (goiardi; the double lives in this process). */
  pid?: number;
  stop(): Promise<void>;
}

/** CPU seconds used so far: per server where each is its own process, else only the total. */
export interface ServerCpu {
  total: number;
  source?: number;
  destination?: number;
}

export interface ServerPair {
  source: BenchServer;
  destination: BenchServer;
  cpu(): Promise<ServerCpu>;
  stop(): Promise<void>;
}

/** A fresh, empty source and destination of the same kind, on loopback. */
export async function startServers(target: Target): Promise<ServerPair> {
  const [source, destination] = await Promise.all([startOne(target), startOne(target)]);
  return {
    source,
    destination,
    async cpu() {
      // Both doubles share this process, which otherwise only waits for its children: its CPU is theirs.
      if (source.pid === undefined || destination.pid === undefined) return { total: ownCpuSeconds() };
      const [s, d] = [await processCpuSeconds(source.pid), await processCpuSeconds(destination.pid)];
      return { total: s + d, source: s, destination: d };
    },
    stop: async () => void (await Promise.all([source.stop(), destination.stop()])),
  };
}

async function startOne(target: Target): Promise<BenchServer> {
  if (target === 'goiardi') {
    const g = await startGoiardi();
    const creds = { url: g.url, user: 'admin', keyPath: g.adminKeyPath };
    return {
      url: g.url,
      multiTenant: false,
      engine: creds,
      admin: { url: g.url, userId: 'admin', keyPath: g.adminKeyPath },
      pid: g.pid,
      stop: () => g.stop(),
    };
  }
  // The double runs inside this process, which only waits while a phase's child process does the work.
  const d = await startChefDouble();
  return {
    url: d.url,
    multiTenant: true,
    // knife-ec-backup's identity: the webui key impersonating pivotal.
    engine: { url: d.url, user: 'pivotal', keyPath: d.webuiKeyPath, webui: true },
    admin: { url: d.url, userId: 'pivotal', keyPath: d.pivotalKeyPath },
    answered: { count: () => d.log.length, reset: () => void (d.log.length = 0) },
    stop: () => d.stop(),
  };
}
