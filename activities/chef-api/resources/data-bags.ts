import type { JsonObject } from '../../normalize';
import { segment } from '../paths';
import { createOrUpdate, type OrgScope, type WriteOutcome } from './scope';

const bagPath = (s: OrgScope, bag: string) => `${s.base}/data/${segment(bag)}`;

export async function listBags(s: OrgScope): Promise<string[]> {
  const r = await s.client.get<Record<string, string>>(`${s.base}/data`);
  return Object.keys(r.body ?? {}).sort();
}

export async function createBag(s: OrgScope, bag: string): Promise<void> {
  await s.client.request('POST', `${s.base}/data`, { body: { name: bag }, accept: [409] });
}

export async function deleteBag(s: OrgScope, bag: string): Promise<void> {
  await s.client.request('DELETE', bagPath(s, bag), { accept: [404] });
}

/** Item ids of one bag; undefined when the bag is gone. */
export async function listItems(s: OrgScope, bag: string): Promise<string[] | undefined> {
  const r = await s.client.get<Record<string, string>>(bagPath(s, bag), { accept: [404] });
  return r.status === 404 ? undefined : Object.keys(r.body ?? {}).sort();
}

export async function getItem(s: OrgScope, bag: string, id: string): Promise<JsonObject | undefined> {
  const r = await s.client.get<JsonObject>(`${bagPath(s, bag)}/${segment(id)}`, { accept: [404] });
  return r.status === 404 ? undefined : r.body;
}

export async function writeItem(
  s: OrgScope,
  bag: string,
  id: string,
  item: JsonObject,
  exists?: boolean,
): Promise<WriteOutcome> {
  const body = { ...item, id };
  return createOrUpdate(
    async () => (await s.client.request('POST', bagPath(s, bag), { body, accept: [409] })).status,
    async () => (await s.client.request('PUT', `${bagPath(s, bag)}/${segment(id)}`, { body, accept: [404] })).status,
    exists,
  );
}

export async function deleteItem(s: OrgScope, bag: string, id: string): Promise<void> {
  await s.client.request('DELETE', `${bagPath(s, bag)}/${segment(id)}`, { accept: [404] });
}
