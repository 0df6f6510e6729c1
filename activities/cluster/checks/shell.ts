/** POSIX single-quoting for a word put into a remote command line (paths from the plan may contain spaces). */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
