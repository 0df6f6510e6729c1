import path from 'node:path';

export const orgPath = (org: string, ...parts: string[]): string => path.posix.join('organizations', org, ...parts);
export const userPath = (user: string): string => `users/${user}.json`;
export const userAclPath = (user: string): string => `user_acls/${user}.json`;
