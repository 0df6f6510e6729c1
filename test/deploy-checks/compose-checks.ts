import { posix } from 'node:path';
import { temporalSettings } from '../../worker/settings';
import {
  dependsOn,
  environment,
  hostPathOf,
  interpolate,
  mounts,
  ports,
  type ComposeFile,
  type SearchAttributeDef,
  words,
} from './compose-model';
import { SETTINGS_FILE } from './repo';

/**
 * docker-compose.yml and deploy/ checked against the code, without Docker. Each check returns its problems as
 * strings (empty when consistent), so a test can also show that each one fails on a broken input.
 */
export const REGISTER_FN = 'ensure_search_attribute_registered';

export const EXPECTED_SERVICES = [
  'postgresql',
  'temporal-admin-tools',
  'temporal',
  'temporal-create-namespace',
  'temporal-ui',
  'worker',
];
/** Service, then the container port it must publish on the same host port (by default). */
export const EXPECTED_PORTS: [string, number][] = [
  ['temporal', 7233],
  ['temporal-ui', 8080],
  ['postgresql', 5432],
];
/** How `temporal operator search-attribute create --type` spells the SDK's SearchAttributeType values. */
export const CLI_TYPE: Record<string, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};
/** Pre-allocated custom columns per namespace in the SQL visibility schema (Bool01-03 ... Keyword01-10 ...). */
export const SQL_VISIBILITY_CAP: Record<string, number> = {
  Text: 3,
  Keyword: 10,
  Int: 3,
  Double: 3,
  Bool: 3,
  Datetime: 3,
  KeywordList: 3,
};
export const DEPENDS_ON_CONDITIONS = ['service_started', 'service_healthy', 'service_completed_successfully'];

/** The environment variables a source file reads as `env.X`, `env['X']` (and so `process.env.X`). */
export function envNamesReadIn(source: string): string[] {
  const names = new Set<string>();
  for (const m of source.matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b|\benv\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\]/g))
    names.add((m[1] ?? m[2]) as string);
  return [...names].sort();
}

/** The environment variables temporalSettings() actually reads, recorded through a Proxy. */
export function envNamesReadAtRuntime(): string[] {
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

export function checkServices(compose: ComposeFile): string[] {
  const names = Object.keys(compose.services ?? {});
  const problems: string[] = [];
  for (const s of EXPECTED_SERVICES) if (!names.includes(s)) problems.push(`service ${s} is missing`);
  for (const s of names) if (!EXPECTED_SERVICES.includes(s)) problems.push(`unexpected service ${s}`);
  return problems;
}

/** The worker's environment is exactly what worker/settings.ts reads, and each value fits the rest of the stack. */
export function checkWorkerEnv(compose: ComposeFile, envNames: string[]): string[] {
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
export function checkSearchAttributes(script: string, attributes: readonly SearchAttributeDef[]): string[] {
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

export function checkDependsOn(compose: ComposeFile): string[] {
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

export function checkPorts(compose: ComposeFile): string[] {
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
export function checkFiles(compose: ComposeFile, exists: (file: string) => boolean): string[] {
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
export function checkNetworkAndImages(compose: ComposeFile, rawCompose: string): string[] {
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
