/**
 * labeljoin cost
 */
import { writeFileSync } from 'node:fs';
import { readMeasurements, readPriceSheet } from '../bench/cost-inputs.js';
import { projectCosts } from '../bench/cost-model.js';
import { costHtml, costTextLines } from '../bench/cost-report.js';
import { jsonFlag, jsonLine, type CommandSpec } from './command.js';

export const costCommand: CommandSpec = {
  name: 'cost',
  summary: 'Monthly cost of the pipeline at a rate, line by line like the paper\'s Table 1: Approach 1 (Pub/Sub + Go job + Memcache + Redis), Approach 2 (Kafka + Flink) and labeljoin.',
  details: [
    'From measured figures (--measurements: wire bytes per record, CPU seconds per million events of the joiner',
    'and the trainer, join state per view; each cites bench/RESULTS.md) and a price sheet with its sizing',
    'assumptions (--prices: public list prices with their page and date). Figures not measured here (Pub/Sub,',
    'Flink, the Go job, Redis) are marked and say where they come from. No broker is needed.',
  ].join('\n'),
  settings: ['cost.viewsMBps', 'cost.retentionDays', 'cost.wire', 'cost.prices', 'cost.measurements'],
  flags: [
    jsonFlag('the projection (lines, totals per approach and component, assumptions)'),
    { name: 'html', type: 'string', meta: 'FILE', doc: 'also write the projection as a self-contained HTML page with a chart' },
  ],
  async run(ctx) {
    const c = ctx.config.cost;
    const report = projectCosts(readMeasurements(c.measurements), readPriceSheet(c.prices), { viewsMBps: c.viewsMBps, retentionDays: c.retentionDays, wire: c.wire });
    const html = ctx.flags['html'];
    if (typeof html === 'string') writeFileSync(html, costHtml(report));
    if (ctx.flags['json'] === true) ctx.out(jsonLine(report));
    else for (const line of costTextLines(report)) ctx.out(line);
    return 0;
  },
};
