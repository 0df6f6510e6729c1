import type { Preset } from './presets';
import { BAGS, COOKBOOKS, DATACENTERS, ENVIRONMENTS, FIRST_NAMES, LAST_NAMES, ROLE_WORDS } from './vocab';

/**
 * The names of everything in the dataset, by org. Bodies are generated on demand from the seed and the name
 * (see nodes.ts, objects.ts, cookbooks.ts), so a 10,000-node dataset costs a few hundred kB until it is loaded.
 */
export interface OrgData {
  name: string;
  /** Users that are members of this org (Chef Server 12 only). */
  members: string[];
  clients: string[];
  roles: string[];
  environments: string[];
  bags: { name: string; items: string[] }[];
  cookbooks: { name: string; versions: number }[];
  nodes: string[];
}

export interface Dataset {
  seed: string;
  preset: Preset;
  users: string[];
  orgs: OrgData[];
}

const ORG_NAMES = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark'];
const pad = (n: number, width: number) => String(n).padStart(width, '0');
/** `word`, then `word_2`, `word_3`... once the list runs out, so names stay unique across orgs. */
const cycled = (words: readonly string[], i: number) => {
  const word = words[i % words.length] ?? 'x';
  const round = Math.floor(i / words.length);
  return round ? `${word}_${round + 1}` : word;
};

/** Deals n objects out to the orgs in turn: object i goes to org i mod orgs. */
function deal<T>(n: number, orgs: number, make: (i: number) => T): T[][] {
  const out: T[][] = Array.from({ length: orgs }, () => []);
  for (let i = 0; i < n; i++) out[i % orgs]?.push(make(i));
  return out;
}

export function buildDataset(preset: Preset, seed: string): Dataset {
  const n = Math.max(1, preset.orgs);
  const users = Array.from(
    { length: preset.users },
    (_, i) => `${cycled(FIRST_NAMES, i)}.${LAST_NAMES[i % LAST_NAMES.length] ?? 'doe'}${pad(i, 4)}`,
  );
  const members = deal(preset.users, n, (i) => users[i] ?? '');
  const clients = deal(preset.clients, n, (i) => `svc-${ROLE_WORDS[i % ROLE_WORDS.length]}-${pad(i, 4)}`);
  const roles = deal(preset.roles, n, (i) => `${ROLE_WORDS[i % ROLE_WORDS.length]}_tier_${pad(i, 3)}`);
  const environments = deal(preset.environments, n, (i) => cycled(ENVIRONMENTS, i));
  const bags = deal(preset.dataBags, n, (i) => ({
    name: cycled(BAGS, i),
    items: Array.from({ length: preset.itemsPerBag }, (_, j) => `item-${pad(j, 4)}`),
  }));
  const cookbooks = deal(preset.cookbooks, n, (i) => ({
    name: cycled(COOKBOOKS, i),
    versions: preset.versionsPerCookbook,
  }));
  const nodes = deal(
    preset.nodes,
    n,
    (i) => `${ROLE_WORDS[i % ROLE_WORDS.length]}-${pad(i, 5)}.${DATACENTERS[i % DATACENTERS.length]}.example.com`,
  );
  const orgs = Array.from({ length: n }, (_, o) => ({
    name: ORG_NAMES[o] ?? `org${o}`,
    members: members[o] ?? [],
    clients: clients[o] ?? [],
    roles: roles[o] ?? [],
    environments: environments[o] ?? [],
    bags: bags[o] ?? [],
    cookbooks: cookbooks[o] ?? [],
    nodes: nodes[o] ?? [],
  }));
  return { seed, preset, users, orgs };
}

/** The whole dataset as one org, for a single-tenant server (goiardi has no organizations). */
export function asSingleOrg(ds: Dataset, name: string): Dataset {
  const flat = <T>(pick: (o: OrgData) => T[]) => ds.orgs.flatMap(pick);
  const org: OrgData = {
    name,
    members: ds.users,
    clients: flat((o) => o.clients),
    roles: flat((o) => o.roles),
    environments: flat((o) => o.environments),
    bags: flat((o) => o.bags),
    cookbooks: flat((o) => o.cookbooks),
    nodes: flat((o) => o.nodes),
  };
  return { ...ds, orgs: [org] };
}

export function datasetCounts(ds: Dataset) {
  const sum = (f: (o: OrgData) => number) => ds.orgs.reduce((s, o) => s + f(o), 0);
  return {
    orgs: ds.orgs.length,
    users: ds.users.length,
    clients: sum((o) => o.clients.length),
    roles: sum((o) => o.roles.length),
    environments: sum((o) => o.environments.length),
    dataBags: sum((o) => o.bags.length),
    dataBagItems: sum((o) => o.bags.reduce((s, b) => s + b.items.length, 0)),
    nodes: sum((o) => o.nodes.length),
    cookbookVersions: sum((o) => o.cookbooks.reduce((s, c) => s + c.versions, 0)),
  };
}
