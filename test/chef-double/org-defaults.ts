import { randomBytes } from 'node:crypto';
import { defaultObjectAcl, makeAcl } from './acl';
import type { ActorKey } from './keys';
import type { Group, Org } from './state';

export const DEFAULT_GROUPS = ['admins', 'billing-admins', 'clients', 'public_key_read_access', 'users'];
export const DEFAULT_CONTAINERS = [
  'clients',
  'containers',
  'cookbook_artifacts',
  'cookbooks',
  'data',
  'environments',
  'groups',
  'nodes',
  'policies',
  'policy_groups',
  'roles',
  'sandboxes',
];

export const DEFAULT_ENVIRONMENT = {
  name: '_default',
  description: 'The default Chef environment',
  cookbook_versions: {},
  json_class: 'Chef::Environment',
  chef_type: 'environment',
  default_attributes: {},
  override_attributes: {},
};

const group = (users: string[] = [], clients: string[] = [], groups: string[] = []): Group => ({
  users: new Set(users),
  clients: new Set(clients),
  groups: new Set(groups),
});

/**
 * What Chef Server 12 builds for `POST /organizations`. As on the real server the creator (pivotal) lands in
 * the admins group without becoming a member, and the validator is in the clients group.
 */
export function newOrg(name: string, fullName: string, creator: string, validatorKey: ActorKey): Org {
  const validator = `${name}-validator`;
  const org: Org = {
    name,
    fullName,
    guid: randomBytes(16).toString('hex'),
    members: new Set(),
    invites: new Map(),
    clients: new Map([[validator, { name: validator, validator: true, keys: new Map([['default', validatorKey]]) }]]),
    groups: new Map([
      ['admins', group([creator])],
      ['billing-admins', group()],
      ['clients', group([], [validator])],
      ['public_key_read_access', group([], [], ['clients', 'users'])],
      ['users', group()],
    ]),
    containers: new Map(DEFAULT_CONTAINERS.map((c) => [c, { containername: c, containerpath: c }])),
    objects: {
      nodes: new Map(),
      roles: new Map(),
      environments: new Map([['_default', structuredClone(DEFAULT_ENVIRONMENT)]]),
    },
    dataBags: new Map(),
    files: new Map(),
    sandboxes: new Map(),
    cookbooks: new Map(),
    artifacts: new Map(),
    policies: new Map(),
    policyGroups: new Map(),
    acls: new Map(),
  };
  org.acls.set(
    'organization',
    makeAcl(
      () => ['pivotal'],
      (perm) => (perm === 'read' ? ['admins', 'users'] : ['admins']),
    ),
  );
  for (const g of DEFAULT_GROUPS) org.acls.set(`groups/${g}`, defaultObjectAcl(creator));
  for (const c of DEFAULT_CONTAINERS) org.acls.set(`containers/${c}`, defaultObjectAcl(creator));
  org.acls.set(`clients/${validator}`, defaultObjectAcl(creator, validator));
  org.acls.set('environments/_default', defaultObjectAcl(creator));
  return org;
}
