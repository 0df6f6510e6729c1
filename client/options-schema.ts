import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../activities/errors';
import { describeZodError, UsageError } from './errors';

const url = z.string().refine((v) => /^https?:\/\/[^/]/.test(v), {
  message: 'must be a URL with its scheme, e.g. https://chef.example.com',
});
const path = z.string().min(1);

/**
 * The one-shot commands' options, as flags (kebab-case) or as a config file (the same names in camelCase).
 * One schema for both, so a field is validated the same way wherever it comes from.
 */
export const DataPlaneConfig = z
  .object({
    serverUrl: url,
    user: z.string().min(1),
    key: path,
    webuiKey: path,
    signVersion: z.enum(['1.0', '1.1', '1.3']),
    caFile: path,
    concurrency: z.coerce.number().int().min(1).max(500),
    purge: z.boolean(),
    dryRun: z.boolean(),
    onlyOrg: z.array(z.string().min(1)),
    excludeOrg: z.array(z.string().min(1)),
    singleTenantOrg: z.string().regex(/^[a-z0-9_-]+$/, 'an org name: lower-case letters, digits, - and _'),
    skipUseracl: z.boolean(),
    skipUsers: z.boolean(),
    readAllNodes: z.boolean(),
    overwriteFrozen: z.boolean(),
    overwritePivotal: z.boolean(),
    withUserSql: z.boolean(),
    withKeySql: z.boolean(),
    sqlHost: z.string().min(1),
    sqlPort: z.coerce.number().int().min(1).max(65535),
    sqlDb: z.string().min(1),
    sqlUser: z.string().min(1),
    sqlPassword: z.string(),
    ledger: z.string().regex(/^postgres(ql)?:\/\//, 'a PostgreSQL URL, e.g. postgres://user@host:5432/db'),
    sourceUrl: url,
    sourceUser: z.string().min(1),
    sourceKey: path,
    sourceWebuiKey: path,
    fix: z.boolean(),
    json: z.boolean(),
  })
  .partial()
  .strict();
export type DataPlaneConfig = z.infer<typeof DataPlaneConfig>;

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const BOOLEAN_FIELDS = Object.entries(DataPlaneConfig.shape)
  .filter(([, t]) => t.unwrap() instanceof z.ZodBoolean)
  .map(([k]) => k);
const ARRAY_FIELDS = ['onlyOrg', 'excludeOrg'];

export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  try {
    return /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(
      `config file ${file} is not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`,
    );
  }
}

/** Flags over the config file; an unknown flag or field is an error that names it. */
export function parseDataPlaneArgs(argv: string[]): { positionals: string[]; config: DataPlaneConfig } {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = { config: { type: 'string' } };
  for (const field of Object.keys(DataPlaneConfig.shape)) {
    options[kebab(field)] = {
      type: BOOLEAN_FIELDS.includes(field) ? 'boolean' : 'string',
      ...(ARRAY_FIELDS.includes(field) ? { multiple: true } : {}),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]}; see chef-migrate --help`);
  }
  const { config: configFile, ...flags } = parsed.values;
  const fromFile = typeof configFile === 'string' ? readConfigFile(configFile) : {};
  if (fromFile === null || typeof fromFile !== 'object' || Array.isArray(fromFile))
    throw new ConfigError(`config file ${configFile}: expected a mapping of option names to values`);
  const fileResult = DataPlaneConfig.safeParse(fromFile);
  if (!fileResult.success) throw new ConfigError(describeZodError(fileResult.error, `config file ${configFile}`));
  const flagValues = Object.fromEntries(Object.entries(flags).map(([k, v]) => [camel(k), v]));
  const flagResult = DataPlaneConfig.safeParse(flagValues);
  if (!flagResult.success) {
    const issue = flagResult.error.issues[0];
    throw new UsageError(`--${kebab(String(issue?.path[0] ?? ''))}: ${issue?.message ?? 'invalid'}`);
  }
  return { positionals: parsed.positionals, config: { ...fileResult.data, ...flagResult.data } };
}
