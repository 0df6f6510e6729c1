// knife-tidy's test: one "@", no whitespace. Chef Server refuses anything looser when the user is created.
const EMAIL = /^[^@\s]+@[^@\s]+$/;

export const isValidEmail = (value: unknown): value is string => typeof value === 'string' && EMAIL.test(value);

/** Uniqueness key: mail addresses are compared case-insensitively, so Alice@x and alice@x count as the same address. */
export const emailKey = (email: string): string => email.toLowerCase();

/**
 * `<username>@invalid.example` (a reserved domain, so nothing is ever delivered), with a +N suffix in the unlikely case
 * that address is already taken; `taken` holds emailKey()s.
 */
export function placeholderEmail(username: string, taken: ReadonlySet<string>): string {
  const local = username.replace(/[^A-Za-z0-9._-]/g, '_') || 'user';
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? `${local}@invalid.example` : `${local}+${n}@invalid.example`;
    if (!taken.has(emailKey(candidate))) return candidate;
  }
}
