import { parseRunitLine, type RunitService } from './runit';
import { lines } from './text';

/**
 * `chef-server-ctl status` (chef-ha-ops.md §2.3): runit lines, optionally framed by `Internal Services` /
 * `External Services` headers. Its exit code ignores down services and external failures, so the text is the verdict.
 */

export interface ServerService extends RunitService {
  /** From the `External Services` block (`connected OK to …` / `failed to connect to …`). */
  external: boolean;
}

export interface ServerStatus {
  services: ServerService[];
  unparsed: string[];
}

export function parseServerStatus(text: string): ServerStatus {
  const result: ServerStatus = { services: [], unparsed: [] };
  let external = false;
  for (const raw of lines(text)) {
    const line = raw.trim();
    if (!line || /^-+$/.test(line)) continue;
    if (/^Internal Services$/i.test(line)) {
      external = false;
      continue;
    }
    if (/^External Services$/i.test(line)) {
      external = true;
      continue;
    }
    const s = parseRunitLine(line);
    if (s) result.services.push({ ...s, external });
    else result.unparsed.push(line);
  }
  return result;
}

/** Every service that is not `run`, and every external service whose line is not `connected OK`. */
export function serverStatusProblems(s: ServerStatus): string[] {
  const problems: string[] = [];
  if (s.services.length === 0) problems.push('no service lines');
  for (const svc of s.services) {
    if (svc.state !== 'run') {
      const how = svc.external ? `: ${svc.detail}` : svc.seconds !== undefined ? ` for ${svc.seconds}s` : '';
      problems.push(`${svc.external ? 'external ' : ''}${svc.name} ${svc.state}${how}`);
    } else if (svc.external && !/connected OK/i.test(svc.detail)) {
      problems.push(`external ${svc.name}: ${svc.detail}`);
    }
  }
  return problems;
}
