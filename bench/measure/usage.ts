import { readFile } from 'node:fs/promises';

const CLOCK_TICKS = 100; // USER_HZ on every Linux this runs on

/** This process's peak resident set so far, in MiB (resourceUsage reports kB). */
export const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

/** CPU seconds (user + system) this process has used. */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** CPU seconds this whole process has used since it started (module loading included). */
export function processTotalCpuSeconds(): number {
  const u = process.resourceUsage();
  return (u.userCPUTime + u.systemCPUTime) / 1e6;
}

/** CPU seconds another process has used, from /proc/<pid>/stat (utime + stime); 0 where /proc is missing. */
export async function processCpuSeconds(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces; the fields after it are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds the whole machine has been busy (all cores, all processes), from /proc/stat; 0 where it is
 * missing. Minus what the benchmark's own processes used, it shows how much other work shared the cores.
 */
export async function machineBusySeconds(): Promise<number> {
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
    const [, ...ticks] = line.trim().split(/\s+/).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks;
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
