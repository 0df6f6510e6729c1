/** POSIX single-quoting for one word of a remote command line (paths from the plan may hold spaces or quotes). */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
