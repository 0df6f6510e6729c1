import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** MD5 hex of a file, streamed; undefined when the file does not exist. */
export async function md5File(path: string): Promise<string | undefined> {
  const hash = createHash('md5');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return hash.digest('hex');
}
