import { lines } from './text';

/**
 * `chef-backend-ctl cluster-status [--json]` (chef-ha-ops.md §1.5). No public `--json` sample exists, so the parser is
 * tolerant: a JSON array of nodes, or an object holding one (any key, or node objects keyed by name), keys matched
 * case-insensitively; anything else is read as the text table.
 */

export interface ClusterNode {
  name: string;
  ip?: string;
  guid?: string;
  /** leaderl role: `leader`, `follower`, `waiting_for_leader`. Lower-cased. */
  role: string;
  /** PostgreSQL role: `leader`, `follower`, … Lower-cased. */
  pg: string;
  /** Elasticsearch: `master`, `not_master`. Lower-cased. */
  es: string;
  following?: string;
  blocked?: unknown;
  eligible?: unknown;
}

export interface ClusterStatus {
  format: 'json' | 'text' | 'none';
  nodes: ClusterNode[];
  unparsed: string[];
}

const ALIASES: Record<Exclude<keyof ClusterNode, 'blocked' | 'eligible'>, string[]> = {
  name: ['name', 'node', 'node_name', 'nodename', 'hostname', 'host'],
  ip: ['ip', 'address', 'ip_address', 'publish_address', 'addr'],
  guid: ['guid', 'id', 'node_id', 'uuid'],
  role: ['role', 'leaderl', 'leaderl_role', 'leader_role', 'state', 'status'],
  pg: ['pg', 'postgresql', 'postgres', 'pg_role', 'pgsql'],
  es: ['es', 'elasticsearch', 'es_role', 'elastic'],
  following: ['following', 'follows', 'following_node'],
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function lowerKeys(o: Obj): Map<string, unknown> {
  return new Map(Object.entries(o).map(([k, v]) => [k.toLowerCase().replace(/[\s-]/g, '_'), v]));
}

/** A field value as text; nested objects such as `{"pg": {"role": "leader"}}` give their role/state. */
function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (isObj(v)) {
    const inner = lowerKeys(v);
    for (const k of ['role', 'state', 'status', 'name']) {
      const t = text(inner.get(k));
      if (t !== undefined) return t;
    }
  }
  return undefined;
}

function pick(m: Map<string, unknown>, field: keyof typeof ALIASES): string | undefined {
  for (const k of ALIASES[field]) {
    const t = text(m.get(k));
    if (t !== undefined) return t;
  }
  return undefined;
}

function nodeFromObject(o: Obj, fallbackName?: string): ClusterNode | undefined {
  const m = lowerKeys(o);
  const role = pick(m, 'role');
  const name = pick(m, 'name') ?? fallbackName;
  if (name === undefined || role === undefined) return undefined;
  const node: ClusterNode = {
    name,
    role: role.toLowerCase(),
    pg: (pick(m, 'pg') ?? '').toLowerCase(),
    es: (pick(m, 'es') ?? '').toLowerCase(),
  };
  for (const f of ['ip', 'guid', 'following'] as const) {
    const v = pick(m, f);
    if (v !== undefined) node[f] = v;
  }
  if (m.has('blocked')) node.blocked = m.get('blocked');
  if (m.has('eligible')) node.eligible = m.get('eligible');
  return node;
}

function nodesFromJson(doc: unknown): ClusterNode[] | undefined {
  if (Array.isArray(doc)) {
    const nodes = doc.filter(isObj).map((o) => nodeFromObject(o));
    return nodes.every((n) => n) ? (nodes as ClusterNode[]) : undefined;
  }
  if (!isObj(doc)) return undefined;
  // An object holding the list under some key (`nodes`, `members`, `Cluster`…): the first array of node objects wins.
  for (const v of Object.values(doc)) {
    if (Array.isArray(v) && v.length > 0 && v.every(isObj)) {
      const nodes = nodesFromJson(v);
      if (nodes) return nodes;
    }
  }
  for (const v of Object.values(doc)) {
    if (isObj(v)) {
      const nested = nodesFromJson(v);
      if (nested?.length) return nested;
    }
  }
  // Node objects keyed by node name.
  const entries = Object.entries(doc).filter(([, v]) => isObj(v));
  if (entries.length === 0) return undefined;
  const keyed = entries.map(([k, v]) => nodeFromObject(v as Obj, k));
  return keyed.every((n) => n) ? (keyed as ClusterNode[]) : undefined;
}

