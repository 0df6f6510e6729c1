import { readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { ROOT } from './repo';

/**
 * Variables a script reads but never sets nor takes from the environment with ${X:-default} / ${X:?message}: under
 * `set -u` each is an abort waiting on its branch (samples-server's create-namespace.sh reads a misspelled MAX_ATTEMPTS).
 */
export function unsetVariables(script: string): string[] {
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

export function shellScripts(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .map((f) => `${dir}/${f.split(sep).join('/')}`)
    .filter((f) => f.endsWith('.sh') && statSync(join(ROOT, f)).isFile());
}
