import { defaultObjectAcl } from '../acl';
import { orgUrl, type Ctx } from '../context';
import { badRequest, notFound, reply } from '../http';
import { checkName, requiredString } from '../json';
import type { Router } from '../router';

function findGroup(ctx: Ctx): Map<string, string> {
  const group = ctx.org().policyGroups.get(ctx.param('group'));
  if (!group) throw notFound(`Cannot load policy group ${ctx.param('group')}`);
  return group;
}

const groupBody = (ctx: Ctx, name: string, group: Map<string, string>) => ({
  uri: orgUrl(ctx, 'policy_groups', name),
  policies: Object.fromEntries([...group.keys()].sort().map((p) => [p, { revision_id: group.get(p) }])),
});

function revisionDoc(ctx: Ctx, name: string, rev: string) {
  const doc = ctx.org().policies.get(name)?.get(rev);
  if (!doc) throw notFound(`Cannot find policy ${name} revision ${rev}`);
  return doc;
}

/** Points a group at an existing revision, creating the group on first use as Chef Server does. */
function assign(ctx: Ctx) {
  const org = ctx.org();
  const groupName = checkName(ctx.param('group'), 'policy_group');
  const name = ctx.param('name');
  const body = ctx.json();
  if (requiredString(body, 'name') !== name) throw badRequest(`Field 'name' invalid: expected ${name}`);
  const rev = requiredString(body, 'revision_id');
  const doc = revisionDoc(ctx, name, rev);
  let group = org.policyGroups.get(groupName);
  if (!group) {
    group = new Map();
    org.policyGroups.set(groupName, group);
    org.acls.set(`policy_groups/${groupName}`, defaultObjectAcl(ctx.principal.name));
  }
  const isNew = !group.has(name);
  group.set(name, rev);
  return reply(doc, isNew ? 201 : 200);
}

export function policyGroupRoutes(r: Router): void {
  r.get('/organizations/:org/policy_groups', (ctx) => {
    const groups = ctx.org().policyGroups;
    return reply(
      Object.fromEntries([...groups.keys()].sort().map((g) => [g, groupBody(ctx, g, groups.get(g) ?? new Map())])),
    );
  });
  r.get('/organizations/:org/policy_groups/:group', (ctx) => reply(groupBody(ctx, ctx.param('group'), findGroup(ctx))));
  r.delete('/organizations/:org/policy_groups/:group', (ctx) => {
    const body = groupBody(ctx, ctx.param('group'), findGroup(ctx));
    ctx.org().policyGroups.delete(ctx.param('group'));
    ctx.org().acls.delete(`policy_groups/${ctx.param('group')}`);
    return reply(body);
  });
  r.put('/organizations/:org/policy_groups/:group/policies/:name', assign);
  r.get('/organizations/:org/policy_groups/:group/policies/:name', (ctx) => {
    const rev = findGroup(ctx).get(ctx.param('name'));
    if (rev === undefined) throw notFound(`Policy ${ctx.param('name')} is not in group ${ctx.param('group')}`);
    return reply(revisionDoc(ctx, ctx.param('name'), rev));
  });
  r.delete('/organizations/:org/policy_groups/:group/policies/:name', (ctx) => {
    const group = findGroup(ctx);
    const rev = group.get(ctx.param('name'));
    if (rev === undefined) throw notFound(`Policy ${ctx.param('name')} is not in group ${ctx.param('group')}`);
    group.delete(ctx.param('name'));
    return reply(revisionDoc(ctx, ctx.param('name'), rev));
  });
}
