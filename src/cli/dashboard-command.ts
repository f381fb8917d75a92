/**
 * labeljoin dashboard
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Dashboard } from '../observe/dashboard.js';
import { DASHBOARD_HTML } from '../observe/dashboard-page.js';
import { serve } from '../observe/http.js';
import { packageRoot } from '../paths.js';
import { systemClock } from '../time/clock.js';
import { UsageError } from '../errors.js';
import type { CommandSpec } from './command.js';

export const dashboardCommand: CommandSpec = {
  name: 'dashboard',
  summary: 'Serve a live dashboard page of joiners and trainers (throughput, join rate per label, delays, watermark lag, late/orphans, AUC); runs until Ctrl-C.',
  details: [
    'Scrapes the --targets (the /metrics endpoints of `labeljoin join` and `labeljoin train`, started with --metrics-port)',
    'every --scrape-every, sums each metric over them, and serves one page on --metrics-host:--dashboard-port that',
    'redraws every second. Everything the page needs is served by this process; nothing is loaded from the network.',
  ].join('\n'),
  settings: ['observe.targets', 'observe.metricsHost', 'observe.dashboardPort', 'observe.scrapeEveryMs', 'observe.historyMs'],
  async run(ctx) {
    const { config, log } = ctx;
    const script = join(packageRoot(), 'build', 'web', 'dashboard.js');
    if (!existsSync(script)) throw new UsageError(`${script} is missing: build the page first with npm run build`);
    const scriptText = readFileSync(script);
    const dashboard = new Dashboard({ ...config.observe, clock: systemClock, log: log.child('dashboard') });
    const server = await serve('dashboard', config.observe.metricsHost, config.observe.dashboardPort, {
      '/': () => ({ type: 'text/html; charset=utf-8', body: DASHBOARD_HTML }),
      '/dashboard.js': () => ({ type: 'text/javascript; charset=utf-8', body: scriptText }),
      '/api/state': () => ({ type: 'application/json', body: JSON.stringify(dashboard.state()) }),
    });
    dashboard.start();
    if (server.exposed) log.warn('the dashboard listens beyond this machine without authentication (--metrics-host)', { host: config.observe.metricsHost, port: server.port });
    ctx.out(`dashboard at ${server.url}/ (targets: ${config.observe.targets.join(', ')}); Ctrl-C stops it`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await dashboard.stop();
    await server.close();
    return 0;
  },
};
