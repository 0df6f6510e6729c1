import { randomBytes } from 'node:crypto';
import { orgUrl, type Ctx } from '../context';
import { badRequest, HttpError, notFound, reply } from '../http';
import { isObject } from '../json';
import type { Router } from '../router';
import { fileUrl } from './bookshelf';

const MD5_RE = /^[0-9a-f]{32}$/;

function createSandbox(ctx: Ctx) {
  const org = ctx.org();
  const { checksums } = ctx.json();
  if (!isObject(checksums)) throw badRequest("Field 'checksums' missing");
  const md5s = Object.keys(checksums);
  const bad = md5s.filter((m) => !MD5_RE.test(m));
  if (bad.length > 0) throw badRequest(`Invalid checksum(s): ${bad.join(', ')}`);
  const id = randomBytes(16).toString('hex');
  org.sandboxes.set(id, { checksums: md5s, completed: false, createTime: new Date().toISOString() });
  const uri = orgUrl(ctx, 'sandboxes', id);
  const status = Object.fromEntries(
    md5s.map((m) => [m, { url: fileUrl(ctx, org.name, m), needs_upload: !org.files.has(m) }]),
  );
  return reply({ uri, sandbox_id: id, checksums: status }, 201);
}

/** Committing checks every checksum reached the file store; erchef answers 503 while one is missing. */
function commitSandbox(ctx: Ctx) {
  const org = ctx.org();
  const id = ctx.param('id');
  const sandbox = org.sandboxes.get(id);
  if (!sandbox) throw notFound(`No such sandbox ${id}`);
  if (ctx.json().is_completed !== true) throw badRequest("Field 'is_completed' must be true");
  const missing = sandbox.checksums.filter((m) => !org.files.has(m));
  if (missing.length > 0) {
    throw new HttpError(503, `Cannot update sandbox ${id}: checksum(s) ${missing.join(', ')} not uploaded`);
  }
  sandbox.completed = true;
  return reply({
    guid: id,
    name: id,
    checksums: sandbox.checksums,
    create_time: sandbox.createTime,
    is_completed: true,
  });
}

export function sandboxRoutes(r: Router): void {
  r.post('/organizations/:org/sandboxes', createSandbox);
  r.put('/organizations/:org/sandboxes/:id', commitSandbox);
}
