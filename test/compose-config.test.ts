import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { temporalSettings } from '../worker/settings';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

/**
 * docker-compose.yml, the Dockerfile and deploy/ checked against the code, without Docker: the worker's environment
 * against worker/settings.ts, the search attributes the namespace step registers against workflows/search-attributes.ts,
 * and every service, port, mount and file the deployment refers to. Each check returns its problems as strings, so
 * the last suite can show that each one fails on a broken input.
 */

const ROOT = join(__dirname, '..');
const SETTINGS_FILE = 'worker/settings.ts';
const NAMESPACE_SCRIPT = 'deploy/scripts/create-namespace.sh';
const REGISTER_FN = 'ensure_search_attribute_registered';

const EXPECTED_SERVICES = [
  'postgresql',
  'temporal-admin-tools',
  'temporal',
  'temporal-create-namespace',
  'temporal-ui',
  'worker',
];
/** Service, then the container port it must publish on the same host port (by default). */
const EXPECTED_PORTS: [string, number][] = [
  ['temporal', 7233],
  ['temporal-ui', 8080],
  ['postgresql', 5432],
];
/** How `temporal operator search-attribute create --type` spells the SDK's SearchAttributeType values. */
const CLI_TYPE: Record<string, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};
/** Pre-allocated custom columns per namespace in the SQL visibility schema (Bool01-03 ... Keyword01-10 ...). */
const SQL_VISIBILITY_CAP: Record<string, number> = {
  Text: 3,
  Keyword: 10,
  Int: 3,
  Double: 3,
  Bool: 3,
  Datetime: 3,
  KeywordList: 3,
};
const DEPENDS_ON_CONDITIONS = ['service_started', 'service_healthy', 'service_completed_successfully'];

type EnvValue = string | number | boolean | null;
interface VolumeLong {
  type?: string;
  source?: string;
  target?: string;
  read_only?: boolean;
}
interface ComposeService {
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
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  networks?: Record<string, { driver?: string } | null>;
}
interface SearchAttributeDef {
  name: string;
  type: string;
}
interface Mount {
  kind: 'bind' | 'volume';
  source: string;
  target: string;
  readOnly: boolean;
}

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const repoExists = (file: string) => existsSync(join(ROOT, file));

/** Compose interpolation with nothing set, i.e. the defaults a user gets: ${X:-d}, ${X-d}, ${X}, $X, $$. */
function interpolate(value: string): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, _n, d) =>
    m === '$$' ? '$' : typeof d === 'string' ? d : '',
  );
}

function environment(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  const pairs: [string, string][] = Array.isArray(env)
    ? env.map((e) => {
        const i = e.indexOf('=');
        return i < 0 ? [e, ''] : [e.slice(0, i), e.slice(i + 1)];
      })
    : Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]);
  return Object.fromEntries(pairs.map(([k, v]) => [k, interpolate(v)]));
}

function mounts(service: ComposeService): Mount[] {
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

function ports(service: ComposeService): { ip?: string; host?: number; container: number }[] {
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

function dependsOn(service: ComposeService): [string, string][] {
  const d = service.depends_on ?? [];
  return Array.isArray(d)
    ? d.map((s) => [s, 'service_started'])
    : Object.entries(d).map(([s, v]) => [s, v?.condition ?? 'service_started']);
}

const words = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : v.split(/\s+/).filter(Boolean);

/** A container path mapped back into the repo through the service's bind mounts, or undefined. */
function hostPathOf(service: ComposeService, containerPath: string): string | undefined {
  for (const m of mounts(service)) {
    if (m.kind !== 'bind' || !m.source.startsWith('.')) continue;
    const rel = posix.relative(m.target, containerPath);
    if (rel === '' || (!rel.startsWith('..') && !posix.isAbsolute(rel))) return posix.join(m.source, rel);
  }
  return undefined;
}

/** The environment variables a source file reads as `env.X`, `env['X']` (and so `process.env.X`). */
function envNamesReadIn(source: string): string[] {
  const names = new Set<string>();
  for (const m of source.matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b|\benv\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\]/g))
    names.add((m[1] ?? m[2]) as string);
  return [...names].sort();
}

