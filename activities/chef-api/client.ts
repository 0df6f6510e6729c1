import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { pipeline } from 'node:stream/promises';
import { Agent, errors as undiciErrors } from 'undici';
import type { Dispatcher } from 'undici';
import { Semaphore, type Limiter } from '../concurrency';
import { ChefAuthError, ChefHttpError, ConfigError, UnsupportedEndpointError } from '../errors';
import { RETRY_RULE, retryDelayMs, type RetryRule } from '../retry-rule';
import { AdaptiveLimiter } from './adaptive-limiter';
import { RequestSigner, type SignVersion } from './signing';

export interface ChefServerConfig {
  /** Server root, e.g. https://chef.example.com (a trailing /organizations/<org> is stripped). */
  url: string;
  /** The user or client to sign as; with `webui` the user to act as (usually pivotal). */
  userId: string;
  /** Path of the private key (a user/client key, or the webui key with `webui`). Never the key itself. */
  keyPath: string;
  signVersion?: SignVersion;
  /** Impersonation: sign with the webui key and send X-Ops-Request-Source: web. */
  webui?: boolean;
  /** PEM bundle of CAs to trust in addition to the system store. */
  caFile?: string;
  /** Requests in flight to this server at most (keep-alive pool size). */
  concurrency?: number;
  requestTimeoutMs?: number;
  retry?: RetryRule;
  /** `concurrency` is a ceiling that an AIMD limiter lowers on 5xx/429/slow answers (default), or a fixed number. */
  adaptive?: boolean;
  /** Aborts requests in flight and refuses new ones (a cancelled activity). */
  signal?: AbortSignal;
}

export interface RequestOptions {
  body?: unknown;
  apiVersion?: number;
  /** A 2xx with an empty body is acceptable (a few Chef 12 write endpoints answer that way). */
  allowEmpty?: boolean;
  /** Statuses handed back to the caller instead of thrown (e.g. 404 for "absent", 409 for "exists"). */
  accept?: number[];
  /** Extra statuses that are retried like a 5xx (e.g. 400 on sandbox commit, a known consistency lag). */
  retryOn?: number[];
  headers?: Record<string, string>;
  /** Gives up this one request (the run's own signal still applies). */
  signal?: AbortSignal;
  /**
   * A query that takes long by nature (a search over every node): it runs beside the concurrency limit and
   * its latency is not taken for the server's usual answer, so it neither holds a slot nor trips the AIMD.
   */
  query?: boolean;
}

export interface ChefResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

export interface ClientStats {
  requests: number;
  retries: number;
  failures: number;
  bytesIn: number;
  bytesOut: number;
}

export type RetryListener = (info: {
  method: string;
  url: string;
  attempt: number;
  status: number;
  delayMs: number;
}) => void;

const TLS_VERIFY_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** One signed HTTP client per Chef server: keep-alive pool, bounded concurrency, the retry rule, API versions. */
export class ChefClient {
  readonly root: URL;
  readonly stats: ClientStats = { requests: 0, retries: 0, failures: 0, bytesIn: 0, bytesOut: 0 };
  /** Highest of {0, 2} the server advertised; cookbook manifests use it (v2 = all_files). */
  cookbookApiVersion = 0;
  onRetry?: RetryListener;
  private readonly signer: RequestSigner;
  private readonly agent: Agent;
  private readonly limiter: Limiter;
  private readonly retry: RetryRule;
  private readonly requestId = randomUUID();
  private negotiated = false;

  constructor(
    readonly config: ChefServerConfig,
    limiter?: Limiter,
  ) {
    this.root = parseServerUrl(config.url);
    this.signer = new RequestSigner(readKey(config.keyPath), config.signVersion ?? '1.3');
    this.retry = config.retry ?? RETRY_RULE;
    const concurrency = config.concurrency ?? 10;
    this.limiter =
      limiter ?? (config.adaptive === false ? new Semaphore(concurrency) : new AdaptiveLimiter(concurrency));
    const timeout = config.requestTimeoutMs ?? 300_000;
    this.agent = new Agent({
      connections: concurrency,
      keepAliveTimeout: 30_000,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      // Node's `ca` replaces the system store: keep the system CAs and add the operator's.
      connect: config.caFile ? { ca: [...rootCertificates, readCa(config.caFile)] } : {},
    });
  }

  get label(): string {
    return this.root.origin;
  }

