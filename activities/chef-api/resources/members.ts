import type { ChefClient } from '../client';
import { apiPath } from '../paths';

/** Org membership and invitations (`/organizations/<org>/users`, `/association_requests`). */
export interface Invitation {
  id: string;
  username: string;
}

export async function listMembers(client: ChefClient, org: string): Promise<string[]> {
  const r = await client.get<{ user?: { username?: string } }[]>(apiPath('organizations', org, 'users'));
  return (r.body ?? [])
    .map((m) => m.user?.username)
    .filter((u): u is string => typeof u === 'string')
    .sort();
}

/** Adds directly as the superuser; servers that refuse that get the invite-and-accept dance knife-ec-backup does. */
export async function addMember(client: ChefClient, org: string, user: string): Promise<void> {
  const r = await client.request('POST', apiPath('organizations', org, 'users'), {
    body: { username: user },
    accept: [409, 403, 405],
  });
  if (r.status !== 403 && r.status !== 405) return;
  const invite = await client.request<{ uri?: string }>('POST', apiPath('organizations', org, 'association_requests'), {
    body: { user },
    accept: [409],
  });
  if (invite.status === 409) return;
  const id = invite.body?.uri?.split('/').pop() ?? '';
  await client.request('PUT', apiPath('users', user, 'association_requests', id), {
    body: { response: 'accept' },
    accept: [409],
  });
}

export async function removeMember(client: ChefClient, org: string, user: string): Promise<void> {
  await client.request('DELETE', apiPath('organizations', org, 'users', user), { accept: [404] });
}

export async function listInvitations(client: ChefClient, org: string): Promise<Invitation[]> {
  const r = await client.get<Invitation[]>(apiPath('organizations', org, 'association_requests'));
  return (r.body ?? []).filter((i) => typeof i.username === 'string');
}

export async function invite(client: ChefClient, org: string, user: string): Promise<void> {
  await client.request('POST', apiPath('organizations', org, 'association_requests'), {
    body: { user },
    accept: [409],
  });
}

export async function cancelInvitation(client: ChefClient, org: string, id: string): Promise<void> {
  await client.request('DELETE', apiPath('organizations', org, 'association_requests', id), { accept: [404] });
}
