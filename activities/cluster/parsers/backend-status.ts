import { parseRunitLine } from './runit';
import { lines, parseDhms } from './text';

/** `chef-backend-ctl status` (chef-ha-ops.md §1.4): the service table, the optional disks table, error lines. */

export interface LeaderlCounts {
  leader: number;
  waiting: number;
  follower: number;
  total: number;
}
export interface PostgresqlCounts {
  leader: number;
  offline: number;
  syncing: number;
  synced: number;
}
export interface HealthCounts {
  /** etcd `health:` / Elasticsearch `state:` (green, yellow, red). */
  state: string;
  healthy: number;
  total: number;
}

export interface BackendServiceRow {
  service: string;
  running: boolean;
  pid?: number;
  /** `running (pid 6661)`, `down`, or the runit state for `--simple` output. */
  localStatus: string;
  secondsInState?: number;
  /** The `Distributed Node Status` column as printed. */
  distributed: string;
  /** Set when the distributed column is an `error: …` message. */
  error?: string;
  leaderl?: LeaderlCounts;
  postgresql?: PostgresqlCounts;
  etcd?: HealthCounts;
  elasticsearch?: HealthCounts;
}

export interface DiskStatus {
  /** `/var/log/chef-backend: OK; /var/opt/chef-backend: OK` → one entry per path. */
  paths: { path: string; state: string }[];
  health?: HealthCounts;
  line: string;
}

export interface BackendStatus {
  services: BackendServiceRow[];
  disks?: DiskStatus;
  /** Every `error: …` text, from the distributed column or from a line of its own. */
  errors: string[];
  /** Non-empty lines that are neither headers nor rows: kept so a format change is visible in the evidence. */
  unparsed: string[];
}

// The §1.4 row regex, widened only by allowing other lower-case local states (e.g. `starting`) through.
const ROW = /^(\S+)\s+(running \(pid (\d+)\)|down|[a-z_]+)\s+(\d+d \d+h \d+m \d+s)\s+(.*)$/;
const LEADERL = /leader: (\d+); waiting: (\d+); follower: (\d+); total: (\d+)/;
const POSTGRESQL = /leader: (\d+); offline: (\d+); syncing: (\d+); synced: (\d+)/;
const ETCD = /health: (\w+); healthy nodes: (\d+)\/(\d+)/;
const ELASTICSEARCH = /state: (\w+); nodes online: (\d+)\/(\d+)/;
const HEADER = /^(Service|System)\s+Local Status\b/;

const num = (m: RegExpExecArray, i: number) => Number(m[i]);

function distributedFields(text: string): Partial<BackendServiceRow> {
  const out: Partial<BackendServiceRow> = {};
  const trimmed = text.trim();
  if (/^error:/i.test(trimmed)) out.error = trimmed.replace(/^error:\s*/i, '');
  let m = LEADERL.exec(trimmed);
  if (m) out.leaderl = { leader: num(m, 1), waiting: num(m, 2), follower: num(m, 3), total: num(m, 4) };
  m = POSTGRESQL.exec(trimmed);
  if (m) out.postgresql = { leader: num(m, 1), offline: num(m, 2), syncing: num(m, 3), synced: num(m, 4) };
  m = ETCD.exec(trimmed);
  if (m) out.etcd = { state: m[1] ?? '', healthy: num(m, 2), total: num(m, 3) };
  m = ELASTICSEARCH.exec(trimmed);
  if (m) out.elasticsearch = { state: m[1] ?? '', healthy: num(m, 2), total: num(m, 3) };
  return out;
}

function parseDisks(line: string): DiskStatus {
  const body = line.replace(/^disks\s+/, '');
  const healthAt = body.search(/health: /);
  const local = healthAt >= 0 ? body.slice(0, healthAt) : body;
  const paths = [...local.matchAll(/(\/\S*): (\w+)/g)].map((m) => ({ path: m[1] ?? '', state: m[2] ?? '' }));
  const h = ETCD.exec(body);
  return { paths, line, ...(h ? { health: { state: h[1] ?? '', healthy: num(h, 2), total: num(h, 3) } } : {}) };
}

