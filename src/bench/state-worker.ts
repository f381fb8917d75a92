/**
 * One run of the state benchmark, in its own process so its peak RSS is its
 * own (started by ./state-bench.ts; prints one JSON line on stdout).
 *
 * The joiner's access pattern on its state, without Kafka: views arrive at a
 * steady rate of event time such that `inFlight` views fall inside the
 * window; step i (event time t_i):
 *   1. an engagement arrives for a view of the last window (uniform), ts t_i;
 *      one in 20 is sent twice (a duplicate);
 *   2. view i - inFlight, whose window has just closed, is joined: repeated
 *      view check, its (user, post)'s engagements through the join rule,
 *      matched ones marked, the view remembered as emitted;
 *   3. every 1,024 steps each of the 8 partitions expires at watermark t_i.
 * Users and posts of view v are derived from v (no per-view memory in the
 * benchmark itself). The run first fills the state to its steady size
 * (views are remembered for emittedKeep after their time, so that takes
 * inFlight × (1 + emittedKeep / window) steps), then measures `measureSteps`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { emittedKeepMs, type EngagementIndex, type IndexTimes } from '../join/engagement-index.js';
import { labelView } from '../join/labels.js';
import { MemoryEngagementIndex } from '../join/memory-index.js';
import { StoreEngagementIndex } from '../join/store-index.js';
import { LmdbStore } from '../store/lmdb-store.js';

export interface StateRunOptions {
  readonly state: 'memory' | 'disk';
  readonly inFlight: number;
  readonly measureSteps: number;
  readonly times: IndexTimes;
}

export interface StateRunResult {
  readonly state: 'memory' | 'disk';
  readonly viewsInFlight: number;
  readonly engagementsHeld: number;
  readonly viewsRemembered: number;
  readonly fillSeconds: number;
  /** engagements indexed + views joined per second, in the measured part */
  readonly eventsPerSec: number;
  readonly peakRssMiB: number;
}

const PARTITIONS = 8;
const T0 = Date.UTC(2026, 0, 1);

export async function runState(o: StateRunOptions): Promise<StateRunResult> {
  const dir = o.state === 'disk' ? mkdtempSync(join(tmpdir(), 'labeljoin-state-bench-')) : undefined;
  const index: EngagementIndex = dir === undefined ? new MemoryEngagementIndex(o.times) : new StoreEngagementIndex(new LmdbStore({ path: dir, fresh: true }), o.times);
  try {
    const stepMs = o.times.windowMs / o.inFlight;
    const fill = Math.ceil(o.inFlight * (1 + emittedKeepMs(o.times) / o.times.windowMs));
    const eventId = Buffer.alloc(16);
    const viewId = Buffer.alloc(16);
    let seed = 0x2545f491;
    const rand = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    let events = 0;
    let started = performance.now();
    let fillSeconds = 0;
    const total = fill + o.measureSteps;
    const BATCH = 1_024;
    for (let from = 0; from < total; from += BATCH) {
      if (from >= fill && fillSeconds === 0) {
        fillSeconds = (performance.now() - started) / 1000;
        started = performance.now();
        events = 0;
      }
      const to = Math.min(total, from + BATCH);
      index.batch(() => {
        for (let i = from; i < to; i++) {
          const t = T0 + i * stepMs;
          const v = i - Math.floor(rand() * o.inFlight); // may be before the run: views of the first window
          eventId.writeUInt32BE(i, 0);
          const e = { event_id: eventId, user_id: userOf(v), post_id: postOf(v), type: 'like', ts: t, view_id: null };
          index.addEngagement(userOf(v) % PARTITIONS, e, i % 4);
          if (i % 20 === 0) index.addEngagement(userOf(v) % PARTITIONS, e, i % 4);
          events++;
          const j = i - o.inFlight;
          if (j < 0) continue;
          const user = userOf(j);
          const post = postOf(j);
          const viewTs = T0 + j * stepMs;
          viewId.writeUInt32BE(j, 0);
          if (!index.wasEmitted(user, post, viewTs, viewId)) {
            const l = labelView(viewId, viewTs, index.candidates(user, post), 4, o.times);
            index.recordEmitted(user % PARTITIONS, user, post, viewTs, viewId, 0, l.labels, undefined);
          }
          events++;
        }
        const watermark = T0 + to * stepMs;
        for (let p = 0; p < PARTITIONS; p++) {
          index.expire(p, watermark);
          index.expireEmitted(p, watermark);
        }
      });
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      state: o.state,
      viewsInFlight: o.inFlight,
      engagementsHeld: index.engagementCount(),
      viewsRemembered: index.emittedCount(),
      fillSeconds,
      eventsPerSec: Math.round(events / seconds),
      peakRssMiB: peakRssMiB(),
    };
  } finally {
    await index.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * This process's peak RSS: VmHWM of /proc/self/status. (Not getrusage's
 * maxRSS: Linux carries that over fork and exec, so a forked worker would
 * report its parent's peak when that is larger.)
 */
function peakRssMiB(): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return kb === undefined ? Math.round(process.resourceUsage().maxRSS / 1024) : Math.round(Number(kb) / 1024);
}

/** Users and posts of view v: ~1 view per (user, post), as in the simulator's default mix. */
function userOf(v: number): number {
  return (Math.imul(v, 0x9e3779b1) >>> 0) % 5_000_000;
}

function postOf(v: number): number {
  return (Math.imul(v ^ 0x5bd1e995, 0x85ebca6b) >>> 0) % 1_000_000;
}

// Forked by ./state-bench.ts: options in, result out, over the IPC channel.
if (process.send !== undefined) {
  process.once('message', (options: StateRunOptions) => {
    runState(options).then(
      (result) => process.send?.({ result }, () => process.exit(0)),
      (error: unknown) => process.send?.({ error: error instanceof Error ? error.message : String(error) }, () => process.exit(1)),
    );
  });
}
