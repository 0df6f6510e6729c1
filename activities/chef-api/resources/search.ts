import type { OrgScope } from './scope';

export interface PartialRow {
  url?: string;
  data?: Record<string, unknown>;
}

const PAGE_ROWS = 1000;

/**
 * Every row of a partial search (`POST /search/<index>`), page by page. goiardi's `total` is the page size,
 * not the match count, so paging stops at the first short page.
 */
export async function partialSearchAll(
  s: OrgScope,
  index: string,
  keys: Record<string, string[]>,
  q = '*:*',
): Promise<PartialRow[]> {
  const out: PartialRow[] = [];
  for (let start = 0; ; start += PAGE_ROWS) {
    const path = `${s.base}/search/${encodeURIComponent(index)}?q=${encodeURIComponent(q)}&rows=${PAGE_ROWS}&start=${start}`;
    const r = await s.client.request<{ rows?: PartialRow[] }>('POST', path, { body: keys });
    const page = r.body?.rows ?? [];
    out.push(...page);
    if (page.length < PAGE_ROWS) return out;
  }
}
