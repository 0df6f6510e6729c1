import { Agent, type Dispatcher } from 'undici';
import type { SignedRequest } from './presign';

export interface ReplayResult {
  seconds: number;
  failed: number;
  statuses: Record<string, number>;
}

/**
 * Sends the pre-signed requests to `origin` with `concurrency` in flight on as many keep-alive connections
 * (the engine's pool shape), reading every response to its end and doing nothing else with it.
 */
export async function replay(origin: string, requests: SignedRequest[], concurrency: number): Promise<ReplayResult> {
  const agent = new Agent({ connections: concurrency, keepAliveTimeout: 30_000 });
  const statuses: Record<string, number> = {};
  let failed = 0;
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < requests.length; i = next++) {
      const r = requests[i] as SignedRequest;
      let status = 'error';
      try {
        const res = await agent.request({
          origin,
          path: r.path,
          method: r.method as Dispatcher.HttpMethod,
          headers: r.headers,
          body: r.body,
        });
        await res.body.arrayBuffer();
        status = String(res.statusCode);
        if (res.statusCode >= 400) failed++;
      } catch {
        failed++;
      }
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, requests.length)) }, worker));
    return { seconds: (performance.now() - started) / 1000, failed, statuses };
  } finally {
    await agent.close();
  }
}
