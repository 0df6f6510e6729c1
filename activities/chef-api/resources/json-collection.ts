import type { JsonObject } from '../../normalize';
import { segment } from '../paths';
import { createOrUpdate, type OrgScope, type WriteOutcome } from './scope';

/**
 * The plain Chef collections (clients, containers, groups, environments, roles, nodes): list is `{name: url}`,
 * create is POST to the collection, update is PUT to the object.
 */
export interface JsonCollection {
  readonly api: string;
  list(s: OrgScope): Promise<string[]>;
  get(s: OrgScope, name: string): Promise<JsonObject | undefined>;
  write(s: OrgScope, name: string, body: JsonObject, exists?: boolean): Promise<WriteOutcome>;
  remove(s: OrgScope, name: string): Promise<void>;
}

export function jsonCollection(
  api: string,
  opts: { createBody?: (name: string, body: JsonObject) => JsonObject } = {},
): JsonCollection {
  const itemPath = (s: OrgScope, name: string) => `${s.base}/${api}/${segment(name)}`;
  return {
    api,
    async list(s) {
      const r = await s.client.get<Record<string, string>>(`${s.base}/${api}`);
      return Object.keys(r.body ?? {}).sort();
    },
    async get(s, name) {
      const r = await s.client.get<JsonObject>(itemPath(s, name), { accept: [404] });
      return r.status === 404 ? undefined : r.body;
    },
    async write(s, name, body, exists) {
      const createBody = opts.createBody ? opts.createBody(name, body) : body;
      return createOrUpdate(
        async () => (await s.client.request('POST', `${s.base}/${api}`, { body: createBody, accept: [409] })).status,
        async () => (await s.client.request('PUT', itemPath(s, name), { body, accept: [404] })).status,
        exists,
      );
    },
    async remove(s, name) {
      await s.client.request('DELETE', itemPath(s, name), { accept: [404] });
    },
  };
}

export const clients = jsonCollection('clients', {
  // A client created from a backup keeps its public key; Chef answers a create without one with a new key pair.
  createBody: (name, body) => ({ ...body, name }),
});
export const containers = jsonCollection('containers');
export const groups = jsonCollection('groups', { createBody: (name) => ({ groupname: name, name }) });
export const environments = jsonCollection('environments');
export const roles = jsonCollection('roles');
export const nodes = jsonCollection('nodes');
