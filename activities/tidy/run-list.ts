// Chef::RunList::RunListItem's parsing: qualified items are kept, a bare name (optionally name@version) means a
// recipe, and anything else with brackets (e.g. "Recipe[x]", "recipe[x") is rejected by Chef: no safe guess exists.
const QUALIFIED_RECIPE = /^recipe\[([^\]@]+)(@([0-9]+(\.[0-9]+){1,2}))?\]$/;
const QUALIFIED_ROLE = /^role\[([^\]]+)\]$/;
const FALSE_FRIEND = /[[\]]/;
// A bare name may carry a version (apache@1.2.3); any other "@" would give a recipe[...] Chef cannot parse back.
const VERSIONED_UNQUALIFIED_RECIPE = /^[^@]+@[0-9]+(\.[0-9]+){1,2}$/;

export interface RunListRepair {
  items: string[];
  /** One line per change, empty when the list was already canonical. */
  changes: string[];
}

export function repairRunList(list: readonly unknown[]): RunListRepair {
  const items: string[] = [];
  const changes: string[] = [];
  for (const item of list) {
    const shown = JSON.stringify(item) ?? String(item);
    if (typeof item !== 'string' || item.trim() === '') {
      changes.push(`invalid item ${shown} removed`);
      continue;
    }
    let canonical = item;
    if (!QUALIFIED_RECIPE.test(item) && !QUALIFIED_ROLE.test(item)) {
      if (FALSE_FRIEND.test(item) || (item.includes('@') && !VERSIONED_UNQUALIFIED_RECIPE.test(item))) {
        changes.push(`invalid item ${shown} removed`);
        continue;
      }
      canonical = `recipe[${item}]`;
      changes.push(`${shown} becomes "${canonical}"`);
    }
    if (items.includes(canonical)) {
      changes.push(`duplicate "${canonical}" removed`);
      continue;
    }
    items.push(canonical);
  }
  return { items, changes };
}
