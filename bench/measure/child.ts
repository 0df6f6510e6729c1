import { spawn } from 'node:child_process';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..');
const STDERR_TAIL = 4000;

/**
 * Runs `node --import tsx bench/<script> <args>` in its own process and returns the JSON object it prints as
 * its last stdout line, with the wall time seen from outside. A child's stderr is passed through.
 */
export async function runBenchChild<T>(script: string, args: string[]): Promise<{ output: T; wallSeconds: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'bench', script), ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL);
    process.stderr.write(chunk);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolve(c));
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const last = stdout.trim().split('\n').pop() ?? '';
  if (code !== 0) throw new Error(`bench/${script} ${args.join(' ')} exited with ${code}:\n${stderr}`);
  try {
    return { output: JSON.parse(last) as T, wallSeconds };
  } catch {
    throw new Error(`bench/${script} printed no JSON result; its last line: ${last.slice(0, 300)}`);
  }
}
