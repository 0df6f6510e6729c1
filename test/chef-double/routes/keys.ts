import { encodeSegment, type Ctx } from '../context';
import { conflict, created, notFound, reply } from '../http';
import { checkName, optionalString, requiredString } from '../json';
import { actorKey, isExpired, type ActorKey } from '../keys';
import type { Access, Router } from '../router';

export interface KeyOwner {
  keys: Map<string, ActorKey>;
  /** URL of the owner (user or client); keys live below it. */
  url: string;
}

const keyBody = (key: ActorKey) => ({ name: key.name, public_key: key.publicKey, expiration_date: key.expirationDate });

/** The API v1 keys endpoints, shared by users (`/users/<u>/keys`) and clients (`.../clients/<c>/keys`). */
export function keyRoutes(r: Router, prefix: string, owner: (ctx: Ctx) => KeyOwner, writeAccess: Access): void {
  const find = (ctx: Ctx): ActorKey => {
    const key = owner(ctx).keys.get(ctx.param('key'));
    if (!key) throw notFound(`key '${ctx.param('key')}' not found`);
    return key;
  };

  r.get(`${prefix}/keys`, (ctx) => {
    const { keys, url } = owner(ctx);
    return reply(
      [...keys.values()].map((k) => ({
        name: k.name,
        uri: `${url}/keys/${encodeSegment(k.name)}`,
        expired: isExpired(k),
      })),
    );
  });

  r.post(
    `${prefix}/keys`,
    async (ctx) => {
      const { keys, url } = owner(ctx);
      const body = ctx.json();
      const name = checkName(requiredString(body, 'name'), 'name');
      if (keys.has(name)) throw conflict(`key '${name}' already exists`);
      const expiration = optionalString(body, 'expiration_date') ?? 'infinity';
      const pair = body.create_key === true ? await ctx.state.keyPool.take() : undefined;
      if (keys.has(name)) throw conflict(`key '${name}' already exists`); // created while we waited for a key
      keys.set(name, actorKey(name, pair ? pair.publicKey : body.public_key, expiration));
      const uri = `${url}/keys/${encodeSegment(name)}`;
      return created(uri, pair ? { private_key: pair.privateKey } : {});
    },
    { access: writeAccess },
  );

  r.get(`${prefix}/keys/:key`, (ctx) => reply(keyBody(find(ctx))));

  r.put(
    `${prefix}/keys/:key`,
    (ctx) => {
      const current = find(ctx);
      const body = ctx.json();
      const updated = actorKey(
        current.name,
        body.public_key ?? current.publicKey,
        optionalString(body, 'expiration_date') ?? current.expirationDate,
      );
      owner(ctx).keys.set(current.name, updated);
      return reply(keyBody(updated));
    },
    { access: writeAccess },
  );

  r.delete(
    `${prefix}/keys/:key`,
    (ctx) => {
      const key = find(ctx);
      owner(ctx).keys.delete(key.name);
      return reply(keyBody(key));
    },
    { access: writeAccess },
  );
}
