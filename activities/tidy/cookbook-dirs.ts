import type { BackupContext } from './context';
import { orgPath } from './paths';

// ChefFS's own patterns: versioned cookbook dirs are <name>-<x.y.z>; artifact dirs split at the last "-".
const COOKBOOK_DIR = /^([.a-zA-Z0-9_-]+)-(\d+\.\d+\.\d+)$/;
const ARTIFACT_DIR = /^([.a-zA-Z0-9_-]+)-([a-zA-Z0-9]+)$/;

export interface CookbookDir {
  kind: 'cookbook' | 'artifact';
  /** Folder path relative to the backup root. */
  rel: string;
  dirName: string;
  /** Undefined when the folder name does not follow the pattern. */
  name?: string;
  /** Version for cookbooks, identifier for artifacts. */
  version?: string;
}

export async function cookbookDirs(ctx: BackupContext, org: string): Promise<CookbookDir[]> {
  const out: CookbookDir[] = [];
  for (const [kind, folder, pattern] of [
    ['cookbook', 'cookbooks', COOKBOOK_DIR],
    ['artifact', 'cookbook_artifacts', ARTIFACT_DIR],
  ] as const) {
    for (const dirName of await ctx.dirs(orgPath(org, folder))) {
      const match = pattern.exec(dirName);
      out.push({ kind, rel: orgPath(org, folder, dirName), dirName, name: match?.[1], version: match?.[2] });
    }
  }
  return out;
}

export const cookbookLabel = (dir: CookbookDir): string =>
  dir.name === undefined
    ? `${dir.kind === 'cookbook' ? 'cookbook' : 'cookbook artifact'} folder ${dir.dirName}`
    : `${dir.kind === 'cookbook' ? 'cookbook' : 'cookbook artifact'} ${dir.name} ${dir.version ?? ''}`.trimEnd();
