import { isObject, type Json } from './json';

// knife-ec-backup writes the raw API forms ([{user:{username}}] and [{id, username}]); a ChefFS-minimized copy is a
// plain list of names. Both are read, and new entries follow the form the file already uses.

export function memberName(entry: Json): string | undefined {
  if (typeof entry === 'string') return entry;
  if (isObject(entry) && isObject(entry.user) && typeof entry.user.username === 'string') return entry.user.username;
  return undefined;
}

export function invitationName(entry: Json): string | undefined {
  if (typeof entry === 'string') return entry;
  if (isObject(entry) && typeof entry.username === 'string') return entry.username;
  return undefined;
}

export function newMemberEntry(username: string, existing: readonly Json[]): Json {
  return existing.length > 0 && existing.every((entry) => typeof entry === 'string')
    ? username
    : { user: { username } };
}
