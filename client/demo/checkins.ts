import type { ChefClient } from '../../activities/chef-api/client';

/** Stands in for chef-client runs on the new cluster: once the cutover URL is in place, every node checks in. */
export async function simulateCheckins(
  dest: ChefClient,
  base: string,
  role: string,
  opts: { timeoutMs?: number } = {},
): Promise<number> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    const r = await dest.get<{ default_attributes?: { chef_client?: { config?: { chef_server_url?: string } } } }>(
      `${base}/roles/${role}`,
      { accept: [404] },
    );
    if (r.body?.default_attributes?.chef_client?.config?.chef_server_url) break;
    if (Date.now() > deadline) throw new Error(`role ${role} never got the cutover URL`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const nodes = Object.keys((await dest.get<Record<string, string>>(`${base}/nodes`)).body);
  const now = Math.floor(Date.now() / 1000) + 1;
  for (const name of nodes) {
    const node = (await dest.get<{ automatic?: Record<string, unknown> }>(`${base}/nodes/${name}`)).body;
    await dest.request('PUT', `${base}/nodes/${name}`, {
      body: { ...node, automatic: { ...node.automatic, ohai_time: now } },
    });
  }
  return nodes.length;
}