function tryJson(body: string): unknown {
  const start = body.search(/[[{]/);
  if (start < 0) return undefined;
  try {
    return JSON.parse(body.slice(start));
  } catch {
    return undefined;
  }
}

/** Column start offsets of a header line (columns are separated by 2+ spaces or one space between single words). */
function columns(header: string): { key: string; start: number }[] {
  return [...header.matchAll(/\S+/g)].map((m) => ({ key: m[0].toLowerCase(), start: m.index ?? 0 }));
}

function nodesFromText(body: string): { nodes: ClusterNode[]; unparsed: string[] } {
  const all = lines(body).filter((l) => l.trim());
  const headerAt = all.findIndex((l) => /\bname\b/i.test(l) && /\brole\b/i.test(l));
  if (headerAt < 0) return { nodes: [], unparsed: all.map((l) => l.trim()) };
  const header = all[headerAt] ?? '';
  const cols = columns(header);
  const nodes: ClusterNode[] = [];
  const unparsed = all.slice(0, headerAt).map((l) => l.trim());
  for (const line of all.slice(headerAt + 1)) {
    if (/^[-=\s]+$/.test(line)) continue;
    const tokens = line.trim().split(/\s+/);
    // Same token count as headers: positional. Otherwise (empty cells in newer builds) slice at the header offsets.
    const cells =
      tokens.length === cols.length
        ? tokens
        : cols.map((c, i) => line.slice(c.start, cols[i + 1]?.start ?? line.length).trim());
    const o: Obj = {};
    cols.forEach((c, i) => {
      const v = cells[i];
      if (v) o[c.key] = v;
    });
    const node = nodeFromObject(o);
    if (node) nodes.push(node);
    else unparsed.push(line.trim());
  }
  return { nodes, unparsed };
}

export function parseClusterStatus(body: string): ClusterStatus {
  const doc = tryJson(body.trim());
  if (doc !== undefined) {
    const nodes = nodesFromJson(doc);
    if (nodes) return { format: 'json', nodes, unparsed: [] };
  }
  const { nodes, unparsed } = nodesFromText(body);
  return { format: nodes.length ? 'text' : 'none', nodes, unparsed };
}

export function clusterLeader(s: ClusterStatus): ClusterNode | undefined {
  const leaders = s.nodes.filter((n) => n.role === 'leader');
  return leaders.length === 1 ? leaders[0] : undefined;
}

/** Healthy = every node listed, one leader that is also the PostgreSQL leader, the rest follower/follower, one ES master. */
export function clusterStatusProblems(s: ClusterStatus, nodes = 3): string[] {
  const problems: string[] = [];
  if (s.nodes.length !== nodes) problems.push(`${s.nodes.length} nodes listed, expected ${nodes}`);
  const leaders = s.nodes.filter((n) => n.role === 'leader');
  if (leaders.length === 0) {
    const waiting = s.nodes.filter((n) => n.role.includes('waiting')).map((n) => n.name);
    problems.push(`no leader${waiting.length ? ` (waiting: ${waiting.join(', ')})` : ''}`);
  } else if (leaders.length > 1) problems.push(`${leaders.length} leaders: ${leaders.map((n) => n.name).join(', ')}`);
  for (const n of leaders) if (n.pg !== 'leader') problems.push(`leader ${n.name} has PG ${n.pg || 'unknown'}`);
  for (const n of s.nodes.filter((x) => x.role !== 'leader')) {
    if (n.role !== 'follower' || n.pg !== 'follower')
      problems.push(`${n.name} role ${n.role || 'unknown'}, PG ${n.pg || 'unknown'}`);
  }
  const masters = s.nodes.filter((n) => n.es === 'master').map((n) => n.name);
  if (masters.length !== 1)
    problems.push(`${masters.length} Elasticsearch masters${masters.length ? `: ${masters.join(', ')}` : ''}`);
  return problems;
}
