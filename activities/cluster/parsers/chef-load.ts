import { lines, parseGoDuration } from './text';

/**
 * chef-load output (chef-ha-ops.md §4): the profile logrus prints on stderr when the run is signalled, and the JSON
 * request log lines. Both are read because the profile may be missing (killed hard) and the log may be elsewhere.
 */

export interface ChefLoadRow {
  percent: number;
  count: number;
  status: number;
  method: string;
  url: string;
}

export interface RequestLogSummary {
  requests: number;
  statusCounts: Record<string, number>;
  serverErrors: number;
  noResponse: number;
  /** Latency percentiles of `request_time_seconds`. */
  p50Seconds?: number;
  p95Seconds?: number;
  p99Seconds?: number;
  /** From the first to the last `time`, for a request rate when there is no profile. */
  spanSeconds?: number;
}

export interface ChefLoadResult {
  totalRequests?: number;
  durationSeconds?: number;
  rps?: number;
  rows: ChefLoadRow[];
  /** Requests per status code (from the profile rows, else from the request log). */
  statusCounts: Record<string, number>;
  /** 5xx answers. */
  serverErrors: number;
  /** Status 999: chef-load got no response at all. */
  noResponse: number;
  /** 409 on anything but `POST …/clients` (409 there only means the client exists from an earlier run). */
  unexpectedConflicts: number;
  /** `All clients busy…` lines: the server (or the load host) is saturated. */
  clientsBusy: number;
  requestLog?: RequestLogSummary;
}

const TOTAL = /Total API Requests: (\d+)(?: over (\S+)\. RPS: ([\d.]+|NaN|\+Inf))?/;
const ROW = /^(\d+(?:\.\d+)?)\s+(\d+)\s+(\d{3})\s+([A-Z]+)\s+(\S+)$/;

/** The message of a logrus text line: `INFO[0060] msg` on a TTY, `time=… level=info msg="…"` otherwise. */
function message(line: string): string {
  const quoted = /\bmsg="((?:[^"\\]|\\.)*)"/.exec(line);
  if (quoted) return (quoted[1] ?? '').replace(/\\(.)/g, '$1');
  const bare = /\bmsg=(\S+)/.exec(line);
  if (bare && /\blevel=/.test(line)) return bare[1] ?? '';
  const tty = /^[A-Z]{4}\[\d+\]\s+(.*)$/.exec(line);
  return tty ? (tty[1] ?? '') : line;
}

function percentile(sorted: number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const isServerError = (status: number) => status >= 500 && status <= 599;

function summariseLog(entries: Record<string, unknown>[]): RequestLogSummary {
  const statusCounts: Record<string, number> = {};
  const times: number[] = [];
  let first = Infinity;
  let last = -Infinity;
  let serverErrors = 0;
  let noResponse = 0;
  for (const e of entries) {
    const status = Number(e.status_code);
    statusCounts[String(status)] = (statusCounts[String(status)] ?? 0) + 1;
    if (isServerError(status)) serverErrors++;
    if (status === 999) noResponse++;
    if (typeof e.request_time_seconds === 'number') times.push(e.request_time_seconds);
    const t = typeof e.time === 'string' ? Date.parse(e.time) : NaN;
    if (Number.isFinite(t)) {
      first = Math.min(first, t);
      last = Math.max(last, t);
    }
  }
  times.sort((a, b) => a - b);
  const summary: RequestLogSummary = { requests: entries.length, statusCounts, serverErrors, noResponse };
  const [p50, p95, p99] = [50, 95, 99].map((p) => percentile(times, p));
  if (p50 !== undefined) summary.p50Seconds = p50;
  if (p95 !== undefined) summary.p95Seconds = p95;
  if (p99 !== undefined) summary.p99Seconds = p99;
  if (last >= first) summary.spanSeconds = (last - first) / 1000;
  return summary;
}

export function parseChefLoad(output: string): ChefLoadResult {
  const result: ChefLoadResult = {
    rows: [],
    statusCounts: {},
    serverErrors: 0,
    noResponse: 0,
    unexpectedConflicts: 0,
    clientsBusy: 0,
  };
  const logEntries: Record<string, unknown>[] = [];
  for (const line of lines(output)) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    if (trimmed.startsWith('{')) {
      try {
        const entry = JSON.parse(trimmed) as unknown;
        if (entry && typeof entry === 'object' && 'status_code' in entry) {
          logEntries.push(entry as Record<string, unknown>);
          continue;
        }
      } catch {
        // Not a request log line: fall through to the text forms.
      }
    }
    const msg = message(trimmed).trim();
    if (/All clients busy/.test(msg)) result.clientsBusy++;
    const total = TOTAL.exec(msg);
    if (total) {
      result.totalRequests = Number(total[1]);
      const seconds = total[2] ? parseGoDuration(total[2]) : undefined;
      if (seconds !== undefined) result.durationSeconds = seconds;
      if (total[3] !== undefined && Number.isFinite(Number(total[3]))) result.rps = Number(total[3]);
      // A second profile (USR1 then TERM on older builds) replaces the first: the rows are cumulative.
      result.rows = [];
      continue;
    }
    const row = ROW.exec(msg);
    if (row) {
      result.rows.push({
        percent: Number(row[1]),
        count: Number(row[2]),
        status: Number(row[3]),
        method: row[4] ?? '',
        url: row[5] ?? '',
      });
    }
  }
  if (logEntries.length) result.requestLog = summariseLog(logEntries);
  if (result.rows.length) {
    for (const r of result.rows) {
      result.statusCounts[String(r.status)] = (result.statusCounts[String(r.status)] ?? 0) + r.count;
      if (isServerError(r.status)) result.serverErrors += r.count;
      if (r.status === 999) result.noResponse += r.count;
      if (r.status === 409 && !(r.method === 'POST' && /\/clients\/?$/.test(r.url)))
        result.unexpectedConflicts += r.count;
    }
    result.totalRequests ??= result.rows.reduce((n, r) => n + r.count, 0);
  } else if (result.requestLog) {
    const log = result.requestLog;
    result.statusCounts = { ...log.statusCounts };
    result.serverErrors = log.serverErrors;
    result.noResponse = log.noResponse;
    result.totalRequests ??= log.requests;
    for (const e of logEntries) {
      if (Number(e.status_code) === 409 && !(e.method === 'POST' && /\/clients\/?$/.test(String(e.url))))
        result.unexpectedConflicts++;
    }
    if (result.rps === undefined && log.spanSeconds) result.rps = log.requests / log.spanSeconds;
  }
  if (result.rps === undefined && result.totalRequests !== undefined && result.durationSeconds)
    result.rps = result.totalRequests / result.durationSeconds;
  return result;
}

/** Errors per request: 5xx plus no-response (999) over every request; 1 when nothing was sent at all. */
export function chefLoadErrorRate(r: ChefLoadResult): number {
  const total = r.totalRequests ?? 0;
  return total > 0 ? (r.serverErrors + r.noResponse) / total : 1;
}
