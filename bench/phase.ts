/**
 * One engine phase in its own process: `node --import tsx bench/phase.ts SPEC.json`. Runs backup() or restore()
 * exactly as the CLI does and prints, as its last stdout line, the operation result with the process's peak
 * RSS, CPU time and bytes on the wire.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { backup } from '../activities/operations/backup';
import { restore } from '../activities/operations/restore';
import { SavedMemoryLedger } from './engine/saved-ledger';
import type { PhaseOutput, PhaseSpec } from './engine/phase-spec';
import { startWireMeter } from './measure/wire-meter';
import { ownCpuSeconds, peakRssMb, processTotalCpuSeconds } from './measure/usage';

async function main(specFile: string): Promise<void> {
  const spec = JSON.parse(await readFile(specFile, 'utf8')) as PhaseSpec;
  const meter = startWireMeter({ record: spec.recordFile !== undefined });
  const ledger = spec.operation === 'restore' ? await SavedMemoryLedger.open(spec.ledgerFile) : undefined;
  const cpu0 = ownCpuSeconds();
  const t0 = performance.now();
  const result =
    spec.operation === 'backup' ? await backup(spec.options) : await restore(spec.options, { ledger: ledger });
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = ownCpuSeconds() - cpu0;
  meter.stop();
  if (ledger && spec.operation === 'restore') await ledger.save(spec.ledgerFile);
  if (spec.recordFile) await writeFile(spec.recordFile, meter.requests.map((r) => JSON.stringify(r)).join('\n'));
  const bytes = meter.bytes();
  const out: PhaseOutput = {
    result,
    seconds,
    cpuSeconds,
    processCpuSeconds: processTotalCpuSeconds(),
    peakRssMb: peakRssMb(),
    wireBytesIn: bytes.in,
    wireBytesOut: bytes.out,
    recordedRequests: meter.requests.length,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main(process.argv[2] ?? '').catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
