import { join, relative } from 'node:path';
import { createBag, deleteBag, listBags } from '../chef-api/resources/data-bags';
import type { OrgScope } from '../chef-api/resources/scope';
import { readJsonFile } from '../backup-store/json-file';
import { listDirNames } from '../backup-store/layout';
import { DigestBook, sameFile } from '../backup-store/sidecar';
import { forEachLimit } from '../concurrency';
import { isolate, remoteList } from '../engine/context';
import { BackupFormatError } from '../errors';
import type { JsonKind } from '../kinds';
import { normalize, type JsonObject } from '../normalize';
import { ledgerKey, writeTracked, type RestoreContext } from './context';
import { isolateObject } from './failed-objects';
import { serialisedBy } from './serialised';

/**
 * Restores one JSON kind: each object POSTed (PUT on 409) unless the ledger has this exact content. Objects
 * that share a container on the server (items of one bag) are written one after the other where the server
 * loses concurrent writes inside one container (goiardi does, silently).
 */
export async function restoreJsonKind(ctx: RestoreContext, s: OrgScope, orgDir: string, kind: JsonKind): Promise<void> {
  const names = (await kind.listLocal(orgDir)).filter((n) => !kind.builtIn?.(n));
  const key = ledgerKey(ctx, s.org, kind.kind);
  const known = await ctx.ledger.load(key);
  const book = await DigestBook.open(ctx.dir, s.org);
  const restoreOne = (name: string) => {
    const file = join(orgDir, kind.file(name));
    const ref = { org: s.org, kind: kind.kind, name, path: relative(ctx.dir, file) };
    const acl = kind.acl && { type: kind.acl.type, name: kind.acl.name(name) };
    return isolateObject(ctx, ref, acl, async () => {
      // The file the backup wrote, untouched since, with the content the ledger says is on the destination.
      const entry = book.get(ref.path);
      if (entry && known.get(name) === entry.digest && (await sameFile(file, entry)))
        return ctx.summary.add(kind.kind, 'unchanged');
      const raw = await readJsonFile<JsonObject>(file);
      if (raw === undefined || raw === null || typeof raw !== 'object' || Array.isArray(raw))
        throw new BackupFormatError(file, 'expected a JSON object');
      const body = normalize(kind.kind, raw, name, s.org);
      await writeTracked(ctx, key, known, name, body, (exists) => kind.writeRemote(s, name, body, exists));
    });
  };
  const container =
    kind.kind === 'data_bag_items' && ctx.info.flavor !== 'chef-server'
      ? (n: string) => n.split('/')[0] ?? n
      : undefined;
  await serialisedBy(names, ctx.width, container, restoreOne);
  if (ctx.purge) await purgeRemote(ctx, s, kind, new Set(names));
}

async function purgeRemote(ctx: RestoreContext, s: OrgScope, kind: JsonKind, local: Set<string>): Promise<void> {
  const key = ledgerKey(ctx, s.org, kind.kind);
  const extra = (await remoteList(ctx, () => kind.listRemote(s))).filter((n) => !local.has(n) && !kind.builtIn?.(n));
  await forEachLimit(extra, ctx.width, (name) =>
    isolate(ctx, { org: s.org, kind: kind.kind, name }, async () => {
      if (!ctx.dryRun) await kind.deleteRemote(s, name);
      await ctx.ledger.deleted(key, name);
      ctx.summary.add(kind.kind, 'deleted');
    }),
  );
}

/** Bags before their items (an empty bag is restored too); with --purge, bags the backup lacks go. */
export async function restoreDataBags(ctx: RestoreContext, s: OrgScope, orgDir: string): Promise<void> {
  const local = await listDirNames(join(orgDir, 'data_bags'));
  const remote = new Set(await remoteList(ctx, () => listBags(s)));
  for (const bag of local) {
    if (remote.has(bag)) continue;
    await isolateObject(
      ctx,
      { org: s.org, kind: 'data_bags', name: bag, path: `organizations/${s.org}/data_bags/${bag}` },
      { type: 'data_bags', name: bag },
      async () => {
        if (!ctx.dryRun) await createBag(s, bag);
        ctx.summary.add('data_bags', 'written');
      },
    );
  }
  if (ctx.purge)
    for (const bag of remote) {
      if (local.includes(bag)) continue;
      await isolate(ctx, { org: s.org, kind: 'data_bags', name: bag }, async () => {
        if (!ctx.dryRun) await deleteBag(s, bag);
        ctx.summary.add('data_bags', 'deleted');
      });
    }
}
