import { mkdir, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { listBags } from '../chef-api/resources/data-bags';
import type { OrgScope } from '../chef-api/resources/scope';
import { prettyJson, writeFileAtomic } from '../backup-store/json-file';
import { listDirNames } from '../backup-store/layout';
import { sameFile, type BookEntry, type DigestBook } from '../backup-store/sidecar';
import { nodes } from '../chef-api/resources/json-collection';
import { forEachLimit } from '../concurrency';
import { isolate, passMemo, type EngineContext } from '../engine/context';
import type { JsonKind } from '../kinds';
import { ChefAuthError, ConfigError, errorMessage } from '../errors';
import { normalize, textDigest } from '../normalize';
import { nodeFingerprint, searchNodeFingerprints } from './node-changes';

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
      ? unchangedNodes(ctx, s, names, (n) => digests.get(relative(ctx.dir, fileOf(n))))
      : NONE;
  await unchanged.ready;
  const each = forEachLimit(names, ctx.width, (name) => {
    const file = fileOf(name);
    return isolate(ctx, { org: s.org, kind: kind.kind, name, path: relative(ctx.dir, file) }, async () => {
      if (memo.done(name)) {
        seen.push(name);
        return ctx.summary.add(kind.kind, 'skipped');
      }
      if (unchanged.has(name) && (await sameFile(file, digests.get(relative(ctx.dir, file))))) {
        seen.push(name);
        return ctx.summary.add(kind.kind, 'unchanged');
      }
      const raw = await kind.getRemote(s, name);
      if (!raw) return ctx.summary.add(kind.kind, 'skipped'); // deleted since the inventory
      const body = normalize(kind.kind, raw, name, s.org);
      const text = prettyJson(body);
      const d = textDigest(text);
      const rel = relative(ctx.dir, file);
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

/** Which nodes a pass may skip; it learns the answer while the pass is already reading nodes. */
interface UnchangedNodes {
  /** The search's head start: its answer, or SEARCH_HEAD_START_MS, whichever comes first. */
  ready: Promise<void>;
  has(name: string): boolean;
  /** Every node was handled: a search still running is no longer worth waiting for. */
  stop(): Promise<void>;
}

const NONE: UnchangedNodes = { ready: Promise.resolve(), has: () => false, stop: async () => undefined };
const SEARCH_HEAD_START_MS = 2000;

/**
 * The nodes whose fingerprint on the server is the one recorded when their file was written, so they need
 * no GET. The partial search gets a head start, then races the pass: nodes are read in full until it answers,
 * so a server whose search is slower than reading every node (goiardi with large nodes) costs hardly more
 * than reading them all.
 * One node is read in full to prove the server's partial search answers what a GET does; anything doubtful
 * reads every node and says why in the run's notes.
 */
function unchangedNodes(
  ctx: EngineContext,
  s: OrgScope,
  names: string[],
  entryOf: (name: string) => BookEntry | undefined,
): UnchangedNodes {
  const recorded = names.filter((n) => entryOf(n)?.fingerprint);
  if (!recorded.length) return NONE;
  let skip = new Set<string>();
  const abort = new AbortController();
  const note = (why: string) => void ctx.notes.push(`${s.org} nodes: every node read in full: ${why}`);
  const learn = async () => {
    const started = Date.now();
    const current = await searchNodeFingerprints(s, names.length, abort.signal);
    if (current === 'stopped')
      return note(
        `they were all read before the partial search answered (${Math.round((Date.now() - started) / 1000)} s)`,
      );
    if (typeof current === 'string') return note(current);
    const same = recorded.filter((n) => current.get(n) === entryOf(n)?.fingerprint);
    // A different node each pass, so over the passes the check covers more than one node's shape.
    const sample = same[Math.floor(Math.random() * same.length)];
    if (sample === undefined || abort.signal.aborted) return;
    let full;
    try {
      full = await nodes.get(s, sample);
    } catch (err) {
      if (err instanceof ChefAuthError || err instanceof ConfigError) throw err;
      return note(`reading ${sample} to check the partial search failed: ${errorMessage(err)}`);
    }
    if (!full) return note(`${sample}, found by the partial search, is gone; the check proved nothing`);
    if (nodeFingerprint(full) !== current.get(sample))
      return note(`the partial search fingerprint of ${sample} differs from the node read in full`);
    skip = new Set(same);
  };
  const learning = learn();
  learning.catch(() => undefined); // awaited in stop(); an early rejection must not be unhandled meanwhile
  let timer: NodeJS.Timeout | undefined;
  const headStart = new Promise<void>((resolve) => (timer = setTimeout(resolve, SEARCH_HEAD_START_MS)));
  return {
    ready: Promise.race([learning.catch(() => undefined), headStart]).finally(() => clearTimeout(timer)),
    has: (name) => skip.has(name),
    stop: async () => {
      abort.abort();
      await learning;
    },
  };
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
