import type { Ctx } from './context';
import type { Reply } from './http';

export type Handler = (ctx: Ctx) => Reply | Promise<Reply>;
export type Access = (ctx: Ctx) => boolean;

export interface RouteOptions {
  /** No Mixlib signature required (file store, /_status). */
  public?: boolean;
  /** Overrides the default authorisation rule (see authz.ts). */
  access?: Access;
}

export interface Route extends RouteOptions {
  method: string;
  pattern: string[];
  handler: Handler;
}

export type Match =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'wrong-method'; allowed: string[] }
  | { kind: 'none' };

/** Segment-wise matcher; when several patterns match, the one with the most literal segments wins. */
export class Router {
  private readonly routes: Route[] = [];

  on(method: string, pattern: string, handler: Handler, options: RouteOptions = {}): this {
    this.routes.push({ ...options, method, pattern: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  get(pattern: string, handler: Handler, options?: RouteOptions): this {
    return this.on('GET', pattern, handler, options);
  }
  post(pattern: string, handler: Handler, options?: RouteOptions): this {
    return this.on('POST', pattern, handler, options);
  }
  put(pattern: string, handler: Handler, options?: RouteOptions): this {
    return this.on('PUT', pattern, handler, options);
  }
  delete(pattern: string, handler: Handler, options?: RouteOptions): this {
    return this.on('DELETE', pattern, handler, options);
  }

  match(method: string, segments: string[]): Match {
    const wanted = method === 'HEAD' ? 'GET' : method;
    const matches = this.routes.flatMap((route) => {
      const params = matchPattern(route.pattern, segments);
      return params ? [{ route, params, score: route.pattern.filter((p) => !p.startsWith(':')).length }] : [];
    });
    const top = Math.max(-1, ...matches.map((m) => m.score));
    const candidates = matches.filter((m) => m.score === top);
    const found = candidates.find((m) => m.route.method === wanted);
    if (found) return { kind: 'found', route: found.route, params: found.params };
    if (candidates.length > 0) return { kind: 'wrong-method', allowed: candidates.map((m) => m.route.method) };
    return { kind: 'none' };
  }
}

function matchPattern(pattern: string[], segments: string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of pattern.entries()) {
    const segment = segments[i] as string;
    if (part.startsWith(':')) params[part.slice(1)] = segment;
    else if (part !== segment) return undefined;
  }
  return params;
}
