import { defaultObjectAcl } from '../acl';
import { orgUrl, type Ctx } from '../context';
import { badRequest, conflict, created, notFound, reply } from '../http';
import { checkName, isObject, requiredString, sorted, type JsonObject } from '../json';
import type { Router } from '../router';

function findBag(ctx: Ctx): Map<string, JsonObject> {
  const bag = ctx.org().dataBags.get(ctx.param('bag'));
  if (!bag) throw notFound(`Cannot load data bag ${ctx.param('bag')}`);
  return bag;
}

function findItem(ctx: Ctx): JsonObject {
  const item = findBag(ctx).get(ctx.param('item'));
  if (!item) throw notFound(`Cannot load data bag item ${ctx.param('item')} for data bag ${ctx.param('bag')}`);
  return item;
}

/** Clients send either the raw item or ChefFS's wrapped `{..., raw_data: item}` form. */
function rawItem(body: JsonObject): JsonObject {
  const wrapped = isObject(body.raw_data) && (body.json_class === 'Chef::DataBagItem' || body.id === undefined);
  return wrapped ? { ...(body.raw_data as JsonObject) } : body;
}

const wrap = (bag: string, item: JsonObject) => ({
  name: `data_bag_item_${bag}_${String(item.id)}`,
  json_class: 'Chef::DataBagItem',
  chef_type: 'data_bag_item',
  data_bag: bag,
  raw_data: item,
});

export function dataBagRoutes(r: Router): void {
  r.get('/organizations/:org/data', (ctx) =>
    reply(Object.fromEntries(sorted(ctx.org().dataBags.keys()).map((b) => [b, orgUrl(ctx, 'data', b)]))),
  );
  r.post('/organizations/:org/data', (ctx) => {
    const org = ctx.org();
    const name = checkName(requiredString(ctx.json(), 'name'), 'name');
    if (org.dataBags.has(name)) throw conflict('Data bag already exists');
    org.dataBags.set(name, new Map());
    org.acls.set(`data/${name}`, defaultObjectAcl(ctx.principal.name));
    return created(orgUrl(ctx, 'data', name));
  });
  r.get('/organizations/:org/data/:bag', (ctx) =>
    reply(Object.fromEntries(sorted(findBag(ctx).keys()).map((i) => [i, orgUrl(ctx, 'data', ctx.param('bag'), i)]))),
  );
  r.delete('/organizations/:org/data/:bag', (ctx) => {
    findBag(ctx);
    ctx.org().dataBags.delete(ctx.param('bag'));
    ctx.org().acls.delete(`data/${ctx.param('bag')}`);
    return reply({ name: ctx.param('bag'), json_class: 'Chef::DataBag', chef_type: 'data_bag' });
  });

  r.post('/organizations/:org/data/:bag', (ctx) => {
    const bag = findBag(ctx);
    const item = rawItem(ctx.json());
    const id = checkName(requiredString(item, 'id'), 'id');
    if (bag.has(id)) throw conflict('Data Bag Item already exists');
    bag.set(id, item);
    return created(orgUrl(ctx, 'data', ctx.param('bag'), id));
  });
  r.get('/organizations/:org/data/:bag/:item', (ctx) => reply(findItem(ctx)));
  r.put('/organizations/:org/data/:bag/:item', (ctx) => {
    findItem(ctx);
    const id = ctx.param('item');
    const item = rawItem(ctx.json());
    if (item.id !== undefined && item.id !== id) throw badRequest("Field 'id' invalid: DataBagItem name mismatch.");
    const stored = { ...item, id };
    findBag(ctx).set(id, stored);
    return reply({ ...stored, chef_type: 'data_bag_item', data_bag: ctx.param('bag') });
  });
  r.delete('/organizations/:org/data/:bag/:item', (ctx) => {
    const item = findItem(ctx);
    findBag(ctx).delete(ctx.param('item'));
    return reply(wrap(ctx.param('bag'), item));
  });
}
