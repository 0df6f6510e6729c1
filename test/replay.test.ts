import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from './fixtures/temporal-env';

/**
 * Determinism guard: histories recorded from real runs (RECORD_HISTORIES=1 node --import tsx --test test/migration-multi-tenant.test.ts) must replay against the
 * current workflow code. A change that reorders or adds awaited commands without patched() fails here.
 */
describe('replay of recorded workflow histories', () => {
  it('every recorded history replays without a nondeterminism error', async () => {
    const folder = join(__dirname, 'histories');
    const files = (await readdir(folder)).filter((f) => f.endsWith('.json')).sort();
    assert.ok(files.length >= 2, 'the recorded histories are in test/histories');
    const histories = await Promise.all(
      files.map(async (f) => ({
        workflowId: f.replace(/\.json$/, ''),
        history: JSON.parse(await readFile(join(folder, f), 'utf8')) as unknown,
      })),
    );
    const results = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories))
      results.push(r);
    assert.equal(results.length, files.length);
    for (const r of results) assert.equal(r.error, undefined, `${r.workflowId}: ${String(r.error)}`);
  });
});
