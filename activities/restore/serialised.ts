import { forEachLimit } from '../concurrency';

/**
 * Runs fn over names with `width` at once, except that names sharing a container key run one after the other
 * (no key: fully parallel).
 */
export async function serialisedBy(
  names: string[],
  width: number,
  containerOf: ((name: string) => string) | undefined,
  fn: (name: string) => Promise<void>,
): Promise<void> {
  if (!containerOf) return forEachLimit(names, width, fn);
  const groups = new Map<string, string[]>();
  for (const n of names) {
    const k = containerOf(n);
    groups.set(k, [...(groups.get(k) ?? []), n]);
  }
  await forEachLimit(groups.values(), width, async (group) => {
    for (const n of group) await fn(n);
  });
}
