import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import {
  commitSandbox,
  createSandbox,
  deleteCookbookVersion,
  getManifest,
  listCookbookVersions,
  putManifest,
  type CookbookKind,
  type CookbookManifest,
} from '../chef-api/resources/cookbooks';
import type { OrgScope } from '../chef-api/resources/scope';
import { manifestFromDir } from '../backup-store/cookbook-dir';
import { readJsonFile } from '../backup-store/json-file';
import { listDirNames, splitAtLastDash, splitCookbookDir } from '../backup-store/layout';
import { readManifest } from '../backup-store/sidecar';
import { forEachLimit } from '../concurrency';
import { isolate, remoteList } from '../engine/context';
import { md5File } from '../engine/md5-file';
import { BackupFormatError } from '../errors';
import { contentDigest } from '../normalize';
import { ledgerKey, writeTracked, type RestoreContext } from './context';
import { isolateObject } from './failed-objects';
import { serialisedBy } from './serialised';

const uploadsByRestore = new WeakMap<RestoreContext, Map<string, Promise<unknown>>>();
const inFlightUploads = (ctx: RestoreContext) => {
  let m = uploadsByRestore.get(ctx);
  if (!m) uploadsByRestore.set(ctx, (m = new Map()));
  return m;
};

const sameFiles = (a: CookbookManifest, b: CookbookManifest) =>
  JSON.stringify(a.files.map((f) => [f.path, f.checksum])) === JSON.stringify(b.files.map((f) => [f.path, f.checksum]));

/**
 * Cookbook versions from the sidecar manifest (or rebuilt from the folder for a knife-made backup): never
 * evaluates Ruby, never syntax-checks, never uploads status.json. Local files must match the manifest.
 */
export async function restoreCookbooks(
  ctx: RestoreContext,
  s: OrgScope,
  orgDir: string,
  kind: CookbookKind,
): Promise<void> {
  const folders = await listDirNames(join(orgDir, kind));
  const key = ledgerKey(ctx, s.org, kind);
  const known = await ctx.ledger.load(key);
  const split = kind === 'cookbooks' ? splitCookbookDir : splitAtLastDash;
  const restoreOne = (folder: string) => {
    const dir = join(orgDir, kind, folder);
    const acl = { type: kind, name: split(folder)?.name ?? folder };
    return isolateObject(ctx, { org: s.org, kind, name: folder, path: relative(ctx.dir, dir) }, acl, async () => {
      const ref = split(folder);
      if (!ref) throw new BackupFormatError(dir, `folder name is not <name>-<version>; rename it or run tidy`);
      const manifest =
        (await readManifest(ctx.dir, s.org, kind, ref.name, ref.version)) ??
        (await manifestFromDir(dir, ref.name, ref.version));
      const status = await readJsonFile<{ frozen?: boolean }>(join(dir, 'status.json'));
      const frozen = status ? status.frozen === true : manifest.frozen;
      const content = { files: manifest.files.map((f) => [f.path, f.checksum]), frozen };
      // The files are checked against the manifest when the version is to be written (a dry run too), not on
      // every pass.
      if (known.get(folder) !== contentDigest(content)) await checkLocalFiles(dir, manifest);
      await writeTracked(ctx, key, known, folder, content, () => uploadVersion(ctx, s, kind, dir, manifest, frozen));
    });
  };
  // goiardi keeps a cookbook's versions inside one object and loses concurrent writes to it.
  const container = ctx.info.flavor === 'chef-server' ? undefined : (f: string) => split(f)?.name ?? f;
  await serialisedBy(folders, ctx.width, container, restoreOne);
  if (ctx.purge) {
    const local = new Set(folders);
    const extra = (await remoteList(ctx, () => listCookbookVersions(s, kind))).filter(
      (r) => !local.has(`${r.name}-${r.version}`),
    );
    await forEachLimit(extra, ctx.width, (ref) =>
      isolate(ctx, { org: s.org, kind, name: `${ref.name}-${ref.version}` }, async () => {
        if (!ctx.dryRun) await deleteCookbookVersion(s, kind, ref);
        await ctx.ledger.deleted(key, `${ref.name}-${ref.version}`);
        ctx.summary.add(kind, 'deleted');
      }),
    );
  }
}

async function checkLocalFiles(dir: string, m: CookbookManifest): Promise<void> {
  for (const f of m.files) {
    const sum = await md5File(join(dir, f.path));
    if (sum === undefined)
      throw new BackupFormatError(join(dir, f.path), 'cookbook file named in the manifest is missing from the backup');
    if (sum !== f.checksum)
      throw new BackupFormatError(join(dir, f.path), `content has MD5 ${sum}, the manifest says ${f.checksum}`);
  }
}

async function uploadVersion(
  ctx: RestoreContext,
  s: OrgScope,
  kind: CookbookKind,
  dir: string,
  m: CookbookManifest,
  frozen: boolean,
): Promise<'written' | 'unchanged'> {
  const checksums = [...new Set(m.files.map((f) => f.checksum))];
  if (checksums.length) {
    const sandbox = await createSandbox(s, checksums);
    const byChecksum = new Map(m.files.map((f) => [f.checksum, f.path]));
    const uploads = inFlightUploads(ctx);
    await forEachLimit(sandbox.needsUpload, ctx.width, async ([checksum, url]) => {
      // Versions restored side by side often share a file; the server asks each sandbox for it.
      const key = `${s.org}\0${checksum}`;
      let upload = uploads.get(key);
      if (!upload) {
        upload = readFile(join(dir, byChecksum.get(checksum) ?? '')).then((body) =>
          ctx.client.upload(url, body, checksum),
        );
        uploads.set(key, upload);
        upload.catch(() => uploads.delete(key));
      }
      await upload;
    });
    await commitSandbox(s, sandbox.uri);
  }
  if ((await putManifest(s, kind, m, { frozen })) === 'written') return 'written';
  // 409: a frozen version (or an existing artifact) is there; identical content is fine.
  const there = await getManifest(s, kind, { name: m.cookbookName, version: m.version });
  if (there && sameFiles(there, m)) return 'unchanged';
  if (kind === 'cookbooks' && ctx.overwriteFrozen) {
    await putManifest(s, kind, m, { frozen, force: true });
    return 'written';
  }
  throw new Error(
    `${kind}/${m.cookbookName}-${m.version} is frozen on the destination with different content; restore with --overwrite-frozen to replace it`,
  );
}
