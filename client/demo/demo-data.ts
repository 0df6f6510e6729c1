import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { ChefClient } from '../../activities/chef-api/client';

/**
 * Seeds a Chef server through plain API requests (no product logic): the objects every round trip moves.
 * `base` is '' for a single-tenant server or `/organizations/<org>`.
 */
export interface SeedCookbookFile {
  path: string;
  content: Buffer;
}

export const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

export function publicKeyPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString();
}

export function bigNode(name: string, i: number): Record<string, unknown> {
  return {
    name,
    chef_environment: i % 2 ? 'production' : '_default',
    run_list: ['recipe[base]', 'role[web]'],
    normal: { tags: [`t${i}`], app: { port: 8000 + i } },
    automatic: {
      ohai_time: 1_700_000_000 + i,
      platform: 'debian',
      network: { interfaces: { eth0: { addresses: { [`10.0.0.${i}`]: { family: 'inet' } } } } },
      kernel: { name: 'Linux', release: '6.1.0', modules: { ext4: { size: '1000' }, xfs: { size: '2000' } } },
    },
  };
}

export async function uploadCookbook(
  client: ChefClient,
  base: string,
  name: string,
  version: string,
  files: SeedCookbookFile[],
  opts: { frozen?: boolean } = {},
): Promise<void> {
  const checksums = Object.fromEntries(files.map((f) => [md5(f.content), null]));
  const sandbox = await client.request<{
    uri: string;
    sandbox_id: string;
    checksums: Record<string, { url: string; needs_upload: boolean }>;
  }>('POST', `${base}/sandboxes`, { body: { checksums } });
  for (const f of files) {
    const entry = sandbox.body.checksums[md5(f.content)];
    if (entry?.needs_upload) await client.upload(entry.url, f.content, md5(f.content));
  }
  await client.request('PUT', `${base}/sandboxes/${sandbox.body.sandbox_id}`, { body: { is_completed: true } });
  const segments: Record<string, unknown[]> = {
    recipes: [],
    attributes: [],
    files: [],
    templates: [],
    root_files: [],
    definitions: [],
    libraries: [],
    providers: [],
    resources: [],
  };
  for (const f of files) {
    const top = f.path.split('/')[0] ?? '';
    const seg = f.path.includes('/') && top in segments ? top : 'root_files';
    segments[seg]?.push({
      name: f.path.split('/').pop(),
      path: f.path,
      checksum: md5(f.content),
      specificity: 'default',
    });
  }
  await client.request('PUT', `${base}/cookbooks/${name}/${version}`, {
    body: {
      name: `${name}-${version}`,
      cookbook_name: name,
      version,
      json_class: 'Chef::CookbookVersion',
      chef_type: 'cookbook_version',
      'frozen?': opts.frozen === true,
      metadata: { name, version, dependencies: { base: '>= 0.0.0' }, recipes: { [`${name}::default`]: '' } },
      ...segments,
    },
  });
}

export function cookbookFiles(name: string, version: string): SeedCookbookFile[] {
  return [
    { path: 'recipes/default.rb', content: Buffer.from(`# ${name} ${version}\npackage 'nginx'\n`) },
    { path: 'attributes/default.rb', content: Buffer.from(`default['${name}']['v'] = '${version}'\n`) },
    { path: 'templates/default/site.conf.erb', content: Buffer.from('server <%= @name %>;\n') },
    { path: 'files/default/blob.bin', content: randomBytes(50_000) },
    { path: 'metadata.json', content: Buffer.from(JSON.stringify({ name, version })) },
    { path: 'README.md', content: Buffer.from(`# ${name}\n`) },
  ];
}

/** Objects both a Chef 11 server and a Chef 12 org hold. Returns the names seeded, by kind. */
export async function seedCommon(client: ChefClient, base: string, opts: { nodes?: number } = {}) {
  const post = (path: string, body: unknown) => client.request('POST', `${base}${path}`, { body });
  await post('/environments', { name: 'production', description: 'prod', cookbook_versions: { base: '>= 1.0.0' } });
  await post('/roles', {
    name: 'web',
    run_list: ['recipe[base]', 'nginx'],
    default_attributes: { nginx: { workers: 4 } },
  });
  await post('/roles', { name: 'db.primary', run_list: ['recipe[postgres]'] });
  const nodes = ['web-1', 'db.example.com', 'with:colon', 'under_score'];
  for (let i = 0; i < (opts.nodes ?? 0); i++) nodes.push(`node-${String(i).padStart(4, '0')}`);
  for (const [i, name] of nodes.entries()) await post('/nodes', bigNode(name, i));
  await post('/clients', { name: 'web01', admin: false });
  await post('/clients', { name: 'ci.runner', admin: false, public_key: publicKeyPem() });
  await post('/data', { name: 'secrets' });
  await post('/data', { name: 'empty_bag' });
  await post('/data/secrets', { id: 'db', password: 'not-a-real-secret', nested: { a: [1, 2, 3] } });
  await post('/data/secrets', { id: 'api.key', token: 'abc' });
  for (const [name, versions] of [
    ['base', ['1.0.0', '1.2.0']],
    ['nginx', ['2.0.0']],
  ] as const) {
    for (const v of versions)
      await uploadCookbook(client, base, name, v, cookbookFiles(name, v), { frozen: v === '1.0.0' });
  }
  return { nodes };
}