/** The environment variables temporalSettings() actually reads, recorded through a Proxy. */
function envNamesReadAtRuntime(): string[] {
  const names = new Set<string>();
  const env = new Proxy({} as NodeJS.ProcessEnv, {
    get(_target, key) {
      if (typeof key === 'string') names.add(key);
      return undefined;
    },
  });
  temporalSettings(env);
  return [...names].sort();
}

// ---------------------------------------------------------------------------------------------------------------
// Checks: each returns the list of problems (empty when consistent).

function checkServices(compose: ComposeFile): string[] {
  const names = Object.keys(compose.services ?? {});
  const problems: string[] = [];
  for (const s of EXPECTED_SERVICES) if (!names.includes(s)) problems.push(`service ${s} is missing`);
  for (const s of names) if (!EXPECTED_SERVICES.includes(s)) problems.push(`unexpected service ${s}`);
  return problems;
}

/** The worker's environment is exactly what worker/settings.ts reads, and each value fits the rest of the stack. */
function checkWorkerEnv(compose: ComposeFile, envNames: string[]): string[] {
  const problems: string[] = [];
  const worker = compose.services.worker;
  if (!worker) return ['no worker service'];
  const env = environment(worker);
  const keys = Object.keys(env).sort();
  for (const k of envNames)
    if (!(k in env)) problems.push(`worker environment lacks ${k}, which ${SETTINGS_FILE} reads`);
  // PGPASSWORD is read by the PostgreSQL client (the ledger), not by worker/settings.ts.
  for (const k of keys)
    if (!envNames.includes(k) && k !== 'PGPASSWORD') problems.push(`worker environment sets ${k}, which nothing reads`);

  const defaults = temporalSettings({});
  const settings = temporalSettings(env);
  const expected: [keyof typeof settings, string | undefined][] = [
    ['address', env.TEMPORAL_ADDRESS],
    ['namespace', env.TEMPORAL_NAMESPACE],
    ['controlQueue', env.CHEF_MIGRATE_TASK_QUEUE],
    ['dataPlaneQueue', env.CHEF_MIGRATE_DATA_TASK_QUEUE],
    ['uiUrl', env.TEMPORAL_UI_URL],
  ];
  if (env.PGPASSWORD === undefined) problems.push('worker environment lacks PGPASSWORD, the ledger database password');
  for (const [field, value] of expected)
    if (settings[field] !== value) problems.push(`settings.${field} is ${settings[field]}, compose says ${value}`);

  if (env.CHEF_MIGRATE_TASK_QUEUE !== defaults.controlQueue)
    problems.push(`CHEF_MIGRATE_TASK_QUEUE ${env.CHEF_MIGRATE_TASK_QUEUE} is not the default ${defaults.controlQueue}`);
  const dataPrefix = defaults.dataPlaneQueue.slice(0, defaults.dataPlaneQueue.lastIndexOf('@') + 1);
  const dataQueue = env.CHEF_MIGRATE_DATA_TASK_QUEUE ?? '';
  if (!dataPrefix || !dataQueue.startsWith(dataPrefix) || dataQueue === dataPrefix)
    problems.push(`CHEF_MIGRATE_DATA_TASK_QUEUE ${dataQueue} is not ${dataPrefix}<fixed host name>`);

  const [host, port] = (env.TEMPORAL_ADDRESS ?? '').split(':');
  const temporal = host ? compose.services[host] : undefined;
  if (!temporal) problems.push(`TEMPORAL_ADDRESS ${env.TEMPORAL_ADDRESS} names no service`);
  else if (!ports(temporal).some((p) => p.container === Number(port)))
    problems.push(`TEMPORAL_ADDRESS port ${port} is not a port of service ${host}`);

  const namespaceEnv = environment(compose.services['temporal-create-namespace'] ?? {});
  if (env.TEMPORAL_NAMESPACE !== namespaceEnv.DEFAULT_NAMESPACE)
    problems.push(
      `worker namespace ${env.TEMPORAL_NAMESPACE} is not the one created (${namespaceEnv.DEFAULT_NAMESPACE})`,
    );
  for (const name of ['temporal-create-namespace', 'temporal-ui']) {
    const address = environment(compose.services[name] ?? {}).TEMPORAL_ADDRESS;
    if (address !== env.TEMPORAL_ADDRESS) problems.push(`${name} dials ${address}, the worker ${env.TEMPORAL_ADDRESS}`);
  }

  let ui: URL | undefined;
  try {
    ui = new URL(env.TEMPORAL_UI_URL ?? '');
  } catch {
    problems.push(`TEMPORAL_UI_URL ${env.TEMPORAL_UI_URL} is not a URL`);
  }
  if (ui) {
    const published = ports(compose.services['temporal-ui'] ?? {}).map((p) => p.host);
    if (!['localhost', '127.0.0.1'].includes(ui.hostname) || !published.includes(Number(ui.port || 80)))
      problems.push(`TEMPORAL_UI_URL ${ui.href} is not the UI's published port (${published.join(', ')})`);
  }
  return problems;
}

