import { readFile } from 'node:fs/promises';
import { forEachLimit } from '../../activities/concurrency';
import { RequestSigner } from '../../activities/chef-api/signing';
import type { ServerOptions } from '../../activities/operations/options';
import type { PlannedRequest } from './mix';

export interface SignedRequest {
  method: string;
  path: string;
  body: string | undefined;
  headers: Record<string, string>;
}

/** Signatures computed at once: 1.3 signs on libuv's pool, so a few in flight keep both cores busy. */
const SIGNING_WIDTH = 16;

/**
 * Signs every request once, before any is sent, with the headers the engine's client sends (same key, same
 * protocol, same impersonation). Identical requests share one signature; all stay valid for Chef's
 * 15-minute clock skew, far longer than a replay takes.
 */
export async function presign(server: ServerOptions, planned: PlannedRequest[]): Promise<SignedRequest[]> {
  const signer = new RequestSigner(await readFile(server.keyPath, 'utf8'), server.signVersion ?? '1.3');
  const cache = new Map<string, Promise<Record<string, string>>>();
  const headersOf = (p: PlannedRequest) => {
    const path = p.path.split('?')[0] ?? p.path;
    const id = `${p.method} ${path} ${p.apiVersion} ${p.body}`;
    let h = cache.get(id);
    if (!h) {
      h = signer
        .sign({ method: p.method, path, body: p.body, userId: server.user, apiVersion: p.apiVersion })
        .then((signed) => ({
          Accept: 'application/json',
          ...(p.body ? { 'Content-Type': 'application/json' } : {}),
          'X-Chef-Version': '18.5.0',
          'X-Ops-Server-API-Version': p.apiVersion,
          ...(server.webui ? { 'X-Ops-Request-Source': 'web' } : {}),
          ...signed,
        }));
      cache.set(id, h);
    }
    return h;
  };
  const out: SignedRequest[] = new Array<SignedRequest>(planned.length);
  await forEachLimit(planned.keys(), SIGNING_WIDTH, async (i) => {
    const p = planned[i] as PlannedRequest;
    out[i] = { method: p.method, path: p.path, body: p.body || undefined, headers: await headersOf(p) };
  });
  return out;
}
