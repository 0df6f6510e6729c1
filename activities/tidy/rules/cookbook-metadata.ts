import type { BackupContext } from '../context';
import { cookbookDirs, cookbookLabel, type CookbookDir } from '../cookbook-dirs';
import { actionNeeded, fixFinding } from '../findings';
import { isObject, type JsonObject } from '../json';
import type { Rule, TidyFinding } from '../types';

const id = 'cookbook-metadata';

// What `supports 'ubuntu'` means; an empty constraint is rejected when Chef loads the metadata.
const ANY_VERSION = '>= 0.0.0';
const rubyString = (value: string): string => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const escapeRegExp = (value: string): string => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function checkMetadataJson(dir: CookbookDir, rel: string, metadata: JsonObject, findings: TidyFinding[]): boolean {
  const label = cookbookLabel(dir);
  const name = dir.name ?? '';
  let changed = false;
  const fix = (message: string, change: string) => {
    findings.push(fixFinding(id, rel, `metadata.json of ${label} ${message}`, change));
    changed = true;
  };
  if (metadata.name !== name) {
    fix(`has name ${JSON.stringify(metadata.name ?? null)}, not ${JSON.stringify(name)}`, `set name to ${name}`);
    metadata.name = name;
  }
  if (dir.kind === 'cookbook' && dir.version !== undefined && metadata.version !== dir.version) {
    fix(
      `has version ${JSON.stringify(metadata.version ?? null)}, not ${JSON.stringify(dir.version)}`,
      `set version to ${dir.version}`,
    );
    metadata.version = dir.version;
  }
  const nulls = Object.keys(metadata).filter((key) => metadata[key] === null);
  if (nulls.length > 0) {
    fix(`has null values for ${nulls.join(', ')}`, `remove ${nulls.join(', ')}`);
    for (const key of nulls) delete metadata[key];
  }
  const dependencies = metadata.dependencies;
  if (isObject(dependencies) && name in dependencies) {
    fix(`depends on the cookbook itself`, `remove the dependency on ${name}`);
    delete dependencies[name];
  }
  const platforms = metadata.platforms;
  if (isObject(platforms)) {
    // knife-tidy's clean-up: a blank or comma-separated key is no platform; an empty constraint means "any version".
    const badKeys = Object.keys(platforms).filter((key) => key.trim() === '' || key.includes(','));
    if (badKeys.length > 0) {
      fix(
        `has invalid platform names ${badKeys.map((key) => JSON.stringify(key)).join(', ')}`,
        'remove them from platforms',
      );
      for (const key of badKeys) delete platforms[key];
    }
    const empty = Object.keys(platforms).filter((key) => {
      const value = platforms[key];
      return value === null || value === '' || (Array.isArray(value) && value.length === 0);
    });
    if (empty.length > 0) {
      fix(`has empty version constraints for platforms ${empty.join(', ')}`, `set them to "${ANY_VERSION}"`);
      for (const key of empty) platforms[key] = ANY_VERSION;
    }
  }
  return changed;
}

/**
 * metadata.rb is only used when there is no metadata.json, and is then evaluated as Ruby by the restore. It is never
 * run here: lines that need Ruby (file reads, requires) are reported, and only literal name/version/self-depends lines
 * are rewritten.
 */
