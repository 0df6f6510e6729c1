/**
 * The replication SQL for the server's version. chef-backend ships PostgreSQL 9.5, whose names PG 10 renamed
 * (`*_location` → `*_lsn`, `xlog` → `wal`); the version is read first (`server_version_num`) and the text built from it.
 */

export interface ReplicationSql {
  /** Leader: the current WAL position. */
  currentLsn: string;
  /** Leader: one row per connected standby, with its replay lag in bytes. */
  replicationRows: string;
  /** Any node: recovery state and receive/replay positions (plus the WAL receiver status from 9.6 on). */
  nodeState: string;
  /** Follower: bytes between `$1` (the leader's position) and this node's replay position. */
  lagFrom: string;
}

/** PostgreSQL 10 renamed the xlog functions and the `pg_stat_replication` location columns. */
export const PG10 = 100000;
/** `pg_stat_wal_receiver` appeared in 9.6. */
const PG96 = 90600;

export function replicationSql(serverVersionNum: number): ReplicationSql {
  const modern = serverVersionNum >= PG10;
  const loc = (col: string) => (modern ? `${col}_lsn` : `${col}_location`);
  const current = modern ? 'pg_current_wal_lsn()' : 'pg_current_xlog_location()';
  const diff = modern ? 'pg_wal_lsn_diff' : 'pg_xlog_location_diff';
  const received = modern ? 'pg_last_wal_receive_lsn()' : 'pg_last_xlog_receive_location()';
  const replayed = modern ? 'pg_last_wal_replay_lsn()' : 'pg_last_xlog_replay_location()';
  const receiver = serverVersionNum >= PG96 ? '(SELECT status FROM pg_stat_wal_receiver LIMIT 1)' : 'NULL::text';
  return {
    currentLsn: `SELECT ${current}::text AS lsn`,
    replicationRows:
      `SELECT application_name, client_addr::text AS client_addr, state, sync_state, ` +
      `${loc('sent')}::text AS sent_lsn, ${loc('write')}::text AS write_lsn, ${loc('flush')}::text AS flush_lsn, ` +
      `${loc('replay')}::text AS replay_lsn, ${diff}(${current}, ${loc('replay')})::bigint AS lag_bytes ` +
      `FROM pg_stat_replication ORDER BY application_name, client_addr`,
    nodeState:
      `SELECT pg_is_in_recovery() AS in_recovery, ${received}::text AS receive_lsn, ${replayed}::text AS replay_lsn, ` +
      `extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS replay_delay_seconds, ` +
      `${receiver} AS receiver_status`,
    lagFrom: `SELECT ${diff}($1::pg_lsn, ${replayed})::bigint AS lag_bytes`,
  };
}