export function parseBackendStatus(text: string): BackendStatus {
  const result: BackendStatus = { services: [], errors: [], unparsed: [] };
  for (const raw of lines(text)) {
    const line = raw.trim();
    if (!line || HEADER.test(line)) continue;
    if (/^disks\s/.test(line)) {
      result.disks = parseDisks(line);
      continue;
    }
    if (/^error:/i.test(line)) {
      result.errors.push(line.replace(/^error:\s*/i, ''));
      continue;
    }
    const m = ROW.exec(line);
    if (m) {
      const row: BackendServiceRow = {
        service: m[1] ?? '',
        running: (m[2] ?? '').startsWith('running'),
        localStatus: m[2] ?? '',
        distributed: (m[5] ?? '').trim(),
        ...(m[3] ? { pid: Number(m[3]) } : {}),
        ...distributedFields(m[5] ?? ''),
      };
      const seconds = parseDhms(m[4] ?? '');
      if (seconds !== undefined) row.secondsInState = seconds;
      if (row.error) result.errors.push(row.error);
      result.services.push(row);
      continue;
    }
    // `status --simple` prints runit lines instead of the table (the way to look at degraded nodes).
    const runit = parseRunitLine(line);
    if (runit) {
      result.services.push({
        service: runit.name,
        running: runit.state === 'run',
        localStatus: runit.state,
        distributed: '',
        ...(runit.pid !== undefined ? { pid: runit.pid } : {}),
        ...(runit.seconds !== undefined ? { secondsInState: runit.seconds } : {}),
      });
      continue;
    }
    result.unparsed.push(line);
  }
  return result;
}

/** The services every chef-backend node runs; `epmd` is checked only when listed (supervised since 1.4.6). */
export const REQUIRED_BACKEND_SERVICES = ['elasticsearch', 'etcd', 'leaderl', 'postgresql'] as const;

/**
 * The healthy predicate of §1.4 as a list of problems (empty = healthy): every service running; leaderl one leader,
 * no waiting node, the others followers; postgresql one leader, nothing offline or syncing, the others synced; etcd and
 * Elasticsearch green with every node; disks OK.
 */
export function backendStatusProblems(s: BackendStatus, nodes = 3): string[] {
  const problems: string[] = [];
  const by = new Map(s.services.map((r) => [r.service, r]));
  for (const name of REQUIRED_BACKEND_SERVICES) if (!by.has(name)) problems.push(`${name} missing from the table`);
  for (const r of s.services) {
    if (!r.running) problems.push(`${r.service} ${r.localStatus}${r.error ? ` (error: ${r.error})` : ''}`);
    else if (r.error) problems.push(`${r.service} error: ${r.error}`);
  }
  const leaderl = by.get('leaderl');
  if (leaderl?.running && !leaderl.error) {
    const c = leaderl.leaderl;
    if (!c) problems.push(`leaderl distributed status unreadable: "${leaderl.distributed}"`);
    else if (c.leader === 0) problems.push(`leaderless: leader 0, waiting ${c.waiting} of ${c.total}`);
    else if (c.leader !== 1 || c.waiting !== 0 || c.follower !== nodes - 1 || c.total !== nodes)
      problems.push(`leaderl leader ${c.leader}, waiting ${c.waiting}, follower ${c.follower}, total ${c.total}`);
  }
  const pg = by.get('postgresql');
  if (pg?.running && !pg.error) {
    const c = pg.postgresql;
    if (!c) problems.push(`postgresql distributed status unreadable: "${pg.distributed}"`);
    else {
      if (c.leader !== 1) problems.push(`postgresql leader ${c.leader}`);
      if (c.offline > 0) problems.push(`postgresql offline ${c.offline}`);
      if (c.syncing > 0) problems.push(`postgresql syncing ${c.syncing}`);
      if (c.leader === 1 && c.offline === 0 && c.syncing === 0 && c.synced !== nodes - 1)
        problems.push(`postgresql synced ${c.synced} of ${nodes - 1}`);
    }
  }
  for (const [name, pick] of [
    ['etcd', (r: BackendServiceRow) => r.etcd],
    ['elasticsearch', (r: BackendServiceRow) => r.elasticsearch],
  ] as const) {
    const row = by.get(name);
    if (!row?.running || row.error) continue;
    const c = pick(row);
    if (!c) problems.push(`${name} distributed status unreadable: "${row.distributed}"`);
    else if (c.state !== 'green' || c.healthy !== nodes || c.total !== nodes)
      problems.push(`${name} ${c.state} ${c.healthy}/${c.total}`);
  }
  if (s.disks) {
    for (const p of s.disks.paths) if (p.state !== 'OK') problems.push(`disk ${p.path} ${p.state}`);
    const h = s.disks.health;
    if (h && (h.state !== 'green' || h.healthy !== h.total)) problems.push(`disks ${h.state} ${h.healthy}/${h.total}`);
  }
  for (const e of s.errors) {
    // Row errors are already reported with their service; a standalone error line is a problem of its own.
    if (!s.services.some((r) => r.error === e)) problems.push(`error: ${e}`);
  }
  return problems;
}
