import type { OrgScope } from './scope';

export interface PartialRow {
  url?: string;
  data?: Record<string, unknown>;
}

const MAX_PAGE_ROWS = 10_000;

/**
 * Every row of a partial search (`POST /search/<index>`), page by page. goiardi's `total` is the page size,
 * not the match count, so paging stops at the first short page.
 */
export async function partialSearchAll(
  s: OrgScope,
  index: string,
  keys: Record<string, string[]>,
  opts: { q?: string; expectedRows?: number; signal?: AbortSignal } = {},
): Promise<PartialRow[]> {
  // goiardi's cost is per query, not per row: ask for everything expected in one page where it is sane.
  const rows = Math.min(MAX_PAGE_ROWS, Math.max(1000, Math.ceil((opts.expectedRows ?? 0) * 1.1)));
  const q = encodeURIComponent(opts.q ?? '*:*');
  const out: PartialRow[] = [];
  for (let start = 0; ; start += rows) {
    const path = `${s.base}/search/${encodeURIComponent(index)}?q=${q}&rows=${rows}&start=${start}`;
    const r = await s.client.request<{ rows?: PartialRow[] }>('POST', path, {
      body: keys,
      query: true,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const page = r.body?.rows ?? [];
    out.push(...page);
    if (page.length < rows) return out;
  }
}
