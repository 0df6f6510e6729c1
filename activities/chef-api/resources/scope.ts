import type { ChefClient } from '../client';
import { orgBase } from '../paths';

/** Where an org's objects live on one server: `/organizations/<org>` or, on a single-tenant server, the root. */
export interface OrgScope {
  client: ChefClient;
  org: string;
  multiTenant: boolean;
  base: string;
}

export function orgScope(client: ChefClient, org: string, multiTenant: boolean): OrgScope {
  return { client, org, multiTenant, base: orgBase(org, multiTenant) };
}

/** Outcome of a create-or-update: which verb finally wrote the object. */
export type WriteOutcome = 'created' | 'updated';

/** POST, and PUT on 409 (the seeds' improvement over GET-then-write); with `exists` known, PUT first and POST on 404. */
export async function createOrUpdate(
  create: () => Promise<number>,
  update: () => Promise<number>,
  exists?: boolean,
): Promise<WriteOutcome> {
  if (exists) {
    if ((await update()) !== 404) return 'updated';
    await create();
    return 'created';
  }
  if ((await create()) !== 409) return 'created';
  await update();
  return 'updated';
}
