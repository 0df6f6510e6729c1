import { accessSync, constants, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../activities/errors';
import type { MigrationPlan, ServerRef } from '../workflows/types';
import { ClusterSection, clusterPlanFrom } from './cluster-schema';
import { describeZodError } from './errors';
import { readConfigFile } from './options-schema';

const url = z.string().refine((v) => /^https?:\/\/[^/]/.test(v), {
  message: 'must be a URL with its scheme, e.g. https://chef.example.com',
});
const orgName = z.string().regex(/^[a-z0-9_-]+$/, 'an org name: lower-case letters, digits, - and _');

const Server = z
  .object({
    url: url.optional(),
    user: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
    webuiKey: z.string().min(1).optional(),
    /** Take url, node_name and client_key from an existing knife.rb / config.rb. */
    knifeConfig: z.string().min(1).optional(),
    signVersion: z.enum(['1.0', '1.1', '1.3']).optional(),
    caFile: z.string().min(1).optional(),
    singleTenantOrg: orgName.optional(),
  })
  .strict();

/** The plan travels in Temporal payloads: a password in the ledger URL (user:pw@ or ?password=) would too. */
function urlHasPassword(v: string): boolean {
  try {
    const u = new URL(v);
    return u.password !== '' || u.searchParams.has('password');
  } catch {
    return /^[^/]*\/\/[^/@]*:[^/@]*@/.test(v) || /[?&]password=/.test(v);
  }
}

/** The migration plan file (YAML or JSON). Every field has a default but the servers and the backup directory. */
export const PlanFile = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ., _ and - (it becomes the workflow id)'),
    source: Server,
    destination: Server,
    clusterExists: z.boolean().default(true),
    cluster: ClusterSection.optional(),
    backupDir: z.string().min(1),
    ledgerUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'a PostgreSQL URL, e.g. postgres://user@host:5432/db')
      .refine((v) => !urlHasPassword(v), {
        message:
          'holds a password, which would be stored in every workflow history; remove it from the URL and give it to the worker as PGPASSWORD (or in ~/.pgpass)',
      })
      .optional(),
    orgs: z
      .object({ only: z.array(orgName).optional(), exclude: z.array(orgName).optional() })
      .strict()
      .default({}),
    concurrency: z
      .object({
        backup: z.number().int().min(1).max(500).default(50),
        restore: z.number().int().min(1).max(500).default(10),
      })
      .strict()
      .default({ backup: 50, restore: 10 }),
    tidy: z
      .object({ fix: z.boolean().default(false), requireApproval: z.boolean().default(true) })
      .strict()
      .default({ fix: false, requireApproval: true }),
    incremental: z
      .object({
        intervalMinutes: z.number().positive().default(60),
        timeOfDay: z
          .string()
          .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM in UTC')
          .optional(),
        keepPasses: z.number().int().min(1).max(100).default(10),
        /** GET every node on each pass instead of finding the changed ones by a partial search. */
        readAllNodes: z.boolean().default(false),
      })
      .strict()
      .default({ intervalMinutes: 60, keepPasses: 10, readAllNodes: false }),
    cutover: z
      .object({
        chefServerUrl: url,
        roles: z.array(z.string().min(1)).default([]),
        environments: z.array(z.string().min(1)).default([]),
        checkinDeadlineMinutes: z.number().positive().default(60),
        checkinPollSeconds: z.number().positive().default(60),
      })
      .strict(),
    taskQueues: z
      .object({ control: z.string().min(1), dataPlane: z.string().min(1) })
      .partial()
      .strict()
      .default({}),
    heartbeatTimeoutSeconds: z.number().int().min(2).max(600).default(20),
    retry: z
      .object({
        maximumAttempts: z.number().int().min(1),
        initialIntervalMs: z.number().int().min(1),
        backoffCoefficient: z.number().min(1),
        maximumIntervalMs: z.number().int().min(1),
      })
      .strict()
      .optional(),
  })
  .strict();
export type PlanFile = z.infer<typeof PlanFile>;

/** knife.rb / config.rb: only literal `chef_server_url`, `node_name` and `client_key` lines (never evaluated). */
export function readKnifeConfig(file: string): { url?: string; user?: string; key?: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read knife config ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  const value = (name: string) => new RegExp(`^\\s*${name}\\s*\\(?\\s*['"]([^'"]+)['"]`, 'm').exec(text)?.[1];
  const key = value('client_key');
  return {
    url: value('chef_server_url'),
    user: value('node_name'),
    key: key ? resolve(dirname(file), key) : undefined,
  };
}

