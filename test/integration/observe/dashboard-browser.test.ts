/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core,
 * headless) during a live run: the page loads with nothing from the network
 * but the dashboard itself, its charts move as the joiner and trainer work,
 * and a screenshot is saved (to LABELJOIN_SCREENSHOT when set: that is how
 * docs/dashboard.png is made).
 */
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { freePort } from '../../../src/kafka/local/broker.js';
import { startCli } from '../../helpers/cli.js';
import { createPipeline, WINDOW_FLAGS } from '../../helpers/pipeline.js';
import { testDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait.js';

const CHROMIUM = process.env['LABELJOIN_CHROMIUM'] ?? '/usr/bin/chromium';

async function canvasState(page: import('playwright-core').Page, id: string): Promise<{ points: number; last: string }> {
  return { points: Number((await page.getAttribute(`#${id}`, 'data-points')) ?? '0'), last: (await page.getAttribute(`#${id}`, 'data-last')) ?? '' };
}

describe('the dashboard in headless Chromium', () => {
  it('shows a live run: charts move, nothing is loaded from elsewhere, a screenshot is saved', async (t) => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found (apt-get install chromium, or set LABELJOIN_CHROMIUM)`);
    const p = await createPipeline(t, 'dashboard', 4);
    const dir = testDir(t, 'dashboard');
    const [joinPort, trainPort, dashboardPort] = [await freePort(), await freePort(), await freePort()];
    const quiet = { LABELJOIN_LOG_LEVEL: 'warn' };
    // Event time starts 10 min ago and runs about 6x faster than the wall clock: a catch-up, then live.
    const start = new Date(Date.now() - 600_000).toISOString();
    const sim = startCli(['simulate', ...p.inputArgs, ...WINDOW_FLAGS, '--start', start, '--views', '60000', '--users', '2000', '--posts', '1500', '--views-per-second', '200', '--rate', '2500', '--seed', '61'], quiet);
    const joiner = startCli(['join', ...p.inputArgs, '--samples-topic', p.samples, '--dead-letter-topic', p.deadLetter, ...WINDOW_FLAGS, '--group', p.group, '--state-dir', p.stateDir, '--idle-timeout', '1s', '--metrics-port', String(joinPort)], quiet);
    const trainer = startCli(['train', '--brokers', p.inputArgs[1]!, '--samples-topic', p.samples, '--dead-letter-topic', p.deadLetter, '--signals', 'like,play,skip', '--model-dir', join(dir, 'model'), '--eval-window', '500', '--metrics-port', String(trainPort)], quiet);
    const dashboard = startCli(['dashboard', '--targets', `http://127.0.0.1:${joinPort}/metrics,http://127.0.0.1:${trainPort}/metrics`, '--dashboard-port', String(dashboardPort), '--scrape-every', '500ms'], quiet);
    for (const c of [sim, joiner, trainer, dashboard]) t.after(() => c.kill('SIGKILL'));

    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    t.after(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const base = `http://127.0.0.1:${dashboardPort}`;
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    // The dashboard may take a moment to listen.
    let loadError = '';
    await waitFor(() => page.goto(`${base}/`).then(() => true, (error: unknown) => {
      loadError = String(error);
      return false;
    }), { what: `the dashboard page to load from ${base}/`, timeoutMs: 30_000, everyMs: 250, detail: () => loadError });
    // Samples flow once the first window has passed in event time; the trainer's AUC after 500 of them.
    await page.waitForFunction("Number(document.getElementById('auc').dataset.points || '0') > 0", undefined, { timeout: 120_000 });
    const before = { throughput: await canvasState(page, 'throughput'), auc: await canvasState(page, 'auc'), totals: await page.textContent('#totals') };
    const moved = async (): Promise<boolean> => (await canvasState(page, 'throughput')).points > before.throughput.points && (await page.textContent('#totals')) !== before.totals;
    await waitFor(moved, { what: 'the throughput chart and the totals to change', timeoutMs: 60_000, everyMs: 250 });
    const after = { throughput: await canvasState(page, 'throughput'), auc: await canvasState(page, 'auc'), totals: await page.textContent('#totals') };
    assert.ok(after.throughput.points > before.throughput.points, `throughput chart moved: ${before.throughput.points} -> ${after.throughput.points} points`);
    assert.ok(after.auc.points > 0);
    assert.notEqual(after.totals, before.totals, 'the totals change');
    for (const id of ['joinrate', 'delays', 'lag', 'faults', 'latency', 'index']) assert.ok((await canvasState(page, id)).points > 0, `chart ${id} has data`);
    assert.match(await page.textContent('#targets') ?? '', /● http:\/\/127\.0\.0\.1:\d+\/metrics.*● http/);
    assert.deepEqual(requests.filter((u) => !u.startsWith(base)), [], 'every request goes to the dashboard itself');
    assert.deepEqual(errors, []);

    const shot = process.env['LABELJOIN_SCREENSHOT'] ?? join(dir, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 20_000, `screenshot ${shot}`);
  });
  it('a hostile target cannot inject markup into the page, and a redirecting one is not followed', async (t) => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found (apt-get install chromium, or set LABELJOIN_CHROMIUM)`);
    // A "metrics" target answering with markup that breaks out of an attribute, and one answering with a redirect to it.
    const markup = 'm{a="\\"><img src=x onerror="window.__pwned=1">';
    const evil = createServer((req, res) => {
      if (req.url === '/moved') res.writeHead(302, { location: '/metrics' }).end();
      else res.writeHead(200, { 'content-type': 'text/plain' }).end(`${markup}\n`);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', () => resolve()));
    t.after(() => new Promise<void>((resolve) => evil.close(() => resolve())));
    const evilPort = (evil.address() as AddressInfo).port;
    const dashboardPort = await freePort();
    const dashboard = startCli(['dashboard', '--targets', `http://127.0.0.1:${evilPort}/metrics,http://127.0.0.1:${evilPort}/moved`, '--dashboard-port', String(dashboardPort), '--scrape-every', '300ms'], { LABELJOIN_LOG_LEVEL: 'error' });
    t.after(() => dashboard.kill('SIGKILL'));
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    t.after(() => browser.close());
    const page = await browser.newPage();
    const base = `http://127.0.0.1:${dashboardPort}`;
    await waitFor(() => page.goto(`${base}/`).then(() => true, () => false), { what: 'the dashboard page to load', timeoutMs: 30_000, everyMs: 250 });
    await page.waitForFunction("document.querySelectorAll('#targets span[title*=\"unterminated\"]').length === 1", undefined, { timeout: 30_000 });
    const titles = await page.$$eval('#targets span', (spans) => spans.map((s) => s.getAttribute('title') ?? ''));
    assert.ok(titles.some((title) => title.includes('<img src=x onerror=')), `the target's text is shown as text: ${JSON.stringify(titles)}`);
    assert.ok(titles.some((title) => /redirect; not followed/.test(title)), `the redirect is not followed: ${JSON.stringify(titles)}`);
    assert.equal(await page.$$eval('#targets img, #totals img', (imgs) => imgs.length), 0, 'no element made from a target\'s text');
    assert.equal(await page.evaluate('window.__pwned'), undefined, 'no script of a target ran');
  });
});
