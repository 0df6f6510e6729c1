import { defaultObjectAcl } from '../acl';
import { orgUrl, type Ctx } from '../context';
import { badRequest, conflict, notFound, reply } from '../http';
import { checkName, isObject, requiredString, stringList, type JsonObject } from '../json';
import type { Router } from '../router';
import type { Org } from '../state';

const revisionsBody = (revisions: Map<string, JsonObject>) => ({
  revisions: Object.fromEntries([...revisions.keys()].sort().map((rev) => [rev, {}])),
});

function findPolicy(ctx: Ctx): Map<string, JsonObject> {
  const policy = ctx.org().policies.get(ctx.param('name'));
  if (!policy) throw notFound(`Cannot load policy ${ctx.param('name')}`);
  return policy;
}

function findRevision(ctx: Ctx, rev = ctx.param('rev')): JsonObject {
  const doc = findPolicy(ctx).get(rev);
  if (!doc) throw notFound(`Cannot load policy ${ctx.param('name')} revision ${rev}`);
  return doc;
}

/** A Policyfile lock must at least name itself, its revision, a run list and its cookbook locks. */
function checkLock(body: JsonObject, name: string): string {
  if (requiredString(body, 'name') !== name) throw badRequest(`Field 'name' invalid: expected ${name}`);
  const rev = checkName(requiredString(body, 'revision_id'), 'revision_id');
  stringList(body.run_list ?? [], 'run_list');
  if (!isObject(body.cookbook_locks)) throw badRequest("Field 'cookbook_locks' missing");
  return rev;
}

/** Policy groups point at revisions; when a revision or policy disappears, so do the pointers to it. */
function unassign(org: Org, name: string, rev?: string): void {
  for (const group of org.policyGroups.values()) {
    if (group.get(name) !== undefined && (rev === undefined || group.get(name) === rev)) group.delete(name);
  }
}

function createRevision(ctx: Ctx) {
  const org = ctx.org();
  const name = checkName(ctx.param('name'), 'name');
  const body = ctx.json();
  const rev = checkLock(body, name);
  const revisions = org.policies.get(name) ?? new Map<string, JsonObject>();
  if (revisions.has(rev)) throw conflict(`Policy revision ${rev} of ${name} already exists`);
  if (!org.policies.has(name)) {
    org.policies.set(name, revisions);
    org.acls.set(`policies/${name}`, defaultObjectAcl(ctx.principal.name));
  }
  revisions.set(rev, body);
  return reply(body, 201);
}

function deleteRevision(ctx: Ctx) {
  const org = ctx.org();
  const name = ctx.param('name');
  const doc = findRevision(ctx);
  const revisions = findPolicy(ctx);
  revisions.delete(ctx.param('rev'));
  unassign(org, name, ctx.param('rev'));
  if (revisions.size === 0) {
    org.policies.delete(name);
    org.acls.delete(`policies/${name}`);
  }
  return reply(doc);
}

export function policyRoutes(r: Router): void {
  r.get('/organizations/:org/policies', (ctx) => {
    const policies = ctx.org().policies;
    return reply(
      Object.fromEntries(
        [...policies.keys()]
          .sort()
          .map((n) => [n, { uri: orgUrl(ctx, 'policies', n), ...revisionsBody(policies.get(n) ?? new Map()) }]),
      ),
    );
  });
  r.get('/organizations/:org/policies/:name', (ctx) => reply(revisionsBody(findPolicy(ctx))));
  r.delete('/organizations/:org/policies/:name', (ctx) => {
    const org = ctx.org();
    const body = revisionsBody(findPolicy(ctx));
    org.policies.delete(ctx.param('name'));
    org.acls.delete(`policies/${ctx.param('name')}`);
    unassign(org, ctx.param('name'));
    return reply(body);
  });
  r.get('/organizations/:org/policies/:name/revisions', (ctx) => reply(revisionsBody(findPolicy(ctx))));
  r.post('/organizations/:org/policies/:name/revisions', createRevision);
  r.get('/organizations/:org/policies/:name/revisions/:rev', (ctx) => reply(findRevision(ctx)));
  r.delete('/organizations/:org/policies/:name/revisions/:rev', deleteRevision);
}
