import type { JsonObject } from '../../normalize';
import type { ChefClient } from '../client';
import { apiPath } from '../paths';
import { createOrUpdate, type WriteOutcome } from './scope';

export async function listOrganizations(client: ChefClient): Promise<string[]> {
  const r = await client.get<Record<string, string>>('/organizations');
  return Object.keys(r.body ?? {}).sort();
}

export async function getOrganization(client: ChefClient, org: string): Promise<JsonObject | undefined> {
  const r = await client.get<JsonObject>(apiPath('organizations', org), { accept: [404] });
  return r.status === 404 ? undefined : r.body;
}

/** Only name and full_name are sent: EC11 extras (org_type, billing_plan, assigned_at) are refused by Chef 12+. */
export async function writeOrganization(client: ChefClient, org: string, data: JsonObject): Promise<WriteOutcome> {
  const body = { name: org, full_name: typeof data.full_name === 'string' ? data.full_name : org };
  return createOrUpdate(
    async () => (await client.request('POST', '/organizations', { body, accept: [409] })).status,
    async () => (await client.request('PUT', apiPath('organizations', org), { body, accept: [404] })).status,
  );
}
