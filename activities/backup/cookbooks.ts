import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import {
  getManifest,
  listCookbookVersions,
  type CookbookKind,
  type CookbookRef,
} from '../chef-api/resources/cookbooks';
import type { OrgScope } from '../chef-api/resources/scope';
import { writeJsonFile } from '../backup-store/json-file';
import { listDirNames, listFilesDeep } from '../backup-store/layout';
import { filesStamp, writeManifest, type DigestBook } from '../backup-store/sidecar';
import { forEachLimit } from '../concurrency';
import { isolate, passMemo, type EngineContext } from '../engine/context';
import { md5File } from '../engine/md5-file';
import { contentDigest } from '../normalize';

const STATUS_FILE = 'status.json';

/**
 * Cookbook versions (or artifacts): the manifest is fetched right before its files (file URLs are signed
 * and expire), files already on disk with the manifest's MD5 are not downloaded again, and everything is
 * streamed to disk. Returns the cookbook names (their ACLs are per name).
 */
export async function backupCookbooks(
  ctx: EngineContext,
  s: OrgScope,
  orgDir: string,
  kind: CookbookKind,
  digests: DigestBook,
): Promise<string[]> {
  const refs = await listCookbookVersions(s, kind);
  const dirOf = (ref: CookbookRef) => join(orgDir, kind, `${ref.name}-${ref.version}`);
  const memo = await passMemo(ctx, s.org, kind);
  await forEachLimit(refs, ctx.width, (ref) => {
    const name = `${ref.name}-${ref.version}`;
    return isolate(ctx, { org: s.org, kind, name, path: relative(ctx.dir, dirOf(ref)) }, async () => {
      if (memo.done(name)) return ctx.summary.add(kind, 'skipped');
      await memo.mark(name, await backupVersion(ctx, s, kind, ref, dirOf(ref), digests));
    });
  });
  if (ctx.purge) {
    const keep = new Set(refs.map((r) => `${r.name}-${r.version}`));
    for (const local of await listDirNames(join(orgDir, kind))) {
      if (keep.has(local)) continue;
      if (!ctx.dryRun) await rm(join(orgDir, kind, local), { recursive: true, force: true });
      digests.delete(relative(ctx.dir, join(orgDir, kind, local)));
      ctx.summary.add(kind, 'deleted');
    }
  }
  return [...new Set(refs.map((r) => r.name))].sort();
}

async function backupVersion(
  ctx: EngineContext,
  s: OrgScope,
  kind: CookbookKind,
  ref: CookbookRef,
  dir: string,
  digests: DigestBook,
): Promise<string> {
  const manifest = await getManifest(s, kind, ref);
  if (!manifest) {
    ctx.summary.add(kind, 'skipped');
    return '';
  }
  const d = contentDigest({ files: manifest.files.map((f) => [f.path, f.checksum]), frozen: manifest.frozen });
  const rel = relative(ctx.dir, dir);
  const paths = [...manifest.files.map((f) => f.path), STATUS_FILE];
  // Same manifest, and the files as this backup left them: nothing to fetch or hash.
  const before = digests.get(rel);
  if (before?.digest === d && before.size !== undefined) {
    const now = await filesStamp(dir, paths);
    if (now?.size === before.size && now.ctimeMs === before.ctimeMs) {
      ctx.summary.add(kind, 'unchanged');
      return d;
    }
  }
  let downloaded = 0;
  await forEachLimit(manifest.files, ctx.width, async (file) => {
    const target = join(dir, file.path);
    if (!target.startsWith(dir + '/')) throw new Error(`manifest file path escapes the cookbook folder: ${file.path}`);
    if ((await md5File(target)) === file.checksum) return;
    if (ctx.dryRun) return void downloaded++;
    if (!file.url) throw new Error(`manifest gives no URL for ${file.path}`);
    await mkdir(dirname(target), { recursive: true });
    const got = await ctx.client.download(file.url, target);
    if (got !== file.checksum) {
      await rm(target, { force: true });
      throw new Error(`${file.path}: downloaded content has MD5 ${got}, the manifest says ${file.checksum}`);
    }
    downloaded++;
  });
  if (!ctx.dryRun) {
    await writeJsonFile(join(dir, STATUS_FILE), { frozen: manifest.frozen });
    await writeManifest(ctx.dir, s.org, kind, manifest);
    if (ctx.purge) {
      const wanted = new Set([...manifest.files.map((f) => f.path), STATUS_FILE]);
      for (const local of await listFilesDeep(dir)) if (!wanted.has(local)) await rm(join(dir, local), { force: true });
    }
  }
  const stamp = ctx.dryRun ? undefined : await filesStamp(dir, paths);
  digests.set(rel, d, stamp ?? {});
  ctx.summary.add(kind, downloaded ? 'written' : 'unchanged');
  return d;
}
