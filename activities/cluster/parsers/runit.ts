import { lines } from './text';

/**
 * runit `sv status` lines as the omnibus `*-ctl status` commands print them:
 *   `run: nginx: (pid 1234) 5678s; run: log: (pid 1235) 5678s`
 *   `down: opscode-erchef: 3s, normally up; run: log: (pid 12) 100s`
 *   `run: postgresql: connected OK to 127.0.0.1:5432` (external services of chef-server-ctl)
 */
export interface RunitService {
  name: string;
  /** `run`, `down`, `finish`, `fail`, `warning`, `timeout`: only `run` means the service is up. */
  state: string;
  pid?: number;
  seconds?: number;
  /** `down: …, normally up`: a service that should be running. */
  normallyUp?: boolean;
  log?: { state: string; pid?: number; seconds?: number };
  /** The text after the name, e.g. `connected OK to 127.0.0.1:5432` for an external service. */
  detail: string;
  line: string;
}

const LINE = /^(run|down|finish|fail|warning|timeout):\s*([^:\s][^:]*):\s*(.*)$/;
const TIMES = /^(?:\(pid (\d+)\)\s*)?(\d+)s\b/;

function timing(rest: string): { pid?: number; seconds?: number } {
  const m = TIMES.exec(rest);
  if (!m) return {};
  return { ...(m[1] ? { pid: Number(m[1]) } : {}), seconds: Number(m[2]) };
}

/** One runit line, or undefined when the line is not one. */
export function parseRunitLine(line: string): RunitService | undefined {
  const trimmed = line.trim();
  const m = LINE.exec(trimmed);
  if (!m) return undefined;
  const [, state = '', name = '', rest = ''] = m;
  // The log service follows the main one after `; `, e.g. `…; run: log: (pid 6667) 106983s`.
  const logAt = rest.search(/;\s*(run|down|finish|fail|warning|timeout): log:/);
  const main = logAt >= 0 ? rest.slice(0, logAt) : rest;
  const service: RunitService = { name: name.trim(), state, detail: main.trim(), line: trimmed, ...timing(main) };
  if (/normally up/.test(main)) service.normallyUp = true;
  if (logAt >= 0) {
    const lm = /^;\s*(\w+): log:\s*(.*)$/.exec(rest.slice(logAt));
    if (lm) service.log = { state: lm[1] ?? '', ...timing(lm[2] ?? '') };
  }
  return service;
}

export function parseRunitLines(text: string): { services: RunitService[]; unparsed: string[] } {
  const services: RunitService[] = [];
  const unparsed: string[] = [];
  for (const l of lines(text)) {
    if (!l.trim()) continue;
    const s = parseRunitLine(l);
    if (s) services.push(s);
    else unparsed.push(l.trim());
  }
  return { services, unparsed };
}
