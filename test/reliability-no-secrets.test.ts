import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { ChefClient } from '../activities/chef-api/client';
import { simulateCheckins } from '../client/demo/checkins';
import { temporalCliPath } from '../client/temporal-cli';
import { progressQuery } from '../workflows/messages';
import type { MigrationState, Progress } from '../workflows/types';
import { startChefDouble, type ChefDouble } from './chef-double';
import { createTestDatabase } from './fixtures/pg-database';
import {
  chefMigrate,
  listWorkflowIds,
  run,
  showHistory,
  spawnWorker,
  type RunResult,
  type WorkerProcess,
} from './fixtures/reliability/processes';
import { decodePayloads, pemBodyLines, scan, type Secret } from './fixtures/reliability/secrets';
import { USERS, seedOrg, seedUsers } from './fixtures/seed-multi-tenant';
import { startMigrationEnv, waitForProgress, type MigrationEnv } from './fixtures/temporal-env';

/**
 * A whole migration (backup → restore → verify → a pass → both orgs cut over) with a worker in its own process,
 * then everything an operator or a log collector would see — the worker's output, the CLI's output, every
 * workflow history, the pending activities' heartbeats and the failure reports — scanned for secrets: private key
 * material, the users' passwords and the ledger's database password. Key PATHS travel in the plan; contents never.
 */
const NODES = 20;
const ROLE_WRITE = /^POST \/organizations\/beta\/roles$/;

/** A `reject.match` that matches the first matching request only: exactly one role is refused. */
function firstOnly(pattern: RegExp): { match: RegExp; hits: () => number } {
  let hits = 0;
  const match = new RegExp(pattern.source, pattern.flags);
  match.test = (subject: string) => {
    if (hits > 0 || !pattern.test(subject)) return false;
    hits++;
    return true;
  };
  return { match, hits: () => hits };
}

