import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { mounts, type ComposeFile } from './compose-model';
import { read, ROOT } from './repo';

/** The Dockerfile checked against the repo and the compose file. */
export interface Instruction {
  op: string;
  args: string;
}

export function dockerInstructions(dockerfile: string): Instruction[] {
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
export function checkDockerfile(
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
export function importsOutside(copiedDirs: string[]): string[] {
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
