/**
 * Per object, the digest of what was last written to a destination, so an unchanged object costs no request
 * on the next pass and a crashed pass resumes where it stopped.
 */
export interface LedgerKey {
  destination: string;
  org: string;
  kind: string;
}

export interface Ledger {
  /** Digest last written for every object of one kind (one query, not one per object). */
  load(key: LedgerKey): Promise<Map<string, string>>;
  /** Resolves once the record is durable: only then does the object count as done. */
  written(key: LedgerKey, name: string, digest: string): Promise<void>;
  failed(key: LedgerKey, name: string, error: string): Promise<void>;
  deleted(key: LedgerKey, name: string): Promise<void>;
  /**
   * Exclusive right to write one kind of one org to a destination, across every worker sharing this ledger:
   * a second worker waits, then finds in the ledger what the first wrote. Returns the release function.
   */
  claim(key: LedgerKey): Promise<() => Promise<void>>;
  /** Makes everything recorded so far durable. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** A ledger that lives as long as the process: one-shot commands without --ledger. */
export class MemoryLedger implements Ledger {
  private readonly rows = new Map<string, Map<string, string>>();
  private id = (k: LedgerKey) => `${k.destination}\u0000${k.org}\u0000${k.kind}`;
  private map(k: LedgerKey): Map<string, string> {
    let m = this.rows.get(this.id(k));
    if (!m) this.rows.set(this.id(k), (m = new Map()));
    return m;
  }
  async load(k: LedgerKey) {
    return new Map(this.map(k));
  }
  async written(k: LedgerKey, name: string, digest: string) {
    this.map(k).set(name, digest);
  }
  async failed(k: LedgerKey, name: string) {
    this.map(k).delete(name);
  }
  async deleted(k: LedgerKey, name: string) {
    this.map(k).delete(name);
  }
  private readonly claims = new Map<string, Promise<void>>();
  async claim(k: LedgerKey) {
    const id = this.id(k);
    const previous = this.claims.get(id) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    this.claims.set(
      id,
      previous.then(() => mine),
    );
    await previous;
    return async () => release();
  }
  async flush() {}
  async close() {}
}
