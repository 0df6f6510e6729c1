import type { OrgData } from './dataset';
import { rng, type Rng } from './prng';
import { CPU_FLAGS, KERNEL_MODULES, PACKAGES } from './vocab';

type Obj = Record<string, unknown>;

const mac = (r: Rng) =>
  Array.from({ length: 6 }, (_, i) => (i === 0 ? '02' : r.int(0, 255).toString(16).padStart(2, '0'))).join(':');
const jsonBytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

/**
 * A node as `chef-client` leaves it: a run list, a few normal attributes and ohai's automatic attributes
 * (network, kernel, cpu, memory, filesystem, block devices, dmi, packages), about `nodeKb` kB of JSON.
 * The shape comes from the name; `revision` changes what a later chef-client run changes (ohai_time,
 * uptime, free memory, disk use), which is what an incremental pass sees.
 */
export function nodeBody(seed: string, org: OrgData, name: string, nodeKb: number, revision = 0): Obj {
  const r = rng(seed, `node:${name}`);
  const live = rng(seed, `node:${name}:r${revision}`);
  const scale = Math.min(4, Math.max(0.1, nodeKb / 20));
  const [host = name, ...rest] = name.split('.');
  const ip = `10.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`;
  const release = `${r.pick(['5.15', '6.1', '6.8'])}.0-${r.int(10, 120)}-generic`;
  const roles = org.roles.length ? [org.roles[r.int(0, org.roles.length - 1)] ?? ''] : [];
  const cookbooks = org.cookbooks.map((c) => c.name);
  const automatic: Obj = {
    hostname: host,
    fqdn: name,
    domain: rest.join('.'),
    ipaddress: ip,
    macaddress: mac(r),
    os: 'linux',
    os_version: release,
    platform: 'ubuntu',
    platform_family: 'debian',
    platform_version: r.pick(['20.04', '22.04', '24.04']),
    ohai_time: 1_700_000_000 + revision * 1800 + r.int(0, 1799) + r.next(),
    uptime_seconds: live.int(3600, 90 * 86400),
    chef_packages: { chef: { version: '18.5.0', chef_root: '/opt/chef' }, ohai: { version: '18.1.11' } },
    network: network(r, ip, scale),
    kernel: kernel(r, release, scale),
    cpu: cpu(r, scale),
    memory: memory(r, live),
    filesystem: filesystems(r, live, scale),
    block_device: {
      sda: { size: String(r.int(20, 500) * 2097152), removable: '0', model: 'QEMU HARDDISK', rotational: '0' },
    },
    dmi: {
      system: { manufacturer: 'QEMU', product_name: 'Standard PC (Q35 + ICH9, 2009)', uuid: r.hex(32) },
      bios: { vendor: 'SeaBIOS', version: '1.16.0', release_date: '04/01/2014' },
    },
    packages: {},
  };
  const body: Obj = {
    name,
    chef_environment: org.environments.length && r.chance(0.8) ? r.pick(org.environments) : '_default',
    json_class: 'Chef::Node',
    chef_type: 'node',
    run_list: [
      ...(cookbooks.length ? [`recipe[${cookbooks[0]}]`] : []),
      ...roles.map((role) => `role[${role}]`),
      ...(cookbooks.length > 1 ? [`recipe[${r.pick(cookbooks)}::default]`] : []),
    ],
    normal: {
      tags: r.chance(0.3) ? ['maintenance'] : [],
      bench: { revision },
      app: { port: r.int(3000, 9000), workers: r.int(1, 32), release: `v${r.int(1, 9)}.${r.int(0, 30)}` },
    },
    default: {},
    override: {},
    automatic,
  };
  fillPackages(automatic.packages as Obj, r, nodeKb * 1024 - jsonBytes(body));
  return body;
}

function network(r: Rng, ip: string, scale: number): Obj {
  const interfaces: Obj = {
    lo: {
      mtu: '65536',
      flags: ['LOOPBACK', 'UP', 'LOWER_UP'],
      encapsulation: 'Loopback',
      addresses: { '127.0.0.1': { family: 'inet', prefixlen: '8', netmask: '255.0.0.0', scope: 'Node' } },
      state: 'unknown',
    },
  };
  const count = Math.max(1, Math.round(2 * scale));
  for (let i = 0; i < count; i++) {
    const addr = i === 0 ? ip : `172.${16 + i}.${r.int(0, 255)}.${r.int(1, 254)}`;
    const arp: Obj = {};
    for (let a = 0; a < Math.round(6 * scale); a++)
      arp[`${addr.split('.').slice(0, 3).join('.')}.${r.int(1, 254)}`] = mac(r);
    interfaces[`eth${i}`] = {
      type: 'eth',
      number: String(i),
      mtu: '1500',
      flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
      encapsulation: 'Ethernet',
      addresses: {
        [addr]: { family: 'inet', prefixlen: '24', netmask: '255.255.255.0', broadcast: '', scope: 'Global' },
        [`fe80::${r.hex(4)}:${r.hex(4)}`]: { family: 'inet6', prefixlen: '64', scope: 'Link', tags: [] },
        [mac(r).toUpperCase()]: { family: 'lladdr' },
      },
      state: 'up',
      routes: [
        { destination: 'default', family: 'inet', via: `${addr.split('.').slice(0, 3).join('.')}.1` },
        { destination: `${addr.split('.').slice(0, 3).join('.')}.0/24`, family: 'inet', scope: 'link', src: addr },
      ],
      arp,
      link_speed: 10000,
      duplex: 'Full',
    };
  }
  return { default_interface: 'eth0', default_gateway: `${ip.split('.').slice(0, 3).join('.')}.1`, interfaces };
}

