import type { ChefClient } from '../chef-api/client';
import { segment } from '../chef-api/paths';
import { partialSearchAll } from '../chef-api/resources/search';
import { orgScope } from '../chef-api/resources/scope';
import type { JsonObject } from '../normalize';
import { openServer } from '../operations/open-server';
import type { MigrationPlan, ServerRef } from '../../workflows/types';
import { serverOptions } from './plan-options';

/** The attribute the chef-client cookbook renders into client.rb (node['chef_client']['config']['chef_server_url']). */
export function withChefServerUrl(o: JsonObject, url: string): JsonObject {
  const attrs = (o.default_attributes ?? {}) as JsonObject;
  const chefClient = (attrs.chef_client ?? {}) as JsonObject;
  const config = (chefClient.config ?? {}) as JsonObject;
  return {
    ...o,
    default_attributes: { ...attrs, chef_client: { ...chefClient, config: { ...config, chef_server_url: url } } },
  };
}

async function onServer<T>(
  plan: MigrationPlan,
  ref: ServerRef,
  fn: (client: ChefClient, multiTenant: boolean) => Promise<T>,
): Promise<T> {
  const { client, info } = await openServer(serverOptions(ref), 4, { retry: plan.retry });
  try {
    return await fn(client, info.multiTenant);
  } finally {
    await client.close();
  }
}

/**
 * Points an org's nodes at the new cluster: the URL goes into the configured roles and environments on the
 * source (nodes still running against it rewrite client.rb on their next run) and on the destination (so it
 * stays after the switch). Idempotent; returns how many objects carry it and which were missing.
 */
export async function pointNodesAtNewServer(
  plan: MigrationPlan,
  org: string,
): Promise<{ updated: number; missing: string[] }> {
  const url = plan.cutover.chefServerUrl.replaceAll('{org}', org);
  let updated = 0;
  const missing: string[] = [];
  for (const ref of [plan.source, plan.destination]) {
    await onServer(plan, ref, async (client, multiTenant) => {
      const s = orgScope(client, org, multiTenant);
      const targets = [
        ...plan.cutover.roles.map((n) => ['roles', n] as const),
        ...plan.cutover.environments.map((n) => ['environments', n] as const),
      ];
      for (const [type, name] of targets) {
        const path = `${s.base}/${type}/${segment(name)}`;
        const current = await client.get<JsonObject>(path, { accept: [404] });
        if (current.status === 404) {
          missing.push(`${ref.url} ${type}/${name}`);
          continue;
        }
        await client.request('PUT', path, { body: withChefServerUrl(current.body, url) });
        updated++;
      }
    });
  }
  return { updated, missing };
}

/** How many of the org's nodes have run chef-client against the destination since `sinceEpochSeconds`. */
export async function countNodeCheckins(
  plan: MigrationPlan,
  org: string,
  sinceEpochSeconds: number,
): Promise<{ nodes: number; checkedIn: number }> {
  return onServer(plan, plan.destination, async (client, multiTenant) => {
    const s = orgScope(client, org, multiTenant);
    const rows = await partialSearchAll(s, 'node', { name: ['name'], ohai_time: ['ohai_time'] });
    const nodes = rows.length;
    const checkedIn = rows.filter((row) => Number(row.data?.ohai_time ?? 0) >= sinceEpochSeconds).length;
    return { nodes, checkedIn };
  });
}
