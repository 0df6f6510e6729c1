import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** A request as a Chef server would receive it, for the Ruby reference verifier (mixlib-verify.rb). */
export interface MixlibRequest {
  method: string;
  path: string;
  body: string;
  headers: Record<string, string>;
  publicKeyPem: string;
  timeSkewSeconds?: number;
}

export interface MixlibVerdict {
  ok: boolean;
  error?: string;
}

const SCRIPT = join(__dirname, 'mixlib-verify.rb');
const run = promisify(execFile);

export async function verifyWithMixlib(req: MixlibRequest): Promise<MixlibVerdict> {
  const pending = run('ruby', [SCRIPT], { timeout: 30_000 });
  pending.child.stdin?.end(
    JSON.stringify({
      method: req.method,
      path: req.path,
      body: req.body,
      headers: req.headers,
      public_key_pem: req.publicKeyPem,
      time_skew: req.timeSkewSeconds,
    }),
  );
  try {
    const { stdout } = await pending;
    return JSON.parse(stdout) as MixlibVerdict;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      // ruby-mixlib-authentication declares no dependency on ruby, so installing the gem alone is not enough.
      throw new Error('ruby is not installed (Debian package "ruby"); it runs the Mixlib reference verifier');
    }
    throw err;
  }
}
