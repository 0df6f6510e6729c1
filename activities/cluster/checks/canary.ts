import type { CheckResult, RemoteHost } from '../types';
import { failed, guarded, passed, tail } from './result';

/** A canary node's command (typically a chef-client run against the new cluster, chef-ha-ops.md §6): exit 0. */
export async function checkCanary(
  host: RemoteHost,
  canary: { command: string; nodeName: string; org: string },
  opts: { timeoutSeconds: number },
): Promise<CheckResult> {
  const name = `canary:${canary.nodeName}`;
  return guarded(name, `could not reach canary host ${host.host.name}`, async () => {
    const r = await host.run(canary.command, { timeoutSeconds: opts.timeoutSeconds });
    const output = `${r.stdout}\n${r.stderr}`;
    const evidence = {
      host: host.host.name,
      node: canary.nodeName,
      org: canary.org,
      exitCode: r.code,
      seconds: r.durationMs / 1000,
      ...(r.code === 0 ? {} : { outputTail: tail(output.trim(), 1500) }),
    };
    if (r.code === 0)
      return passed(name, evidence, `${canary.nodeName} (${canary.org}) ran cleanly on ${host.host.name}`);
    const hint = /401|Failed to authenticate/i.test(output)
      ? `the new server does not hold ${canary.nodeName}'s public key: restore keys (--with-key-sql) or re-register the client`
      : /403/.test(output)
        ? `ACLs on the new server deny ${canary.nodeName}: compare its client ACLs with the source`
        : 'read the command output in the evidence';
    return failed(
      name,
      evidence,
      `${canary.nodeName}: \`${tail(canary.command, 80)}\` exited ${r.code} on ${host.host.name} — ${hint}`,
    );
  });
}
