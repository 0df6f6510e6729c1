import { Client } from 'pg';
import type { CheckResult } from '../types';
import { replicationSql, type ReplicationSql } from './pg-sql';
import { describeError, failed, passed } from './result';

/**
 * PostgreSQL replication over SQL (chef-ha-ops.md §3.1): exactly one backend out of recovery (the leader) with a
 * `streaming` row per follower, each under the lag threshold; every follower in recovery, receiving, and close to the
 * leader's WAL position. Checks: `pg-replication:leader` and `pg-replication:<backend>` for every other backend.
 */

export interface PgEndpoint {
  /** Backend name (be1…). */
  name: string;
  host: string;
  port: number;
}

export interface PgReplicationOptions {
  user: string;
  database: string;
  /** Never logged, never in evidence. */
  password?: string;
  /** Added to connection errors when no password was available (e.g. `set $CHEF_BACKEND_PG_PASSWORD`). */
  missingPasswordHint?: string;
  maxLagBytes: number;
  timeoutMs: number;
}

interface NodeState {
  in_recovery: boolean;
  receive_lsn: string | null;
  replay_lsn: string | null;
  replay_delay_seconds: number | null;
  receiver_status: string | null;
}

interface ReplicationRow {
  application_name: string;
  client_addr: string | null;
  state: string;
  sync_state: string;
  sent_lsn: string | null;
  write_lsn: string | null;
  flush_lsn: string | null;
  replay_lsn: string | null;
  lag_bytes: string | null;
}

interface Reached {
  endpoint: PgEndpoint;
  client: Client;
  version: number;
  sql: ReplicationSql;
  state: NodeState;
}

type Probe = Reached | { endpoint: PgEndpoint; error: string };

async function probe(endpoint: PgEndpoint, opts: PgReplicationOptions): Promise<Probe> {
  const client = new Client({
    host: endpoint.host,
    port: endpoint.port,
    user: opts.user,
    database: opts.database,
    ...(opts.password !== undefined ? { password: opts.password } : {}),
    connectionTimeoutMillis: opts.timeoutMs,
    query_timeout: opts.timeoutMs,
    statement_timeout: opts.timeoutMs,
    application_name: 'chef-migrate-validate',
  });
  // A dropped connection must not crash the worker as an unhandled 'error' event.
  client.on('error', () => undefined);
  try {
    await client.connect();
    const v = await client.query<{ server_version_num: string }>('SHOW server_version_num');
    const version = Number(v.rows[0]?.server_version_num);
    const sql = replicationSql(version);
    const s = await client.query<NodeState>(sql.nodeState);
    const state = s.rows[0];
    if (!state) throw new Error('no row from the recovery-state query');
    return { endpoint, client, version, sql, state };
  } catch (err) {
    await client.end().catch(() => undefined);
    const hint = opts.password === undefined && opts.missingPasswordHint ? ` (${opts.missingPasswordHint})` : '';
    return { endpoint, error: `${describeError(err)}${hint}` };
  }
}

const isReached = (p: Probe): p is Reached => 'client' in p;
const where = (e: PgEndpoint) => `${e.host}:${e.port}`;

function leaderCheck(
  probes: Probe[],
  leader: Reached | undefined,
  rows: ReplicationRow[],
  currentLsn: string | undefined,
  opts: PgReplicationOptions,
  followers: number,
): CheckResult {
  const name = 'pg-replication:leader';
  const primaries = probes.filter(isReached).filter((p) => !p.state.in_recovery);
  const unreachable = probes
    .filter((p) => !isReached(p))
    .map((p) => `${p.endpoint.name} (${'error' in p ? p.error : ''})`);
  if (!leader) {
    const evidence = { primaries: primaries.map((p) => p.endpoint.name), unreachable };
    if (primaries.length > 1)
      return failed(
        name,
        evidence,
        `${primaries.map((p) => p.endpoint.name).join(' and ')} are all out of recovery (split brain) — stop the stale primary and resync it with \`chef-backend-ctl pgsql-follow\``,
      );
    return failed(
      name,
      evidence,
      `no backend is a PostgreSQL primary${unreachable.length ? `; unreachable: ${unreachable.join(', ')}` : ''} — check leaderl (\`chef-backend-ctl cluster-status\`)`,
    );
  }
  const replicas = rows.map((r) => ({
    applicationName: r.application_name,
    clientAddr: r.client_addr,
    state: r.state,
    syncState: r.sync_state,
    sentLsn: r.sent_lsn,
    replayLsn: r.replay_lsn,
    lagBytes: r.lag_bytes === null ? null : Number(r.lag_bytes),
  }));
  const streaming = replicas.filter((r) => r.state === 'streaming');
  const lagging = streaming.filter((r) => r.lagBytes === null || r.lagBytes > opts.maxLagBytes);
  const maxLag = Math.max(0, ...streaming.map((r) => r.lagBytes ?? 0));
  const evidence = {
    host: leader.endpoint.name,
    serverVersionNum: leader.version,
    currentLsn,
    streaming: streaming.length,
    expected: followers,
    maxLagBytes: maxLag,
    thresholdBytes: opts.maxLagBytes,
    replicas,
  };
  const problems: string[] = [];
  if (streaming.length !== followers)
    problems.push(
      `${streaming.length} of ${followers} standbys streaming${replicas.length !== streaming.length ? ` (states: ${replicas.map((r) => r.state).join(', ')})` : ''}`,
    );
  for (const r of lagging)
    problems.push(
      `${r.applicationName || r.clientAddr || 'standby'} ${r.lagBytes === null ? 'has not reported a replay position' : `is ${r.lagBytes} bytes behind (max ${opts.maxLagBytes})`}`,
    );
  if (problems.length)
    return failed(
      name,
      evidence,
      `leader ${leader.endpoint.name}: ${problems.join('; ')} — find the follower that is stopped or behind (\`chef-backend-ctl status\`) and resync it with \`pgsql-follow\``,
    );
  return passed(
    name,
    evidence,
    `leader ${leader.endpoint.name}: ${streaming.length} standbys streaming, max lag ${maxLag} bytes`,
  );
}

