import type { ChefClient } from '../client';
import { UnsupportedEndpointError } from '../../errors';

/** What a server is: version text, flavour, API range, and whether it has organizations at all. */
export interface ServerInfo {
  url: string;
  version: string;
  flavor: 'chef-server' | 'goiardi' | 'chef11';
  multiTenant: boolean;
  apiMinVersion: number;
  apiMaxVersion: number;
}

export async function probeServer(client: ChefClient): Promise<ServerInfo> {
  const users = await client.get('/users');
  const h = users.headers;
  const apiInfo = typeof h['x-ops-api-info'] === 'string' ? h['x-ops-api-info'] : '';
  const goiardi = h['x-goiardi'] === 'yes' || apiInfo.includes('goiardi');
  const range = parseRange(h['x-ops-server-api-version']);
  let version = /version[:=]([\d.]+)/.exec(apiInfo)?.[1] ?? '';
  let multiTenant = false;
  try {
    const text = await client.get<unknown>('/version');
    const first = typeof text.body === 'string' ? (text.body.split('\n')[0] ?? '') : '';
    version = /(\d+\.\d+\.\d+)/.exec(first)?.[1] ?? version;
  } catch (err) {
    if (!(err instanceof UnsupportedEndpointError)) throw err;
  }
  try {
    const orgs = await client.get<unknown>('/organizations');
    multiTenant = typeof orgs.body === 'object' && orgs.body !== null;
  } catch (err) {
    if (!(err instanceof UnsupportedEndpointError)) throw err;
  }
  return {
    url: client.label,
    version: version || 'unknown',
    flavor: goiardi ? 'goiardi' : multiTenant ? 'chef-server' : 'chef11',
    multiTenant,
    apiMinVersion: range.min,
    apiMaxVersion: range.max,
  };
}

function parseRange(raw: unknown): { min: number; max: number } {
  if (typeof raw !== 'string') return { min: 0, max: 0 };
  try {
    const v = JSON.parse(raw) as { min_version?: string; max_version?: string };
    return { min: Number(v.min_version ?? 0), max: Number(v.max_version ?? 0) };
  } catch {
    return { min: 0, max: 0 };
  }
}