describe('no secret reaches Temporal histories, heartbeats, worker logs, CLI output or failure reports', () => {
  let env: MigrationEnv;
  let a: ChefDouble;
  let b: ChefDouble;
  let dir: string;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let src: ChefClient;
  let dst: ChefClient;
  let worker: WorkerProcess | undefined;
  const secrets: Secret[] = [];
  const sqlPassword = `sql-pw-${randomBytes(12).toString('hex')}`;

  before(async () => {
    [env, a, b, db] = await Promise.all([
      startMigrationEnv('secrets'),
      startChefDouble(),
      startChefDouble(),
      createTestDatabase('cm_secrets'),
    ]);
    dir = await mkdtemp(join(tmpdir(), 'cm-no-secrets-'));
    for (const [label, file] of [
      ['source pivotal.pem', a.pivotalKeyPath],
      ['source webui_priv.pem', a.webuiKeyPath],
      ['destination pivotal.pem', b.pivotalKeyPath],
      ['destination webui_priv.pem', b.webuiKeyPath],
    ] as const)
      secrets.push(...(await pemBodyLines(label, file)));
    secrets.push(
      { label: 'PEM armour', value: '-----BEGIN' },
      { label: 'PEM type', value: 'PRIVATE KEY' },
      ...USERS.map((u) => ({ label: `password of ${u}`, value: `pw-${u}-123456` })),
      { label: 'ledger SQL password', value: sqlPassword },
    );
    src = new ChefClient({ url: a.url, userId: 'pivotal', keyPath: a.pivotalKeyPath });
    dst = new ChefClient({ url: b.url, userId: 'pivotal', keyPath: b.pivotalKeyPath });
    await seedUsers(src);
    for (const org of ['acme', 'beta']) await seedOrg(src, org, { nodes: NODES });
  });

  after(async () => {
    await worker?.stop();
    await src?.close();
    await dst?.close();
    await env?.stop();
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs end to end with one rejected role, and no scanned text holds a key, a password or the SQL password', async () => {
    const t0 = Date.now();
    const texts = new Map<string, string>();
    const cliEnv = {
      CHEF_MIGRATE_TASK_QUEUE: env.settings.controlQueue,
      CHEF_MIGRATE_DATA_TASK_QUEUE: env.settings.dataPlaneQueue,
      TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
    };
    const cli = async (name: string, args: string[]): Promise<RunResult> => {
      const r = await chefMigrate(args, env.server.address, cliEnv);
      texts.set(`chef-migrate ${name}`, `${r.stdout}\n${r.stderr}`);
      assert.equal(r.code, 0, `chef-migrate ${args.join(' ')}: ${r.stderr}`);
      return r;
    };

    // Slow node reads so that the backup steps live long enough for their heartbeats to be seen.
    a.faults = { ...a.faults, latencyMs: 100, match: /^GET \/organizations\/[^/]+\/nodes\/[^/]+$/ };
    const rejected = firstOnly(ROLE_WRITE);
    // Beta's ACL reads, which the full restore does after beta's roles, are slow until a heartbeat that counts the
    // failure has reached the server (the SDK sends heartbeats at most every 0.8 × heartbeat timeout).
    b.faults = {
      ...b.faults,
      latencyMs: 500,
      match: /^GET \/organizations\/beta\/.+\/_acl$/,
      reject: { match: rejected.match, status: 400, message: 'role refused by the test' },
    };

    worker = spawnWorker({
      address: env.server.address,
      controlQueue: env.settings.controlQueue,
      dataPlaneQueue: env.settings.dataPlaneQueue,
      // The machine's PostgreSQL trusts loopback, so it is not checked; it is the configured secret all the same.
      env: { PGPASSWORD: sqlPassword },
    });
    const planFile = join(dir, 'plan.yml');
    await writeFile(
      planFile,
      stringify({
        id: 'no-secrets',
        source: { url: a.url, webuiKey: a.webuiKeyPath },
        destination: { url: b.url, webuiKey: b.webuiKeyPath },
        backupDir: join(dir, 'backup'),
        // The password stays out of the plan (a plan with one is refused): the worker gets it as PGPASSWORD.
        ledgerUrl: db.url,
        concurrency: { backup: 2, restore: 4 },
        incremental: { intervalMinutes: 600 },
        tidy: { requireApproval: false },
        cutover: {
          chefServerUrl: 'https://chef-ha.example.com/organizations/{org}',
          roles: ['web'],
          environments: ['production'],
          checkinDeadlineMinutes: 1,
          checkinPollSeconds: 1,
        },
        heartbeatTimeoutSeconds: 5,
        retry: { maximumAttempts: 3, initialIntervalMs: 50, backoffCoefficient: 2, maximumIntervalMs: 200 },
      }),
    );
    const started = await cli('start', ['start', '--config', planFile]);
    assert.match(started.stdout, /^started migration-no-secrets$/m);
    const id = 'migration-no-secrets';
    const handle = env.client.workflow.getHandle(id);

    // The pending activities' heartbeats, as the UI shows them, sampled until the full steps are done.
    const heartbeats: string[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const r = await run(temporalCliPath(), [
          'workflow',
          'describe',
          '--address',
          env.server.address,
          '--workflow-id',
          id,
          '--output',
          'json',
        ]);
        if (r.code === 0 && /heartbeatDetails/.test(r.stdout)) {
          heartbeats.push(r.stdout);
          if (/"line": "[^"]*\b[1-9]\d* failed/.test(decodePayloads(r.stdout))) b.faults.latencyMs = 0;
        }
        const phase = await handle
          .query(progressQuery)
          .then((p) => p.phase)
          .catch(() => 'unknown');
        if (phase === 'verify-target' || phase === 'incremental-loop') b.faults.latencyMs = 0; // the restore is over
        await sleep(200);
      }
    })();
    let inLoop: Progress;
    try {
      inLoop = await waitForProgress(env.client, id, (p) => p.phase === 'incremental-loop', 180_000);
    } finally {
      sampling = false;
      await sampler;
      b.faults.latencyMs = 0;
    }
    assert.equal(rejected.hits(), 1, 'exactly one role was refused');
    assert.ok(inLoop.failures >= 1, `the refused role counts as a failure (${inLoop.failures})`);
    assert.ok(heartbeats.length > 0, 'heartbeats were seen while the full steps ran');
    texts.set('heartbeats (workflow describe, raw)', heartbeats.join('\n'));
    const decodedHeartbeats = heartbeats.map(decodePayloads).join('\n');
    texts.set('heartbeats (workflow describe, decoded)', decodedHeartbeats);
    assert.match(decodedHeartbeats, /"step": "full (backup|restore)"/, 'heartbeat details decoded');
    const heartbeatLines = new Set([...decodedHeartbeats.matchAll(/"line": "([^"]*)"/g)].map((m) => m[1]));
    assert.ok(heartbeatLines.size > 1, 'the heartbeats carried progress lines');
    assert.match(decodedHeartbeats, /"line": "[^"]*\b1 failed/, 'a heartbeat of the full restore counted the failure');

    // The failure report names the refused role; the next pass moves it.
    const reportDir = join(dir, 'backup', 'errors');
    const reports = (await readdir(reportDir)).filter((f) => f.endsWith('.jsonl'));
    assert.ok(reports.length > 0, 'a failure report was written');
    let reportText = '';
    for (const f of reports) {
      const text = await readFile(join(reportDir, f), 'utf8');
      texts.set(`failure report ${f}`, text);
      reportText += text;
    }
    const entry = reportText
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { kind: string; org: string; name: string; status?: number })
      .find((e) => e.kind === 'roles' && e.org === 'beta');
    assert.ok(entry, `the report has the refused role:\n${reportText}`);
    assert.equal(entry.status, 400);
    assert.equal(
      (await dst.get(`/organizations/beta/roles/${entry.name}`, { accept: [404] })).status,
      404,
      'the refused role is not on the destination yet',
    );

    await cli('pass-now', ['pass-now', id]);
    const afterPass = await waitForProgress(env.client, id, (p) => p.passNumber >= 1, 120_000);
    assert.equal(
      (await dst.get(`/organizations/beta/roles/${entry.name}`, { accept: [404] })).status,
      200,
      `the pass moved the refused role (${JSON.stringify(afterPass.steps.at(-1))})`,
    );
    await cli('status', ['status', id]);
    await cli('status --json', ['status', id, '--json']);

    for (const org of ['acme', 'beta']) {
      await cli(`cutover ${org}`, ['cutover', id, '--org', org]);
      await simulateCheckins(dst, `/organizations/${org}`, 'web');
      const done = await waitForProgress(env.client, id, (p) => p.orgs[org]?.status === 'cut-over', 120_000);
      assert.equal(done.orgs[org]?.cutover?.verified, true, JSON.stringify(done.orgs[org]));
    }
    const final: MigrationState = await handle.result();
    assert.equal(final.phase, 'completed');
    await cli('status (completed)', ['status', id]);
    await cli('list', ['list']);

    // Every workflow in the namespace: the migration and the two cutover children.
    const ids = await listWorkflowIds(env.server.address);
    assert.deepEqual(
      [...ids].sort(),
      [id, `${id}-cutover-acme`, `${id}-cutover-beta`].sort(),
      'the migration and both cutovers',
    );
    for (const wf of ids) {
      const raw = await showHistory(env.server.address, wf);
      texts.set(`history ${wf} (raw)`, raw);
      // The CLI prints payloads in base64; decoded, they are the plans, results and failures as the worker sent them.
      texts.set(`history ${wf} (decoded payloads)`, decodePayloads(raw));
    }
    const history = texts.get(`history ${id} (decoded payloads)`) ?? '';
    // Not vacuous: the decoded history carries the plan (key paths are fine, contents are not) and step results.
    assert.ok(history.length > 10_000, `the history is non-trivial (${history.length} characters)`);
    for (const path of [a.webuiKeyPath, b.webuiKeyPath])
      assert.ok(history.includes(path), `the plan's key path ${path} is in the decoded history`);
    assert.match(history, /"ledgerUrl": "postgres:/, 'the plan with its ledger URL');
    assert.match(history, /"step": "full restore"[^}]*"failed": [1-9]/, 'the full restore result with the failure');
    assert.ok(
      texts.get(`history ${id}-cutover-beta (decoded payloads)`)?.includes(b.webuiKeyPath),
      'the cutover child got the plan',
    );

    await worker.stop();
    const workerOutput = worker.output();
    assert.match(workerOutput, /^worker: /m, 'the worker output was captured');
    texts.set('worker stdout+stderr', workerOutput);

    const findings = scan(texts, secrets);
    const sizes = [...texts].map(([k, v]) => `${k}: ${v.length}`).join(', ');
    console.log(
      `[no secrets] ${((Date.now() - t0) / 1000).toFixed(1)} s; scanned ${texts.size} texts (${sizes}) for ` +
        `${secrets.length} secret strings; ${heartbeats.length} heartbeat samples with ${heartbeatLines.size} ` +
        `distinct lines, e.g. ${JSON.stringify([...heartbeatLines].filter((l) => / failed/.test(l ?? '')).slice(-2))}; findings: ${findings.length}`,
    );
    assert.deepEqual(
      findings.map((f) => `${f.secret} in ${f.where}: …${f.context}…`),
      [],
      'no secret in any scanned text',
    );
  });
});
