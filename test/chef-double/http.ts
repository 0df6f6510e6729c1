/** An error a handler throws to answer with a Chef-style `{"error":[message]}` body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface Reply {
  status: number;
  /** Serialised as JSON. */
  body?: unknown;
  /** Sent as is (file store downloads, /version text). */
  raw?: Buffer | string;
  contentType?: string;
  headers?: Record<string, string>;
}

export const reply = (body: unknown, status = 200): Reply => ({ status, body });
export const created = (uri: string, extra: Record<string, unknown> = {}): Reply => ({
  status: 201,
  body: { uri, ...extra },
});

export const badRequest = (message: string): HttpError => new HttpError(400, message);
export const notFound = (message: string): HttpError => new HttpError(404, message);
export const conflict = (message: string): HttpError => new HttpError(409, message);
