import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listDirNames, listJsonNames, layout } from '../../activities/backup-store/layout';
import { apiPath, orgBase } from '../../activities/chef-api/paths';
import { userBody } from '../../activities/chef-api/resources/users';
import { normalize, type JsonObject } from '../../activities/normalize';
import type { RecordedRequest } from '../measure/wire-meter';
import type { MixSource } from './spec';

/** One request of a mix, ready to sign: the path may carry a query string; the body is the exact bytes. */
export interface PlannedRequest {
  method: string;
  path: string;
  apiVersion: string;
  body: string;
}

export async function planMix(source: MixSource): Promise<PlannedRequest[]> {
  return source.kind === 'recorded' ? recordedGets(source.file) : objectPuts(source);
}

async function recordedGets(file: string): Promise<PlannedRequest[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as RecordedRequest)
    .filter((r) => r.method === 'GET')
    .map((r) => ({ method: 'GET', path: r.path, apiVersion: r.apiVersion, body: '' }));
}

const readJson = async (file: string): Promise<JsonObject> => JSON.parse(await readFile(file, 'utf8')) as JsonObject;
const put = (path: string, body: unknown): PlannedRequest => ({
  method: 'PUT',
  path,
  apiVersion: '0',
  body: JSON.stringify(body),
});

/** The same bodies the restore sends (normalised as it normalises them), PUT to each object's own path. */
async function objectPuts(source: Extract<MixSource, { kind: 'objects' }>): Promise<PlannedRequest[]> {
  const chef11 = source.singleTenantOrg !== undefined;
  const orgs = chef11 ? [source.singleTenantOrg ?? ''] : await listDirNames(layout.orgs(source.dir));
  const onlyNodes = source.nodes ? new Set(source.nodes) : undefined;
  const out: PlannedRequest[] = [];
  if (!onlyNodes) {
    for (const name of await listJsonNames(layout.users(source.dir))) {
      if (source.protectedUsers.includes(name)) continue;
      const user = await readJson(layout.user(source.dir, name));
      out.push(put(apiPath('users', name), userBody(user, name, chef11, false)));
    }
  }
  for (const org of orgs) {
    const orgDir = layout.org(source.dir, org);
    const base = orgBase(org, !source.singleTenantOrg);
    const putObject = async (kind: string, file: string, name: string, path: string) => {
      const body = normalize(kind, await readJson(join(orgDir, file)), name, org);
      out.push(put(`${base}${path}`, body));
    };
    for (const name of await listJsonNames(join(orgDir, 'nodes'))) {
      if (onlyNodes && !onlyNodes.has(`${org}/${name}`)) continue;
      await putObject('nodes', join('nodes', `${name}.json`), name, apiPath('nodes', name));
    }
    if (onlyNodes) continue;
    for (const kind of ['clients', 'roles', 'environments']) {
      for (const name of await listJsonNames(join(orgDir, kind))) {
        if (kind === 'environments' && name === '_default') continue;
        await putObject(kind, join(kind, `${name}.json`), name, apiPath(kind, name));
      }
    }
    for (const bag of await listDirNames(join(orgDir, 'data_bags'))) {
      for (const id of await listJsonNames(join(orgDir, 'data_bags', bag))) {
        const path = apiPath('data', bag, id);
        await putObject('data_bag_items', join('data_bags', bag, `${id}.json`), `${bag}/${id}`, path);
      }
    }
  }
  return out;
}
