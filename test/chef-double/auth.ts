import { constants, createHash, publicDecrypt, verify, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { canonicalString, type SignVersion } from '../../activities/chef-api/signing';
import type { Principal } from './context';
import { HttpError } from './http';
import { isExpired, type ActorKey } from './keys';
import type { ServerState } from './state';

/** erchef's default allowed clock skew. */
export const MAX_SKEW_MS = 15 * 60 * 1000;

export interface SignedRequest {
  method: string;
  /** URL path without query string, exactly as sent (percent-encoded). */
  rawPath: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const unauthorized = (message: string): HttpError =>
  new HttpError(401, message, { 'WWW-Authenticate': 'X-Ops-Sign version="1.0" version="1.1" version="1.3"' });

const badCredentials = (userId: string): HttpError =>
  unauthorized(`Failed to authenticate as '${userId}'. Ensure that your node_name and client key are correct.`);

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** `algorithm=sha1;version=1.1;` with or without the trailing `;`. */
function parseSignHeader(value: string): SignVersion {
  const fields = new Map(
    value
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const eq = part.indexOf('=');
        return [part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim()] as const;
      }),
  );
  const version = fields.get('version');
  const algorithm = fields.get('algorithm');
  if ((version === '1.0' || version === '1.1') && algorithm === 'sha1') return version;
  if (version === '1.3' && algorithm === 'sha256') return version;
  throw unauthorized(
    `Unsupported X-Ops-Sign value '${value}': expected algorithm=sha1;version=1.0|1.1 or algorithm=sha256;version=1.3`,
  );
}

/** Ruby's encode64 splits the signature over X-Ops-Authorization-1..N. */
function signature(headers: IncomingHttpHeaders): Buffer {
  const parts: string[] = [];
  for (let n = 1; ; n++) {
    const part = header(headers, `x-ops-authorization-${n}`);
    if (part === undefined) break;
    parts.push(part);
  }
  return Buffer.from(parts.join(''), 'base64');
}

function signatureMatches(version: SignVersion, canonical: string, sig: Buffer, key: KeyObject): boolean {
  try {
    if (version === '1.3') return verify('sha256', Buffer.from(canonical), key, sig);
    // 1.0/1.1 "sign" by raw private-key encryption of the canonical string itself.
    return publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, sig).equals(Buffer.from(canonical));
  } catch {
    return false;
  }
}

/** For `/organizations/<org>/...` requests a client of that org may sign, otherwise only users. */
function orgOfPath(rawPath: string): string | undefined {
  const segments = rawPath.split('/').filter(Boolean);
  if (segments[0] !== 'organizations' || segments.length < 3 || segments[1] === undefined) return undefined;
  try {
    return decodeURIComponent(segments[1]);
  } catch {
    return undefined;
  }
}

export function authenticate(state: ServerState, req: SignedRequest, now = Date.now()): Principal {
  const required = ['X-Ops-Userid', 'X-Ops-Sign', 'X-Ops-Timestamp', 'X-Ops-Content-Hash', 'X-Ops-Authorization-1'];
  const missing = required.filter((name) => header(req.headers, name.toLowerCase()) === undefined);
  if (missing.length > 0) throw unauthorized(`Missing authentication headers: ${missing.join(', ')}`);
  const userId = header(req.headers, 'x-ops-userid') as string;
  const timestamp = header(req.headers, 'x-ops-timestamp') as string;
  const version = parseSignHeader(header(req.headers, 'x-ops-sign') as string);

  const signedAt = Date.parse(timestamp);
  if (Number.isNaN(signedAt))
    throw unauthorized(`Failed to authenticate as '${userId}'. Invalid X-Ops-Timestamp '${timestamp}'.`);
  if (Math.abs(now - signedAt) > MAX_SKEW_MS) {
    throw unauthorized(
      `Failed to authenticate as '${userId}'. Synchronize the clock on your host: request timestamp ${timestamp} ` +
        `is more than 15 minutes away from server time ${new Date(now).toISOString()}.`,
    );
  }

  const expectedHash = createHash(version === '1.3' ? 'sha256' : 'sha1')
    .update(req.body)
    .digest('base64');
  if (header(req.headers, 'x-ops-content-hash') !== expectedHash) {
    throw unauthorized(`Failed to authenticate as '${userId}'. X-Ops-Content-Hash does not match the request body.`);
  }

  const canonical = canonicalString(
    version,
    {
      method: req.method,
      path: req.rawPath,
      body: req.body,
      userId,
      apiVersion: header(req.headers, 'x-ops-server-api-version'),
    },
    timestamp,
  );
  const sig = signature(req.headers);
  const valid = (keys: Iterable<ActorKey>): boolean =>
    [...keys].some((k) => !isExpired(k, now) && signatureMatches(version, canonical, sig, k.key));

  if (header(req.headers, 'x-ops-request-source') === 'web') {
    // The webui key speaks for any existing user; erchef then acts as that user.
    if (!state.users.has(userId)) throw badCredentials(userId);
    if (!signatureMatches(version, canonical, sig, state.webuiKey)) {
      throw unauthorized(`Failed to authenticate as '${userId}' with the webui key (X-Ops-Request-Source: web).`);
    }
    return { kind: 'user', name: userId, superuser: true };
  }

  const user = state.users.get(userId);
  if (user && valid(user.keys.values())) return { kind: 'user', name: userId, superuser: userId === 'pivotal' };
  const orgName = orgOfPath(req.rawPath);
  const client = orgName === undefined ? undefined : state.orgs.get(orgName)?.clients.get(userId);
  if (client && valid(client.keys.values())) return { kind: 'client', name: userId, superuser: false };
  throw badCredentials(userId);
}
