import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';

const run = promisify(execFile);

describe('the README main job: chef-migrate demo', () => {
  it('migrates the demo org end to end and ends with zero differences', async () => {
    const { stdout } = await run(
      process.execPath,
      [join(__dirname, '..', 'bin', 'chef-migrate'), 'demo', '--headless', '--nodes', '10'],
      {
        cwd: join(__dirname, '..'),
        timeout: 180_000,
        maxBuffer: 16 << 20,
      },
    );
    assert.match(stdout, /^migration started: migration-demo$/m);
    assert.match(stdout, /^ {2}pass 2: [\d.]+ s; downtime estimate for demo: [\d.]+ s$/m);
    assert.match(stdout, /^demo +cut-over /m);
    assert.match(
      stdout,
      /^final verification of org demo at cutover: 0 differences in \d+ objects; 14\/14 nodes checked in/m,
    );
    assert.match(stdout, /^demo migration completed with zero differences$/m);
  });
});