async function followerCheck(
  p: Probe,
  leader: Reached | undefined,
  currentLsn: string | undefined,
  opts: PgReplicationOptions,
): Promise<CheckResult> {
  const name = `pg-replication:${p.endpoint.name}`;
  if (!isReached(p))
    return failed(
      name,
      { host: p.endpoint.name, address: where(p.endpoint), error: p.error },
      `${p.endpoint.name}: PostgreSQL unreachable at ${where(p.endpoint)} (${p.error}) — is postgresql running there (\`chef-backend-ctl status\`)?`,
    );
  const s = p.state;
  let lagBytes: number | null = null;
  if (currentLsn && s.in_recovery) {
    const r = await p.client.query<{ lag_bytes: string | null }>(p.sql.lagFrom, [currentLsn]);
    const raw = r.rows[0]?.lag_bytes;
    // The follower may replay past the position read a moment earlier: that is no lag at all.
    lagBytes = raw === null || raw === undefined ? null : Math.max(0, Number(raw));
  }
  const evidence = {
    host: p.endpoint.name,
    serverVersionNum: p.version,
    inRecovery: s.in_recovery,
    receiveLsn: s.receive_lsn,
    replayLsn: s.replay_lsn,
    receiverStatus: s.receiver_status,
    replayDelaySeconds: s.replay_delay_seconds,
    ...(leader ? { leader: leader.endpoint.name, leaderLsn: currentLsn } : {}),
    lagBytes,
    thresholdBytes: opts.maxLagBytes,
  };
  if (!s.in_recovery)
    return failed(
      name,
      evidence,
      `${p.endpoint.name} is not in recovery although ${leader ? `${leader.endpoint.name} is the leader` : 'it should follow'} — a second primary: stop it and resync it from the leader`,
    );
  // From 9.6 the WAL receiver says whether it streams; on 9.5 the leader's pg_stat_replication row is the evidence.
  if (p.version >= 90600 && s.receiver_status !== 'streaming')
    return failed(
      name,
      evidence,
      `${p.endpoint.name} is in recovery but not streaming (WAL receiver ${s.receiver_status ?? 'not running'}) — check primary_conninfo and the leader's pg_hba for replicator, then \`pgsql-follow\``,
    );
  if (lagBytes !== null && lagBytes > opts.maxLagBytes)
    return failed(
      name,
      evidence,
      `${p.endpoint.name} replay is ${lagBytes} bytes behind ${leader?.endpoint.name ?? 'the leader'} (max ${opts.maxLagBytes}) — wait for it to catch up; if the gap grows, check its disk and network, or resync`,
    );
  return passed(
    name,
    evidence,
    `${p.endpoint.name} follows${leader ? ` ${leader.endpoint.name}` : ''}, ${lagBytes ?? '?'} bytes behind`,
  );
}

export async function checkPgReplication(endpoints: PgEndpoint[], opts: PgReplicationOptions): Promise<CheckResult[]> {
  const probes = await Promise.all(endpoints.map((e) => probe(e, opts)));
  try {
    const primaries = probes.filter(isReached).filter((p) => !p.state.in_recovery);
    const leader = primaries.length === 1 ? primaries[0] : undefined;
    let rows: ReplicationRow[] = [];
    let currentLsn: string | undefined;
    let leaderError: string | undefined;
    if (leader) {
      try {
        currentLsn = (await leader.client.query<{ lsn: string }>(leader.sql.currentLsn)).rows[0]?.lsn;
        rows = (await leader.client.query<ReplicationRow>(leader.sql.replicationRows)).rows;
      } catch (err) {
        leaderError = describeError(err);
      }
    }
    const first = leaderError
      ? failed(
          'pg-replication:leader',
          { host: leader?.endpoint.name, error: leaderError },
          `replication query on the leader failed: ${leaderError} — the checking user needs superuser (or pg_monitor) rights`,
        )
      : leaderCheck(probes, leader, rows, currentLsn, opts, endpoints.length - 1);
    const others = await Promise.all(
      probes
        .filter((p) => p !== leader)
        .map((p) =>
          followerCheck(p, leader, currentLsn, opts).catch((err: unknown) =>
            failed(
              `pg-replication:${p.endpoint.name}`,
              { host: p.endpoint.name, error: describeError(err) },
              `${p.endpoint.name}: ${describeError(err)}`,
            ),
          ),
        ),
    );
    return [first, ...others];
  } finally {
    await Promise.all(probes.filter(isReached).map((p) => p.client.end().catch(() => undefined)));
  }
}