  /** Requests allowed in flight now (below the configured concurrency while the server struggles). */
  get concurrencyLimit(): number {
    return this.limiter.limit;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  async get<T>(path: string, opts: RequestOptions = {}): Promise<ChefResponse<T>> {
    return this.request<T>('GET', path, opts);
  }

  /** A JSON request to a path on this server, with the retry rule applied. */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<ChefResponse<T>> {
    const payload = opts.body === undefined ? '' : JSON.stringify(opts.body);
    const url = new URL(path, this.root);
    const res = await this.send(method, url, payload, opts, async (r) => ({ text: await r.body.text() }));
    const { text } = res.result;
    if (res.status >= 200 && res.status < 300 && text.trim() === '' && res.status !== 204 && !opts.allowEmpty) {
      throw new UnsupportedEndpointError(
        { method, url: url.href, status: res.status, body: '', attempts: res.attempts },
        `${method} ${url.href} answered ${res.status} with an empty body: the server does not support this endpoint`,
      );
    }
    return { status: res.status, headers: res.headers, body: parseBody<T>(text) };
  }

  /** Streams a file (a cookbook file URL from a manifest) to `dest`, returning its MD5 hex; atomic rename. */
  async download(fileUrl: string, dest: string): Promise<string> {
    const url = new URL(fileUrl, this.root);
    const res = await this.send('GET', url, '', {}, async (r) => {
      if (r.statusCode !== 200) return { md5: '', text: await r.body.text() };
      const tmp = `${dest}.part-${process.pid}-${randomUUID().slice(0, 8)}`;
      const md5 = createHash('md5');
      const tap = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          md5.update(chunk);
          cb(null, chunk);
        },
      });
      try {
        await pipeline(r.body, tap, createWriteStream(tmp));
        await rename(tmp, dest);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      return { md5: md5.digest('hex'), text: '' };
    });
    return res.result.md5;
  }

  /** PUTs raw file bytes to a sandbox upload URL. */
  async upload(fileUrl: string, data: Buffer, md5Hex: string): Promise<void> {
    const url = new URL(fileUrl, this.root);
    await this.send(
      'PUT',
      url,
      data,
      {
        headers: {
          'Content-Type': 'application/x-binary',
          'Content-MD5': Buffer.from(md5Hex, 'hex').toString('base64'),
        },
      },
      async (r) => ({ text: await r.body.text() }),
    );
  }

  private async send<R extends { text: string }>(
    method: string,
    url: URL,
    payload: string | Buffer,
    opts: RequestOptions,
    read: (r: Dispatcher.ResponseData) => Promise<R>,
  ): Promise<{ status: number; headers: ChefResponse['headers']; result: R; attempts: number }> {
    const own = this.config.signal;
    const signal = opts.signal && own ? AbortSignal.any([own, opts.signal]) : (opts.signal ?? own);
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      let status = 0;
      let detail = '';
      let retryAfterMs: number | undefined;
      try {
        const headers = await this.headersFor(method, url, payload, opts);
        const observe = (sample: { latencyMs: number; status: number }) =>
          opts.query ? undefined : this.limiter.observe?.(sample);
        const metered = <T>(fn: () => Promise<T>) => (opts.query ? fn() : this.limiter.run(fn));
        const r = await metered(async () => {
          this.stats.requests++;
          this.stats.bytesOut += payload.length;
          const started = performance.now();
          const response = await this.agent
            .request({
              origin: url.origin,
              path: url.pathname + url.search,
              method: method as Dispatcher.HttpMethod,
              headers,
              body: payload.length ? payload : undefined,
              signal,
            })
            .catch((err: unknown) => {
              if (!signal?.aborted) observe({ latencyMs: performance.now() - started, status: 0 });
              throw err;
            });
          observe({ latencyMs: performance.now() - started, status: response.statusCode });
          return { response, result: await read(response) };
        });
        status = r.response.statusCode;
        this.stats.bytesIn += r.result.text.length;
        this.learnApiVersions(r.response.headers);
        if ((status >= 200 && status < 300) || opts.accept?.includes(status)) {
          return { status, headers: r.response.headers, result: r.result, attempts: attempt };
        }
        detail = r.result.text;
        if (status === 406 && !opts.headers?.['X-Ops-Server-API-Version'] && attempt === 1) continue;
        if (status === 401) throw this.authError(method, url, r.response.headers, detail, attempt);
        if (!isRetryableStatus(status, opts)) {
          this.stats.failures++;
          throw new ChefHttpError({ method, url: url.href, status, body: detail.slice(0, 4096), attempts: attempt });
        }
        retryAfterMs = parseRetryAfter(r.response.headers['retry-after']);
      } catch (err) {
        if (err instanceof ChefHttpError) throw err;
        const code = (err as { code?: string }).code ?? '';
        if (TLS_VERIFY_CODES.has(code)) {
          throw new ChefAuthError(
            { method, url: url.href, status: 0, body: code, attempts: attempt },
            `TLS certificate of ${url.origin} is not trusted (${code}); pass the server's CA with --ca-file`,
          );
        }
        if (!isNetworkError(err) || signal?.aborted) throw err;
        detail = `${code || (err as Error).name}: ${(err as Error).message}`;
      }
      if (attempt >= this.retry.maximumAttempts) {
        this.stats.failures++;
        throw new ChefHttpError({ method, url: url.href, status, body: detail.slice(0, 4096), attempts: attempt });
      }
      const delayMs = Math.max(retryDelayMs(this.retry, attempt, Math.random()), Math.min(retryAfterMs ?? 0, 300_000));
      this.stats.retries++;
      this.onRetry?.({ method, url: url.href, attempt, status, delayMs });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }

  private async headersFor(
    method: string,
    url: URL,
    payload: string | Buffer,
    opts: RequestOptions,
  ): Promise<Record<string, string>> {
    const apiVersion = String(opts.apiVersion ?? 0);
    const signed = await this.signer.sign({
      method,
      path: url.pathname,
      body: payload,
      userId: this.config.userId,
      apiVersion,
    });
    return {
      Accept: 'application/json',
      ...(typeof payload === 'string' && payload.length ? { 'Content-Type': 'application/json' } : {}),
      'X-Chef-Version': '18.5.0',
      'X-Remote-Request-Id': this.requestId,
      'X-Ops-Server-API-Version': apiVersion,
      ...(this.config.webui ? { 'X-Ops-Request-Source': 'web' } : {}),
      ...signed,
      ...opts.headers,
    };
  }

  private learnApiVersions(headers: ChefResponse['headers']): void {
    const raw = headers['x-ops-server-api-version'];
    if (typeof raw !== 'string') return;
    try {
      const max = Number((JSON.parse(raw) as { max_version?: string }).max_version);
      if (!this.negotiated || Number.isFinite(max)) this.cookbookApiVersion = max >= 2 ? 2 : 0;
      this.negotiated = true;
    } catch {
      // A malformed header leaves the negotiated version as it was.
    }
  }

  private authError(
    method: string,
    url: URL,
    headers: ChefResponse['headers'],
    body: string,
    attempts: number,
  ): ChefAuthError {
    const as = this.config.webui ? `webui key impersonating '${this.config.userId}'` : `user '${this.config.userId}'`;
    let message = `${this.label} refused the request signature (401) of ${as} with key ${this.config.keyPath}`;
    const serverDate = typeof headers.date === 'string' ? Date.parse(headers.date) : NaN;
    const skewMin = Number.isFinite(serverDate) ? (Date.now() - serverDate) / 60_000 : 0;
    if (Math.abs(skewMin) >= 10) {
      message += `; the local clock is ${Math.round(Math.abs(skewMin))} minutes ${skewMin > 0 ? 'ahead of' : 'behind'} the server's (Chef allows 15): fix the clock (NTP)`;
    } else {
      message += ': check the user name and that the key belongs to it';
    }
    const serverSays = body.trim().slice(0, 300);
    if (serverSays) message += ` (server said: ${serverSays})`;
    return new ChefAuthError({ method, url: url.href, status: 401, body: serverSays, attempts }, message);
  }
}

