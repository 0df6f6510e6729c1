import { mkdir, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { listBags } from '../chef-api/resources/data-bags';
import type { OrgScope } from '../chef-api/resources/scope';
import { prettyJson, writeFileAtomic } from '../backup-store/json-file';
import { listDirNames } from '../backup-store/layout';
import { sameFile, type DigestBook } from '../backup-store/sidecar';
import { forEachLimit } from '../concurrency';
import { isolate, passMemo, type EngineContext } from '../engine/context';
import type { JsonKind } from '../kinds';
import { normalize, textDigest } from '../normalize';
import { nodeFingerprint, READ_ALL, unchangedNodes } from './node-changes';

/**
 * Backs up every object of one JSON kind: inventory first, then each object, written in its normalised
 * form and only when it changed. Returns the names seen on the server (the ACL pass and purge need them).
 */
export async function backupJsonKind(
  ctx: EngineContext,
  s: OrgScope,
  orgDir: string,
  kind: JsonKind,
  digests: DigestBook,
  opts: { readAllNodes?: boolean } = {},
): Promise<string[]> {
  const names = await kind.listRemote(s);
  const seen: string[] = [];
  const memo = await passMemo(ctx, s.org, kind.kind);
  const fileOf = (name: string) => join(orgDir, kind.file(name));
  const unchanged =
    kind.kind === 'nodes' && !opts.readAllNodes
      ? unchangedNodes(
          s,
          names,
          (n) => digests.get(relative(ctx.dir, fileOf(n))),
          (note) => ctx.notes.push(note),
        )
      : READ_ALL;
  await unchanged.ready;
  const each = forEachLimit(names, ctx.width, (name) => {
    const file = fileOf(name);
    const rel = relative(ctx.dir, file);
    return isolate(ctx, { org: s.org, kind: kind.kind, name, path: rel }, async () => {
      if (memo.done(name)) {
        seen.push(name);
        return ctx.summary.add(kind.kind, 'skipped');
      }
      if (unchanged.has(name) && (await sameFile(file, digests.get(rel)))) {
        seen.push(name);
        return ctx.summary.add(kind.kind, 'unchanged');
      }
      const raw = await kind.getRemote(s, name);
      if (!raw) return ctx.summary.add(kind.kind, 'skipped'); // deleted since the inventory
      const body = normalize(kind.kind, raw, name, s.org);
      const text = prettyJson(body);
      const d = textDigest(text);
      const before = digests.get(rel);
      // The book's word for the file spares reading it back to compare; a file it does not know is written
      // (a folder without a book is new, or made by knife, and then rewritten once).
      const same = before?.digest === d && (await sameFile(file, before));
      const changed = ctx.dryRun || same ? false : await writeFileAtomic(file, text, 'changed');
      const now = same ? before : ctx.dryRun ? undefined : await stat(file);
      digests.set(rel, d, {
        ...(now ? { size: now.size, ctimeMs: now.ctimeMs } : {}),
        ...(kind.kind === 'nodes' ? { fingerprint: nodeFingerprint(raw) } : {}),
      });
      await memo.mark(name, d);
      seen.push(name);
      ctx.summary.add(kind.kind, changed ? 'written' : 'unchanged');
    });
  });
  try {
    await each;
  } finally {
    await unchanged.stop();
  }
  if (ctx.purge) await purgeLocal(ctx, orgDir, kind, new Set(names), digests);
  return seen.sort();
}

async function purgeLocal(
  ctx: EngineContext,
  orgDir: string,
  kind: JsonKind,
  remote: Set<string>,
  digests: DigestBook,
) {
  for (const name of await kind.listLocal(orgDir)) {
    if (remote.has(name)) continue;
    const file = join(orgDir, kind.file(name));
    if (!ctx.dryRun) await rm(file, { force: true });
    digests.delete(relative(ctx.dir, file));
    ctx.summary.add(kind.kind, 'deleted');
  }
}

/** Data bag folders, empty ones included, so an empty bag survives the round trip. */
export async function backupDataBagFolders(ctx: EngineContext, s: OrgScope, orgDir: string): Promise<string[]> {
  const bags = await listBags(s);
  if (!ctx.dryRun) for (const bag of bags) await mkdir(join(orgDir, 'data_bags', bag), { recursive: true });
  if (ctx.purge && !ctx.dryRun) {
    for (const local of await listDirNames(join(orgDir, 'data_bags')))
      if (!bags.includes(local)) await rm(join(orgDir, 'data_bags', local), { recursive: true, force: true });
  }
  return bags;
}
