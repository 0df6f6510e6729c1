import type { KeyObject } from 'node:crypto';
import type { Acl } from './acl';
import type { StoredCookbook } from './cookbook-manifest';
import type { JsonObject } from './json';
import type { ActorKey, KeyPool } from './keys';

export interface User {
  username: string;
  /** display_name, email, first_name, ... everything Chef keeps besides the name, keys and password. */
  fields: JsonObject;
  password: string;
  keys: Map<string, ActorKey>;
  acl: Acl;
}

export interface Client {
  name: string;
  validator: boolean;
  keys: Map<string, ActorKey>;
}

export interface Group {
  users: Set<string>;
  clients: Set<string>;
  groups: Set<string>;
}

export interface Sandbox {
  checksums: string[];
  completed: boolean;
  createTime: string;
}

/** Object types with plain Chef CRUD semantics. */
export type ObjectKind = 'nodes' | 'roles' | 'environments';

export interface Org {
  name: string;
  fullName: string;
  guid: string;
  members: Set<string>;
  /** Pending association requests: id → username. */
  invites: Map<string, string>;
  clients: Map<string, Client>;
  groups: Map<string, Group>;
  containers: Map<string, JsonObject>;
  objects: Record<ObjectKind, Map<string, JsonObject>>;
  dataBags: Map<string, Map<string, JsonObject>>;
  /** The org's bookshelf: md5 → bytes. */
  files: Map<string, Buffer>;
  sandboxes: Map<string, Sandbox>;
  cookbooks: Map<string, Map<string, StoredCookbook>>;
  artifacts: Map<string, Map<string, StoredCookbook>>;
  /** policy name → revision id → Policyfile lock. */
  policies: Map<string, Map<string, JsonObject>>;
  /** policy group → policy name → revision id. */
  policyGroups: Map<string, Map<string, string>>;
  /** Keyed `organization` or `<collection>/<name>` (e.g. `nodes/web1`, `data/secrets`, `cookbooks/apache2`). */
  acls: Map<string, Acl>;
}

export interface ServerState {
  baseUrl: string;
  serverVersion: string;
  users: Map<string, User>;
  orgs: Map<string, Org>;
  webuiKey: KeyObject;
  keyPool: KeyPool;
}
