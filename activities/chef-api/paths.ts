/**
 * Chef API paths are built from object names, never from the absolute URLs a server returns (its advertised
 * hostname is often unreachable from the backup host).
 *
 * `:` and `@` are legal in a path segment and stay unescaped: goiardi verifies signatures against the decoded
 * path while Chef Server uses the path as sent, so a path that needs no decoding satisfies both.
 */
export function segment(name: string): string {
  return encodeURIComponent(name).replace(/%3A/gi, ':').replace(/%40/g, '@');
}

export function apiPath(...parts: string[]): string {
  return '/' + parts.map(segment).join('/');
}

/** Base of an org's objects: `/organizations/<org>` on Chef Server 12+, the root on a single-tenant server. */
export function orgBase(org: string, multiTenant: boolean): string {
  return multiTenant ? apiPath('organizations', org) : '';
}

export function withQuery(path: string, query?: Record<string, string | undefined>): string {
  if (!query) return path;
  const params = Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined);
  return params.length ? `${path}?${new URLSearchParams(params).toString()}` : path;
}
