import { rmSync } from 'node:fs';

/**
 * Children that must not outlive this process, with the directory each one owns. A test runner that dies
 * (uncaught error, timeout, Ctrl-C) would otherwise leave servers listening and temp dirs behind.
 */
const live = new Map<number, string | undefined>();
const FATAL_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let hooked = false;

/** Returns the function to call once the child has exited on its own, so its PID is never signalled after reuse. */
export function reapOnExit(pid: number, dir?: string): () => void {
  hook();
  live.set(pid, dir);
  return () => live.delete(pid);
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', reapAll);
  for (const signal of FATAL_SIGNALS) {
    process.once(signal, () => {
      reapAll();
      // Re-raise only if nobody else handles it: then the default action (dying) applies as if we were not here.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

function reapAll(): void {
  for (const [pid, dir] of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    if (dir !== undefined) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // Best effort while exiting; a leftover temp dir is harmless.
      }
    }
  }
  live.clear();
}
