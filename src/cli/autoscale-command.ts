/**
 * labeljoin autoscale [options] -- JOIN-FLAGS...
 *
 * A supervisor: runs `labeljoin join JOIN-FLAGS` instances of one group on
 * this machine and follows the desired-instances figure of
 * src/scale/autoscaler.ts. Every --scale-every:
 *   1. scrape each instance's /metrics (127.0.0.1, a port the supervisor gave
 *      it): the views' lag beyond the window, the most over its partitions;
 *   2. read each instance's CPU from /proc/PID/stat;
 *   3. compute the figure; start instances (instance ids GROUP-1, GROUP-2, ...:
 *      static membership) or stop the newest with SIGTERM (it finishes its
 *      cycle, commits and leaves the group; its partitions move, their state is
 *      rebuilt from Kafka by the new owner: nothing is copied);
 *   4. export the figure on its own --metrics-port (labeljoin_autoscale_*) and,
 *      with --timeline FILE, append one JSON line (t, instances, desired,
 *      lag_s, cpu, input_per_s, reason).
 * An instance that exits on its own is started again. SIGTERM/SIGINT stop every
 * instance the same way, then the supervisor exits 0. Killed, it leaves none
 * behind: the instances watch their parent (LABELJOIN_STOP_WITH_PARENT).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { Gauge, Registry } from 'prom-client';
import { processCpuSeconds } from '../bench/process-usage.js';
import { UsageError } from '../errors.js';
import { freePort } from '../kafka/local/broker.js';
import { serve } from '../observe/http.js';
import { maxOf, parsePromText, sumOf } from '../observe/prom-text.js';
import { packageRoot } from '../paths.js';
import { Autoscaler } from '../scale/autoscaler.js';
import { systemClock } from '../time/clock.js';
import { parseCommandArgs, type CommandSpec } from './command.js';
import { joinCommand } from './join-command.js';

interface Instance {
  readonly index: number;
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<number>;
  stopping: boolean;
  cpuBefore: { at: number; seconds: number } | undefined;
}

const SET_BY_SUPERVISOR = ['instance-id', 'metrics-port', 'metrics-host', 'drain'];

export const autoscaleCommand: CommandSpec = {
  name: 'autoscale',
  summary: 'Run joiner instances of one group on this machine and start or stop them by the desired-instances figure (views\' lag beyond the window, its trend, CPU).',
  details: [
    'Give the join flags after --, e.g. labeljoin autoscale --min 1 --max 4 -- --views-topic views --group g.',
    'Instances get instance ids GROUP-1..GROUP-N and metrics ports of their own on 127.0.0.1; the supervisor serves',
    'labeljoin_autoscale_desired_instances, _instances and _lag_beyond_window_seconds on --metrics-port.',
    'The rule and its cool-downs: docs/operations.md, "Autoscaling". SIGTERM/SIGINT stop the instances cleanly, then exit 0.',
  ].join('\n'),
  settings: ['autoscale.min', 'autoscale.max', 'autoscale.lagBoundMs', 'autoscale.upCooldownMs', 'autoscale.downCooldownMs', 'autoscale.cpuHigh', 'autoscale.cpuLow', 'autoscale.everyMs', 'observe.metricsHost', 'observe.metricsPort'],
  flags: [{ name: 'timeline', type: 'string', meta: 'FILE', doc: 'append one JSON line per step (t, instances, desired, lag_s, cpu, input_per_s, reason)' }],
  positionals: { meta: '-- JOIN-FLAGS...', max: 500 },
  async run(ctx) {
    const { config, log } = ctx;
    const joinArgs = [...ctx.positionals];
    const given = SET_BY_SUPERVISOR.find((f) => joinArgs.includes(`--${f}`));
    if (given !== undefined) throw new UsageError(`--${given} is set by the supervisor for each instance; leave it out of the join flags`);
    const joinCtx = parseCommandArgs(joinCommand, joinArgs, process.env);
    if (joinCtx === 'help') throw new UsageError('the join flags after -- ask for help: see labeljoin join --help');
    const group = joinCtx.config.join.groupId;
    const a = config.autoscale;
    if (a.min > a.max) throw new UsageError(`--min ${a.min} is above --max ${a.max}`);
    const scaler = new Autoscaler({ min: a.min, max: a.max, lagBoundMs: a.lagBoundMs, upCooldownMs: a.upCooldownMs, downCooldownMs: a.downCooldownMs, cpuHigh: a.cpuHigh, cpuLow: a.cpuLow });
    const timeline = typeof ctx.flags['timeline'] === 'string' ? ctx.flags['timeline'] : undefined;

    const registry = new Registry();
    const desiredGauge = new Gauge({ name: 'labeljoin_autoscale_desired_instances', help: 'Joiner instances the group needs now (src/scale/autoscaler.ts)', registers: [registry] });
    const instancesGauge = new Gauge({ name: 'labeljoin_autoscale_instances', help: 'Joiner instances running', registers: [registry] });
    const lagGauge = new Gauge({ name: 'labeljoin_autoscale_lag_beyond_window_seconds', help: "The views' lag beyond the window, the most over the group's partitions", registers: [registry] });
    const server = config.observe.metricsPort === 'off' ? undefined : await serve('autoscale metrics', config.observe.metricsHost, config.observe.metricsPort, { '/metrics': async () => ({ type: registry.contentType, body: await registry.metrics() }) });
    if (server !== undefined) log.info('metrics endpoint', { url: `${server.url}/metrics` });

    const instances = new Map<number, Instance>();
    let stopping = false;
    const start = async (index: number): Promise<void> => {
      const port = await freePort();
      const child = spawn(process.execPath, [join(packageRoot(), 'build', 'src', 'cli', 'main.js'), 'join', ...joinArgs, '--instance-id', `${group}-${index}`, '--metrics-host', '127.0.0.1', '--metrics-port', String(port)], {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, LABELJOIN_STOP_WITH_PARENT: '1' },
      });
      const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128))));
      const instance: Instance = { index, child, port, exited, stopping: false, cpuBefore: undefined };
      instances.set(index, instance);
      log.info('instance started', { instance: `${group}-${index}`, pid: child.pid, metrics: port });
      void exited.then((code) => {
        if (instances.get(index) !== instance) return;
        instances.delete(index);
        if (!instance.stopping && !stopping) log.warn('instance exited on its own; it is started again at the next step', { instance: `${group}-${index}`, code });
      });
    };
    const stop = async (instance: Instance): Promise<void> => {
      instance.stopping = true;
      instance.child.kill('SIGTERM');
      const code = await instance.exited;
      log.info('instance stopped', { instance: `${group}-${instance.index}`, code });
    };

    const onSignal = (): void => {
      stopping = true;
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let desired = a.min;
    let inputBefore: { at: number; records: number } | undefined;
    try {
      for (let i = 1; i <= desired; i++) await start(i);
      while (!stopping) {
        await systemClock.sleep(a.everyMs);
        if (stopping) break;
        const now = systemClock.now();
        const seen = await Promise.all([...instances.values()].map((inst) => scrape(inst, now)));
        const lags = seen.flatMap((s) => (s.lagS === undefined ? [] : [s.lagS]));
        const cpus = seen.flatMap((s) => (s.cpu === undefined ? [] : [s.cpu]));
        const records = seen.reduce((sum, s) => sum + s.records, 0);
        const lagMs = lags.length === 0 ? undefined : Math.max(...lags) * 1000;
        const cpu = cpus.length === 0 ? undefined : cpus.reduce((x, y) => x + y, 0) / cpus.length;
        const decision = scaler.observe({ at: now, instances: instances.size, lagMs, cpu });
        const inputPerS = inputBefore === undefined || records < inputBefore.records ? undefined : ((records - inputBefore.records) / (now - inputBefore.at)) * 1000;
        inputBefore = { at: now, records };
        if (decision.desired !== desired) log.info('desired instances', { from: desired, to: decision.desired, reason: decision.reason });
        desired = decision.desired;
        desiredGauge.set(desired);
        instancesGauge.set(instances.size);
        if (lagMs !== undefined) lagGauge.set(lagMs / 1000);
        if (timeline !== undefined) {
          appendFileSync(timeline, `${JSON.stringify({ t: now, instances: instances.size, desired, lag_s: lagMs === undefined ? null : lagMs / 1000, cpu: cpu ?? null, input_per_s: inputPerS ?? null, reason: decision.reason })}\n`);
        }
        for (let i = 1; i <= desired; i++) if (!instances.has(i)) await start(i);
        const extra = [...instances.values()].filter((inst) => inst.index > desired && !inst.stopping);
        await Promise.all(extra.map(stop));
      }
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      await Promise.all([...instances.values()].map(stop));
      await server?.close();
    }
    ctx.out(`autoscale: stopped; ${desired} instance(s) desired at the end`);
    return 0;
  },
};

/** One instance's lag beyond the window (s, the most over its partitions), CPU (share of a core since the last scrape) and input records so far. */
async function scrape(inst: Instance, now: number): Promise<{ lagS: number | undefined; cpu: number | undefined; records: number }> {
  let lagS: number | undefined;
  let records = 0;
  try {
    const response = await fetch(`http://127.0.0.1:${inst.port}/metrics`, { signal: AbortSignal.timeout(1_500), redirect: 'manual' });
    if (response.ok) {
      const samples = parsePromText(await response.text());
      lagS = maxOf(samples, 'labeljoin_join_view_lag_beyond_window_seconds') ?? undefined;
      records = sumOf(samples, 'labeljoin_join_records_in_total');
    }
  } catch {
    // starting, or stopping: no figures from it this step
  }
  const seconds = inst.child.pid === undefined ? undefined : processCpuSeconds(inst.child.pid);
  let cpu: number | undefined;
  if (seconds !== undefined) {
    if (inst.cpuBefore !== undefined && now > inst.cpuBefore.at) cpu = (seconds - inst.cpuBefore.seconds) / ((now - inst.cpuBefore.at) / 1000);
    inst.cpuBefore = { at: now, seconds };
  }
  return { lagS, cpu, records };
}