/** The namespace script registers exactly the code's search attributes, with the CLI's spelling of their types. */
function checkSearchAttributes(script: string, attributes: readonly SearchAttributeDef[]): string[] {
  const problems: string[] = [];
  const registered = new Map<string, string>();
  for (const m of script.matchAll(new RegExp(`^[ \\t]*${REGISTER_FN}[ \\t]+(\\S+)[ \\t]+(\\S+)[ \\t]*$`, 'gm'))) {
    const [, name = '', type = ''] = m;
    if (registered.has(name)) problems.push(`search attribute ${name} is registered twice`);
    registered.set(name, type);
  }
  for (const sa of attributes) {
    const want = CLI_TYPE[sa.type];
    const got = registered.get(sa.name);
    if (!want) problems.push(`search attribute ${sa.name} has a type the CLI cannot name: ${sa.type}`);
    else if (got === undefined) problems.push(`search attribute ${sa.name} (${want}) is not registered by the script`);
    else if (got !== want) problems.push(`search attribute ${sa.name} is registered as ${got}, the code says ${want}`);
  }
  const inCode = new Set(attributes.map((sa) => sa.name));
  for (const name of registered.keys())
    if (!inCode.has(name)) problems.push(`the script registers ${name}, which the code does not define`);

  const perType = new Map<string, number>();
  for (const type of registered.values()) perType.set(type, (perType.get(type) ?? 0) + 1);
  for (const [type, n] of perType)
    if (n > (SQL_VISIBILITY_CAP[type] ?? 0))
      problems.push(`${n} ${type} attributes exceed SQL visibility's ${type} columns`);

  const body = script.slice(script.indexOf(`${REGISTER_FN}() {`));
  const create = /temporal operator search-attribute create --namespace "\$NAMESPACE" --name "\$name" --type "\$type"/;
  if (!script.includes(`${REGISTER_FN}() {`) || !create.test(body))
    problems.push(`${REGISTER_FN} does not run temporal operator search-attribute create --namespace --name --type`);
  return problems;
}

function checkDependsOn(compose: ComposeFile): string[] {
  const problems: string[] = [];
  const services = compose.services;
  for (const [name, service] of Object.entries(services)) {
    for (const [dep, condition] of dependsOn(service)) {
      const target = services[dep];
      if (!target) {
        problems.push(`${name} depends on ${dep}, which is no service`);
        continue;
      }
      if (!DEPENDS_ON_CONDITIONS.includes(condition))
        problems.push(`${name} -> ${dep}: unknown condition ${condition}`);
      if (condition === 'service_healthy' && (!target.healthcheck?.test || target.healthcheck.disable))
        problems.push(`${name} waits for ${dep} to be healthy, but ${dep} has no healthcheck`);
      if (condition === 'service_completed_successfully' && ['always', 'unless-stopped'].includes(target.restart ?? ''))
        problems.push(`${name} waits for ${dep} to complete, but ${dep} restarts forever`);
    }
  }
  // No cycles: compose refuses them.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      problems.push(`depends_on cycle: ${[...path, name].join(' -> ')}`);
      return;
    }
    state.set(name, 'visiting');
    for (const [dep] of dependsOn(services[name] ?? {})) if (services[dep]) visit(dep, [...path, name]);
    state.set(name, 'done');
  };
  for (const name of Object.keys(services)) visit(name, []);

  const required: [string, string, string][] = [
    ['temporal-admin-tools', 'postgresql', 'service_healthy'],
    ['temporal', 'temporal-admin-tools', 'service_completed_successfully'],
    ['temporal-create-namespace', 'temporal', 'service_healthy'],
    ['temporal-ui', 'temporal', 'service_healthy'],
    ['worker', 'temporal-create-namespace', 'service_completed_successfully'],
  ];
  for (const [from, to, condition] of required)
    if (!dependsOn(services[from] ?? {}).some(([d, c]) => d === to && c === condition))
      problems.push(`${from} must depend on ${to} with ${condition}`);
  return problems;
}

