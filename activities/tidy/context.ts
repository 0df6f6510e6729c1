import path from 'node:path';
import { readdirOptional, readOptional, statOptional } from './fs-optional';
import { serializeJson, type Json } from './json';

/** Our own metadata folder at the backup root; never part of the backup's data. */
export const SIDECAR_DIR = '.chef-migrate';

type Entry =
  | { kind: 'missing' }
  | { kind: 'invalid'; error: string }
  | { kind: 'json'; value: Json; dirty: boolean }
  | { kind: 'text'; value: string; dirty: boolean };

const isDirty = (entry: Entry): boolean => (entry.kind === 'json' || entry.kind === 'text') && entry.dirty;

// Chef's Ruby JSON parser rejects invalid UTF-8; decoding leniently would hide that and corrupt the bytes on rewrite.
const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseJson(raw: Buffer): Entry {
  try {
    return { kind: 'json', value: JSON.parse(utf8.decode(raw)) as Json, dirty: false };
  } catch (err) {
    return { kind: 'invalid', error: err instanceof Error ? err.message : String(err) };
  }
}

const parentOf = (rel: string): string => {
  const parent = path.posix.dirname(rel);
  return parent === '.' ? '' : parent;
};

/**
 * The backup as the rules see it: every file is read at most once and kept in memory, rules edit that copy, and the
 * engine writes the changed files at the end. Paths are relative to the backup root, POSIX separators, '' is the root.
 */
export class BackupContext {
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly dir: string,
    /** Organization folders selected for this run. */
    readonly orgs: readonly string[],
  ) {}

  abs(rel: string): string {
    return path.join(this.dir, ...rel.split('/').filter(Boolean));
  }

  /** Parsed JSON; undefined when the file is missing or not valid JSON (the invalid-json rule reports those). */
  async json(rel: string): Promise<Json | undefined> {
    const entry = await this.load(rel, 'json');
    return entry.kind === 'json' ? entry.value : undefined;
  }

  async text(rel: string): Promise<string | undefined> {
    const entry = await this.load(rel, 'text');
    return entry.kind === 'text' ? entry.value : undefined;
  }

  /** Parse error of a JSON file, without keeping its content: the scan touches every node, which can be large. */
  async jsonError(rel: string): Promise<string | undefined> {
    const cached = this.entries.get(rel);
    if (cached) return cached.kind === 'invalid' ? cached.error : undefined;
    const raw = await readOptional(this.abs(rel));
    if (raw === undefined) return undefined;
    const entry = parseJson(raw);
    if (entry.kind !== 'invalid') return undefined;
    this.entries.set(rel, entry);
    return entry.error;
  }

  async exists(rel: string): Promise<boolean> {
    const cached = this.entries.get(rel);
    if (cached) return cached.kind !== 'missing';
    return (await statOptional(this.abs(rel)))?.isFile() ?? false;
  }

  async isDir(rel: string): Promise<boolean> {
    return (await statOptional(this.abs(rel)))?.isDirectory() ?? false;
  }

  /** File names in a folder, including files created by earlier rules, sorted; the sidecar never shows up. */
  async files(relDir: string, suffix = ''): Promise<string[]> {
    const names = new Set<string>();
    for (const entry of await readdirOptional(this.abs(relDir))) if (entry.isFile()) names.add(entry.name);
    for (const [rel, entry] of this.entries) {
      if (isDirty(entry) && parentOf(rel) === relDir) names.add(path.posix.basename(rel));
    }
    return [...names].filter((name) => name.endsWith(suffix) && !(relDir === '' && name === SIDECAR_DIR)).sort();
  }

  /** Sub-folder names, including folders that only exist so far through files created by earlier rules, sorted. */
  async dirs(relDir: string): Promise<string[]> {
    const names = new Set<string>();
    for (const entry of await readdirOptional(this.abs(relDir))) if (entry.isDirectory()) names.add(entry.name);
    const prefix = relDir ? `${relDir}/` : '';
    for (const [rel, entry] of this.entries) {
      const rest = rel.startsWith(prefix) ? rel.slice(prefix.length).split('/') : [];
      if (isDirty(entry) && rest.length > 1 && rest[0]) names.add(rest[0]);
    }
    return [...names].filter((name) => !(relDir === '' && name === SIDECAR_DIR)).sort();
  }

  /** Replace (or create) a JSON file's content; rules call this after mutating what json() returned. */
  setJson(rel: string, value: Json): void {
    this.entries.set(rel, { kind: 'json', value, dirty: true });
  }

  setText(rel: string, value: string): void {
    this.entries.set(rel, { kind: 'text', value, dirty: true });
  }

  /** Drop an unchanged file from memory (nodes carry their automatic attributes and there can be thousands). */
  forget(rel: string): void {
    const entry = this.entries.get(rel);
    if (entry && !isDirty(entry)) this.entries.delete(rel);
  }

  /** Files whose in-memory content differs from what was read, with their new serialized content, sorted by path. */
  pending(): { rel: string; content: string }[] {
    const out: { rel: string; content: string }[] = [];
    for (const [rel, entry] of this.entries) {
      if (entry.kind === 'json' && entry.dirty) out.push({ rel, content: serializeJson(entry.value) });
      if (entry.kind === 'text' && entry.dirty) out.push({ rel, content: entry.value });
    }
    return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  }

  private async load(rel: string, kind: 'json' | 'text'): Promise<Entry> {
    // A path is always read the same way (JSON or text) by the rules, so one cache entry per path is enough.
    const cached = this.entries.get(rel);
    if (cached) return cached;
    const raw = await readOptional(this.abs(rel));
    let entry: Entry;
    if (raw === undefined) entry = { kind: 'missing' };
    else if (kind === 'json') entry = parseJson(raw);
    else {
      try {
        entry = { kind: 'text', value: utf8.decode(raw), dirty: false };
      } catch {
        entry = { kind: 'invalid', error: 'not valid UTF-8' };
      }
    }
    this.entries.set(rel, entry);
    return entry;
  }
}
