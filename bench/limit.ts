/**
 * The server-bound limit: `node --import tsx bench/limit.ts SPEC.json` replays an engine phase's request mix
 * with every request signed beforehand, so the client's RSA work is out of the timed part. What remains is
 * what the server (and the loopback, and a bare HTTP client) can do at the same concurrency.
 */
import { readFile } from 'node:fs/promises';
import { planMix } from './limit/mix';
import { presign } from './limit/presign';
import { replay } from './limit/replay';
import type { LimitOutput, LimitSpec, MixResult } from './limit/spec';
import { startWireMeter } from './measure/wire-meter';
import { ownCpuSeconds, peakRssMb, processTotalCpuSeconds } from './measure/usage';

async function main(specFile: string): Promise<void> {
  const spec = JSON.parse(await readFile(specFile, 'utf8')) as LimitSpec;
  const meter = startWireMeter({ record: false });
  const mixes: MixResult[] = [];
  let signSeconds = 0;
  let cpuSeconds = 0;
  for (const mix of spec.mixes) {
    const planned = await planMix(mix.source);
    const t0 = performance.now();
    const signed = await presign(mix.server, planned);
    signSeconds += (performance.now() - t0) / 1000;
    const cpu0 = ownCpuSeconds();
    const r = await replay(new URL(mix.server.url).origin, signed, spec.concurrency);
    cpuSeconds += ownCpuSeconds() - cpu0;
    mixes.push({ label: mix.label, requests: signed.length, ...r });
  }
  meter.stop();
  const requests = mixes.reduce((s, m) => s + m.requests, 0);
  const seconds = mixes.reduce((s, m) => s + m.seconds, 0);
  const bytes = meter.bytes();
  const out: LimitOutput = {
    requests,
    seconds,
    requestsPerSecond: seconds > 0 ? requests / seconds : 0,
    failed: mixes.reduce((s, m) => s + m.failed, 0),
    signSeconds,
    peakRssMb: peakRssMb(),
    cpuSeconds,
    processCpuSeconds: processTotalCpuSeconds(),
    wireBytesIn: bytes.in,
    wireBytesOut: bytes.out,
    mixes,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main(process.argv[2] ?? '').catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
