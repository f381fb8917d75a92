/**
 * labeljoin validate --samples TOPIC --truth FILE
 */
import { resolve } from 'node:path';
import { EventCodec } from '../codec/codec.js';
import { UsageError } from '../errors.js';
import { connectionSettings } from '../kafka/connection.js';
import { compareWithTruth, type TruthReport } from '../validate/truth-report.js';
import type { CommandSpec } from './command.js';

export const validateCommand: CommandSpec = {
  name: 'validate',
  summary: 'Compare the samples in a topic with the simulator\'s ground truth: expected, found, missing, extra, repeated sample ids, label accuracy.',
  details: 'Exit code 0 when every expected view has a sample, none is extra and every label agrees; 1 otherwise; 2 on usage errors.',
  settings: ['kafka.brokers', 'join.labelTypes', 'join.latePolicy'],
  flags: [
    { name: 'samples', type: 'string', meta: 'TOPIC', doc: 'topic of the samples to check' },
    { name: 'truth', type: 'string', meta: 'FILE', doc: 'truth file written by labeljoin simulate --truth' },
    { name: 'json', type: 'boolean', doc: 'print the report as one JSON object' },
  ],
  async run(ctx) {
    const samples = ctx.flags['samples'];
    const truth = ctx.flags['truth'];
    if (typeof samples !== 'string' || typeof truth !== 'string') throw new UsageError('validate needs --samples TOPIC and --truth FILE (see: labeljoin validate --help)');
    const { config } = ctx;
    const report = await compareWithTruth(connectionSettings(config), samples, resolve(truth), new EventCodec({ labelTypes: config.join.labelTypes }), config.join.latePolicy);
    if (ctx.flags['json'] === true) ctx.out(JSON.stringify(report));
    else for (const line of describe(report)) ctx.out(line);
    return report.missing === 0 && report.extra === 0 && report.labelAccuracy === 1 ? 0 : 1;
  },
};

function describe(r: TruthReport): string[] {
  const pct = (x: number): string => `${(x * 100).toFixed(3)} %`;
  return [
    `expected ${r.expected}, found ${r.found}, missing ${r.missing}, extra ${r.extra} (${r.samplesRead} samples read, ${r.duplicateSampleIds} repeated sample ids, ${r.versionsAboveZero} corrections)`,
    `label accuracy ${pct(r.labelAccuracy)} (late policy ${r.latePolicy})`,
    ...Object.entries(r.perLabel).map(([t, s]) => `  ${t.padEnd(10)} ${pct(s.accuracy).padStart(10)}  positives expected ${s.expectedPositives}, found ${s.foundPositives}, mismatches ${s.mismatches}`),
    ...(r.examples.missing.length > 0 ? [`missing e.g. ${r.examples.missing.join(', ')}`] : []),
    ...(r.examples.mismatched.length > 0 ? [`mismatched e.g. ${r.examples.mismatched.join('; ')}`] : []),
  ];
}
