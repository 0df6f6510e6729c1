import { UsageError } from './errors';
import type { ServerOptions } from '../activities/operations/options';
import type { SignVersion } from '../activities/chef-api/signing';

/**
 * Who we are on a server, knife-ec-backup style: with a webui key we act as pivotal (or --user) through
 * impersonation; otherwise --user signs with --key.
 */
export function serverIdentity(
  o: { url?: string; user?: string; key?: string; webuiKey?: string; signVersion?: SignVersion; caFile?: string },
  flags: { url: string; user: string; key: string; webuiKey: string },
): ServerOptions {
  if (!o.url) throw new UsageError(`--${flags.url} is required (the Chef server root, e.g. https://chef.example.com)`);
  if (o.webuiKey) {
    return {
      url: o.url,
      user: o.user ?? 'pivotal',
      keyPath: o.webuiKey,
      webui: true,
      signVersion: o.signVersion,
      caFile: o.caFile,
    };
  }
  if (!o.key)
    throw new UsageError(`--${flags.key} (a user or client key) or --${flags.webuiKey} is required for ${o.url}`);
  if (!o.user)
    throw new UsageError(`--${flags.user} is required with --${flags.key}: the user or client that owns the key`);
  return { url: o.url, user: o.user, keyPath: o.key, signVersion: o.signVersion, caFile: o.caFile };
}