function isRetryableStatus(status: number, opts: RequestOptions): boolean {
  return status >= 500 || status === 429 || opts.retryOn?.includes(status) === true;
}

function isNetworkError(err: unknown): boolean {
  if (err instanceof undiciErrors.UndiciError) return true;
  const code = (err as { code?: string }).code;
  return typeof code === 'string' && /^(E[A-Z]+|UND_ERR.*)$/.test(code);
}

function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

function parseBody<T>(text: string): T {
  if (text.trim() === '') return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    // /version answers text; callers that expect JSON validate the shape and name the URL.
    return text as T;
  }
}

function parseServerUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`server URL '${raw}' is not a URL: write it with its scheme, e.g. https://chef.example.com`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`server URL '${raw}' must start with https:// or http://`);
  }
  url.pathname = url.pathname.replace(/\/organizations\/[^/]+\/?$/, '/').replace(/\/*$/, '/');
  return url;
}

function readKey(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read key file ${path}: ${(err as NodeJS.ErrnoException).code ?? err}; check --key`);
  }
  if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(pem)) {
    throw new ConfigError(`key file ${path} holds no PEM private key; give the user's or the webui private key`);
  }
  return pem;
}

function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `cannot read CA file ${path}: ${(err as NodeJS.ErrnoException).code ?? err}; check --ca-file`,
    );
  }
}
