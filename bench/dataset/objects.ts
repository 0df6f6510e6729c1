import type { OrgData } from './dataset';
import { rng } from './prng';
import { BENCH_PUBLIC_KEY } from './public-key';

type Obj = Record<string, unknown>;

/** A user as each server flavour wants it created: Chef 11 (goiardi) `name`, Chef 12 `username` and friends. */
export function userBody(seed: string, name: string, chef12: boolean): Obj {
  const r = rng(seed, `user:${name}`);
  const password = `pw-${r.hex(16)}`;
  if (!chef12) return { name, admin: false, password, public_key: BENCH_PUBLIC_KEY };
  const [first = name, last = 'user'] = name.split('.');
  return {
    username: name,
    email: `${name}@example.com`,
    display_name: `${first} ${last}`,
    first_name: first,
    last_name: last.replace(/\d+$/, ''),
    password,
    public_key: BENCH_PUBLIC_KEY,
  };
}

export function clientBody(name: string, chef12: boolean): Obj {
  return chef12
    ? { name, validator: false, public_key: BENCH_PUBLIC_KEY }
    : { name, admin: false, public_key: BENCH_PUBLIC_KEY };
}

const recipes = (org: OrgData, pick: (n: number) => number, count: number) =>
  org.cookbooks.length
    ? Array.from({ length: count }, () => `recipe[${org.cookbooks[pick(org.cookbooks.length)]?.name}::default]`)
    : [];

export function roleBody(seed: string, org: OrgData, name: string): Obj {
  const r = rng(seed, `role:${name}`);
  const pick = (n: number) => r.int(0, n - 1);
  return {
    name,
    description: `${name.replace(/_/g, ' ')} servers`,
    json_class: 'Chef::Role',
    chef_type: 'role',
    run_list: [...new Set(['recipe[base]', ...recipes(org, pick, r.int(1, 4))])],
    env_run_lists: {},
    default_attributes: {
      app: { listen_port: r.int(1024, 9000), threads: r.int(2, 64), log_level: r.pick(['info', 'warn', 'debug']) },
      monitoring: { enabled: true, interval: r.int(10, 60), checks: ['cpu', 'disk', 'memory'] },
    },
    override_attributes: r.chance(0.3) ? { ntp: { servers: ['0.pool.ntp.org', '1.pool.ntp.org'] } } : {},
  };
}

export function environmentBody(seed: string, org: OrgData, name: string): Obj {
  const r = rng(seed, `env:${name}`);
  const pins: Obj = {};
  for (const cb of org.cookbooks) if (r.chance(0.5)) pins[cb.name] = r.pick(['>= 1.0.0', `~> 1.${r.int(0, 9)}`]);
  return {
    name,
    description: `The ${name} environment`,
    json_class: 'Chef::Environment',
    chef_type: 'environment',
    cookbook_versions: pins,
    default_attributes: { env: name, dns: { search: [`${name}.example.com`, 'example.com'] } },
    override_attributes: { alerting: { page: name === 'production', threshold: r.int(50, 95) } },
  };
}

export function dataBagItemBody(seed: string, bag: string, id: string): Obj {
  const r = rng(seed, `item:${bag}/${id}`);
  const hosts = Array.from({ length: r.int(2, 12) }, () => `10.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`);
  return {
    id,
    owner: r.pick(['platform', 'payments', 'search', 'data', 'sre']),
    rotated_at: `2024-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`,
    secret: { cipher: 'aes-256-gcm', encrypted_data: r.hex(r.int(64, 512)), iv: r.hex(24), version: 3 },
    settings: { enabled: r.chance(0.8), retries: r.int(0, 5), timeout_ms: r.int(100, 30_000) },
    hosts,
  };
}
