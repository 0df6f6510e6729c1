import { forEachLimit } from '../concurrency';
import { comparable, digest, canonicalJson, type Json } from '../normalize';
import { errorMessage } from '../errors';
import { kindsToCompare, type Side } from './sides';

export interface VerifyRow {
  org: string;
  kind: string;
  compared: number;
  missing: number;
  extra: number;
  changed: number;
}

export interface Difference {
  org: string | null;
  kind: string;
  name: string;
  problem: 'missing' | 'extra' | 'changed' | 'unreadable';
  detail?: string;
}

export interface VerifyReport {
  expected: string;
  actual: string;
  rows: VerifyRow[];
  differences: Difference[];
}

export interface VerifyPlan {
  orgs?: string[];
  /** Org names on the expected side mapped to the actual side (a single-tenant source restored as an org). */
  width: number;
  /** Users that legitimately differ: pivotal and the acting users (their keys are per server). */
  ignoreUsers: Set<string>;
  onProgress?: (done: number) => void;
}

function changedKeys(a: Json | undefined, b: Json | undefined): string {
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(
      (k) => canonicalJson(a[k]) !== canonicalJson(b[k]),
    );
    return `differs in ${keys.sort().join(', ')}`;
  }
  return `${canonicalJson(a).slice(0, 200)} != ${canonicalJson(b).slice(0, 200)}`;
}

/**
 * Object-by-object comparison after normalisation: what `expected` has that `actual` lacks (missing),
 * the reverse (extra), and what differs (changed). Zero differences is the only passing result.
 */
export async function runVerify(expected: Side, actual: Side, plan: VerifyPlan): Promise<VerifyReport> {
  const report: VerifyReport = { expected: expected.label, actual: actual.label, rows: [], differences: [] };
  const ctx = { chef11: !expected.multiTenant || !actual.multiTenant };
  let done = 0;
  const compareKind = async (
    org: string | null,
    kind: string,
    list: (s: Side) => Promise<string[]>,
    read: (s: Side, name: string) => Promise<Json | undefined>,
  ) => {
    const row: VerifyRow = { org: org ?? '(global)', kind, compared: 0, missing: 0, extra: 0, changed: 0 };
    const [want, have] = await Promise.all([list(expected), list(actual)]);
    const haveSet = new Set(have);
    const norm = (v: Json | undefined, name: string) =>
      v === undefined ? undefined : comparable(kind, v, name, org ?? '', ctx);
    for (const name of have.filter((n) => !want.includes(n))) {
      row.extra++;
      report.differences.push({ org, kind, name, problem: 'extra' });
    }
    await forEachLimit(want, plan.width, async (name) => {
      row.compared++;
      try {
        if (!haveSet.has(name)) {
          row.missing++;
          report.differences.push({ org, kind, name, problem: 'missing' });
          return;
        }
        const [a, b] = await Promise.all([read(expected, name), read(actual, name)]);
        const [na, nb] = [norm(a, name), norm(b, name)];
        if (nb === undefined) {
          row.missing++;
          report.differences.push({ org, kind, name, problem: 'missing' });
        } else if (digest(na) !== digest(nb)) {
          row.changed++;
          report.differences.push({ org, kind, name, problem: 'changed', detail: changedKeys(na, nb) });
        }
      } catch (err) {
        row.changed++;
        report.differences.push({ org, kind, name, problem: 'unreadable', detail: errorMessage(err) });
      } finally {
        plan.onProgress?.(++done);
      }
    });
    report.rows.push(row);
  };

  await compareKind(
    null,
    'users',
    async (s) => (await s.listUsers()).filter((u) => !plan.ignoreUsers.has(u)),
    (s, name) => s.readUser(name),
  );
  const orgs = plan.orgs ?? (await expected.listOrgs());
  const kinds = kindsToCompare(expected.multiTenant && actual.multiTenant);
  for (const org of orgs)
    for (const kind of kinds)
      await compareKind(
        org,
        kind,
        (s) => s.list(org, kind),
        (s, name) => s.read(org, kind, name),
      );
  report.differences.sort((a, b) => `${a.org}/${a.kind}/${a.name}`.localeCompare(`${b.org}/${b.kind}/${b.name}`));
  return report;
}

export function formatVerifyReport(r: VerifyReport): string {
  const head = ['org', 'kind', 'compared', 'missing', 'extra', 'changed'];
  const rows = r.rows
    .filter((x) => x.compared || x.extra)
    .map((x) => [x.org, x.kind, String(x.compared), String(x.missing), String(x.extra), String(x.changed)]);
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((l) => (l[i] ?? '').length)));
  const table = all
    .map((l) => l.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '))
    .join('\n');
  const diffs = r.differences.map(
    (d) => `  ${d.problem.padEnd(10)} ${d.org ?? '(global)'} ${d.kind} ${d.name}${d.detail ? `: ${d.detail}` : ''}`,
  );
  return [
    `verify: expected ${r.expected}, actual ${r.actual}`,
    table,
    r.differences.length ? `${r.differences.length} differences:` : 'zero differences',
    ...diffs,
  ].join('\n');
}