function checkPorts(compose: ComposeFile): string[] {
  const problems: string[] = [];
  for (const [name, port] of EXPECTED_PORTS) {
    const published = ports(compose.services[name] ?? {});
    if (!published.some((p) => p.container === port && p.host === port))
      problems.push(`${name} does not publish ${port}:${port} (has ${JSON.stringify(published)})`);
  }
  const seen = new Map<number, string>();
  for (const [name, service] of Object.entries(compose.services))
    for (const p of ports(service)) {
      if (p.host === undefined) continue;
      if (Number.isNaN(p.host) || Number.isNaN(p.container)) problems.push(`${name}: unparsable port mapping`);
      const other = seen.get(p.host);
      if (other) problems.push(`host port ${p.host} is published by ${other} and ${name}`);
      seen.set(p.host, name);
    }
  return problems;
}

/** Every bind mount and build context exists, named volumes are declared, scripts and config resolve to files. */
function checkFiles(compose: ComposeFile, exists: (file: string) => boolean): string[] {
  const problems: string[] = [];
  const declaredVolumes = Object.keys(compose.volumes ?? {});
  for (const [name, service] of Object.entries(compose.services)) {
    for (const m of mounts(service)) {
      if (m.kind === 'bind') {
        if (!m.source.startsWith('./')) problems.push(`${name} mounts ${m.source}: use a path relative to the repo`);
        else if (!exists(m.source)) problems.push(`${name} mounts ${m.source}, which is not in the repo`);
      } else if (m.source && !declaredVolumes.includes(m.source)) {
        problems.push(`${name} uses volume ${m.source}, which is not declared`);
      }
    }
    if (service.build !== undefined) {
      const build = typeof service.build === 'string' ? { context: service.build } : service.build;
      const context = build.context ?? '.';
      const dockerfile = posix.join(context, build.dockerfile ?? 'Dockerfile');
      if (!exists(context)) problems.push(`${name} builds from ${context}, which is not in the repo`);
      if (!exists(dockerfile)) problems.push(`${name} builds with ${dockerfile}, which is not in the repo`);
    }
    // Scripts run from a mount: /bin/sh /scripts/x.sh must be a file of the repo.
    for (const word of [...words(service.entrypoint), ...words(service.command)]) {
      if (!/\.(sh|bash)$/.test(word)) continue;
      const host = hostPathOf(service, word);
      if (!host) problems.push(`${name} runs ${word}, which no bind mount provides`);
      else if (!exists(host)) problems.push(`${name} runs ${word} = ${host}, which is not in the repo`);
    }
    const dynamicConfig = environment(service).DYNAMIC_CONFIG_FILE_PATH;
    if (dynamicConfig !== undefined) {
      const host = hostPathOf(service, posix.resolve('/etc/temporal', dynamicConfig));
      if (!host || !exists(host))
        problems.push(`${name}: DYNAMIC_CONFIG_FILE_PATH ${dynamicConfig} is no mounted file`);
    }
  }
  return problems;
}

/** One bridge network that every service joins; images pinned by a default tag (not latest). */
function checkNetworkAndImages(compose: ComposeFile, rawCompose: string): string[] {
  const problems: string[] = [];
  const networks = Object.entries(compose.networks ?? {});
  if (networks.length !== 1 || (networks[0]?.[1]?.driver ?? 'bridge') !== 'bridge')
    problems.push(`expected one bridge network, found ${networks.map(([n]) => n).join(', ') || 'none'}`);
  const network = networks[0]?.[0];
  for (const [name, service] of Object.entries(compose.services)) {
    const joined = Array.isArray(service.networks) ? service.networks : Object.keys(service.networks ?? {});
    if (joined.length !== 1 || joined[0] !== network) problems.push(`${name} is not on network ${network} alone`);
    if (service.image === undefined) continue;
    if (service.build !== undefined) continue; // the local build's tag
    const image = interpolate(service.image);
    const tag = image.includes(':') ? image.slice(image.lastIndexOf(':') + 1) : '';
    if (!tag || tag === 'latest') problems.push(`${name}: image ${service.image} is not pinned`);
    if (!/\$\{[A-Z_]+:-[^}]+\}/.test(service.image))
      problems.push(`${name}: image ${service.image} has no overridable default version`);
  }
  // The schema tools must match the server they prepare.
  const tagOf = (service: string) => interpolate(compose.services[service]?.image ?? '').split(':')[1];
  if (tagOf('temporal') !== tagOf('temporal-admin-tools'))
    problems.push(`server ${tagOf('temporal')} and admin-tools ${tagOf('temporal-admin-tools')} differ`);
  if (tagOf('temporal-create-namespace') !== tagOf('temporal-admin-tools'))
    problems.push('the two admin-tools services use different tags');
  if (/container_name:/.test(rawCompose)) problems.push('container_name pins names that collide across projects');
  return problems;
}

