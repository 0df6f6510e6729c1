import type { IncomingHttpHeaders } from 'node:http';
import { notFound } from './http';
import { parseJsonBody, type JsonObject } from './json';
import type { Org, ServerState } from './state';

export interface Principal {
  kind: 'user' | 'client' | 'anonymous';
  name: string;
  /** pivotal, or any user impersonated through the webui key. */
  superuser: boolean;
}

export interface Ctx {
  method: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  apiVersion: number;
  principal: Principal;
  state: ServerState;
  /** The body as a JSON object; 400 otherwise. */
  json(): JsonObject;
  /** A path parameter the matched route is known to have. */
  param(name: string): string;
  /** The org named by the `:org` parameter; 404 when it does not exist. */
  org(): Org;
  /** Absolute URL under the double's own base URL, each segment percent-encoded. */
  url(...segments: string[]): string;
}

export function makeCtx(fields: Omit<Ctx, 'json' | 'param' | 'org' | 'url'>): Ctx {
  let parsed: JsonObject | undefined;
  const ctx: Ctx = {
    ...fields,
    json: () => (parsed ??= parseJsonBody(fields.body)),
    param: (name) => {
      const value = fields.params[name];
      if (value === undefined) throw new Error(`route has no parameter ${name}`);
      return value;
    },
    org: () => {
      const name = ctx.param('org');
      const org = fields.state.orgs.get(name);
      if (!org) throw notFound(`organization '${name}' does not exist.`);
      return org;
    },
    url: (...segments) => `${fields.state.baseUrl}/${segments.map(encodeSegment).join('/')}`,
  };
  return ctx;
}

/** Percent-encodes a path segment, leaving ':' and '@' as Chef clients send them (RFC 3986 pchar). */
export const encodeSegment = (segment: string): string =>
  encodeURIComponent(segment).replace(/%3A/gi, ':').replace(/%40/g, '@');

/** Shorthand for URLs inside the org of the current request. */
export const orgUrl = (ctx: Ctx, ...segments: string[]): string =>
  ctx.url('organizations', ctx.param('org'), ...segments);
