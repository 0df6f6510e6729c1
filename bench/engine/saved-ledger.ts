import { readFile, writeFile } from 'node:fs/promises';
import { MemoryLedger, type LedgerKey } from '../../activities/ledger/ledger';

interface SavedRows {
  key: LedgerKey;
  rows: [string, string][];
}

/**
 * A MemoryLedger that survives its process: each phase runs in a child process, and the incremental restore
 * must see what the full restore wrote. Loaded from a file before the run, saved after it.
 */
export class SavedMemoryLedger extends MemoryLedger {
  private readonly copy = new Map<string, { key: LedgerKey; rows: Map<string, string> }>();

  static async open(file: string): Promise<SavedMemoryLedger> {
    const ledger = new SavedMemoryLedger();
    let saved: SavedRows[] = [];
    try {
      saved = JSON.parse(await readFile(file, 'utf8')) as SavedRows[];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const { key, rows } of saved) for (const [name, digest] of rows) await ledger.written(key, name, digest);
    return ledger;
  }

  async save(file: string): Promise<void> {
    const out: SavedRows[] = [...this.copy.values()].map(({ key, rows }) => ({ key, rows: [...rows] }));
    await writeFile(file, JSON.stringify(out));
  }

  override async written(k: LedgerKey, name: string, digest: string) {
    this.rowsOf(k).set(name, digest);
    await super.written(k, name, digest);
  }

  override async failed(k: LedgerKey, name: string) {
    this.rowsOf(k).delete(name);
    await super.failed(k, name);
  }

  override async deleted(k: LedgerKey, name: string) {
    this.rowsOf(k).delete(name);
    await super.deleted(k, name);
  }

  private rowsOf(key: LedgerKey): Map<string, string> {
    const id = `${key.destination}\u0000${key.org}\u0000${key.kind}`;
    let entry = this.copy.get(id);
    if (!entry) this.copy.set(id, (entry = { key, rows: new Map() }));
    return entry.rows;
  }
}
