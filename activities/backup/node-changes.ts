import type { OrgScope } from '../chef-api/resources/scope';
import { partialSearchAll } from '../chef-api/resources/search';
import type { BookEntry } from '../backup-store/sidecar';
import { nodes } from '../chef-api/resources/json-collection';
import { ChefAuthError, ConfigError, errorMessage } from '../errors';
import { digest, type JsonObject } from '../normalize';

/**
 * Everything a person or a cookbook sets on a node, and the time of its last chef-client run: automatic
 * attributes (most of a node's bytes) only change in a run, and every run sets `ohai_time`.
 */
const FINGERPRINT_KEYS: Record<string, string[]> = {
  name: ['name'],
  chef_environment: ['chef_environment'],
  run_list: ['run_list'],
  normal: ['normal'],
  default: ['default'],
  override: ['override'],
  policy_name: ['policy_name'],
  policy_group: ['policy_group'],
  ohai_time: ['automatic', 'ohai_time'],
};

const fingerprintOf = (fields: Record<string, unknown>) =>
  digest(Object.fromEntries(Object.keys(FINGERPRINT_KEYS).map((k) => [k, fields[k] ?? null])));

/** The fingerprint of a node read in full (GET /nodes/NAME). */
export function nodeFingerprint(node: JsonObject): string {
  const automatic = node.automatic as JsonObject | undefined;
  return fingerprintOf({ ...node, ohai_time: automatic?.ohai_time });
}

const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

const missingKeys = (d: Record<string, unknown> | undefined) =>
  ['name', 'run_list', 'normal', 'default'].filter((k) => d?.[k] === undefined || d[k] === null).join(', ') ||
  'fields of the wrong type';

/**
 * Every node's fingerprint from one partial search: a few hundred bytes per node instead of the whole node.
 * Chef Server and goiardi answer partial search from the stored objects (the index only picks the names), so
 * a node missing from a lagging index is simply read in full. Returns the reason instead when the server's
 * answer does not carry the stored fields (no search, or a server that answers merged attributes).
 */
export async function searchNodeFingerprints(
  s: OrgScope,
  expected: number,
  signal: AbortSignal,
): Promise<Map<string, string> | string> {
  let rows;
  try {
    rows = await partialSearchAll(s, 'node', FINGERPRINT_KEYS, { expectedRows: expected, signal });
  } catch (err) {
    if (signal.aborted) return 'stopped';
    return `partial search of nodes failed: ${errorMessage(err)}`;
  }
  const out = new Map<string, string>();
  for (const row of rows) {
    const d = row.data;
    if (!d || typeof d.name !== 'string' || !Array.isArray(d.run_list) || !isObject(d.normal) || !isObject(d.default))
      // Named by its URL and the keys it lacks, never by its values: node attributes can hold secrets.
      return `partial search answered a node without its stored name, run_list or attributes (${row.url ?? 'no url'}: ${missingKeys(d)})`;
    out.set(d.name, fingerprintOf(d));
  }
  return out;
}

/** Which nodes a pass may skip; it learns the answer while the pass is already reading nodes. */
export interface UnchangedNodes {
  /** The search's head start: its answer, or SEARCH_HEAD_START_MS, whichever comes first. */
  ready: Promise<void>;
  has(name: string): boolean;
  /** Every node was handled: a search still running is no longer worth waiting for. */
  stop(): Promise<void>;
}

export const READ_ALL: UnchangedNodes = { ready: Promise.resolve(), has: () => false, stop: async () => undefined };
const SEARCH_HEAD_START_MS = 2000;

/**
 * The nodes whose fingerprint on the server is the one recorded when their file was written, so they need
 * no GET. The partial search gets a head start, then races the pass: nodes are read in full until it answers,
 * so a server whose search is slower than reading every node (goiardi with large nodes) costs hardly more
 * than reading them all.
 * One node is read in full to prove the server's partial search answers what a GET does; anything doubtful
 * reads every node and says why in the run's notes.
 */
export function unchangedNodes(
  s: OrgScope,
  names: string[],
  entryOf: (name: string) => BookEntry | undefined,
  addNote: (note: string) => void,
): UnchangedNodes {
  const recorded = names.filter((n) => entryOf(n)?.fingerprint);
  if (!recorded.length) return READ_ALL;
  let skip = new Set<string>();
  const abort = new AbortController();
  const note = (why: string) => addNote(`${s.org} nodes: every node read in full: ${why}`);
  const learn = async () => {
    const started = Date.now();
    const current = await searchNodeFingerprints(s, names.length, abort.signal);
    if (current === 'stopped')
      return note(
        `they were all read before the partial search answered (${Math.round((Date.now() - started) / 1000)} s)`,
      );
    if (typeof current === 'string') return note(current);
    const same = recorded.filter((n) => current.get(n) === entryOf(n)?.fingerprint);
    // A different node each pass, so over the passes the check covers more than one node's shape.
    const sample = same[Math.floor(Math.random() * same.length)];
    if (sample === undefined || abort.signal.aborted) return;
    let full;
    try {
      full = await nodes.get(s, sample);
    } catch (err) {
      if (err instanceof ChefAuthError || err instanceof ConfigError) throw err;
      return note(`reading ${sample} to check the partial search failed: ${errorMessage(err)}`);
    }
    if (!full) return note(`${sample}, found by the partial search, is gone; the check proved nothing`);
    if (nodeFingerprint(full) !== current.get(sample))
      return note(`the partial search fingerprint of ${sample} differs from the node read in full`);
    skip = new Set(same);
  };
  const learning = learn();
  learning.catch(() => undefined); // awaited in stop(); an early rejection must not be unhandled meanwhile
  let timer: NodeJS.Timeout | undefined;
  const headStart = new Promise<void>((resolve) => (timer = setTimeout(resolve, SEARCH_HEAD_START_MS)));
  return {
    ready: Promise.race([learning.catch(() => undefined), headStart]).finally(() => clearTimeout(timer)),
    has: (name) => skip.has(name),
    stop: async () => {
      abort.abort();
      await learning;
    },
  };
}