function checkMetadataRb(dir: CookbookDir, rel: string, text: string, findings: TidyFinding[]): string | undefined {
  const label = cookbookLabel(dir);
  const name = dir.name ?? '';
  const lines = text.split('\n');
  let changed = false;
  let hasName = false;
  lines.forEach((line, index) => {
    const eol = line.endsWith('\r') ? '\r' : '';
    const code = line.replace(/\r$/, '');
    const shown = code.trim().length > 100 ? `${code.trim().slice(0, 100)}...` : code.trim();
    const where = `metadata.rb of ${label}, line ${index + 1} (${shown})`;
    if (/^\s*#/.test(code)) return;
    if (/\b(?:IO|File)\.(?:read|readlines|binread)\b/.test(code)) {
      findings.push(actionNeeded(id, rel, `${where} reads a file when the metadata is evaluated`));
    }
    if (/^\s*require(?:_relative)?\b/.test(code)) {
      findings.push(actionNeeded(id, rel, `${where} requires Ruby code when the metadata is evaluated`));
    }
    const nameMatch = /^\s*name\s+['"]([^'"]*)['"]\s*$/.exec(code);
    if (/^\s*name\b/.test(code)) hasName = true;
    if (nameMatch && nameMatch[1] !== name) {
      findings.push(fixFinding(id, rel, `${where} names the cookbook ${nameMatch[1]}`, `set name to ${name}`));
      lines[index] = `name ${rubyString(name)}${eol}`;
      changed = true;
    }
    const versionMatch = /^\s*version\s+['"]([^'"]*)['"]\s*$/.exec(code);
    if (dir.kind === 'cookbook' && !versionMatch && /^\s*version\b/.test(code)) {
      // e.g. chef-sugar's `version Chef::Sugar::VERSION`; the folder name holds the version the server had.
      findings.push(actionNeeded(id, rel, `${where} computes the version; the folder says ${dir.version ?? '?'}`));
    }
    if (dir.kind === 'cookbook' && dir.version !== undefined && versionMatch && versionMatch[1] !== dir.version) {
      findings.push(fixFinding(id, rel, `${where} sets version ${versionMatch[1]}`, `set version to ${dir.version}`));
      lines[index] = `version ${rubyString(dir.version)}${eol}`;
      changed = true;
    }
    if (new RegExp(`^\\s*depends\\s+['"]${escapeRegExp(name)}['"]`).test(code)) {
      findings.push(fixFinding(id, rel, `${where} depends on the cookbook itself`, 'comment the line out'));
      lines[index] = `# ${code.trim()} # self-dependency removed by chef-migrate tidy${eol}`;
      changed = true;
    }
  });
  if (!hasName) {
    // Chef 12+ requires a name; without one the upload falls back to the folder name, which carries the version.
    findings.push(fixFinding(id, rel, `metadata.rb of ${label} has no name`, `add name ${rubyString(name)}`));
    lines.unshift(`name ${rubyString(name)}`);
    changed = true;
  }
  return changed ? lines.join('\n') : undefined;
}

async function checkCookbook(ctx: BackupContext, dir: CookbookDir, findings: TidyFinding[]): Promise<void> {
  const label = cookbookLabel(dir);
  if (dir.name === undefined) {
    const pattern = dir.kind === 'cookbook' ? '<name>-<x.y.z>' : '<name>-<identifier>';
    findings.push(
      actionNeeded(id, dir.rel, `${label} does not match ${pattern}; restore cannot tell name and version`),
    );
    return;
  }
  const jsonRel = `${dir.rel}/metadata.json`;
  const rbRel = `${dir.rel}/metadata.rb`;
  if (await ctx.exists(jsonRel)) {
    const metadata = await ctx.json(jsonRel);
    // Not valid JSON: already reported by invalid-json.
    if (metadata === undefined) return;
    if (!isObject(metadata)) {
      findings.push(actionNeeded(id, jsonRel, `metadata.json of ${label} is not a JSON object`));
      return;
    }
    if (checkMetadataJson(dir, jsonRel, metadata, findings)) ctx.setJson(jsonRel, metadata);
    return;
  }
  const rb = await ctx.text(rbRel);
  if (rb !== undefined) {
    const fixed = checkMetadataRb(dir, rbRel, rb, findings);
    if (fixed !== undefined) ctx.setText(rbRel, fixed);
    return;
  }
  if (await ctx.exists(rbRel)) return; // present but not UTF-8: nothing line-based can be said about it
  if (dir.kind === 'artifact' || dir.version === undefined) {
    findings.push(actionNeeded(id, jsonRel, `${label} has neither metadata.json nor metadata.rb`));
    return;
  }
  findings.push(
    actionNeeded(
      id,
      jsonRel,
      `${label} has neither metadata.json nor metadata.rb; restore cannot load it`,
      `write a minimal metadata.json (name ${dir.name}, version ${dir.version}, no dependencies)`,
    ),
  );
  ctx.setJson(jsonRel, { name: dir.name, version: dir.version, dependencies: {} });
}

export const cookbookMetadata: Rule = {
  id,
  description:
    'Cookbook metadata that breaks the upload: folder names not <name>-<x.y.z>, missing metadata, name/version not ' +
    'matching the folder, self-dependencies, null values and empty platform entries, metadata.rb that needs Ruby ' +
    'to evaluate.',
  async check(ctx) {
    const findings: TidyFinding[] = [];
    for (const org of ctx.orgs) {
      for (const dir of await cookbookDirs(ctx, org)) await checkCookbook(ctx, dir, findings);
    }
    return findings;
  },
};
