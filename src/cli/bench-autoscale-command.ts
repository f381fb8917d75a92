/**
 * labeljoin bench autoscale: the autoscaling run under a 3x spike
 * (src/bench/autoscale-bench.ts), its figures, and the timeline as a picture.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runAutoscaleBench, type AutoscaleBenchOptions, type AutoscaleBenchResult } from '../bench/autoscale-bench.js';
import { timelineSvg } from '../bench/timeline-svg.js';
import { EventCodec } from '../codec/codec.js';
import { connectionSettings } from '../kafka/connection.js';
import { systemClock } from '../time/clock.js';
import { jsonLine, type CommandSpec } from './command.js';

/** The run: 5 min of live traffic at 400 views/s on average (about 850 input records/s once sessions are under way), 3x for 60 s from 90 s on; instances capped at 400 records/s. */
const RUN: Omit<AutoscaleBenchOptions, 'topicPrefix' | 'seed'> = {
  seconds: 300,
  spike: '3x60s@90s',
  viewsPerSecond: 400,
  maxRate: 400,
  min: 1,
  max: 4,
  lagBoundS: 30,
  upCooldownS: 15,
  downCooldownS: 45,
};

export const benchAutoscale: CommandSpec = {
  name: 'bench autoscale',
  summary: 'Autoscaling under a 3x load spike: live traffic, labeljoin autoscale with instances capped at a known rate; instances, lag and input rate over time, the samples against the truth.',
  details: `The run: ${RUN.seconds} s of live traffic at --views-per-second ${RUN.viewsPerSecond}, spike ${RUN.spike}, instances capped at --max-rate ${RUN.maxRate}, autoscale ${RUN.min}..${RUN.max}, --lag-bound ${RUN.lagBoundS}s, --up-cooldown ${RUN.upCooldownS}s, --down-cooldown ${RUN.downCooldownS}s. Takes about 8 min.`,
  settings: ['kafka.brokers', 'sim.seed'],
  flags: [
    { name: 'json', type: 'boolean', doc: 'print the result (with every step of the timeline) as one JSON object' },
    { name: 'svg', type: 'string', meta: 'FILE', doc: 'write the timeline (input rate, lag, instances) as an SVG picture' },
  ],
  async run(ctx) {
    const options = { ...RUN, topicPrefix: `labeljoin-bench-autoscale-${Date.now().toString(36)}`, seed: ctx.config.sim.seed };
    const codec = new EventCodec({ labelTypes: ctx.config.join.labelTypes });
    const result = await runAutoscaleBench(connectionSettings(ctx.config), options, codec, systemClock, (line) => process.stderr.write(`bench autoscale: ${line}\n`));
    const svg = ctx.flags['svg'];
    if (typeof svg === 'string') {
      writeFileSync(resolve(svg), timelineSvg(result.rows, RUN.lagBoundS, `labeljoin autoscale ${RUN.min}..${RUN.max}: a ${RUN.spike} spike, instances capped at ${RUN.maxRate} records/s`));
    }
    if (ctx.flags['json'] === true) ctx.out(jsonLine(result));
    else for (const line of table(result)) ctx.out(line);
    return result.truth.missing === 0 && result.truth.labelAccuracy === 1 ? 0 : 1;
  },
};

function table(r: AutoscaleBenchResult): string[] {
  return [
    `${r.rows.length} steps; instances at most ${r.peakInstances}; lag beyond the window at most ${r.maxLagS.toFixed(1)} s (bound ${r.options.lagBoundS} s), past the bound ${r.secondsPastBound.toFixed(0)} s in all${r.pastBoundFromS === undefined ? '' : `, from ${r.pastBoundFromS.toFixed(0)} s on, back under for good at ${r.backUnderAtS?.toFixed(0) ?? '(never)'} s`}`,
    ...r.changes.map((c) => `  at ${c.atS.toFixed(0)} s: ${c.from} -> ${c.to} (${c.reason})`),
    `truth: ${r.truth.expected.toLocaleString('en-US')} views, missing ${r.truth.missing}, extra ${r.truth.extra}, label accuracy ${r.truth.labelAccuracy}, repeated sample ids ${r.truth.duplicateSampleIds}`,
  ];
}
