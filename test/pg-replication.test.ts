import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { replicationSql } from '../activities/cluster/checks/pg-sql';
import {
  checkPgReplication,
  type PgEndpoint,
  type PgReplicationOptions,
} from '../activities/cluster/checks/pg-replication';
import type { CheckResult } from '../activities/cluster/types';
import { startReplicatedPostgres, type PgStandby, type ReplicatedPostgres } from './peers/pg-replication';

/** The replication check against REAL PostgreSQL 15 streaming replication (a primary and two standbys on loopback). */

let pg: ReplicatedPostgres;
let endpoints: PgEndpoint[];
let options: PgReplicationOptions;
const MB = 1024 * 1024;

const byName = (results: CheckResult[]) => Object.fromEntries(results.map((r) => [r.name, r]));
const standby = (i: number): PgStandby => {
  const s = pg.standbys[i];
  assert.ok(s);
  return s;
};

/** Polls the check until `ok(results)` (replication state settles asynchronously). */
async function eventually(ok: (r: Record<string, CheckResult>) => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = byName(await checkPgReplication(endpoints, options));
    if (ok(r) || Date.now() > deadline) return r;
    await new Promise((res) => setTimeout(res, 200));
  }
}
const allPass = (r: Record<string, CheckResult>) => Object.values(r).every((c) => c.pass);

before(async () => {
  pg = await startReplicatedPostgres({ standbys: 2 });
  endpoints = [pg.primary, ...pg.standbys].map((s) => ({ name: s.name, host: pg.host, port: s.port }));
  options = { user: pg.user, database: pg.database, password: pg.password, maxLagBytes: MB, timeoutMs: 3000 };
});

after(async () => {
  await pg?.stop();
});

describe('pg replication check (real PostgreSQL 15)', () => {
  it('passes on the healthy cluster: leader with two streaming standbys, followers in recovery, lag reported', async () => {
    const r = await eventually(allPass);
    assert.deepEqual(Object.keys(r), ['pg-replication:leader', 'pg-replication:be2', 'pg-replication:be3']);
    const leader = r['pg-replication:leader'];
    assert.equal(leader?.pass, true, leader?.message);
    assert.equal(leader?.evidence.host, 'be1');
    assert.equal(leader?.evidence.streaming, 2);
    assert.ok(Number(leader?.evidence.serverVersionNum) >= 150000);
    const replicas = leader?.evidence.replicas as { applicationName: string; state: string; lagBytes: number }[];
    assert.deepEqual(
      replicas.map((x) => [x.applicationName, x.state]),
      [
        ['be2', 'streaming'],
        ['be3', 'streaming'],
      ],
    );
    for (const x of replicas) assert.equal(typeof x.lagBytes, 'number');
    for (const name of ['be2', 'be3']) {
      const f = r[`pg-replication:${name}`];
      assert.equal(f?.pass, true, f?.message);
      assert.equal(f?.evidence.inRecovery, true);
      assert.equal(f?.evidence.receiverStatus, 'streaming');
      assert.equal(typeof f?.evidence.lagBytes, 'number');
      assert.match(f?.message ?? '', /bytes behind/);
    }
    assert.ok(!JSON.stringify(r).includes(pg.password), 'the password never appears in a result');
  });

  it('fails the lagging follower by name, with its lag in bytes, when its replay falls behind the threshold', async () => {
    await standby(0).pauseReplay();
    try {
      // ~10 MB of WAL the paused standby receives but does not replay.
      await pg.query("CREATE TABLE lag_filler AS SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 40000) g");
      // be3 replays too, so it is behind only while the filler streams: wait for it to catch up.
      const r = await eventually(
        (x) => Number(x['pg-replication:be2']?.evidence.lagBytes) > MB && x['pg-replication:be3']?.pass === true,
      );
      const be2 = r['pg-replication:be2'];
      assert.equal(be2?.pass, false);
      assert.ok(Number(be2?.evidence.lagBytes) > MB, JSON.stringify(be2?.evidence));
      assert.match(be2?.message ?? '', /^be2 replay is \d+ bytes behind be1 \(max 1048576\)/);
      const leader = r['pg-replication:leader'];
      assert.equal(leader?.pass, false);
      assert.match(leader?.message ?? '', /be2 is \d+ bytes behind/);
      assert.equal(r['pg-replication:be3']?.pass, true, r['pg-replication:be3']?.message);
    } finally {
      await standby(0).resumeReplay();
      await pg.query('DROP TABLE IF EXISTS lag_filler');
    }
    assert.ok(allPass(await eventually(allPass)), 'healthy again after replay resumes');
  });

  it('fails a standby whose primary_conninfo points nowhere: in recovery but not streaming', async () => {
    await standby(0).breakReplication();
    try {
      const r = await eventually(
        (x) => x['pg-replication:be2']?.pass === false && x['pg-replication:leader']?.pass === false,
      );
      const be2 = r['pg-replication:be2'];
      assert.equal(be2?.pass, false);
      assert.equal(be2?.evidence.inRecovery, true);
      assert.notEqual(be2?.evidence.receiverStatus, 'streaming');
      assert.match(be2?.message ?? '', /^be2 is in recovery but not streaming/);
      assert.match(r['pg-replication:leader']?.message ?? '', /1 of 2 standbys streaming/);
    } finally {
      await standby(0).repairReplication();
    }
    await pg.waitStreaming();
  });

  it('fails a stopped standby by name (unreachable) and the leader (one standby short)', async () => {
    await standby(1).stop();
    try {
      const r = await eventually((x) => x['pg-replication:leader']?.pass === false);
      const be3 = r['pg-replication:be3'];
      assert.equal(be3?.pass, false);
      assert.match(be3?.message ?? '', /^be3: PostgreSQL unreachable at 127\.0\.0\.1:\d+/);
      assert.equal(typeof be3?.evidence.error, 'string');
      const leader = r['pg-replication:leader'];
      assert.equal(leader?.evidence.streaming, 1);
      assert.match(leader?.message ?? '', /^leader be1: 1 of 2 standbys streaming/);
      assert.equal(r['pg-replication:be2']?.pass, true);
    } finally {
      await standby(1).start();
    }
    await pg.waitStreaming();
    assert.ok(allPass(await eventually(allPass)));
  });

  it('fails every check on a wrong password without showing it', async () => {
    const wrong = 'not-the-password-7731';
    const r = await checkPgReplication(endpoints, { ...options, password: wrong });
    assert.ok(r.every((c) => !c.pass));
    assert.match(r.find((c) => c.name === 'pg-replication:be2')?.message ?? '', /password authentication failed/);
    assert.ok(!JSON.stringify(r).includes(wrong));
  });

  it('reports two primaries (a promoted standby) as split brain', async () => {
    // Last test: the promoted standby cannot follow again.
    await pg.query('SELECT pg_promote()', standby(1).port);
    const r = await eventually(
      (x) => x['pg-replication:leader']?.pass === false && x['pg-replication:be1'] !== undefined,
    );
    assert.match(r['pg-replication:leader']?.message ?? '', /be1 and be3 are all out of recovery \(split brain\)/);
    assert.equal(r['pg-replication:be3']?.pass, false);
    assert.match(r['pg-replication:be3']?.message ?? '', /not in recovery/);
  });
});

