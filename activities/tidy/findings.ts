import type { TidyFinding } from './types';

export const fixFinding = (rule: string, file: string, message: string, change: string): TidyFinding => ({
  rule,
  file,
  message,
  change,
  severity: 'fix',
});

/** An operator has to decide; `change` is set when --fix still applies a safe default (e.g. drops a dangling actor). */
export const actionNeeded = (rule: string, file: string, message: string, change?: string): TidyFinding =>
  change === undefined
    ? { rule, file, message, severity: 'action-needed' }
    : { rule, file, message, change, severity: 'action-needed' };
