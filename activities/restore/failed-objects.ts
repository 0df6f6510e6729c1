import { tryObject, type ObjectRef } from '../engine/context';
import type { RestoreContext } from './context';

/** Where an object's ACL lives: its type folder under acls/ and its name there (see JsonKind.acl). */
export interface AclRef {
  type: string;
  name: string;
}

/** Per restore run: the ACLs whose object failed in this run (and is in the failure report for it). */
const failedByRun = new WeakMap<RestoreContext, Set<string>>();

const id = (org: string | null, acl: AclRef) => JSON.stringify([org ?? '', acl.type, acl.name]);

/**
 * As isolate(), remembering a failed object under its ACL, so that the ACL step does not report that ACL a
 * second time as an orphan: the object's own failure entry says what to fix, and the next pass writes both.
 */
export async function isolateObject(
  ctx: RestoreContext,
  ref: ObjectRef,
  acl: AclRef | undefined,
  work: () => Promise<void>,
): Promise<void> {
  if ((await tryObject(ctx, ref, work)) || !acl) return;
  let failed = failedByRun.get(ctx);
  if (!failed) failedByRun.set(ctx, (failed = new Set()));
  failed.add(id(ref.org, acl));
}

/** Whether an object that owns this ACL failed earlier in this run. */
export function objectFailed(ctx: RestoreContext, org: string | null, acl: AclRef): boolean {
  return failedByRun.get(ctx)?.has(id(org, acl)) === true;
}
