/** Error types whose class names are also the Temporal non-retryable error types. */

/** Bad operator input (flag, config, key file, backup file): exit status 2, never retried. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A file in the backup directory that cannot be read as the layout requires. */
export class BackupFormatError extends Error {
  override name = 'BackupFormatError';
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

export interface HttpErrorDetails {
  method: string;
  url: string;
  status: number;
  body: string;
  attempts: number;
}

/** A Chef Server answer that was not a success after the retry rule ran its course. */
export class ChefHttpError extends Error {
  override name = 'ChefHttpError';
  constructor(
    readonly details: HttpErrorDetails,
    message?: string,
  ) {
    super(
      message ??
        `${details.method} ${details.url} answered ${details.status || 'no response'}` +
          (details.attempts > 1 ? ` after ${details.attempts} attempts` : '') +
          (details.body ? `: ${details.body.slice(0, 300)}` : ''),
    );
  }
  get status(): number {
    return this.details.status;
  }
}

/** 401/403 on identity: retrying cannot help, and every later request would fail the same way. */
export class ChefAuthError extends ChefHttpError {
  override name = 'ChefAuthError';
}

/** goiardi (and other Chef 11 servers) answer unknown paths with an empty 200: that is "not supported", never success. */
export class UnsupportedEndpointError extends ChefHttpError {
  override name = 'UnsupportedEndpointError';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
