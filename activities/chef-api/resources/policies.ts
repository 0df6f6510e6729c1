import type { JsonObject } from '../../normalize';
import { segment } from '../paths';
import type { OrgScope } from './scope';

/** Policyfile revisions (immutable) and policy groups (which revision each policy runs). */
export interface PolicyRevisionRef {
  name: string;
  revision: string;
}

export async function listPolicyRevisions(s: OrgScope): Promise<PolicyRevisionRef[]> {
  const r = await s.client.get<Record<string, { revisions?: Record<string, unknown> }>>(`${s.base}/policies`);
  return Object.entries(r.body ?? {}).flatMap(([name, p]) =>
    Object.keys(p.revisions ?? {}).map((revision) => ({ name, revision })),
  );
}

const revisionPath = (s: OrgScope, ref: PolicyRevisionRef) =>
  `${s.base}/policies/${segment(ref.name)}/revisions/${segment(ref.revision)}`;

export async function getPolicyRevision(s: OrgScope, ref: PolicyRevisionRef): Promise<JsonObject | undefined> {
  const r = await s.client.get<JsonObject>(revisionPath(s, ref), { accept: [404] });
  return r.status === 404 ? undefined : r.body;
}

/** Revisions cannot change once written: an existing one is left as it is (409). */
export async function createPolicyRevision(s: OrgScope, name: string, doc: JsonObject): Promise<'created' | 'exists'> {
  const r = await s.client.request('POST', `${s.base}/policies/${segment(name)}/revisions`, {
    body: doc,
    accept: [409],
  });
  return r.status === 409 ? 'exists' : 'created';
}

export async function deletePolicyRevision(s: OrgScope, ref: PolicyRevisionRef): Promise<void> {
  await s.client.request('DELETE', revisionPath(s, ref), { accept: [404] });
}

export async function listPolicyGroups(s: OrgScope): Promise<string[]> {
  const r = await s.client.get<Record<string, unknown>>(`${s.base}/policy_groups`);
  return Object.keys(r.body ?? {}).sort();
}

export async function getPolicyGroup(s: OrgScope, group: string): Promise<JsonObject | undefined> {
  const r = await s.client.get<JsonObject>(`${s.base}/policy_groups/${segment(group)}`, { accept: [404] });
  return r.status === 404 ? undefined : r.body;
}

export async function setPolicyGroupPolicy(s: OrgScope, group: string, name: string, doc: JsonObject): Promise<void> {
  await s.client.request('PUT', `${s.base}/policy_groups/${segment(group)}/policies/${segment(name)}`, { body: doc });
}

export async function removePolicyGroupPolicy(s: OrgScope, group: string, name: string): Promise<void> {
  await s.client.request('DELETE', `${s.base}/policy_groups/${segment(group)}/policies/${segment(name)}`, {
    accept: [404],
  });
}

export async function deletePolicyGroup(s: OrgScope, group: string): Promise<void> {
  await s.client.request('DELETE', `${s.base}/policy_groups/${segment(group)}`, { accept: [404] });
}
