/** The 90th percentile of recent pass times (nearest rank): the cutover window an org should plan for. */
export function p90(seconds: number[]): number | undefined {
  if (!seconds.length) return undefined;
  const sorted = [...seconds].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.9) - 1)];
}

/** Milliseconds from `now` to the next pass: a fixed interval, or the next HH:MM (UTC) when a time of day is set. */
export function msUntilNextPass(
  now: number,
  lastPassAt: number | undefined,
  intervalSeconds: number,
  timeOfDay?: string,
): number {
  if (timeOfDay) {
    const [h, m] = timeOfDay.split(':').map(Number);
    const next = new Date(now);
    next.setUTCHours(h ?? 0, m ?? 0, 0, 0);
    if (next.getTime() <= now) next.setUTCDate(next.getUTCDate() + 1);
    return next.getTime() - now;
  }
  if (lastPassAt === undefined) return 0;
  return Math.max(0, lastPassAt + intervalSeconds * 1000 - now);
}
