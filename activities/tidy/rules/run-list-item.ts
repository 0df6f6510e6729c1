import { fixFinding } from '../findings';
import { isObject, stripJsonExt, type Json } from '../json';
import { orgPath } from '../paths';
import { repairRunList } from '../run-list';
import type { Rule, TidyFinding } from '../types';

const id = 'run-list-item';

export const runListItem: Rule = {
  id,
  description:
    'Run-list items must be recipe[...] or role[...] (roles: run_list and every env_run_lists list; nodes: ' +
    'run_list); bare names become recipe[name], duplicates and items Chef cannot parse are removed, order is kept.',
  async check(ctx) {
    const findings: TidyFinding[] = [];
    for (const org of ctx.orgs) {
      for (const [kind, folder] of [
        ['role', 'roles'],
        ['node', 'nodes'],
      ] as const) {
        for (const file of await ctx.files(orgPath(org, folder), '.json')) {
          const rel = orgPath(org, folder, file);
          const doc = await ctx.json(rel);
          if (!isObject(doc)) continue;
          const object = `${kind} ${stripJsonExt(file)}`;
          let changed = false;
          const repair = (label: string, list: Json[]): Json[] => {
            const { items, changes } = repairRunList(list);
            if (changes.length === 0) return list;
            findings.push(fixFinding(id, rel, `${object}: ${label}: ${changes.join(', ')}`, `rewrite ${label}`));
            changed = true;
            return items;
          };
          if (Array.isArray(doc.run_list)) doc.run_list = repair('run_list', doc.run_list);
          const envRunLists = doc.env_run_lists;
          if (kind === 'role' && isObject(envRunLists)) {
            for (const [env, list] of Object.entries(envRunLists)) {
              if (Array.isArray(list)) envRunLists[env] = repair(`env_run_lists.${env}`, list);
            }
          }
          if (changed) ctx.setJson(rel, doc);
          // Nodes carry their automatic attributes; keeping thousands of them in memory buys nothing.
          else ctx.forget(rel);
        }
      }
    }
    return findings;
  },
};
