import { Agent, request, type Dispatcher } from 'undici';

/** Short-timeout HTTP GETs for the health endpoints: a hung endpoint must fail its check, not stall the validation. */

export interface HttpOptions {
  timeoutMs: number;
  /** Frontends usually serve a self-signed certificate; only `/_status` calls use this. */
  insecureTls?: boolean;
}

export interface HttpAnswer {
  status: number;
  body: string;
  contentType?: string;
}

let insecureAgent: Dispatcher | undefined;

function dispatcherFor(opts: HttpOptions): Dispatcher | undefined {
  if (!opts.insecureTls) return undefined;
  insecureAgent ??= new Agent({ connect: { rejectUnauthorized: false } });
  return insecureAgent;
}

/** One GET; throws on a network error or timeout (the caller's `guarded` turns that into a failed check). */
export async function httpGet(url: string, opts: HttpOptions): Promise<HttpAnswer> {
  const dispatcher = dispatcherFor(opts);
  const res = await request(url, {
    method: 'GET',
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    signal: AbortSignal.timeout(opts.timeoutMs),
    headers: { accept: 'application/json' },
    ...(dispatcher ? { dispatcher } : {}),
  });
  const body = await res.body.text();
  const ct = res.headers['content-type'];
  return { status: res.statusCode, body, ...(typeof ct === 'string' ? { contentType: ct } : {}) };
}

/** The body as JSON, or undefined when it is not JSON (an empty 200 included). */
export function jsonBody(body: string): unknown {
  if (!body.trim()) return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}
