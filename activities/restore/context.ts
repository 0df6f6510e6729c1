import type { EngineContext } from '../engine/context';
import type { Ledger, LedgerKey } from '../ledger/ledger';
import { contentDigest } from '../normalize';

/** A restore also knows its destination's identity in the ledger and what it may overwrite. */
export interface RestoreContext extends EngineContext {
  ledger: Ledger;
  /** The ledger's name for the destination (its URL); objects are keyed per destination. */
  destination: string;
  overwriteFrozen: boolean;
  /** Users never written: pivotal and the user the restore acts as (rewriting its key would lock us out). */
  protectedUsers: Set<string>;
}

export const ledgerKey = (ctx: RestoreContext, org: string | null, kind: string): LedgerKey => ({
  destination: ctx.destination,
  org: org ?? '',
  kind,
});

/**
 * Writes one object unless the ledger says this exact content was written before. `write` gets whether the
 * object is known to exist, so it can PUT first instead of POST-then-PUT.
 */
export async function writeTracked(
  ctx: RestoreContext,
  key: LedgerKey,
  known: Map<string, string>,
  name: string,
  content: unknown,
  write: (exists: boolean) => Promise<unknown>,
): Promise<void> {
  const d = contentDigest(content);
  if (known.get(name) === d) return ctx.summary.add(key.kind, 'unchanged');
  if (!ctx.dryRun) {
    try {
      const result = await write(known.has(name));
      if (result === 'unchanged') {
        await ctx.ledger.written(key, name, d);
        return ctx.summary.add(key.kind, 'unchanged');
      }
    } catch (err) {
      await ctx.ledger.failed(key, name, err instanceof Error ? err.message : String(err)).catch(() => undefined);
      throw err;
    }
    await ctx.ledger.written(key, name, d);
  }
  ctx.summary.add(key.kind, 'written');
}

/** Runs one step of the restore holding the ledger's claim on it (see Ledger.claim). */
export async function withClaim<T>(
  ctx: RestoreContext,
  org: string | null,
  step: string,
  work: () => Promise<T>,
): Promise<T> {
  if (ctx.dryRun) return work();
  const release = await ctx.ledger.claim(ledgerKey(ctx, org, `claim:${step}`));
  try {
    return await work();
  } finally {
    await release();
  }
}
