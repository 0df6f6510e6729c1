/**
 * Errors of the SQL path. Rows hold password hashes and keys, and PostgreSQL error messages and details can echo
 * column values, so messages are built from SQLSTATE codes and identifiers (table, constraint, column, user) only.
 */

/** One-line failure naming `host:port/database` and the cause; never the password, never row contents. */
export class SqlError extends Error {
  override readonly name = 'SqlError';

  constructor(
    /** `host:port/database` */
    readonly target: string,
    readonly reason: string,
    /** False for failures a retry cannot fix (bad credentials, missing table, broken dump file). */
    readonly retryable: boolean,
    /** SQLSTATE or Node errno code, when there is one. */
    readonly code?: string,
  ) {
    super(`PostgreSQL ${target}: ${reason}`);
  }
}

export interface PgErrorFields {
  code?: string;
  constraint?: string;
  column?: string;
  table?: string;
  message?: string;
}

const RETRYABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EPIPE',
]);

const ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed (temporary)',
  EPIPE: 'connection closed by the server',
};

/** The fields of a pg DatabaseError (or a Node system error) without depending on pg's classes. */
export function pgFields(err: unknown): PgErrorFields {
  if (typeof err !== 'object' || err === null) return { message: String(err) };
  // Node's happy-eyeballs connect reports one error per address tried; the first says why.
  if (err instanceof AggregateError && err.errors.length > 0 && !(err as PgErrorFields).code) {
    return pgFields(err.errors[0]);
  }
  const e = err as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const fields: PgErrorFields = {};
  const code = str(e.code);
  if (code) fields.code = code;
  const constraint = str(e.constraint);
  if (constraint) fields.constraint = constraint;
  const column = str(e.column);
  if (column) fields.column = column;
  const table = str(e.table);
  if (table) fields.table = table;
  const message = str(e.message);
  if (message) fields.message = message;
  return fields;
}

// No SQLSTATE class starts with E; Node errno codes (EPIPE, EPERM) all do.
const isSqlState = (code: string | undefined): code is string => !!code && /^(?!E)[0-9A-Z]{5}$/.test(code);

/**
 * Data errors of one row (SQLSTATE classes 22 and 23): that row is skipped and the import goes on, as knife-ec-backup
 * does. Anything else (connection lost, serialization failure, schema problems) aborts the whole import.
 */
export function isRowError(err: unknown): boolean {
  const { code } = pgFields(err);
  return isSqlState(code) && (code.startsWith('22') || code.startsWith('23'));
}

/** Why one row could not be written, from identifiers only. */
export function describeRowError(err: unknown): string {
  const { code, constraint, column } = pgFields(err);
  switch (code) {
    case '23505':
      return `unique constraint ${constraint ?? '(unknown)'} violated`;
    case '23503':
      return `foreign key ${constraint ?? '(unknown)'} violated`;
    case '23514':
      return `check constraint ${constraint ?? '(unknown)'} violated`;
    case '23502':
      return `column ${column ?? '(unknown)'} must not be null`;
    default:
      if (code?.startsWith('22')) return `invalid value${column ? ` for column ${column}` : ''} (SQLSTATE ${code})`;
      return `SQLSTATE ${code ?? 'unknown'}`;
  }
}

/** `relation "x" does not exist` names an identifier, never a value, so the name is safe to repeat. */
function missingRelation(message: string | undefined): string | undefined {
  return message?.match(/relation "([^"]+)" does not exist/)?.[1];
}

function reasonFor(err: unknown, user: string): { reason: string; retryable: boolean; code?: string } {
  if (err instanceof SqlError) {
    return { reason: err.reason, retryable: err.retryable, ...(err.code ? { code: err.code } : {}) };
  }
  const f = pgFields(err);
  const code = f.code;
  const withCode = code ? { code } : {};
  if (code && ERRNO_TEXT[code]) return { reason: ERRNO_TEXT[code], retryable: RETRYABLE_ERRNO.has(code), ...withCode };
  const message = f.message ?? '';
  if (/timeout expired|connection timeout/i.test(message)) return { reason: 'connection timed out', retryable: true };
  if (/client password must be a string/.test(message)) {
    return { reason: `the server requires a password for user "${user}" and none was given`, retryable: false };
  }
  if (/Connection terminated/i.test(message)) return { reason: 'connection closed by the server', retryable: true };
  if (isSqlState(code)) {
    if (code === '28P01') {
      return { reason: `password authentication failed for user "${user}"`, retryable: false, code };
    }
    if (code === '42P01') {
      const relation = missingRelation(f.message) ?? 'a table';
      const ec11 =
        relation === 'keys_by_name' || relation === 'keys'
          ? ' (an Enterprise Chef 11 server has no keys table; export without keys)'
          : '';
      return { reason: `missing table or view ${relation}${ec11}`, retryable: false, code };
    }
    if (code === '42501') {
      const on = /permission denied for (?:table|view|relation|sequence|schema) (\S+)/.exec(message)?.[1] ?? f.table;
      return { reason: `permission denied for user "${user}"${on ? ` on ${on}` : ''}`, retryable: false, code };
    }
    // Connection-level classes: the server's text names roles, databases and hosts, never row data.
    if (/^(08|28|3D|53|57)/.test(code)) {
      return { reason: message || `SQLSTATE ${code}`, retryable: /^(08|53|57)/.test(code), code };
    }
    const retryable = code === '40001' || code === '40P01';
    return { reason: `query failed: ${describeRowError(err)}`, retryable, code };
  }
  if (code && /CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS|ERR_SSL/.test(code)) {
    return { reason: `TLS: ${code}`, retryable: false, code };
  }
  return { reason: message || 'unknown error', retryable: false, ...withCode };
}

/** Wraps any failure into an SqlError for `target`, scrubbing the password from the text as a last line of defence. */
export function toSqlError(err: unknown, target: string, user: string, password?: string): SqlError {
  const { reason, retryable, code } = reasonFor(err, user);
  const oneLine = reason.replace(/\s*\n\s*/g, ' ');
  const safe = password ? oneLine.split(password).join('***') : oneLine;
  if (err instanceof SqlError && safe === err.reason && err.target === target) return err;
  return new SqlError(target, safe, retryable, code);
}
