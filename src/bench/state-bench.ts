/**
 * The state benchmark (`labeljoin bench state`): throughput and peak RSS of
 * the join state with N views in flight (inside the window), each run in its
 * own process (./state-worker.ts) so its RSS is its own. The in-memory state
 * at every N asked; the on-disk state (LMDB) at the smallest N only (at 14x
 * fewer events/s, filling it with 10 M would take most of the time budget).
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { IndexTimes } from '../join/engagement-index.js';
import { packageRoot } from '../paths.js';
import type { StateRunOptions, StateRunResult } from './state-worker.js';
import { BenchFailedError } from './errors.js';

export interface StateBenchOptions {
  readonly inFlight: readonly number[];
  readonly times: IndexTimes;
  /** Steps measured after the fill (each step: one engagement indexed, one view joined). */
  readonly measureSteps: number;
}

export async function runStateBench(o: StateBenchOptions, progress: (line: string) => void): Promise<StateRunResult[]> {
  const sorted = [...o.inFlight].sort((a, b) => a - b);
  const runs: StateRunOptions[] = [
    ...sorted.map((n) => ({ state: 'memory' as const, inFlight: n, measureSteps: o.measureSteps, times: o.times })),
    { state: 'disk', inFlight: sorted[0]!, measureSteps: Math.min(o.measureSteps, 200_000), times: o.times },
  ];
  const results: StateRunResult[] = [];
  for (const run of runs) {
    progress(`${run.state}: ${run.inFlight.toLocaleString('en-US')} views in flight (fill, then ${run.measureSteps.toLocaleString('en-US')} steps measured)`);
    const r = await inChild(run);
    progress(`${run.state}: ${r.eventsPerSec.toLocaleString('en-US')} events/s, peak RSS ${r.peakRssMiB} MiB (filled in ${r.fillSeconds.toFixed(1)} s)`);
    results.push(r);
  }
  return results;
}

function inChild(run: StateRunOptions): Promise<StateRunResult> {
  return new Promise((resolve, reject) => {
    const child = fork(join(packageRoot(), 'build', 'src', 'bench', 'state-worker.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let answered = false;
    child.on('message', (m: { result?: StateRunResult; error?: string }) => {
      answered = true;
      if (m.result !== undefined) resolve(m.result);
      else reject(new BenchFailedError(`state benchmark (${run.state}, ${run.inFlight})`, m.error ?? 'no result'));
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (!answered) reject(new BenchFailedError(`state benchmark (${run.state}, ${run.inFlight})`, `exited with code ${code ?? 'null'} and no result`));
    });
    child.send(run);
  });
}