interface Instruction {
  op: string;
  args: string;
}

function dockerInstructions(dockerfile: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const raw of dockerfile.split('\n')) {
    const line = raw.trimEnd();
    if (!pending && (line.trim() === '' || line.trim().startsWith('#'))) continue;
    if (pending && line.trim().startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    const m = /^(\S+)\s*(.*)$/.exec(full);
    if (m) out.push({ op: (m[1] ?? '').toUpperCase(), args: m[2] ?? '' });
  }
  return out;
}

/** The Dockerfile runs a file that exists and is copied, as a non-root user, with only runtime dependencies. */
function checkDockerfile(
  dockerfile: string,
  dockerignore: string,
  compose: ComposeFile,
  exists: (file: string) => boolean,
): string[] {
  const problems: string[] = [];
  const ins = dockerInstructions(dockerfile);
  const from = ins.find((i) => i.op === 'FROM');
  if (from?.args !== 'node:20-bookworm-slim') problems.push(`FROM ${from?.args}: expected node:20-bookworm-slim`);

  const copied: string[] = [];
  for (const i of ins.filter((i) => i.op === 'COPY')) {
    const parts = i.args.split(/\s+/).filter((p) => !p.startsWith('--'));
    for (const src of parts.slice(0, -1)) {
      if (!exists(src)) problems.push(`COPY ${src}: not in the repo`);
      copied.push(src.replace(/\/$/, ''));
    }
  }
  const ignored = dockerignore
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  for (const src of copied) if (ignored.includes(src)) problems.push(`COPY ${src}, but .dockerignore excludes it`);
  for (const secret of ['.git', 'node_modules', 'deploy', '**/*.pem', '.env'])
    if (!ignored.includes(secret)) problems.push(`.dockerignore does not exclude ${secret}`);

  const run = ins.filter((i) => i.op === 'RUN').map((i) => i.args);
  if (!run.some((r) => /\bnpm ci\b.*--omit=dev/.test(r)))
    problems.push('dependencies are not installed with npm ci --omit=dev');

  const cmdIndex = ins.findIndex((i) => i.op === 'CMD');
  const cmd = ins[cmdIndex];
  let argv: unknown;
  try {
    argv = JSON.parse(cmd?.args ?? '');
  } catch {
    argv = undefined;
  }
  if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) {
    problems.push(`CMD ${cmd?.args}: expected the exec form, a JSON array`);
  } else {
    const script = argv.find((a: string) => /\.(ts|js|mjs|cjs)$/.test(a));
    if (argv[0] !== 'node' || !argv.includes('--import') || argv[argv.indexOf('--import') + 1] !== 'tsx')
      problems.push(`CMD ${cmd?.args}: expected node --import tsx FILE`);
    if (!script || !exists(script)) problems.push(`CMD runs ${script}, which is not in the repo`);
    else if (!copied.some((c) => script === c || script.startsWith(`${c}/`)))
      problems.push(`CMD runs ${script}, which no COPY puts in the image`);
  }

  const users = ins.slice(0, cmdIndex < 0 ? undefined : cmdIndex).filter((i) => i.op === 'USER');
  const user = users.at(-1)?.args.split(':')[0];
  if (!user || user === 'root' || user === '0') problems.push(`the image runs as ${user ?? 'root'}`);

  const volumes = ins.filter((i) => i.op === 'VOLUME').map((i) => i.args);
  if (!volumes.some((v) => v.includes('/var/lib/chef-migrate'))) problems.push('no VOLUME for /var/lib/chef-migrate');
  const workerMounts = mounts(compose.services.worker ?? {});
  if (!workerMounts.some((m) => m.target === '/var/lib/chef-migrate' && !m.readOnly))
    problems.push('the worker does not mount a writable /var/lib/chef-migrate');
  if (!workerMounts.some((m) => m.target === '/etc/chef-migrate/keys' && m.readOnly))
    problems.push('the worker does not mount /etc/chef-migrate/keys read-only');
  return problems;
}

