import { randomBytes } from 'node:crypto';
import type { JsonObject } from '../../normalize';
import type { ChefClient } from '../client';
import { apiPath } from '../paths';
import { createOrUpdate, type WriteOutcome } from './scope';

/** Global users. API v0 so the default public key comes with the user, as knife-ec-backup stores it. */
export async function listUsers(client: ChefClient): Promise<string[]> {
  const r = await client.get<Record<string, string>>('/users');
  return Object.keys(r.body ?? {}).sort();
}

export async function getUser(client: ChefClient, name: string): Promise<JsonObject | undefined> {
  const r = await client.get<JsonObject>(apiPath('users', name), { accept: [404] });
  return r.status === 404 ? undefined : r.body;
}

/**
 * Shapes a backed-up user for the destination: Chef 12 wants `username` and friends, a Chef 11 server
 * (goiardi) only `name`, `admin`, `public_key`. A new user gets a random password: password hashes only
 * travel through the SQL path.
 */
export function userBody(user: JsonObject, name: string, chef11: boolean, withPassword: boolean): JsonObject {
  const password: JsonObject = withPassword ? { password: randomBytes(16).toString('hex') } : {};
  if (chef11) {
    const body: JsonObject = { name, admin: user.admin === true, ...password };
    if (typeof user.public_key === 'string') body.public_key = user.public_key;
    return body;
  }
  const body: JsonObject = { ...user, username: name, ...password };
  delete body.name;
  delete body.admin;
  body.display_name ??= name;
  body.email ??= `${name}@invalid.example`;
  return body;
}

export async function writeUser(
  client: ChefClient,
  name: string,
  user: JsonObject,
  chef11: boolean,
  exists?: boolean,
): Promise<WriteOutcome> {
  return createOrUpdate(
    async () =>
      (await client.request('POST', '/users', { body: userBody(user, name, chef11, true), accept: [409] })).status,
    async () =>
      (
        await client.request('PUT', apiPath('users', name), {
          body: userBody(user, name, chef11, false),
          accept: [404],
        })
      ).status,
    exists,
  );
}

export async function deleteUser(client: ChefClient, name: string): Promise<void> {
  await client.request('DELETE', apiPath('users', name), { accept: [404] });
}
