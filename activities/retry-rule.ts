/**
 * The field's retry rule (seeds: "a 5xx is retried up to 5 attempts with growing delay"), shared by the Chef API
 * client and the Temporal activity retry policies so both move together. Pure data: workflow code imports it too.
 */
export interface RetryRule {
  /** Attempts in all, the first one included (Temporal's maximumAttempts counts the same way). */
  maximumAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
}

export const RETRY_RULE: RetryRule = {
  maximumAttempts: 5,
  initialIntervalMs: 1_000,
  backoffCoefficient: 2,
  maximumIntervalMs: 30_000,
};

/** Error class names no retry can fix (bad plan or flag, bad key, bad backup file): they fail a step at once. */
export const NON_RETRYABLE_ERROR_TYPES = [
  'ConfigError',
  'UsageError',
  'BackupFormatError',
  'ChefAuthError',
  'UnsupportedEndpointError',
  'HostKeyError',
  'SshAuthError',
];

/** Delay before attempt `attempt + 1`: exponential, capped, with full jitter in [50 %, 100 %] of the step. */
export function retryDelayMs(rule: RetryRule, attempt: number, random: number): number {
  const step = Math.min(rule.maximumIntervalMs, rule.initialIntervalMs * rule.backoffCoefficient ** (attempt - 1));
  return Math.round(step * (0.5 + random / 2));
}

/** The same rule in Temporal's RetryPolicy shape (durations in milliseconds). */
export function temporalRetryPolicy(rule: RetryRule = RETRY_RULE, nonRetryableErrorTypes = NON_RETRYABLE_ERROR_TYPES) {
  return {
    maximumAttempts: rule.maximumAttempts,
    initialInterval: rule.initialIntervalMs,
    backoffCoefficient: rule.backoffCoefficient,
    maximumInterval: rule.maximumIntervalMs,
    nonRetryableErrorTypes,
  };
}
