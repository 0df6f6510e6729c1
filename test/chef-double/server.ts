import type { IncomingMessage, ServerResponse } from 'node:http';
import { canonicalPath } from '../../activities/chef-api/signing';
import { authenticate } from './auth';
import { accessFor, missingPermission } from './authz';
import { makeCtx, type Principal } from './context';
import { applyFaults, type FaultConfig } from './faults';
import { HttpError, type Reply } from './http';
import type { Router } from './router';
import type { ServerState } from './state';

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  userId: string;
}

/** The parts of the double that tests mutate or replace while it runs. */
export interface LiveConfig {
  faults: FaultConfig;
  log: RequestRecord[];
  /** The server's clock minus the real one: signature timestamps are checked against it and `Date` carries it. */
  clockSkewMs: number;
}

export const MAX_API_VERSION = 2;

const versionHeader = (request: string, response: string): string =>
  JSON.stringify({
    min_version: '0',
    max_version: String(MAX_API_VERSION),
    request_version: request,
    response_version: response,
  });

const errorReply = (status: number, message: string, headers: Record<string, string> = {}): Reply => ({
  status,
  body: { error: [message] },
  headers,
});

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function decodeSegments(rawPath: string): string[] {
  try {
    return canonicalPath(rawPath).split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new HttpError(400, `Malformed percent-encoding in path ${rawPath}`);
  }
}

export function createRequestHandler(state: ServerState, router: Router, live: () => LiveConfig) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    serve(state, router, live, req, res).catch((err: unknown) => {
      // Only reachable when the socket died mid-answer; nothing left to tell the client.
      if (!res.headersSent) res.destroy(err instanceof Error ? err : undefined);
    });
  };
}

async function serve(
  state: ServerState,
  router: Router,
  live: () => LiveConfig,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readBody(req);
  const method = (req.method ?? 'GET').toUpperCase();
  const rawUrl = req.url ?? '/';
  const queryAt = rawUrl.indexOf('?');
  const rawPath = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
  const query = new URLSearchParams(queryAt < 0 ? '' : rawUrl.slice(queryAt + 1));
  const userIdHeader = req.headers['x-ops-userid'];
  const userId = typeof userIdHeader === 'string' ? userIdHeader : '';
  const requested = req.headers['x-ops-server-api-version'];
  const requestedVersion = typeof requested === 'string' ? requested.trim() : '0';

  const now = (): number => Date.now() + live().clockSkewMs;

  const send = (reply: Reply, responseVersion = requestedVersion): void => {
    live().log.push({ method, path: rawPath, status: reply.status, userId });
    const headers: Record<string, string | number> = {
      Date: new Date(now()).toUTCString(),
      'X-Ops-Server-API-Version': versionHeader(requestedVersion, responseVersion),
      ...reply.headers,
    };
    let payload: Buffer | string = '';
    if (reply.raw !== undefined) {
      payload = reply.raw;
      headers['Content-Type'] = reply.contentType ?? 'application/octet-stream';
    } else if (reply.body !== undefined) {
      payload = JSON.stringify(reply.body);
      headers['Content-Type'] = 'application/json';
    }
    headers['Content-Length'] = Buffer.byteLength(payload);
    res.writeHead(reply.status, headers);
    res.end(method === 'HEAD' ? undefined : payload);
  };

  const fault = await applyFaults(live().faults, method, rawPath, body);
  if (fault.kind === 'reset') {
    req.socket.destroy();
    return;
  }
  if (fault.kind === 'answer') return send(errorReply(fault.status, fault.message, fault.headers));

  const apiVersion = /^\d+$/.test(requestedVersion) ? Number(requestedVersion) : NaN;
  if (!(apiVersion >= 0 && apiVersion <= MAX_API_VERSION)) {
    const message = `Specified version ${requestedVersion} not supported`;
    const body406 = {
      error: 'invalid-x-ops-server-api-version',
      message,
      min_version: 0,
      max_version: MAX_API_VERSION,
    };
    return send({ status: 406, body: body406 }, '-1');
  }

  try {
    const match = router.match(method, decodeSegments(rawPath));
    const isPublic = match.kind === 'found' && match.route.public === true;
    const principal: Principal = isPublic
      ? { kind: 'anonymous', name: '', superuser: false }
      : authenticate(state, { method, rawPath, headers: req.headers, body }, now());
    if (match.kind === 'none') throw new HttpError(404, `No such endpoint: ${method} ${rawPath}`);
    if (match.kind === 'wrong-method') {
      throw new HttpError(405, `Method ${method} not allowed on ${rawPath}`, { Allow: match.allowed.join(', ') });
    }
    const ctx = makeCtx({
      method,
      params: match.params,
      query,
      headers: req.headers,
      body,
      apiVersion,
      principal,
      state,
    });
    if (!isPublic && !accessFor(match.route)(ctx)) throw new HttpError(403, missingPermission(method));
    send(await match.route.handler(ctx));
  } catch (err) {
    if (err instanceof HttpError) return send(errorReply(err.status, err.message, err.headers));
    send(
      errorReply(500, `chef double internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
    );
  }
}
