import type { CheckResult } from '../types';

/** Builders shared by the checks, so every result has the same shape and a one-line message. */

export function oneLine(text: string, max = 400): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function passed(name: string, evidence: Record<string, unknown>, message: string): CheckResult {
  return { name, pass: true, evidence, message: oneLine(message) };
}

export function failed(name: string, evidence: Record<string, unknown>, message: string): CheckResult {
  return { name, pass: false, evidence, message: oneLine(message) };
}

/** An error's text; Node's AggregateError (a dual-stack connect failure) has an empty message but a code. */
export function describeError(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length) {
    const inner = err.errors.map((e) => describeError(e));
    return [...new Set(inner)].join('; ');
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const cause = err.cause !== undefined ? describeError(err.cause) : '';
    const base = err.message || (typeof code === 'string' ? code : err.name);
    return cause && !base.includes(cause) ? `${base} (${cause})` : base;
  }
  return String(err);
}

/** Runs a check body; an exception (host unreachable, bug) becomes a failed result with that name, never a throw. */
export async function guarded(name: string, hint: string, body: () => Promise<CheckResult>): Promise<CheckResult> {
  try {
    return await body();
  } catch (err) {
    const error = describeError(err);
    return failed(name, { error }, `${error} — ${hint}`);
  }
}

/** The tail of a command's output for the evidence (bounded: a report must stay readable). */
export function tail(text: string, chars = 2000): string {
  return text.length > chars ? `…${text.slice(-chars)}` : text;
}