/** Relative imports of the copied sources stay inside what the image copies (no build step resolves them). */
function importsOutside(copiedDirs: string[]): string[] {
  const problems: string[] = [];
  const walk = (dir: string): string[] =>
    readdirSync(join(ROOT, dir)).flatMap((entry) => {
      const rel = `${dir}/${entry}`;
      return statSync(join(ROOT, rel)).isDirectory() ? walk(rel) : rel.endsWith('.ts') ? [rel] : [];
    });
  for (const file of copiedDirs.flatMap(walk)) {
    const text = read(file);
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = relative(ROOT, resolve(ROOT, dirname(file), m[1] ?? '')).split(sep)[0] ?? '';
      if (!copiedDirs.includes(target)) problems.push(`${file} imports ${m[1]}, outside the image's sources`);
    }
  }
  return problems;
}

/**
 * Variables a script reads but never sets nor takes from the environment with ${X:-default} / ${X:?message}: under
 * `set -u` each is an abort waiting on its branch (samples-server's create-namespace.sh reads a misspelled MAX_ATTEMPTS).
 */
function unsetVariables(script: string): string[] {
  const code = script
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n');
  const defined = new Set<string>();
  const add = (re: RegExp) => {
    for (const m of code.matchAll(re)) defined.add(m[1] ?? '');
  };
  add(/(?:^|[\s;(])([A-Za-z_][A-Za-z0-9_]*)=/gm);
  add(/\$\{([A-Za-z_][A-Za-z0-9_]*):?[-?=]/g);
  add(/\b(?:for|read|local|export)\s+([A-Za-z_][A-Za-z0-9_]*)/g);
  const used = new Set([...code.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] ?? ''));
  return [...used].filter((v) => !defined.has(v)).sort();
}

function shellScripts(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .map((f) => `${dir}/${f.split(sep).join('/')}`)
    .filter((f) => f.endsWith('.sh') && statSync(join(ROOT, f)).isFile());
}

// ---------------------------------------------------------------------------------------------------------------

const compose = parse(read('docker-compose.yml')) as ComposeFile;
const settingsEnvNames = envNamesReadIn(read(SETTINGS_FILE));

describe('docker-compose.yml against the code', () => {
  it('has the six services', () => {
    assert.deepEqual(checkServices(compose), []);
  });

  it("sets exactly the worker's environment variables, read from worker/settings.ts", () => {
    assert.ok(settingsEnvNames.length >= 5, `too few env names found in ${SETTINGS_FILE}: ${settingsEnvNames}`);
    assert.deepEqual(settingsEnvNames, envNamesReadAtRuntime(), 'source scan and runtime reads disagree');
    assert.deepEqual(checkWorkerEnv(compose, settingsEnvNames), []);
  });

  it('registers every search attribute of workflows/search-attributes.ts with its type', () => {
    assert.ok(SEARCH_ATTRIBUTES.length > 0);
    assert.deepEqual(checkSearchAttributes(read(NAMESPACE_SCRIPT), SEARCH_ATTRIBUTES), []);
  });

  it('orders services by depends_on conditions on existing services', () => {
    assert.deepEqual(checkDependsOn(compose), []);
  });

  it('publishes 7233, 8080 and 5432', () => {
    assert.deepEqual(checkPorts(compose), []);
  });

  it('mounts and builds only files of the repo', () => {
    assert.deepEqual(checkFiles(compose, repoExists), []);
    const dynamicConfig = parse(read('deploy/dynamicconfig/development-sql.yaml')) as Record<string, unknown>;
    assert.ok(Array.isArray(dynamicConfig['limit.maxIDLength']), 'dynamic config lacks limit.maxIDLength');
  });

  it('uses one bridge network and pinned images', () => {
    assert.deepEqual(checkNetworkAndImages(compose, read('docker-compose.yml')), []);
  });
});

describe('Dockerfile', () => {
  it('runs an existing, copied file as a non-root user', () => {
    assert.deepEqual(checkDockerfile(read('Dockerfile'), read('.dockerignore'), compose, repoExists), []);
  });

  it('copies every source the copied code imports, and tsx is a runtime dependency', () => {
    const copied = dockerInstructions(read('Dockerfile'))
      .filter((i) => i.op === 'COPY')
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1))
      .filter((src) => repoExists(src) && statSync(join(ROOT, src)).isDirectory());
    assert.deepEqual(importsOutside(copied), []);
    const pkg = JSON.parse(read('package.json')) as { dependencies?: Record<string, string> };
    assert.ok(pkg.dependencies?.tsx, 'tsx must be in dependencies: npm ci --omit=dev would drop it');
  });
});