function kernel(r: Rng, release: string, scale: number): Obj {
  const modules: Obj = {};
  const count = Math.min(KERNEL_MODULES.length, Math.max(3, Math.round(30 * scale)));
  for (let i = 0; i < count; i++) {
    modules[KERNEL_MODULES[i] ?? `mod${i}`] = { size: String(r.int(8, 900) * 1024), refcount: String(r.int(0, 12)) };
  }
  return {
    name: 'Linux',
    release,
    version: `#${r.int(1, 200)}-Ubuntu SMP`,
    machine: 'x86_64',
    os: 'GNU/Linux',
    modules,
  };
}

function cpu(r: Rng, scale: number): Obj {
  const total = Math.max(1, Math.round(4 * scale));
  const model = r.pick(['Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz', 'AMD EPYC 7543 32-Core Processor']);
  const out: Obj = { total, real: 1, cores: total, model_name: model };
  const flags = CPU_FLAGS.slice(0, Math.max(10, Math.round(CPU_FLAGS.length * Math.min(1, scale * 2))));
  for (let i = 0; i < total; i++) {
    out[String(i)] = {
      vendor_id: model.startsWith('AMD') ? 'AuthenticAMD' : 'GenuineIntel',
      family: '6',
      model: String(r.int(40, 120)),
      model_name: model,
      mhz: (2000 + r.next() * 1000).toFixed(3),
      cache_size: '36608 KB',
      physical_id: '0',
      core_id: String(i),
      cores: String(total),
      flags,
    };
  }
  return out;
}

function memory(r: Rng, live: Rng): Obj {
  const totalKb = r.pick([2, 4, 8, 16, 32, 64]) * 1024 * 1024;
  return {
    total: `${totalKb}kB`,
    free: `${live.int(totalKb / 20, totalKb / 2)}kB`,
    available: `${live.int(totalKb / 10, (totalKb * 3) / 4)}kB`,
    buffers: `${live.int(10_000, 400_000)}kB`,
    cached: `${live.int(100_000, totalKb / 3)}kB`,
    swap: { total: '0kB', free: '0kB', cached: '0kB' },
  };
}

function filesystems(r: Rng, live: Rng, scale: number): Obj {
  const mounts = ['/', '/boot', '/var', '/var/log', '/home', '/srv', '/tmp', '/opt', '/data', '/backup'];
  const out: Obj = {};
  const count = Math.min(mounts.length, Math.max(2, Math.round(6 * scale)));
  for (let i = 0; i < count; i++) {
    const size = r.int(1, 200) * 1048576;
    const used = live.int(0, size);
    out[`/dev/${i < 2 ? 'sda' : 'vg0/lv'}${i + 1}`] = {
      kb_size: String(size),
      kb_used: String(used),
      kb_available: String(size - used),
      percent_used: `${Math.round((used / size) * 100)}%`,
      mount: mounts[i],
      fs_type: i === 1 ? 'ext4' : 'xfs',
      mount_options: ['rw', 'relatime', 'attr2', 'inode64', 'noquota'],
      uuid: `${r.hex(8)}-${r.hex(4)}-${r.hex(4)}-${r.hex(4)}-${r.hex(12)}`,
    };
  }
  return out;
}

/** Installed packages pad the node to its size, as they do on real hosts. */
function fillPackages(packages: Obj, r: Rng, budget: number): void {
  for (let k = 0; budget > 0; k++) {
    const base = PACKAGES[k % PACKAGES.length] ?? 'pkg';
    const name = k < PACKAGES.length ? base : `${base}-${Math.floor(k / PACKAGES.length)}`;
    const entry = {
      version: `${r.int(0, 9)}.${r.int(0, 40)}.${r.int(0, 20)}-${r.int(1, 9)}ubuntu${r.int(0, 4)}`,
      arch: 'amd64',
    };
    packages[name] = entry;
    budget -= jsonBytes(name) + jsonBytes(entry) + 2;
  }
}
