import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FaultConfig {
  /** 0..1 share of matching requests answered with errorStatus. */
  errorRate: number;
  errorStatus: number;
  /** true: every matching request gets errorStatus. */
  outage: boolean;
  /** Added delay before answering matching requests (all of them, or a `slowRate` share of them). */
  latencyMs: number;
  /** 0..1 share of matching requests that get `latencyMs`; undefined = every matching request. */
  slowRate?: number;
  /** 0..1 share of matching requests whose socket is destroyed without an answer. */
  resetRate: number;
  /** Only requests whose "METHOD path" (path without query string) matches are affected; undefined = all. */
  match?: RegExp;
  /** Deterministic per-object rejection, checked before every other fault. */
  reject?: { match: RegExp; status: number; message: string };
  /** When set, injected errors carry `Retry-After: <seconds>`. */
  retryAfterSeconds?: number;
  /**
   * Random faults (errorRate, slowRate, resetRate) hit one request (same method, path and body, i.e. a client's
   * retries of it) at most this many times in a row, so a retry budget larger than this always gets through and a
   * test with high fault rates cannot flake. undefined = no limit.
   */
  maxFaultsInARow?: number;
}

export const defaultFaults = (): FaultConfig => ({
  errorRate: 0,
  errorStatus: 500,
  outage: false,
  latencyMs: 0,
  resetRate: 0,
});

export type FaultAction =
  | { kind: 'none' }
  | { kind: 'reset' }
  | { kind: 'answer'; status: number; message: string; headers: Record<string, string> };

/** Tests mutate `match`/`reject` at will; a global RegExp's lastIndex must not make matching flaky. */
const test = (re: RegExp, subject: string): boolean => {
  re.lastIndex = 0;
  return re.test(subject);
};

/** Per fault config (tests replace it to start afresh): random faults in a row, per request. */
const streaks = new WeakMap<FaultConfig, Map<string, number>>();

const roll = (rate: number | undefined): boolean => rate !== undefined && rate > 0 && Math.random() < rate;

export async function applyFaults(
  faults: FaultConfig,
  method: string,
  path: string,
  body: Buffer = Buffer.alloc(0),
): Promise<FaultAction> {
  const subject = `${method} ${path}`;
  if (faults.reject && test(faults.reject.match, subject)) {
    return { kind: 'answer', status: faults.reject.status, message: faults.reject.message, headers: {} };
  }
  if (faults.match && !test(faults.match, subject)) return { kind: 'none' };
  const random = {
    reset: roll(faults.resetRate),
    slow: faults.latencyMs > 0 && roll(faults.slowRate),
    error: roll(faults.errorRate),
  };
  if (!withinStreak(faults, subject, body, random.reset || random.slow || random.error))
    random.reset = random.slow = random.error = false;
  if (random.reset) return { kind: 'reset' };
  // Without slowRate every matching request is slow (a deterministic setting, like outage).
  if (random.slow || (faults.latencyMs > 0 && faults.slowRate === undefined)) await sleep(faults.latencyMs);
  if (faults.outage || random.error) {
    const headers: Record<string, string> =
      faults.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(faults.retryAfterSeconds) };
    return { kind: 'answer', status: faults.errorStatus, message: 'injected fault', headers };
  }
  return { kind: 'none' };
}

/** False when the request (its retries share method, path and body) has had `maxFaultsInARow` random faults in a row. */
function withinStreak(faults: FaultConfig, subject: string, body: Buffer, faulted: boolean): boolean {
  const max = faults.maxFaultsInARow;
  if (max === undefined) return true;
  let byRequest = streaks.get(faults);
  if (!byRequest) streaks.set(faults, (byRequest = new Map()));
  const key = `${subject} ${createHash('sha1').update(body).digest('hex')}`;
  const inARow = byRequest.get(key) ?? 0;
  if (!faulted || inARow >= max) {
    byRequest.delete(key);
    return false;
  }
  byRequest.set(key, inARow + 1);
  return true;
}
