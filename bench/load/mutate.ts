import { ChefClient } from '../../activities/chef-api/client';
import { forEachLimit } from '../../activities/concurrency';
import type { Dataset } from '../dataset/dataset';
import { nodeBody } from '../dataset/nodes';
import { rng } from '../dataset/prng';
import type { BenchServer } from './servers';

export interface ChangedNode {
  org: string;
  name: string;
}

/**
 * Gives a seeded random `fraction` of the nodes their next chef-client run (new ohai_time, uptime, memory and
 * disk figures) on the source, as PUTs, and returns which ones changed.
 */
export async function changeNodes(
  server: BenchServer,
  ds: Dataset,
  fraction: number,
  concurrency: number,
): Promise<ChangedNode[]> {
  const all = ds.orgs.flatMap((org) => org.nodes.map((name) => ({ org, name })));
  const r = rng(ds.seed, `change:${fraction}`);
  for (let i = all.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    const a = all[i];
    const b = all[j];
    if (a && b) [all[i], all[j]] = [b, a];
  }
  const picked = all.slice(0, Math.max(1, Math.round(all.length * fraction)));
  const client = new ChefClient({ ...server.admin, concurrency });
  try {
    await forEachLimit(picked, concurrency, async ({ org, name }) => {
      const base = server.multiTenant ? `/organizations/${org.name}` : '';
      await client.request('PUT', `${base}/nodes/${name}`, { body: nodeBody(ds.seed, org, name, ds.preset.nodeKb, 1) });
    });
  } finally {
    await client.close();
  }
  return picked.map(({ org, name }) => ({ org: org.name, name }));
}