function readable(path: string, field: string): void {
  let text: string;
  try {
    accessSync(path, constants.R_OK);
    // Inside the try: a directory passes the access check and fails here (EISDIR).
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `${field}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? err}); give the path of the private key file`,
    );
  }
  if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(text))
    throw new ConfigError(`${field}: ${path} holds no PEM private key`);
}

function serverRef(s: z.infer<typeof Server>, field: string): ServerRef {
  const knife = s.knifeConfig ? readKnifeConfig(s.knifeConfig) : {};
  const serverUrl = s.url ?? knife.url;
  if (!serverUrl)
    throw new ConfigError(`${field}.url is missing (or give ${field}.knifeConfig with a chef_server_url)`);
  if (!/^https?:\/\//.test(serverUrl))
    throw new ConfigError(`${field}.url: '${serverUrl}' must start with https:// or http://`);
  const keyPath = s.webuiKey ?? s.key ?? knife.key;
  if (!keyPath)
    throw new ConfigError(`${field}: give key (a user or client key) or webuiKey (the server's webui_priv.pem)`);
  readable(keyPath, s.webuiKey ? `${field}.webuiKey` : `${field}.key`);
  const user = s.user ?? knife.user ?? (s.webuiKey ? 'pivotal' : undefined);
  if (!user) throw new ConfigError(`${field}.user is missing: the user or client that owns ${field}.key`);
  return {
    url: serverUrl.replace(/\/organizations\/[^/]+\/?$/, ''),
    user,
    keyPath: resolve(keyPath),
    ...(s.webuiKey ? { webui: true } : {}),
    ...(s.signVersion ? { signVersion: s.signVersion } : {}),
    ...(s.caFile ? { caFile: resolve(s.caFile) } : {}),
    ...(s.singleTenantOrg ? { singleTenantOrg: s.singleTenantOrg } : {}),
  };
}

/** A plan object (from a file or built by code) validated into what the workflow receives. */
export function planFrom(raw: unknown, source: string, queues: { control: string; dataPlane: string }): MigrationPlan {
  const parsed = PlanFile.safeParse(raw, {
    // zod's default for an absent field ("expected string, received undefined") does not say what to do.
    error: (issue) =>
      issue.code === 'invalid_type' && issue.input === undefined
        ? `missing; add it to the plan (${issue.expected})`
        : undefined,
  });
  if (!parsed.success) throw new ConfigError(describeZodError(parsed.error, source));
  const p = parsed.data;
  return {
    id: p.id,
    source: serverRef(p.source, 'source'),
    destination: serverRef(p.destination, 'destination'),
    clusterExists: p.clusterExists,
    ...(p.cluster ? { cluster: clusterPlanFrom(p.cluster) } : {}),
    backupDir: resolve(p.backupDir),
    ...(p.ledgerUrl ? { ledgerUrl: p.ledgerUrl } : {}),
    orgs: p.orgs,
    concurrency: p.concurrency,
    tidy: p.tidy,
    incremental: {
      intervalSeconds: p.incremental.intervalMinutes * 60,
      keepPasses: p.incremental.keepPasses,
      ...(p.incremental.readAllNodes ? { readAllNodes: true } : {}),
      ...(p.incremental.timeOfDay ? { timeOfDay: p.incremental.timeOfDay } : {}),
    },
    cutover: {
      chefServerUrl: p.cutover.chefServerUrl,
      roles: p.cutover.roles,
      environments: p.cutover.environments,
      checkinDeadlineSeconds: p.cutover.checkinDeadlineMinutes * 60,
      checkinPollSeconds: p.cutover.checkinPollSeconds,
    },
    taskQueues: {
      control: p.taskQueues.control ?? queues.control,
      dataPlane: p.taskQueues.dataPlane ?? queues.dataPlane,
    },
    heartbeatTimeoutSeconds: p.heartbeatTimeoutSeconds,
    ...(p.retry ? { retry: p.retry } : {}),
  };
}

export function readPlanFile(file: string, queues: { control: string; dataPlane: string }): MigrationPlan {
  return planFrom(readConfigFile(file), `plan ${file}`, queues);
}
