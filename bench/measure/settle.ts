import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerCpu } from '../load/servers';

const WINDOW_MS = 1000;
/** Below this share of one core over a window, a server counts as idle. */
const IDLE_SHARE = 0.05;

/**
 * Waits until the servers stop working on their own: goiardi indexes written objects for search in the
 * background (minutes after a bulk load of large nodes), which would otherwise be charged to the next phase.
 * Returns the seconds waited; gives up after `maxSeconds`. Servers without a process of their own are idle.
 */
export async function settle(cpu: () => Promise<ServerCpu>, maxSeconds: number): Promise<number> {
  const started = Date.now();
  let last = await cpu();
  if (last.source === undefined) return 0;
  while (Date.now() - started < maxSeconds * 1000) {
    await sleep(WINDOW_MS);
    const now = await cpu();
    const busiest = Math.max((now.source ?? 0) - (last.source ?? 0), (now.destination ?? 0) - (last.destination ?? 0));
    last = now;
    if (busiest < (IDLE_SHARE * WINDOW_MS) / 1000) break;
  }
  return (Date.now() - started) / 1000;
}
