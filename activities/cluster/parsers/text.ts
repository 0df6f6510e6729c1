/** Small text helpers shared by the ctl output parsers. */

// ESC [ … letter: colour codes pedant and some ctl builds print even when stdout is not a TTY.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, 'g');

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** Lines without colour codes, trailing whitespace or carriage returns (ssh with a pty adds them). */
export function lines(text: string): string[] {
  return stripAnsi(text)
    .split(/\r?\n/)
    .map((l) => l.replace(/\s+$/, ''));
}

/** `1d 5h 59m 41s` (the `Time in State` column of `chef-backend-ctl status`) → seconds. */
export function parseDhms(text: string): number | undefined {
  const m = /^(\d+)d (\d+)h (\d+)m (\d+)s$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
}

const GO_UNITS: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, μs: 1e-6, ns: 1e-9 };

/** A Go `time.Duration` string (`1m0.003s`, `500ms`, `2h0m0s`) → seconds; chef-load prints its run time this way. */
export function parseGoDuration(text: string): number | undefined {
  const t = text.trim();
  if (t === '0') return 0;
  const part = /(\d+(?:\.\d+)?)(h|ms|us|µs|μs|ns|m|s)/gy;
  let total = 0;
  let end = 0;
  for (let m = part.exec(t); m; m = part.exec(t)) {
    total += Number(m[1]) * (GO_UNITS[m[2] ?? ''] ?? NaN);
    end = part.lastIndex;
  }
  return end > 0 && end === t.length && Number.isFinite(total) ? total : undefined;
}