describe('replication SQL by server_version_num', () => {
  it('uses the 9.5 names for 90525 (chef-backend 2.3.16)', () => {
    assert.deepEqual(replicationSql(90525), {
      currentLsn: 'SELECT pg_current_xlog_location()::text AS lsn',
      replicationRows:
        'SELECT application_name, client_addr::text AS client_addr, state, sync_state, sent_location::text AS sent_lsn, ' +
        'write_location::text AS write_lsn, flush_location::text AS flush_lsn, replay_location::text AS replay_lsn, ' +
        'pg_xlog_location_diff(pg_current_xlog_location(), replay_location)::bigint AS lag_bytes ' +
        'FROM pg_stat_replication ORDER BY application_name, client_addr',
      nodeState:
        'SELECT pg_is_in_recovery() AS in_recovery, pg_last_xlog_receive_location()::text AS receive_lsn, ' +
        'pg_last_xlog_replay_location()::text AS replay_lsn, ' +
        'extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS replay_delay_seconds, ' +
        'NULL::text AS receiver_status',
      lagFrom: 'SELECT pg_xlog_location_diff($1::pg_lsn, pg_last_xlog_replay_location())::bigint AS lag_bytes',
    });
  });

  it('uses the *_lsn / pg_wal_* names from PostgreSQL 10 on, and no 9.x name leaks through', () => {
    const sql = replicationSql(150004);
    assert.equal(sql.currentLsn, 'SELECT pg_current_wal_lsn()::text AS lsn');
    assert.match(
      sql.replicationRows,
      /sent_lsn::text AS sent_lsn, write_lsn::text AS write_lsn, flush_lsn::text AS flush_lsn, replay_lsn::text AS replay_lsn, pg_wal_lsn_diff\(pg_current_wal_lsn\(\), replay_lsn\)::bigint AS lag_bytes/,
    );
    assert.match(
      sql.nodeState,
      /pg_last_wal_receive_lsn\(\).*pg_last_wal_replay_lsn\(\).*\(SELECT status FROM pg_stat_wal_receiver LIMIT 1\) AS receiver_status/,
    );
    assert.equal(sql.lagFrom, 'SELECT pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn())::bigint AS lag_bytes');
    assert.doesNotMatch(Object.values(sql).join(' '), /xlog|_location/);
    assert.match(
      replicationSql(90600).nodeState,
      /pg_last_xlog_replay_location\(\).*pg_stat_wal_receiver/,
      '9.6: old names, receiver view',
    );
  });
});
