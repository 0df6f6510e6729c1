import { PERMS, normalizeAcl, type JsonObject } from '../../normalize';
import type { ChefClient } from '../client';

/** `<object path>/_acl`: read whole, written one permission at a time. */
export async function getAcl(client: ChefClient, objectPath: string): Promise<JsonObject | undefined> {
  const r = await client.get<JsonObject>(`${objectPath}/_acl`, { accept: [404] });
  return r.status === 404 ? undefined : normalizeAcl(r.body);
}

/** PUTs only the permissions that differ from `current` (all five when it is unknown); returns how many. */
export async function putAcl(
  client: ChefClient,
  objectPath: string,
  wanted: JsonObject,
  current?: JsonObject,
): Promise<number> {
  const want = normalizeAcl(wanted);
  const have = current ? normalizeAcl(current) : undefined;
  let written = 0;
  for (const perm of PERMS) {
    if (have && JSON.stringify(have[perm]) === JSON.stringify(want[perm])) continue;
    await client.request('PUT', `${objectPath}/_acl/${perm}`, {
      body: { [perm]: want[perm] ?? null },
      allowEmpty: true,
    });
    written++;
  }
  return written;
}