describe('deploy shell scripts', () => {
  const scripts = shellScripts('deploy');

  it('are found', () => {
    assert.ok(scripts.includes(NAMESPACE_SCRIPT), `${NAMESPACE_SCRIPT} not among ${scripts}`);
  });

  for (const script of scripts) {
    it(`${script} parses (bash -n, and sh -n for /bin/sh scripts)`, () => {
      const shells = read(script).startsWith('#!/bin/sh') ? ['bash', 'sh'] : ['bash'];
      for (const shell of shells) {
        const r = spawnSync(shell, ['-n', join(ROOT, script)], { encoding: 'utf8' });
        assert.equal(r.status, 0, `${shell} -n ${script}: ${r.stderr}`);
      }
      assert.match(read(script), /^set -eu/m, `${script} does not stop on errors and unset variables`);
      assert.deepEqual(unsetVariables(read(script)), [], `${script} reads variables it never sets`);
    });
  }
});

describe('the checks fail on broken inputs', () => {
  const clone = (): ComposeFile => structuredClone(compose);

  it('a search attribute added to the code but not to the script', () => {
    const more = [...SEARCH_ATTRIBUTES, { name: 'MigrationNewThing', type: 'KEYWORD' }];
    assert.match(checkSearchAttributes(read(NAMESPACE_SCRIPT), more).join('\n'), /MigrationNewThing.*not registered/);
    const retyped = SEARCH_ATTRIBUTES.map((sa, i) => (i === 0 ? { name: sa.name, type: 'INT' } : sa));
    assert.match(checkSearchAttributes(read(NAMESPACE_SCRIPT), retyped).join('\n'), /registered as/);
  });

  it('an environment variable read by the code but not set, or set but not read', () => {
    assert.match(
      checkWorkerEnv(compose, [...settingsEnvNames, 'CHEF_MIGRATE_NEW']).join('\n'),
      /lacks CHEF_MIGRATE_NEW/,
    );
    const c = clone();
    (c.services.worker?.environment as Record<string, EnvValue>).CHEF_MIGRATE_TASK_QUEUE = 'other';
    assert.match(checkWorkerEnv(c, settingsEnvNames).join('\n'), /not the default/);
  });

  it('a dependency on a missing service, and a mount or script missing from the repo', () => {
    const c = clone();
    c.services.worker = { ...c.services.worker, depends_on: { nowhere: { condition: 'service_healthy' } } };
    assert.match(checkDependsOn(c).join('\n'), /nowhere, which is no service/);
    assert.match(checkFiles(compose, (f) => f !== './deploy/dynamicconfig').join('\n'), /not in the repo/);
    assert.match(
      checkFiles(compose, (f) => !f.endsWith('create-namespace.sh')).join('\n'),
      /create-namespace\.sh.*not in the repo/,
    );
  });

  it('a variable misspelled in a script, as in the samples-server original', () => {
    const script = read(NAMESPACE_SCRIPT).replace(/"\$attempt" -lt "\$MAX_ATTEMPTS"/, '"$attempt" -lt "$MAX_ATTdMPTS"');
    assert.deepEqual(unsetVariables(script), ['MAX_ATTdMPTS']);
  });

  it('a CMD that runs a missing file, and a port not published', () => {
    const dockerfile = read('Dockerfile').replace('worker/main.ts', 'worker/gone.ts');
    assert.match(checkDockerfile(dockerfile, read('.dockerignore'), compose, repoExists).join('\n'), /gone\.ts/);
    const c = clone();
    c.services['temporal-ui'] = { ...c.services['temporal-ui'], ports: ['127.0.0.1:8081:8080'] };
    assert.match(checkPorts(c).join('\n'), /temporal-ui does not publish 8080:8080/);
  });
});
