/**
 * Labelled samples straight from the simulator (views + their true labels),
 * for measurements that need realistic samples without running the joiner
 * (the wire-size report).
 */
import { sampleIdFor, uuidFromString, type SampleRecord, type ViewEvent } from '../codec/events.js';
import type { TruthRow } from './truth.js';
import { Workload, type WorkloadOptions } from './workload.js';

export function simulatedSamples(options: WorkloadOptions): SampleRecord[] {
  const views = new Map<string, ViewEvent>();
  const rows: TruthRow[] = [];
  const workload = new Workload(options, (row) => rows.push(row));
  for (const send of workload.sends()) {
    if (send.kind === 'view' && !send.duplicate) views.set(send.event.event_id.toString('hex'), send.event);
  }
  return rows.map((row) => {
    const view = views.get(uuidFromString(row.view_id)!.toString('hex'))!;
    return {
      sample_id: sampleIdFor(view.event_id, 0),
      view_event_id: view.event_id,
      user_id: view.user_id,
      post_id: view.post_id,
      view_ts: view.ts,
      labels: row.labels,
      delays_ms: row.delays_ms,
      context: view.context,
      version: 0,
      emitted_at: view.ts + options.windowMs + options.outOfOrdernessMs,
      weight: 1,
    };
  });
}
