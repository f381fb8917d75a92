/**
 * labeljoin validate --samples A (--against B | --truth FILE | --rejoin)
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { EventCodec } from '../codec/codec.js';
import { shadowFilter } from '../codec/shadow.js';
import { bothSections } from '../config/config.js';
import { isLabeljoinError, UsageError } from '../errors.js';
import { connectionSettings } from '../kafka/connection.js';
import { downsampledReference } from '../validate/downsample.js';
import { compareSampleSets, type ComparisonReport } from '../validate/compare.js';
import { InputError } from '../validate/errors.js';
import { reportHtml } from '../validate/report-html.js';
import { reportLines } from '../validate/report-text.js';
import { rejoinSource } from '../validate/rejoin.js';
import { openSide, readWriterSchemas, truthSource, type SampleSource } from '../validate/sources.js';
import type { CommandSpec } from './command.js';
import { fileSampleSchema } from '../codec/declared/sample-schema.js';
import { openDeclaredInputs } from './declared.js';
import { schemaLookup } from './schema-lookup.js';

export const validateCommand: CommandSpec = {
  name: 'validate',
  summary: 'Compare a sample set with another, with the simulator\'s truth, or with an offline re-join: match rate, label agreement, missing/extra, duplicates, schema compatibility.',
  details: [
    'A side is a topic or a file: "topic:NAME" or "file:PATH" say which; otherwise an existing path or a name ending in',
    '.avro/.ndjson/.jsonl/.json is a file (Avro container or NDJSON, told apart by their first bytes), else a topic.',
    'The reference (B) is one of: --against SIDE; --truth FILE (from labeljoin simulate --truth; under --late-policy drop',
    'labels the truth marks late are expected 0); --rejoin (the views and engagements topics joined again offline,',
    'by a different method than the streaming joiner, under the same --window/--max-skew/--out-of-orderness/--late-policy).',
    'Samples are matched by view (one sample per view; of several versions the newest counts), weights compared too.',
    'With --negative-share F (the share the run under test A kept), the reference B is downsampled by the same',
    'rule first: its positives kept, its all-negative samples kept by the hash of the view id with weight 1/F; the kept share is reported.',
    'Memory is bounded:',
    'both sides are spilled to --buckets hash buckets on disk and compared one bucket at a time.',
    'Exit code: 0 when agreement (samples on both sides with every label equal, over all samples on either side)',
    'is at least --min-agreement; 1 when below; 2 on usage or input errors (missing file or topic, no broker).',
  ].join('\n'),
  settings: [
    'kafka.brokers', 'topics.samples', 'topics.views', 'topics.engagements', 'topics.events', 'topics.kindBy', 'topics.kindHeader', 'inputs.views', 'inputs.engagements',
    'registry.url', 'registry.username', 'registry.password', 'registry.passwordFile', 'registry.tlsCaFile', 'registry.retryTimeoutMs', 'join.labelTypes', 'join.latePolicy', 'join.negativeShare',
    'join.windowMs', 'join.maxSkewMs', 'join.outOfOrdernessMs', 'validate.minAgreement', 'validate.shadowFraction',
    'validate.from', 'validate.to', 'validate.buckets', 'validate.spillDir',
  ],
  flags: [
    { name: 'samples', type: 'string', meta: 'SIDE', doc: 'the samples under test (A): a topic or a file; default: the --samples-topic' },
    { name: 'against', type: 'string', meta: 'SIDE', doc: 'the reference sample set (B): a topic or a file' },
    { name: 'truth', type: 'string', meta: 'FILE', doc: 'reference: the truth file written by labeljoin simulate --truth' },
    { name: 'rejoin', type: 'boolean', doc: 'reference: an offline re-join of the --views-topic and --engagements-topic' },
    { name: 'writer-schemas', type: 'string', meta: 'FILE,...', doc: 'more Avro writer schemas (.avsc) to read topics written by other pipelines' },
    { name: 'json', type: 'boolean', doc: 'print the report as one JSON object' },
    { name: 'html', type: 'string', meta: 'FILE', doc: 'also write the report as a self-contained HTML page with a chart of agreement over time' },
  ],
  async run(ctx) {
    const { config, log } = ctx;
    const against = ctx.flags['against'];
    const truth = ctx.flags['truth'];
    const rejoin = ctx.flags['rejoin'] === true;
    const references = [typeof against === 'string', typeof truth === 'string', rejoin].filter(Boolean).length;
    if (references !== 1) throw new UsageError('validate needs exactly one reference: --against SIDE, --truth FILE or --rejoin (see: labeljoin validate --help)');
    const v = config.validate;
    if (v.from !== undefined && v.to !== undefined && v.from >= v.to) throw new UsageError('--from must be before --to (see: labeljoin validate --help)');
    const samples = typeof ctx.flags['samples'] === 'string' ? ctx.flags['samples'] : `topic:${config.topics.samples}`;
    const schemaFiles = typeof ctx.flags['writer-schemas'] === 'string' ? ctx.flags['writer-schemas'].split(',').filter((s) => s !== '').map((s) => resolve(s)) : [];
    const connection = connectionSettings(config);
    const labelTypes = config.join.labelTypes;
    const keepUser = shadowFilter(v.shadowFraction);
    const spillDir = v.spillDir ?? tmpdir();
    const progress = (what: string, n: number): void => log.info(what, { n });

    let report: ComparisonReport;
    try {
      const lookup = schemaLookup(config, log);
      const views = config.inputs.views;
      const declaredSamples = views === 'labeljoin' ? undefined : { views: views.fields, registry: lookup };
      // Declared views with a schema file and no registry: the joiner wrote single-object samples of the schema it derives from it.
      const derived = views !== 'labeljoin' && views.schemaFile !== undefined ? [fileSampleSchema(views, labelTypes)] : [];
      const sourceContext = { connection, labelTypes, writerSchemas: [...readWriterSchemas(schemaFiles), ...derived], declared: declaredSamples };
      const a = openSide(samples, sourceContext);
      let b: SampleSource;
      if (typeof against === 'string') b = openSide(against, sourceContext);
      else if (typeof truth === 'string') b = truthSource(resolve(truth), labelTypes, config.join.latePolicy);
      else {
        const declared = await openDeclaredInputs(config, lookup, false);
        await declared?.preload();
        b = rejoinSource({
          declared,
          ...bothSections(config, 'join', 'validate'),
          connection,
          viewsTopic: config.topics.views,
          engagementTopics: config.topics.engagements,
          kindBy: config.topics.kindBy,
          kindHeader: config.topics.kindHeader,
          codec: new EventCodec({ labelTypes }),
          keepUser,
          spillDir,
          onProgress: progress,
        });
      }
      // A run under test with --negative-share F: the reference is downsampled by the contract for the comparison.
      const share = config.join.negativeShare;
      const downsampled = share < 1 ? downsampledReference(b, share) : undefined;
      report = await compareSampleSets(a, downsampled?.source ?? b, { ...v, labelTypes, keepUser, spillDir, onProgress: progress });
      if (downsampled !== undefined) report = { ...report, downsampling: downsampled.summary() };
    } catch (error) {
      // Any input that cannot be read at all (no broker, no topic, no file) is an input error: exit 2.
      if (isLabeljoinError(error) && error.code !== 'INPUT_INVALID') throw new InputError(error.message, error);
      throw error;
    }
    const html = ctx.flags['html'];
    if (typeof html === 'string') writeFileSync(html, reportHtml(report));
    if (ctx.flags['json'] === true) ctx.out(JSON.stringify(report));
    else for (const line of reportLines(report)) ctx.out(line);
    return report.passed ? 0 : 1;
  },
};
