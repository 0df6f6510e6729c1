import type { BackupContext } from './context';
import { stripJsonExt } from './json';
import { memberName } from './membership';
import { orgPath } from './paths';

const namesIn = async (ctx: BackupContext, relDir: string): Promise<Set<string>> =>
  new Set((await ctx.files(relDir, '.json')).map(stripJsonExt));

/** Global users; undefined when the backup has no users/ folder, where "unknown user" cannot be decided. */
export async function userNames(ctx: BackupContext): Promise<Set<string> | undefined> {
  return (await ctx.isDir('users')) ? namesIn(ctx, 'users') : undefined;
}

export const clientNames = (ctx: BackupContext, org: string): Promise<Set<string>> =>
  namesIn(ctx, orgPath(org, 'clients'));

/** Org groups; undefined without a groups/ folder, where every ACL group would otherwise look unknown. */
export async function groupNames(ctx: BackupContext, org: string): Promise<Set<string> | undefined> {
  return (await ctx.isDir(orgPath(org, 'groups'))) ? namesIn(ctx, orgPath(org, 'groups')) : undefined;
}

/** Org members as currently in memory; undefined when members.json is missing or unreadable. */
export async function memberNames(ctx: BackupContext, org: string): Promise<Set<string> | undefined> {
  const members = await ctx.json(orgPath(org, 'members.json'));
  if (!Array.isArray(members)) return undefined;
  return new Set(members.map(memberName).filter((name): name is string => name !== undefined));
}
