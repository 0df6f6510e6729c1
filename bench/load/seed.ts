import { ChefClient } from '../../activities/chef-api/client';
import { forEachLimit } from '../../activities/concurrency';
import { uploadCookbook } from '../../client/demo/demo-data';
import { cookbookVersions } from '../dataset/cookbooks';
import type { Dataset, OrgData } from '../dataset/dataset';
import { nodeBody } from '../dataset/nodes';
import { clientBody, dataBagItemBody, environmentBody, roleBody, userBody } from '../dataset/objects';
import type { BenchServer } from './servers';

export interface LoadReport {
  seconds: number;
  requests: number;
  objects: number;
}

/**
 * Loads a dataset into an empty server through the API, `concurrency` requests at once. goiardi loses
 * concurrent writes inside one data bag or one cookbook (shared/docs/goiardi.md §9), so there a bag's items
 * go one after the other; a cookbook's versions always do (each version's sandbox reuses the last one's files).
 */
export async function loadDataset(
  server: BenchServer,
  ds: Dataset,
  concurrency: number,
  progress: (objects: number) => void = () => undefined,
): Promise<LoadReport> {
  const started = Date.now();
  const client = new ChefClient({ ...server.admin, concurrency });
  let objects = 0;
  const done = () => progress(++objects);
  const chef12 = server.multiTenant;
  const post = async (path: string, body: unknown) => {
    await client.request('POST', path, { body });
    done();
  };
  try {
    await forEachLimit(ds.users, concurrency, (u) => post('/users', userBody(ds.seed, u, chef12)));
    for (const org of ds.orgs) {
      const base = chef12 ? `/organizations/${org.name}` : '';
      if (chef12) {
        await post('/organizations', { name: org.name, full_name: `${org.name} Inc.` });
        await forEachLimit(org.members, concurrency, (u) => post(`${base}/users`, { username: u }));
      }
      await loadOrg(client, ds, org, base, { concurrency, serialiseBags: !chef12, post, done });
    }
    return { seconds: (Date.now() - started) / 1000, requests: client.stats.requests, objects };
  } finally {
    await client.close();
  }
}

async function loadOrg(
  client: ChefClient,
  ds: Dataset,
  org: OrgData,
  base: string,
  o: {
    concurrency: number;
    serialiseBags: boolean;
    post: (path: string, body: unknown) => Promise<void>;
    done: () => void;
  },
): Promise<void> {
  const { concurrency: width, post } = o;
  const chef12 = base !== '';
  await forEachLimit(org.environments, width, (e) => post(`${base}/environments`, environmentBody(ds.seed, org, e)));
  await forEachLimit(org.roles, width, (r) => post(`${base}/roles`, roleBody(ds.seed, org, r)));
  await forEachLimit(org.clients, width, (c) => post(`${base}/clients`, clientBody(c, chef12)));
  await forEachLimit(org.bags, width, (b) => post(`${base}/data`, { name: b.name }));
  const postItem = (bag: string, id: string) => post(`${base}/data/${bag}`, dataBagItemBody(ds.seed, bag, id));
  if (o.serialiseBags) {
    await forEachLimit(org.bags, width, async (b) => {
      for (const id of b.items) await postItem(b.name, id);
    });
  } else {
    const items = org.bags.flatMap((b) => b.items.map((id) => ({ bag: b.name, id })));
    await forEachLimit(items, width, (i) => postItem(i.bag, i.id));
  }
  await forEachLimit(org.cookbooks, width, async (cb) => {
    for (const v of cookbookVersions(ds.seed, cb.name, cb.versions, ds.preset.binaryKb)) {
      await uploadCookbook(client, base, v.name, v.version, v.files, { frozen: v.frozen });
      o.done();
    }
  });
  await forEachLimit(org.nodes, width, (n) => post(`${base}/nodes`, nodeBody(ds.seed, org, n, ds.preset.nodeKb)));
}
