import { createHash } from 'node:crypto';
import { encodeSegment, type Ctx } from '../context';
import { badRequest, notFound } from '../http';
import type { Router } from '../router';
import type { Org } from '../state';

/** Cookbook file URLs point here; real bookshelf URLs are pre-signed S3 URLs, so no Mixlib signature is checked. */
export const fileUrl = (ctx: Ctx, org: string, md5: string): string =>
  `${ctx.state.baseUrl}/bookshelf/${encodeSegment(org)}/checksum-${md5}`;

function target(ctx: Ctx): { org: Org; md5: string } {
  const org = ctx.state.orgs.get(ctx.param('org'));
  const md5 = /^checksum-([0-9a-f]{32})$/.exec(ctx.param('file'))?.[1];
  if (!org || md5 === undefined) throw notFound(`No such object ${ctx.param('file')}`);
  return { org, md5 };
}

export function bookshelfRoutes(r: Router): void {
  r.put(
    '/bookshelf/:org/:file',
    (ctx) => {
      const { org, md5 } = target(ctx);
      const digest = createHash('md5').update(ctx.body).digest();
      if (digest.toString('hex') !== md5) {
        throw badRequest(`Checksum mismatch: the uploaded content has md5 ${digest.toString('hex')}, not ${md5}`);
      }
      const contentMd5 = ctx.headers['content-md5'];
      if (contentMd5 !== undefined && contentMd5 !== digest.toString('base64')) {
        throw badRequest(`Content-MD5 ${String(contentMd5)} does not match the uploaded content`);
      }
      org.files.set(md5, Buffer.from(ctx.body));
      return { status: 200, headers: { ETag: `"${md5}"` } };
    },
    { public: true },
  );

  r.get(
    '/bookshelf/:org/:file',
    (ctx) => {
      const { org, md5 } = target(ctx);
      const data = org.files.get(md5);
      if (!data) throw notFound(`No such object checksum-${md5}`);
      return { status: 200, raw: data, contentType: 'application/octet-stream', headers: { ETag: `"${md5}"` } };
    },
    { public: true },
  );
}
