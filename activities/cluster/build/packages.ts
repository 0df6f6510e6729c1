import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ConfigError } from '../../errors';
import { shellQuote } from '../ssh/shell-quote';
import type { RemoteHost } from '../types';
import { CONVERGE_TIMEOUT_SECONDS } from './paths';
import { mustRun, withRemoteTempDir } from './remote';

/** Package presence and installation (§1.1 step 1, §2.1): dpkg where it exists, rpm otherwise. */

export async function isInstalled(host: RemoteHost, pkg: string): Promise<boolean> {
  const q = shellQuote(pkg);
  const r = await host.run(`if command -v dpkg >/dev/null 2>&1; then dpkg -s ${q}; else rpm -q ${q}; fi`);
  // dpkg -s also answers 0 for a removed package whose config files remain ("deinstall ok config-files").
  return r.code === 0 && (!/^Status:/m.test(r.stdout) || /^Status: install ok installed/m.test(r.stdout));
}

/**
 * Installs `pkg` from a package file on the worker: copied into a private temp dir on the host, installed with
 * `dpkg -i` (.deb) or `rpm -Uvh` (.rpm), removed again.
 */
export async function installPackage(host: RemoteHost, pkg: string, localFile: string): Promise<void> {
  let content: Buffer;
  try {
    content = await readFile(localFile);
  } catch (err) {
    throw new ConfigError(`package file ${localFile} for ${pkg} cannot be read: ${(err as Error).message}`);
  }
  const installer = localFile.endsWith('.rpm') ? 'rpm -Uvh' : 'dpkg -i';
  await withRemoteTempDir(host, async (dir) => {
    const remote = `${dir}/${basename(localFile)}`;
    await host.writeFile(remote, content, 0o644);
    await mustRun(host, `${installer} ${shellQuote(remote)}`, {
      timeoutSeconds: CONVERGE_TIMEOUT_SECONDS,
      context: `installing ${pkg}`,
    });
  });
  if (!(await isInstalled(host, pkg))) {
    throw new Error(`${host.host.name}: ${pkg} is still not installed after ${installer} ${basename(localFile)}`);
  }
}
