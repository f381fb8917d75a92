/**
 * Settings of the simulator. Part of the one settings table (src/config/settings.ts).
 */
import { durationParser, enumParser, floatParser, intParser, isoTimeOrNowParser, optionalIntParser, ValueError } from './parse.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../codec/formats.js';
import { setting } from './setting-spec.js';

/** The event shapes the simulator writes (./../sim/foreign-shape.ts, ./../sim/compact-shape.ts). */
export const SIM_SHAPES = ['labeljoin', 'foreign', 'compact'] as const;

/** A load spike: from `afterMs` of event time after the start, `factor` times the view rate for `durationMs`. */
export interface Spike {
  readonly factor: number;
  readonly durationMs: number;
  readonly afterMs: number;
}

const SPIKE_DURATION = durationParser(1_000, 30 * 86_400_000);

/** FACTORxDURATION@AFTER, e.g. 3x60s@2m; "none" or empty: no spike. */
function parseSpike(raw: unknown): Spike | undefined {
  if (raw === undefined || raw === null || raw === '' || raw === 'none') return undefined;
  const m = typeof raw === 'string' ? /^\s*([\d.]+)x([^@\s]+)@(\S+)\s*$/.exec(raw) : null;
  if (m === null) throw new ValueError('expected FACTORxDURATION@AFTER, e.g. 3x60s@2m (3 times the view rate for 60 s, 2 min after the start)');
  const factor = Number(m[1]);
  if (!Number.isFinite(factor) || factor <= 0 || factor > 100) throw new ValueError(`spike factor: expected a number above 0 and at most 100, got ${m[1]}`);
  return { factor, durationMs: SPIKE_DURATION(m[2]), afterMs: m[3] === '0' ? 0 : SPIKE_DURATION(m[3]) };
}

export const SIM_SETTINGS = {
  'sim.seed': setting<number>({
    default: 1,
    parse: intParser(0, 4_294_967_295),
    flag: 'seed',
    meta: 'N',
    doc: 'random seed; the same seed and flags give byte-identical traffic and truth',
  }),
  'sim.users': setting<number>({ default: 10_000, parse: intParser(1, 100_000_000), flag: 'users', meta: 'N', doc: 'number of users' }),
  'sim.posts': setting<number>({ default: 50_000, parse: intParser(1, 100_000_000), flag: 'posts', meta: 'N', doc: 'number of posts (Zipf popularity)' }),
  'sim.views': setting<number | undefined>({
    default: 100_000,
    parse: optionalIntParser(1, 10_000_000_000),
    flag: 'views',
    meta: 'N',
    doc: 'views to generate (or use --duration)',
  }),
  'sim.durationMs': setting<number | undefined>({
    default: undefined,
    parse: (raw) => (raw === undefined || raw === '' ? undefined : durationParser(1_000, 365 * 86_400_000)(raw)),
    flag: 'duration',
    meta: 'DURATION',
    doc: 'event-time span to generate instead of a number of views',
  }),
  'sim.viewsPerSecond': setting<number>({
    default: 500,
    parse: floatParser(0.001, 10_000_000),
    flag: 'views-per-second',
    meta: 'N',
    doc: 'average views per second of event time (before the daily curve)',
  }),
  'sim.rate': setting<number | 'live' | undefined>({
    default: undefined,
    parse: (raw) => (raw === undefined || raw === '' || raw === 'max' ? undefined : raw === 'live' ? 'live' : floatParser(1, 100_000_000)(raw)),
    flag: 'rate',
    meta: 'N|live|max',
    doc: 'events sent per second of wall-clock time; live: each event when the wall clock reaches its arrival time (with --start now: real time, the daily curve visible in throughput); max (default): as fast as possible',
  }),
  'sim.start': setting<number | 'now'>({
    default: Date.UTC(2026, 0, 1),
    parse: isoTimeOrNowParser,
    flag: 'start',
    meta: 'ISO|now',
    doc: 'event time of the first view (default 2026-01-01T00:00:00Z; "now" for live demos)',
  }),
  'sim.dayLengthMs': setting<number>({
    default: 86_400_000,
    parse: durationParser(1_000, 365 * 86_400_000),
    flag: 'day-length',
    meta: 'DURATION',
    doc: 'length of the daily load curve; shorter compresses a day into less event time',
  }),
  'sim.driftPeriodMs': setting<number>({
    default: 86_400_000,
    parse: durationParser(1_000, 3650 * 86_400_000),
    flag: 'drift-period',
    meta: 'DURATION',
    doc: 'event time over which user interests turn a full circle (concept drift)',
  }),
  'sim.duplicateRate': setting<number>({ default: 0.01, parse: floatParser(0, 1), flag: 'duplicate-rate', meta: 'P', doc: 'share of events sent twice' }),
  'sim.earlyRate': setting<number>({
    default: 0.05,
    parse: floatParser(0, 1),
    flag: 'early-rate',
    meta: 'P',
    doc: 'share of views delivered 5-60 s late, so their engagements arrive first',
  }),
  'sim.lateRate': setting<number>({
    default: 0.01,
    parse: floatParser(0, 1),
    flag: 'late-rate',
    meta: 'P',
    doc: 'share of engagements whose event time falls beyond the window (label 0)',
  }),
  'sim.lateArrivalRate': setting<number>({
    default: 0.002,
    parse: floatParser(0, 1),
    flag: 'late-arrival-rate',
    meta: 'P',
    doc: 'share of engagements delivered long after their window closed (late engagements)',
  }),
  'sim.skewMs': setting<number>({
    default: 1_000,
    parse: durationParser(0, 3_600_000),
    flag: 'skew',
    meta: 'DURATION',
    doc: 'standard deviation of device clock skew on engagement times (clamped at 5x)',
  }),
  'sim.viewIdRate': setting<number>({
    default: 0.5,
    parse: floatParser(0, 1),
    flag: 'view-id-rate',
    meta: 'P',
    doc: 'share of engagements that carry the view_id of their view',
  }),
  'sim.spike': setting<Spike | undefined>({
    default: undefined,
    parse: parseSpike,
    flag: 'spike',
    meta: 'FACTORxDURATION@AFTER',
    doc: 'a load spike: FACTOR times the view rate for DURATION, AFTER the start in event time (e.g. 3x60s@2m)',
  }),
  'sim.idlePartition': setting<number | undefined>({
    default: undefined,
    parse: optionalIntParser(0, 9_999),
    flag: 'idle-partition',
    meta: 'P|none',
    doc: 'engagement partition that gets no traffic at all',
  }),
  'sim.format': setting<OutputFormat>({
    default: 'avro',
    parse: enumParser(OUTPUT_FORMATS),
    flag: 'format',
    meta: OUTPUT_FORMATS.join('|'),
    doc: 'encoding of the events the simulator sends',
  }),
  'sim.shape': setting<(typeof SIM_SHAPES)[number]>({
    default: 'labeljoin',
    parse: enumParser(SIM_SHAPES),
    flag: 'shape',
    meta: SIM_SHAPES.join('|'),
    doc: 'event shape: labeljoin (our schemas, in sim.format); foreign (schemas/foreign/, string ids, seconds, nested fields, through the schema registry; join with --config schemas/foreign/inputs.json); compact (schemas/compact/: plain Avro, user in the key, time in the record timestamp, (producer, sequence) ids; join with --config schemas/compact/inputs.json)',
  }),
} as const;
