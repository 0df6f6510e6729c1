import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AdaptiveLimiter } from '../activities/chef-api/adaptive-limiter';
import { ChefClient } from '../activities/chef-api/client';
import { forEachLimit } from '../activities/concurrency';
import { ChefHttpError } from '../activities/errors';
import { startChefDouble, type ChefDouble } from './chef-double';

describe('AdaptiveLimiter (AIMD)', () => {
  it('halves on a 5xx once per cooldown, adds one per window of successes, never leaves [floor, ceiling]', () => {
    let t = 0;
    const l = new AdaptiveLimiter(16, 1, () => t);
    for (let i = 0; i < 5; i++) l.observe({ latencyMs: 10, status: 500 });
    assert.equal(l.limit, 8, 'failures of requests already in flight count once');
    t += 200;
    l.observe({ latencyMs: 10, status: 503 });
    assert.equal(l.limit, 4);
    for (let i = 0; i < 10; i++) {
      t += 200;
      l.observe({ latencyMs: 10, status: 0 });
    }
    assert.equal(l.limit, 1, 'the floor');
    for (let i = 0; i < 1 + 2 + 3; i++) l.observe({ latencyMs: 10, status: 200 });
    assert.equal(l.limit, 4);
    for (let i = 0; i < 2000; i++) l.observe({ latencyMs: 10, status: 200 });
    assert.equal(l.limit, 16, 'the ceiling');
  });

  it("trims when latency climbs far above the server's usual answer", () => {
    let t = 0;
    const l = new AdaptiveLimiter(20, 1, () => t);
    for (let i = 0; i < 50; i++) l.observe({ latencyMs: 5, status: 200 });
    for (let i = 0; i < 100; i++) {
      t += 500;
      l.observe({ latencyMs: 400, status: 200 });
    }
    assert.ok(l.limit < 20, `limit ${l.limit}`);
  });
});

describe('adaptive concurrency against a Chef server that struggles', () => {
  let chef: ChefDouble;
  const ceiling = 16;
  const retry = { maximumAttempts: 3, initialIntervalMs: 20, backoffCoefficient: 2, maximumIntervalMs: 80 };
  const clients: ChefClient[] = [];
  const newClient = (adaptive: boolean) => {
    const c = new ChefClient({
      url: chef.url,
      userId: 'pivotal',
      keyPath: chef.pivotalKeyPath,
      concurrency: ceiling,
      retry,
      adaptive,
    });
    clients.push(c);
    return c;
  };

  before(async () => {
    chef = await startChefDouble();
  });
  after(async () => {
    for (const c of clients) await c.close();
    await chef?.stop();
  });

  /** n GETs fed as fast as the client takes them; the server's request rate meanwhile. */
  const burst = async (client: ChefClient, n: number) => {
    const started = Date.now();
    const before = chef.log.length;
    await forEachLimit(
      Array.from({ length: n }, (_, i) => i),
      ceiling * 2,
      async () => {
        await client.get('/users').catch((err: unknown) => {
          if (!(err instanceof ChefHttpError)) throw err;
        });
      },
    );
    return (chef.log.length - before) / ((Date.now() - started) / 1000);
  };

  it('lowers the requests in flight during an outage (the request rate drops) and raises them again after it', async () => {
    const adaptive = newClient(true);
    const fixed = newClient(false);
    await burst(adaptive, 200);
    assert.equal(adaptive.concurrencyLimit, ceiling, 'a healthy server keeps the full concurrency');
    chef.faults = { errorRate: 0, errorStatus: 503, outage: true, latencyMs: 10, resetRate: 0 };
    const fixedRate = await burst(fixed, 60);
    const adaptiveRate = await burst(adaptive, 60);
    const lowest = adaptive.concurrencyLimit;
    chef.faults = { errorRate: 0, errorStatus: 500, outage: false, latencyMs: 0, resetRate: 0 };
    assert.ok(lowest <= 2, `in flight during the outage: ${lowest}`);
    assert.ok(
      adaptiveRate < fixedRate * 0.7,
      `during the outage: ${adaptiveRate.toFixed(0)} requests/s adaptive, ${fixedRate.toFixed(0)}/s at a fixed ${ceiling}`,
    );
    await burst(adaptive, 800);
    assert.ok(adaptive.concurrencyLimit >= ceiling - 2, `recovered to ${adaptive.concurrencyLimit}`);
  });
});
