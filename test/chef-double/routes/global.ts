import { anyUser } from '../authz';
import type { Router } from '../router';

/** `/version` (the omnibus version manifest) and the unauthenticated `/_status` health probe. */
export function globalRoutes(r: Router): void {
  r.get(
    '/version',
    (ctx) => ({
      status: 200,
      contentType: 'text/plain',
      raw: [
        `chef-server ${ctx.state.serverVersion}`,
        '',
        `chef-server ${ctx.state.serverVersion}`,
        'opscode-erchef 1.0.0 (chef double)',
        'bookshelf 1.0.0 (chef double)',
        '',
      ].join('\n'),
    }),
    { access: anyUser },
  );

  r.get(
    '/_status',
    (ctx) => ({
      status: 200,
      body: {
        status: 'pong',
        upstreams: { chef_solr: 'pong', chef_sql: 'pong', chef_index: 'pong', oc_chef_authz: 'pong' },
        keygen: {
          keys: ctx.state.keyPool.available,
          max: ctx.state.keyPool.size,
          max_workers: 2,
          cur_max_workers: 2,
          inflight: 0,
          avail_workers: 2,
          start_size: 0,
        },
      },
    }),
    { public: true },
  );
}
