import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BackupFormatError, ChefHttpError, errorMessage } from '../errors';

/** One object that could not be moved, with what an operator needs to act on it. */
export interface FailureEntry {
  time: string;
  operation: string;
  org: string | null;
  kind: string;
  name: string;
  /** Path of the object's file in the backup directory, when there is one. */
  path?: string;
  method?: string;
  url?: string;
  status?: number;
  attempts?: number;
  /** Response body, cut to a few KB. */
  response?: string;
  message: string;
  hint: string;
}

function hintFor(err: unknown, status: number | undefined, message: string): string {
  if (err instanceof BackupFormatError)
    return 'fix or remove the file in the backup directory (chef-migrate tidy finds most such problems), then re-run';
  if (!(err instanceof ChefHttpError)) return 'see the message';
  if (status === undefined || status === 0)
    return 'network error or timeout after every retry: check the server and re-run; the next pass picks it up';
  if (status >= 500)
    return 'the server kept failing (5xx) after every retry: check its health and load, then re-run; the next pass picks it up';
  if (status === 400) return 'the server rejected the data: fix the JSON (see tidy) and re-run';
  if (status === 403) return 'the acting user may not do this: act as pivotal (webui key) or an org admin';
  if (status === 404) return 'something it depends on is missing on the server (org, bag, revision)';
  if (status === 409)
    return /frozen/i.test(message)
      ? 'frozen on the destination: restore with --overwrite-frozen to replace it'
      : 'conflicts with an existing object (e.g. a duplicate email)';
  if (status === 413) return 'the object is larger than the server accepts (json_req_max_size)';
  return 'see the response';
}

/** Failures as JSON Lines: one valid JSON object per line, so a partial file is still readable. */
export class FailureReport {
  count = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    readonly operation: string,
  ) {}

  record(where: { org: string | null; kind: string; name: string; path?: string }, err: unknown): FailureEntry {
    const http = err instanceof ChefHttpError ? err.details : undefined;
    const message = errorMessage(err);
    const entry: FailureEntry = {
      time: new Date().toISOString(),
      operation: this.operation,
      ...where,
      ...(http
        ? {
            method: http.method,
            url: http.url,
            status: http.status,
            attempts: http.attempts,
            response: http.body.slice(0, 4096),
          }
        : {}),
      message,
      hint: hintFor(err, http?.status, message),
    };
    this.count++;
    const line = JSON.stringify(entry) + '\n';
    this.queue = this.queue.then(async () => {
      await mkdir(dirname(this.file), { recursive: true });
      await appendFile(this.file, line);
    });
    return entry;
  }

  async flush(): Promise<void> {
    await this.queue;
  }
}
