import { join } from 'node:path';
import { listInvitations, listMembers } from '../chef-api/resources/members';
import { getOrganization } from '../chef-api/resources/organizations';
import type { OrgScope } from '../chef-api/resources/scope';
import { writeJsonFile } from '../backup-store/json-file';
import type { DigestBook } from '../backup-store/sidecar';
import { isolate, type EngineContext } from '../engine/context';
import { contentDigest } from '../normalize';

/**
 * org.json, members.json and invitations.json, raw as knife-ec-backup writes them. A single-tenant source has
 * no org: the org is the one the operator named, and every user of the server becomes a member.
 */
export async function backupOrgIdentity(
  ctx: EngineContext,
  s: OrgScope,
  orgDir: string,
  users: string[],
  digests: DigestBook,
): Promise<void> {
  const put = async (file: string, kind: string, value: unknown) => {
    const changed = ctx.dryRun ? false : await writeJsonFile(join(orgDir, file), value);
    digests.set(`organizations/${s.org}/${file}`, contentDigest(value));
    ctx.summary.add(kind, changed ? 'written' : 'unchanged');
  };
  await isolate(ctx, { org: s.org, kind: 'org', name: s.org, path: `organizations/${s.org}/org.json` }, async () => {
    const org = s.multiTenant ? await getOrganization(ctx.client, s.org) : { name: s.org, full_name: s.org };
    if (!org) throw new Error(`organization ${s.org} disappeared during the backup`);
    await put('org.json', 'org', org);
  });
  await isolate(
    ctx,
    { org: s.org, kind: 'members', name: s.org, path: `organizations/${s.org}/members.json` },
    async () => {
      const members = s.multiTenant ? await listMembers(ctx.client, s.org) : users;
      await put(
        'members.json',
        'members',
        members.map((username) => ({ user: { username } })),
      );
    },
  );
  await isolate(
    ctx,
    { org: s.org, kind: 'invitations', name: s.org, path: `organizations/${s.org}/invitations.json` },
    async () => {
      const invitations = s.multiTenant ? await listInvitations(ctx.client, s.org) : [];
      await put(
        'invitations.json',
        'invitations',
        invitations.map((i) => ({ id: i.id, username: i.username })),
      );
    },
  );
}
