import type { SeedCookbookFile } from '../../client/demo/demo-data';
import { rng, type Rng } from './prng';
import { PACKAGES } from './vocab';

export interface CookbookVersion {
  name: string;
  version: string;
  frozen: boolean;
  files: SeedCookbookFile[];
}

/** File slots of every version and how likely each is to change from one version to the next. */
const SLOTS: readonly { path: (cb: string) => string; change: number; binary?: 'large' | 'small' }[] = [
  { path: () => 'metadata.json', change: 1 },
  { path: () => 'README.md', change: 0.1 },
  { path: () => 'recipes/default.rb', change: 0.4 },
  { path: () => 'recipes/install.rb', change: 0.2 },
  { path: () => 'recipes/configure.rb', change: 0.3 },
  { path: () => 'attributes/default.rb', change: 0.3 },
  { path: (cb) => `templates/default/${cb}.conf.erb`, change: 0.2 },
  { path: () => 'libraries/helpers.rb', change: 0.15 },
  { path: (cb) => `files/default/${cb}-agent.bin`, change: 0.2, binary: 'large' },
  { path: () => 'files/default/logo.png', change: 0, binary: 'small' },
];

/**
 * The versions of one cookbook, oldest first. Most files carry over from the previous version unchanged (same
 * checksum, so a sandbox needs only the new ones), as happens when a cookbook is released often.
 */
export function* cookbookVersions(seed: string, name: string, count: number, binaryKb: number) {
  const revisions = SLOTS.map(() => 0);
  for (let i = 0; i < count; i++) {
    const step = rng(seed, `cookbook:${name}:v${i}`);
    if (i > 0)
      for (const [s, slot] of SLOTS.entries()) if (step.chance(slot.change)) revisions[s] = (revisions[s] ?? 0) + 1;
    const version = `${1 + Math.floor(i / 10)}.${i % 10}.0`;
    const files = SLOTS.map((slot, s) => {
      const path = slot.path(name);
      const r = rng(seed, `cookbook:${name}:${path}:${revisions[s]}`);
      const content =
        slot.binary === 'large'
          ? r.bytes(binaryKb * 1024)
          : slot.binary === 'small'
            ? r.bytes(2048)
            : Buffer.from(path === 'metadata.json' ? metadata(name, version) : rubyText(r, name, path));
      return { path, content };
    });
    yield { name, version, frozen: i < count - 1 && step.chance(0.25), files } satisfies CookbookVersion;
  }
}

function metadata(name: string, version: string): string {
  return `${JSON.stringify({ name, version, maintainer: 'Platform Team', license: 'Apache-2.0', dependencies: { base: '>= 0.0.0' } }, null, 2)}\n`;
}

function rubyText(r: Rng, cookbook: string, path: string): string {
  const lines = [`# ${cookbook}: ${path}`, '#', `# Copyright:: 2024, Platform Team`, ''];
  const target = r.int(512, 4096);
  let size = lines.join('\n').length;
  while (size < target) {
    const pkg = r.pick(PACKAGES);
    const block = [
      `package '${pkg}' do`,
      `  version node['${cookbook}']['${pkg}_version'] || '${r.int(0, 9)}.${r.int(0, 30)}'`,
      `  action :${r.pick(['install', 'upgrade'])}`,
      `  notifies :restart, 'service[${cookbook}]', :delayed`,
      'end',
      '',
    ];
    lines.push(...block);
    size += block.join('\n').length + 1;
  }
  return lines.join('\n');
}
