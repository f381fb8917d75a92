/**
 * labeljoin bench chaos: faults that come together on a replicated cluster under
 * live traffic (src/bench/chaos-bench.ts), the seeded schedule with each fault's
 * recovery time, and the samples against the truth.
 */
import { chaosPassed, runChaosBench, type ChaosBenchResult } from '../bench/chaos-bench.js';
import type { ChaosPlan } from '../bench/chaos-schedule.js';
import { EventCodec } from '../codec/codec.js';
import { systemClock } from '../time/clock.js';
import { jsonLine, type CommandSpec } from './command.js';

/** The run's fixed shape: 8 partitions, nodes down 5-15 s, 10 s to catch up before the next node may go. */
const PARTITIONS = 8;
const DOWN_MS = { min: 5_000, max: 15_000 } as const;
const CATCH_UP_MS = 10_000;

export const benchChaos: CommandSpec = {
  name: 'bench chaos',
  summary: 'Chaos in one run: on a 3-node cluster of its own, under live traffic, joiners killed with kill -9, partition leaders killed and restarted, instances added and removed; then a drain and the samples against the truth.',
  details: [
    'Starts its own local cluster of 3 nodes (free ports on 127.0.0.1, a temporary data directory; the',
    'Java heap of each: LABELJOIN_KAFKA_HEAP_MB), topics with replication factor 3 and',
    'min.insync.replicas 2, and the simulator live for --chaos-seconds. The faults come from --seed:',
    'the same seed gives the same schedule, so a failure can be replayed. Each fault is printed as it',
    'happens, then with its recovery time: a killed joiner until it sends again, a killed leader until',
    'another node leads the partition (and its node until it is in sync again), an added joiner until',
    'it sends, a removed one until it has committed and exited. Passes (exit 0) with 0 samples missing',
    'or extra, every label right, every repeated sample id a repeat of the same sample (none at all',
    'with --exactly-once), and no process that ended on its own. Defaults: 300 s, 20 joiner kills,',
    '3 broker kills, 5 scale changes: about 7 min.',
  ].join('\n'),
  settings: ['sim.seed', 'sim.viewsPerSecond', 'bench.chaosSeconds', 'bench.chaosJoinerKills', 'bench.chaosBrokerKills', 'bench.chaosScaleChanges', 'bench.chaosMaxInstances'],
  flags: [
    { name: 'exactly-once', type: 'boolean', doc: 'joiners commit samples and offsets in Kafka transactions; a read_committed reader must then see each sample once' },
    { name: 'json', type: 'boolean', doc: 'print the result (schedule, recovery times, truth) as one JSON object' },
  ],
  async run(ctx) {
    const b = ctx.config.bench;
    const plan: ChaosPlan = {
      seed: ctx.config.sim.seed,
      durationMs: b.chaosSeconds * 1000,
      joinerKills: b.chaosJoinerKills,
      brokerKills: b.chaosBrokerKills,
      scaleChanges: b.chaosScaleChanges,
      instances: Math.min(2, b.chaosMaxInstances),
      minInstances: 1,
      maxInstances: b.chaosMaxInstances,
      partitions: PARTITIONS,
      downMs: DOWN_MS,
      catchUpMs: CATCH_UP_MS,
    };
    const codec = new EventCodec({ labelTypes: ctx.config.join.labelTypes });
    const result = await runChaosBench(
      { plan, topicPrefix: `labeljoin-bench-chaos-${Date.now().toString(36)}`, viewsPerSecond: ctx.config.sim.viewsPerSecond, exactlyOnce: ctx.flags['exactly-once'] === true, local: ctx.config.local },
      codec,
      systemClock,
      (line) => process.stderr.write(`bench chaos: ${line}\n`),
    );
    if (ctx.flags['json'] === true) ctx.out(jsonLine({ ...result, passed: chaosPassed(result) }));
    else for (const line of table(result)) ctx.out(line);
    return chaosPassed(result) ? 0 : 1;
  },
};

function seconds(ms: number | undefined): string {
  return ms === undefined ? 'not seen' : `${(ms / 1000).toFixed(1)} s`;
}

function table(r: ChaosBenchResult): string[] {
  const t = r.truth;
  return [
    `chaos run, seed ${r.seed}: ${r.durationS} s of live traffic, ${r.faults.length} faults${r.exactlyOnce ? ', exactly-once' : ''}`,
    ...r.faults.map((f) => `  ${f.line}: recovered in ${seconds(f.recoveryMs)}${f.fault.kind === 'kill-leader' ? ` (node ${f.node}; in sync again ${seconds(f.rejoinMs)} after its restart)` : ''}`),
    ...r.crashes.map((c) => `  crash: ${c.instance} exited ${c.code}: ${c.stderr}`),
    `drain ${r.drainS.toFixed(1)} s; truth: ${t.expected.toLocaleString('en-US')} views, missing ${t.missing}, extra ${t.extra}, label accuracy ${t.labelAccuracy}, repeated sample ids ${t.duplicateSampleIds} (not the same sample: ${t.conflictingRepeats})`,
    chaosPassed(r) ? 'PASS' : 'FAIL',
  ];
}
