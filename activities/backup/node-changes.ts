import type { OrgScope } from '../chef-api/resources/scope';
import { partialSearchAll } from '../chef-api/resources/search';
import { errorMessage } from '../errors';
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
      return `partial search answered a node without its stored name, run_list or attributes (${JSON.stringify(d)?.slice(0, 120)})`;
    out.set(d.name, fingerprintOf(d));
  }
  return out;
}
