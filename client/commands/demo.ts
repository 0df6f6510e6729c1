import { parseArgs } from 'node:util';
import { runDemo } from '../demo/run-demo';
import { EXIT_FAILED, UsageError } from '../errors';

/** `chef-migrate demo [--headless] [--keep] [--nodes N]`: the main job on the embedded defaults. */
export async function demoCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { headless: { type: 'boolean' }, keep: { type: 'boolean' }, nodes: { type: 'string' } },
      strict: true,
    }));
  } catch (err) {
    throw new UsageError(
      `${(err as Error).message.split('\n')[0]}; usage: chef-migrate demo [--headless] [--keep] [--nodes N]`,
    );
  }
  const nodes = Number(values.nodes ?? 25);
  if (!Number.isInteger(nodes) || nodes < 0 || nodes > 5000)
    throw new UsageError('--nodes: a whole number from 0 to 5000');
  const ok = await runDemo({
    headless: values.headless === true,
    keep: values.keep === true,
    nodes,
    say: (line) => process.stdout.write(`${line}\n`),
  });
  return ok ? 0 : EXIT_FAILED;
}
