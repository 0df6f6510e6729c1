import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

/** Well-formedness only: a benchmark's figures depend on the machine, so nothing here is timed. */
const REPO = join(__dirname, '..');
const ENGINE_ROWS = ['full backup', 'full restore', 'incremental, nothing changed', 'incremental, 5% nodes changed'];
const PHASE_FIELDS = [
  'objects',
  'requests',
  'seconds',
  'requestsPerSecond',
  'peakRssMb',
  'limitRequestsPerSecond',
  'ratio',
] as const;

function npmRunBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'bench', '--', ...args], { cwd: REPO, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const positive = (v: unknown, what: string) =>
  assert.ok(typeof v === 'number' && Number.isFinite(v) && v > 0, `${what} = ${String(v)}`);

describe('npm run bench (tiny preset)', () => {
  let dir: string;
  let run: { code: number | null; stdout: string; stderr: string };
  let jsonFile: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cm-bench-smoke-'));
    jsonFile = join(dir, 'tiny.json');
    run = await npmRunBench(['--preset', 'tiny', '--json', jsonFile]);
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('exits 0 and prints one table: header, the four engine rows, a limit row under each', () => {
    assert.equal(run.code, 0, run.stderr.slice(-3000));
    const lines = run.stdout.split('\n');
    const header = lines.findIndex((l) => /^phase\s/.test(l));
    assert.ok(header >= 0, run.stdout);
    for (const column of ['objects', 'requests', 'obj/s', 'req/s', 'MB/s', 'wall s', 'peak RSS MB', 'limit req/s'])
      assert.ok(lines[header]?.includes(column), `header lacks ${column}: ${lines[header]}`);
    for (const label of ENGINE_ROWS) {
      const at = lines.findIndex((l) => l.startsWith(`${label} `));
      assert.ok(at > header, `no row '${label}' in\n${run.stdout}`);
      assert.match(lines[at + 1] ?? '', /^\s+limit\b/, `no limit row under '${label}'`);
    }
    assert.equal(lines.filter((l) => /^\s+limit\b/.test(l)).length, ENGINE_ROWS.length);
  });

  it('writes JSON with positive, finite figures for every phase', async () => {
    const results = JSON.parse(await readFile(jsonFile, 'utf8')) as {
      preset: string;
      phases: Record<string, unknown>[];
    };
    assert.equal(results.preset, 'tiny');
    assert.deepEqual(
      results.phases.map((p) => p.label),
      ENGINE_ROWS,
    );
    for (const phase of results.phases) {
      for (const field of PHASE_FIELDS) positive(phase[field], `${String(phase.key)}.${field}`);
    }
    for (const phase of results.phases.slice(2)) {
      positive(phase.destinationRequests, `${String(phase.key)}.destinationRequests`);
      positive(phase.incrementalToFull, `${String(phase.key)}.incrementalToFull`);
    }
  });
});
