import { MemoryLedger, type Ledger } from '../ledger/ledger';
import { PgLedger } from '../ledger/pg-ledger';

/** One ledger per URL for the worker's lifetime (its pool is shared by every activity). */
export class LedgerPool {
  private readonly ledgers = new Map<string, Promise<Ledger>>();
  private readonly memory = new MemoryLedger();

  get(url: string | undefined): Promise<Ledger> {
    if (!url) return Promise.resolve(this.memory);
    let ledger = this.ledgers.get(url);
    if (!ledger) {
      ledger = PgLedger.connect(url);
      ledger.catch(() => this.ledgers.delete(url));
      this.ledgers.set(url, ledger);
    }
    return ledger;
  }

  async close(): Promise<void> {
    for (const l of this.ledgers.values()) await (await l.catch(() => undefined))?.close();
  }
}
