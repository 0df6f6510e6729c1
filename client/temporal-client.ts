import { Client, Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import type { TemporalSettings } from '../worker/settings';

const INDEXED_TYPE: Record<string, number> = {
  TEXT: 1,
  KEYWORD: 2,
  INT: 3,
  DOUBLE: 4,
  BOOL: 5,
  DATETIME: 6,
  KEYWORD_LIST: 7,
};

export async function connectClient(settings: TemporalSettings): Promise<Client> {
  try {
    const connection = await Connection.connect({ address: settings.address, connectTimeout: 5000 });
    return new Client({ connection, namespace: settings.namespace });
  } catch (err) {
    throw new Error(
      `cannot reach Temporal at ${settings.address} (${(err as Error).message}); start it (chef-migrate dev, or docker compose up) or set TEMPORAL_ADDRESS`,
    );
  }
}

/** Registers the migration's search attributes where the server does not have them yet (a server not started by us). */
export async function ensureSearchAttributes(client: Client, namespace: string): Promise<void> {
  const existing = await client.connection.operatorService.listSearchAttributes({ namespace });
  const missing = SEARCH_ATTRIBUTES.filter((sa) => !(sa.name in (existing.customAttributes ?? {})));
  if (!missing.length) return;
  await client.connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((sa) => [sa.name, INDEXED_TYPE[sa.type] ?? 2])),
  });
}

export const workflowUrl = (settings: TemporalSettings, workflowId: string) =>
  `${settings.uiUrl}/namespaces/${encodeURIComponent(settings.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
