import diagnosticsChannel from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

/** One request as sent, enough to replay it: method, path with query, and the API version header. */
export interface RecordedRequest {
  method: string;
  path: string;
  apiVersion: string;
}

export interface WireMeter {
  /** Bytes read and written on every undici connection opened since start (headers included). */
  bytes(): { in: number; out: number };
  /** Every request undici dispatched (retries included), when recording. */
  readonly requests: RecordedRequest[];
  stop(): void;
}

/**
 * Measures the engine from outside: undici's diagnostics channels report every connection and every request,
 * so nothing in the engine has to expose its counters.
 */
export function startWireMeter(opts: { record: boolean }): WireMeter {
  const sockets = new Set<Socket>();
  const requests: RecordedRequest[] = [];
  const onConnected = (message: unknown) => {
    const socket = (message as { socket?: Socket }).socket;
    if (socket) sockets.add(socket);
  };
  const onCreate = (message: unknown) => {
    const req = (message as { request: { method: string; path: string; headers: unknown } }).request;
    requests.push({
      method: req.method,
      path: req.path,
      apiVersion: headerValue(req.headers, 'x-ops-server-api-version'),
    });
  };
  diagnosticsChannel.subscribe('undici:client:connected', onConnected);
  if (opts.record) diagnosticsChannel.subscribe('undici:request:create', onCreate);
  return {
    bytes() {
      let read = 0;
      let written = 0;
      for (const s of sockets) {
        read += s.bytesRead;
        written += s.bytesWritten;
      }
      return { in: read, out: written };
    },
    requests,
    stop() {
      diagnosticsChannel.unsubscribe('undici:client:connected', onConnected);
      if (opts.record) diagnosticsChannel.unsubscribe('undici:request:create', onCreate);
    },
  };
}

/** undici keeps request headers as a flat [name, value, name, value...] list (a string in older versions). */
function headerValue(headers: unknown, name: string): string {
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2)
      if (String(headers[i]).toLowerCase() === name) return String(headers[i + 1]);
    return '0';
  }
  if (typeof headers === 'string') {
    const m = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(headers);
    return m?.[1]?.trim() ?? '0';
  }
  return '0';
}
