import { mustRun } from './remote';
import type { RemoteHost } from '../types';

/**
 * Clock offsets of the backends against the worker, NTP-style: the remote `date +%s.%N` is taken to be read at the
 * midpoint of the round trip, with half the round trip as its uncertainty; of a few samples the tightest one counts.
 * Docs (§0, §7): drift across backends must stay below 1.5 s, or etcd and leaderl's TTLs misbehave.
 */

export interface ClockReading {
  host: string;
  offsetSeconds: number;
  uncertaintySeconds: number;
}

export async function clockOffset(host: RemoteHost, samples = 3): Promise<ClockReading> {
  let best: ClockReading | undefined;
  for (let i = 0; i < samples; i++) {
    const t0 = Date.now();
    const r = await mustRun(host, 'date +%s.%N');
    const t1 = Date.now();
    const remote = Number.parseFloat(r.stdout.trim());
    if (!Number.isFinite(remote)) throw new Error(`${host.host.name}: \`date +%s.%N\` printed ${r.stdout.trim()}`);
    const reading = {
      host: host.host.name,
      offsetSeconds: remote - (t0 + t1) / 2000,
      uncertaintySeconds: (t1 - t0) / 2000,
    };
    if (!best || reading.uncertaintySeconds < best.uncertaintySeconds) best = reading;
  }
  if (!best) throw new Error('clockOffset needs at least one sample');
  return best;
}

export interface Drift {
  /** Largest minus smallest offset. */
  spreadSeconds: number;
  /** The spread minus both readings' uncertainty: the drift that is certain. */
  certainSeconds: number;
  ahead: string;
  behind: string;
}

export function drift(readings: ClockReading[]): Drift {
  const sorted = [...readings].sort((a, b) => a.offsetSeconds - b.offsetSeconds);
  const behind = sorted[0];
  const ahead = sorted[sorted.length - 1];
  if (!behind || !ahead) return { spreadSeconds: 0, certainSeconds: 0, ahead: '', behind: '' };
  const spread = ahead.offsetSeconds - behind.offsetSeconds;
  return {
    spreadSeconds: spread,
    certainSeconds: Math.max(0, spread - ahead.uncertaintySeconds - behind.uncertaintySeconds),
    ahead: ahead.host,
    behind: behind.host,
  };
}
