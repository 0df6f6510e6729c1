import { join } from 'node:path';
import {
  addMember,
  cancelInvitation,
  invite,
  listInvitations,
  listMembers,
  removeMember,
} from '../chef-api/resources/members';
import { writeOrganization } from '../chef-api/resources/organizations';
import { readJsonFile } from '../backup-store/json-file';
import { isolate, remoteList } from '../engine/context';
import { BackupFormatError } from '../errors';
import type { JsonObject } from '../normalize';
import { ledgerKey, writeTracked, type RestoreContext } from './context';

const usernames = (list: unknown, file: string, pick: (e: JsonObject) => unknown): string[] => {
  if (!Array.isArray(list)) throw new BackupFormatError(file, 'expected a JSON array');
  return [
    ...new Set(list.map((e) => pick((e ?? {}) as JsonObject)).filter((u): u is string => typeof u === 'string')),
  ].sort();
};

/**
 * The org, then its invitations and members. Extra members and invitations on the destination are only
 * removed with --purge (knife-ec-backup removes them always).
 */
export async function restoreOrgIdentity(ctx: RestoreContext, org: string, orgDir: string): Promise<void> {
  const orgFile = join(orgDir, 'org.json');
  await isolate(ctx, { org, kind: 'org', name: org, path: `organizations/${org}/org.json` }, async () => {
    const data = await readJsonFile<JsonObject>(orgFile);
    if (!data) throw new BackupFormatError(orgFile, 'missing: every organization folder needs its org.json');
    const key = ledgerKey(ctx, org, 'org');
    await writeTracked(ctx, key, await ctx.ledger.load(key), org, { name: org, full_name: data.full_name ?? org }, () =>
      writeOrganization(ctx.client, org, data),
    );
  });

  const membersFile = join(orgDir, 'members.json');
  await isolate(ctx, { org, kind: 'members', name: org, path: `organizations/${org}/members.json` }, async () => {
    const wanted = usernames(
      (await readJsonFile(membersFile)) ?? [],
      membersFile,
      (e) => (e.user as JsonObject | undefined)?.username ?? e.username,
    );
    const current = new Set(await remoteList(ctx, () => listMembers(ctx.client, org)));
    for (const user of wanted) {
      if (current.has(user) || ctx.protectedUsers.has(user)) continue;
      if (!ctx.dryRun) await addMember(ctx.client, org, user);
      ctx.summary.add('members', 'written');
    }
    if (ctx.purge)
      for (const user of current) {
        if (wanted.includes(user) || ctx.protectedUsers.has(user)) continue;
        if (!ctx.dryRun) await removeMember(ctx.client, org, user);
        ctx.summary.add('members', 'deleted');
      }
  });

  const invitationsFile = join(orgDir, 'invitations.json');
  await isolate(
    ctx,
    { org, kind: 'invitations', name: org, path: `organizations/${org}/invitations.json` },
    async () => {
      const wanted = usernames((await readJsonFile(invitationsFile)) ?? [], invitationsFile, (e) => e.username);
      const current = await remoteList(ctx, () => listInvitations(ctx.client, org));
      const have = new Set(current.map((i) => i.username));
      for (const user of wanted) {
        if (have.has(user)) continue;
        if (!ctx.dryRun) await invite(ctx.client, org, user);
        ctx.summary.add('invitations', 'written');
      }
      if (ctx.purge)
        for (const inv of current) {
          if (wanted.includes(inv.username)) continue;
          if (!ctx.dryRun) await cancelInvitation(ctx.client, org, inv.id);
          ctx.summary.add('invitations', 'deleted');
        }
    },
  );
}
