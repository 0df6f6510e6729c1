import { posix } from 'node:path';

/** docker-compose.yml as parsed, and the few views of a service the checks need. */
export type EnvValue = string | number | boolean | null;
export interface VolumeLong {
  type?: string;
  source?: string;
  target?: string;
  read_only?: boolean;
}
export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  environment?: Record<string, EnvValue> | string[];
  ports?: (string | number)[];
  volumes?: (string | VolumeLong)[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  networks?: string[] | Record<string, unknown>;
  entrypoint?: string | string[];
  command?: string | string[];
  restart?: string;
}
export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  networks?: Record<string, { driver?: string } | null>;
}
export interface SearchAttributeDef {
  name: string;
  type: string;
}
export interface Mount {
  kind: 'bind' | 'volume';
  source: string;
  target: string;
  readOnly: boolean;
}

/** Compose interpolation with nothing set, i.e. the defaults a user gets: ${X:-d}, ${X-d}, ${X}, $X, $$. */
export function interpolate(value: string): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, _n, d) =>
    m === '$$' ? '$' : typeof d === 'string' ? d : '',
  );
}

export function environment(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  const pairs: [string, string][] = Array.isArray(env)
    ? env.map((e) => {
        const i = e.indexOf('=');
        return i < 0 ? [e, ''] : [e.slice(0, i), e.slice(i + 1)];
      })
    : Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]);
  return Object.fromEntries(pairs.map(([k, v]) => [k, interpolate(v)]));
}

export function mounts(service: ComposeService): Mount[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v !== 'string') {
      const source = interpolate(v.source ?? '');
      return {
        kind: v.type === 'bind' ? 'bind' : 'volume',
        source,
        target: v.target ?? '',
        readOnly: v.read_only === true,
      };
    }
    const parts = interpolate(v).split(':');
    if (parts.length === 1) return { kind: 'volume', source: '', target: parts[0] ?? '', readOnly: false };
    const [source = '', target = '', mode = ''] = parts;
    const bind = source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
    return { kind: bind ? 'bind' : 'volume', source, target, readOnly: mode.split(',').includes('ro') };
  });
}

export function ports(service: ComposeService): { ip?: string; host?: number; container: number }[] {
  return (service.ports ?? []).map((p) => {
    const parts = interpolate(String(p))
      .replace(/\/(tcp|udp)$/, '')
      .split(':');
    const container = Number(parts.at(-1));
    const host = parts.length >= 2 ? Number(parts.at(-2)) : undefined;
    const ip = parts.length >= 3 ? parts.slice(0, -2).join(':') : undefined;
    return { ip, host, container };
  });
}

export function dependsOn(service: ComposeService): [string, string][] {
  const d = service.depends_on ?? [];
  return Array.isArray(d)
    ? d.map((s) => [s, 'service_started'])
    : Object.entries(d).map(([s, v]) => [s, v?.condition ?? 'service_started']);
}

export const words = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : v.split(/\s+/).filter(Boolean);

/** A container path mapped back into the repo through the service's bind mounts, or undefined. */
export function hostPathOf(service: ComposeService, containerPath: string): string | undefined {
  for (const m of mounts(service)) {
    if (m.kind !== 'bind' || !m.source.startsWith('.')) continue;
    const rel = posix.relative(m.target, containerPath);
    if (rel === '' || (!rel.startsWith('..') && !posix.isAbsolute(rel))) return posix.join(m.source, rel);
  }
  return undefined;
}
