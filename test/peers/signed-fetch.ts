import { readFile } from 'node:fs/promises';
import { getGlobalDispatcher } from 'undici';
import { RequestSigner, type SignVersion } from '../../activities/chef-api/signing';

/** A bare signed request for tests; deliberately not the product's client, so tests do not trust what they test. */
export interface SignedRequestOptions {
  method: string;
  /** Appended to the base URL's path and sent byte for byte (query string allowed); the part before `?` is signed. */
  path: string;
  body?: string;
  userId: string;
  keyPath: string;
  signVersion?: SignVersion;
  /** X-Ops-Server-API-Version, always sent because 1.3 signs it (Mixlib signs "0" when it is absent). */
  apiVersion?: string;
  headers?: Record<string, string>;
  /** Sign as of this moment instead of now, to exercise the server's clock-skew check. */
  timestamp?: Date;
}

export interface SignedResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  text: string;
  json<T>(): T;
}

export async function signedRequest(baseUrl: string, opts: SignedRequestOptions): Promise<SignedResponse> {
  const apiVersion = opts.apiVersion ?? '0';
  const method = opts.method.toUpperCase();
  const base = new URL(baseUrl);
  // A base URL with a path (a shim's /organizations/<org>) is part of what the server sees, so it is signed too.
  const path = base.pathname.replace(/\/+$/, '') + opts.path;
  const signer = new RequestSigner(await readFile(opts.keyPath, 'utf8'), opts.signVersion ?? '1.3');
  const signed = await signer.sign({
    method,
    path: path.split('?')[0] ?? path,
    body: opts.body ?? '',
    userId: opts.userId,
    apiVersion,
    timestamp: opts.timestamp,
  });
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'X-Ops-Server-API-Version': apiVersion,
    ...(opts.body === undefined ? {} : { 'Content-Type': 'application/json' }),
    ...opts.headers,
    ...signed,
  };

  // The dispatcher takes the path verbatim; undici's request(url) would run it through URL normalisation,
  // and the server would then see a path other than the one signed.
  const res = await getGlobalDispatcher().request({
    origin: base.origin,
    path,
    method,
    headers,
    body: opts.body,
  });
  const text = await res.body.text();
  const status = res.statusCode;
  return {
    status,
    headers: flattenHeaders(res.headers),
    text,
    json<T>(): T {
      // goiardi answers unknown paths with an empty 200 (pitfall 1); say so instead of "Unexpected end of JSON".
      if (text === '') throw new Error(`expected a JSON body, got an empty one (status ${status})`);
      return JSON.parse(text) as T;
    },
  };
}

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
