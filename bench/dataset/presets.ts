/**
 * Dataset sizes. Counts are totals over all orgs (objects are dealt out to the orgs in turn); a single-tenant
 * target (goiardi) holds them all in its one org.
 */
export interface Preset {
  name: PresetName;
  orgs: number;
  users: number;
  clients: number;
  roles: number;
  environments: number;
  dataBags: number;
  itemsPerBag: number;
  nodes: number;
  /** Approximate JSON size of one node, mostly automatic (ohai) attributes. */
  nodeKb: number;
  cookbooks: number;
  versionsPerCookbook: number;
  /** Size of the larger binary file each cookbook version carries. */
  binaryKb: number;
}

export const PRESET_NAMES = ['tiny', 'small', 'medium', 'reference'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const PRESETS: Record<PresetName, Preset> = {
  tiny: {
    name: 'tiny',
    orgs: 1,
    users: 3,
    clients: 4,
    roles: 4,
    environments: 2,
    dataBags: 2,
    itemsPerBag: 4,
    nodes: 30,
    nodeKb: 3,
    cookbooks: 1,
    versionsPerCookbook: 3,
    binaryKb: 4,
  },
  small: {
    name: 'small',
    orgs: 1,
    users: 20,
    clients: 20,
    roles: 20,
    environments: 4,
    dataBags: 5,
    itemsPerBag: 20,
    nodes: 200,
    nodeKb: 5,
    cookbooks: 5,
    versionsPerCookbook: 4,
    binaryKb: 16,
  },
  medium: {
    name: 'medium',
    orgs: 2,
    users: 200,
    clients: 200,
    roles: 100,
    environments: 8,
    dataBags: 20,
    itemsPerBag: 25,
    nodes: 2000,
    nodeKb: 20,
    cookbooks: 20,
    versionsPerCookbook: 10,
    binaryKb: 32,
  },
  reference: {
    name: 'reference',
    orgs: 3,
    users: 1000,
    clients: 1000,
    roles: 300,
    environments: 12,
    dataBags: 60,
    itemsPerBag: 30,
    nodes: 10_000,
    nodeKb: 20,
    cookbooks: 80,
    versionsPerCookbook: 20,
    binaryKb: 32,
  },
};

export function presetNamed(name: string, overrides: { nodes?: number; nodeKb?: number } = {}): Preset {
  if (!(PRESET_NAMES as readonly string[]).includes(name))
    throw new Error(`unknown preset '${name}': use one of ${PRESET_NAMES.join(', ')}`);
  const base = PRESETS[name as PresetName];
  return {
    ...base,
    ...(overrides.nodes ? { nodes: overrides.nodes } : {}),
    ...(overrides.nodeKb ? { nodeKb: overrides.nodeKb } : {}),
  };
}
