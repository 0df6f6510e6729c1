/** "a, b, c" for messages, cut after `max` names so an org with thousands of clients keeps a one-line finding. */
export function namesList(names: readonly string[], max = 10): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}
