import { ChefClient } from '../chef-api/client';
import { probeServer, type ServerInfo } from '../chef-api/resources/server-info';
import type { RetryRule } from '../retry-rule';
import type { ServerOptions } from './options';

/** One client per server for the whole operation, and what the server is. */
export async function openServer(
  o: ServerOptions,
  concurrency: number,
  extra: { retry?: RetryRule; requestTimeoutMs?: number; signal?: AbortSignal } = {},
): Promise<{ client: ChefClient; info: ServerInfo }> {
  const client = new ChefClient({
    url: o.url,
    userId: o.user,
    keyPath: o.keyPath,
    signVersion: o.signVersion,
    webui: o.webui,
    caFile: o.caFile,
    concurrency,
    retry: extra.retry,
    requestTimeoutMs: extra.requestTimeoutMs,
    signal: extra.signal,
  });
  try {
    return { client, info: await probeServer(client) };
  } catch (err) {
    await client.close();
    throw err;
  }
}
