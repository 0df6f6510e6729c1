import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { presetNamed, PRESET_NAMES, type Preset } from './dataset/presets';
import { TARGETS, type Target } from './load/servers';

export interface BenchArgs {
  preset: Preset;
  target: Target;
  concurrency: number;
  json: string;
  seed: string;
  /** Longest wait for the servers' background work (goiardi's search indexing) before each measurement. */
  settleSeconds: number;
  /** Keep the work directory (backup, recorded requests, ledger) for inspection. */
  keep: boolean;
}

export const USAGE = `usage: npm run bench -- [--preset ${PRESET_NAMES.join('|')}] [--target ${TARGETS.join('|')}] [--concurrency N]
                     [--json FILE] [--seed TEXT] [--nodes N] [--node-kb N] [--settle SECONDS] [--keep]`;

const DEFAULT_CONCURRENCY = 10;
const DEFAULT_SETTLE_SECONDS = 300;

const positiveInt = (raw: string | undefined, flag: string): number | undefined => {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a whole number >= 1, not '${raw}'`);
  return n;
};

const nonNegative = (raw: string, flag: string): number => {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} must be a number >= 0, not '${raw}'`);
  return n;
};

export function parseBenchArgs(argv: string[], now = new Date()): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      preset: { type: 'string', default: 'small' },
      target: { type: 'string', default: 'goiardi' },
      concurrency: { type: 'string' },
      json: { type: 'string' },
      seed: { type: 'string', default: 'chef-ha-migrator-bench' },
      nodes: { type: 'string' },
      'node-kb': { type: 'string' },
      settle: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const target = values.target as Target;
  if (!TARGETS.includes(target))
    throw new Error(`--target must be one of ${TARGETS.join(', ')}, not '${values.target}'`);
  const preset = presetNamed(values.preset, {
    nodes: positiveInt(values.nodes, '--nodes'),
    nodeKb: positiveInt(values['node-kb'], '--node-kb'),
  });
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  return {
    preset,
    target,
    concurrency: positiveInt(values.concurrency, '--concurrency') ?? DEFAULT_CONCURRENCY,
    json: values.json ?? join(__dirname, 'results', `${preset.name}-${stamp}.json`),
    seed: values.seed,
    settleSeconds: values.settle === undefined ? DEFAULT_SETTLE_SECONDS : nonNegative(values.settle, '--settle'),
    keep: values.keep,
  };
}
