/**
 * Chaos in one run (`labeljoin bench chaos`, issue 21): faults that come together,
 * on a replicated cluster, under live traffic.
 *   1. a local cluster of three nodes of its own (src/kafka/local/cluster.ts) and
 *      fresh topics with replication factor 3, min.insync.replicas 2;
 *   2. the simulator on the wall clock (`--rate live`) for the run's duration;
 *      joiner instances in one group, each with its instance id (static
 *      membership; with --exactly-once also its transactional id);
 *   3. the faults of the seeded schedule (./chaos-schedule.ts) at their times:
 *      joiners killed with kill -9 and started again, partition leaders killed
 *      with kill -9 and started again later, instances added and removed; for
 *      each, its recovery time (below);
 *   4. after the traffic: the instances get SIGTERM, and a `join --drain` of the
 *      same group joins the views of the last window;
 *   5. the samples against the simulator's truth: missing, extra, label
 *      accuracy, repeated sample ids (each repeat must carry the labels of the
 *      first), and every process that ended on its own (a crash) named;
 *   6. topics, cluster and temporary directory removed, however the run ended.
 *
 * Recovery time of a fault, from the moment it was done:
 *   kill-joiner  until the instance started again sends its first sample
 *   kill-leader  until another node leads the partition (failover); and from
 *                the node's restart until it is back in the partition's in-sync replicas
 *   add          until the new instance sends its first sample
 *   remove       until the instance has committed, left and exited
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventCodec } from '../codec/codec.js';
import { KafkaAdmin } from '../kafka/admin.js';
import type { ConnectionSettings } from '../kafka/connection.js';
import { freePortRun, type LocalBrokerOptions } from '../kafka/local/broker.js';
import { nodeDataDir, runningNodes, startLocalCluster, stopLocalCluster, type ClusterState } from '../kafka/local/cluster.js';
import type { Clock } from '../time/clock.js';
import { compareWithTruth, type TruthReport } from '../validate/truth-report.js';
import { startCliProcess, startJoinerProcess, withBenchTopics, type BenchTopics, type CliProcess } from './bench-topics.js';
import { chaosSchedule, describeFault, type ChaosFault, type ChaosPlan } from './chaos-schedule.js';
import { BenchFailedError } from './errors.js';

export interface ChaosBenchOptions {
  readonly plan: ChaosPlan;
  readonly topicPrefix: string;
  readonly viewsPerSecond: number;
  readonly exactlyOnce: boolean;
  /** The local cluster's JVM settings (heap, start timeout); its ports and directory are the run's own. */
  readonly local: Pick<LocalBrokerOptions, 'heapMb' | 'startTimeoutMs'>;
}

export interface FaultOutcome {
  readonly fault: ChaosFault;
  readonly line: string;
  /** ms from the fault to its recovery (see the header); undefined: not seen by the end of the run. */
  readonly recoveryMs: number | undefined;
  /** kill-leader: the node killed, and ms from its restart until it was in sync again. */
  readonly node?: number;
  readonly rejoinMs?: number | undefined;
  /** The fault could not be done or measured (the run then fails). */
  readonly error?: string;
}

export interface ChaosBenchResult {
  readonly seed: number;
  readonly durationS: number;
  readonly exactlyOnce: boolean;
  readonly faults: readonly FaultOutcome[];
  /** Processes that ended without being told to (instance, exit code, last stderr lines). */
  readonly crashes: ReadonlyArray<{ readonly instance: string; readonly code: number; readonly stderr: string }>;
  readonly truth: TruthReport;
  readonly drainS: number;
}

const WINDOW = ['--window', '10s', '--max-skew', '5s', '--out-of-orderness', '3s'];
/** Joiners give up a request after 5 s (the default is longer), so a dead node is left sooner. */
const JOINER_ENV = { LABELJOIN_REQUEST_TIMEOUT_MS: '5000' } as const;
/** Longest wait for one recovery. */
const RECOVERY_LIMIT_MS = 60_000;
/** How long a joiner told to stop (SIGTERM) may take before it is killed (and counted as a crash). */
const STOP_LIMIT_MS = 30_000;
const POLL_MS = 250;

/** Whether the run passed: nothing missing or extra, every label right, no crash, each repeat the same sample, and none at all under exactly-once. */
export function chaosPassed(r: ChaosBenchResult): boolean {
  const t = r.truth;
  return t.missing === 0 && t.extra === 0 && t.labelAccuracy === 1 && t.conflictingRepeats === 0 && r.crashes.length === 0 && r.faults.every((f) => f.error === undefined) && (!r.exactlyOnce || t.duplicateSampleIds === 0);
}

export async function runChaosBench(o: ChaosBenchOptions, codec: EventCodec, clock: Clock, progress: (line: string) => void): Promise<ChaosBenchResult> {
  const schedule = chaosSchedule(o.plan);
  const dataDir = mkdtempSync(join(tmpdir(), 'labeljoin-chaos-kafka-'));
  try {
    const port = await freePortRun(3);
    const clusterOptions = { ...o.local, port, dataDir, nodes: 3 };
    progress(`starting a local cluster of 3 nodes on 127.0.0.1:${port}-${port + 2}`);
    const started = await startLocalCluster(clusterOptions);
    const settings: ConnectionSettings = { brokers: started.bootstrap.split(','), clientId: 'labeljoin-bench-chaos', requestTimeoutMs: 15_000 };
    return await withBenchTopics(settings, o.topicPrefix, o.plan.partitions, ['views', 'engagements', 'samples', 'deadLetter'], (topics, dir) =>
      new ChaosRun(o, schedule, started.cluster, settings, topics, dir, clock, progress, () => startLocalCluster(clusterOptions).then(() => undefined)).run(codec), false, 3);
  } finally {
    await stopLocalCluster(dataDir).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface Instance {
  readonly id: number;
  process: CliProcess;
  /** When this process sent its first sample (clock ms). */
  firstSampleAt: number | undefined;
  /** Told to end (SIGTERM or kill -9): its exit is no crash. */
  ending: boolean;
}

class ChaosRun {
  readonly #instances = new Map<number, Instance>();
  readonly #crashes: Array<{ instance: string; code: number; stderr: string }> = [];
  readonly #admin: KafkaAdmin;
  /** What every joiner of the run gets besides the topics, group and state (startJoinerProcess). */
  readonly #joinFlags: string[];
  /** The run is over: recoveries still waited for are not seen, and nothing more is started. */
  #over = false;
  #sim: CliProcess | undefined;
  /** The last broker fault: the next waits for its node to be back in sync (one node down at a time). */
  #lastNodeFault: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly o: ChaosBenchOptions,
    private readonly schedule: readonly ChaosFault[],
    private readonly cluster: ClusterState,
    private readonly settings: ConnectionSettings,
    private readonly topics: BenchTopics,
    private readonly dir: string,
    private readonly clock: Clock,
    private readonly progress: (line: string) => void,
    private readonly restartNodes: () => Promise<void>,
  ) {
    this.#admin = new KafkaAdmin(settings);
    this.#joinFlags = [...WINDOW, ...(o.exactlyOnce ? ['--exactly-once'] : [])];
  }

  async run(codec: EventCodec): Promise<ChaosBenchResult> {
    const { plan } = this.o;
    const truthFile = join(this.dir, 'truth.ndjson');
    try {
      this.progress(`seed ${plan.seed}: ${this.schedule.length} faults over ${plan.durationMs / 1000} s of live traffic (${this.o.viewsPerSecond} views/s), ${plan.instances} joiners to start${this.o.exactlyOnce ? ', exactly-once' : ''}`);
      for (const f of this.schedule) this.progress(`  ${describeFault(f)}`);
      const sim = (this.#sim = startCliProcess(['simulate', '--brokers', this.settings.brokers.join(','), '--views-topic', this.topics.views, '--engagements-topic', this.topics.engagements,
        ...WINDOW, '--seed', String(plan.seed), '--start', 'now', '--rate', 'live', '--duration', `${plan.durationMs / 1000}s`,
        '--views-per-second', String(this.o.viewsPerSecond), '--late-arrival-rate', '0', '--truth', truthFile]));
      for (let i = 1; i <= plan.instances; i++) this.#start(i);
      const t0 = this.clock.now();
      const outcomes: Array<Promise<FaultOutcome>> = [];
      for (const f of this.schedule) {
        const wait = t0 + f.atMs - this.clock.now();
        if (wait > 0) await this.clock.sleep(wait);
        this.progress(describeFault(f));
        outcomes.push(this.#apply(f).catch((error: unknown) => ({ fault: f, line: describeFault(f), recoveryMs: undefined, error: error instanceof Error ? error.message : String(error) })));
      }
      const left = t0 + plan.durationMs - this.clock.now();
      if (left > 0) await this.clock.sleep(left);
      // Live, the simulator would wait on the wall clock for the long tail of engagement delays: once its
      // event time is over it is stopped (what is in flight goes at once; the truth is finished).
      sim.child.kill('SIGTERM');
      const simCode = await sim.ended;
      if (simCode !== 0) throw new BenchFailedError('labeljoin simulate', `exited ${simCode}: ${sim.stderrTail()}`);
      const faults = await Promise.all(outcomes);
      this.progress('traffic sent and every fault recovered or timed out; stopping the joiners, then join --drain');
      await Promise.all([...this.#instances.values()].map((i) => this.#stop(i)));
      const drainFrom = this.clock.now();
      const drain = this.#joiner([...this.#joinFlags, '--drain', ...(this.o.exactlyOnce ? ['--instance-id', 'drain'] : [])]);
      const drainCode = await drain.ended;
      if (drainCode !== 0) throw new BenchFailedError('labeljoin join --drain', `exited ${drainCode}: ${drain.stderrTail()}`);
      const drainS = (this.clock.now() - drainFrom) / 1000;
      const truth = await compareWithTruth(this.settings, this.topics.samples, truthFile, codec, 'drop');
      return { seed: plan.seed, durationS: plan.durationMs / 1000, exactlyOnce: this.o.exactlyOnce, faults, crashes: this.#crashes, truth, drainS };
    } finally {
      this.#over = true;
      this.#sim?.child.kill('SIGKILL');
      await this.#lastNodeFault.catch(() => undefined); // a node being started again is up before the cluster stops
      for (const i of this.#instances.values()) {
        i.ending = true;
        i.process.child.kill('SIGKILL');
      }
      await this.#admin.close();
    }
  }

  #joiner(flags: readonly string[], onStderr?: (chunk: string) => void): CliProcess {
    return startJoinerProcess(this.settings, this.topics, `${this.o.topicPrefix}-joiner`, join(this.dir, 'state'), flags, JOINER_ENV, onStderr);
  }

  #start(id: number): Instance {
    if (this.#over) throw new BenchFailedError('bench chaos', `joiner ${id} not started: the run is over`);
    const existing = this.#instances.get(id);
    const onStderr = (text: string): void => {
      if (instance.process === process && instance.firstSampleAt === undefined && /samples [1-9]\d* out/.test(text)) instance.firstSampleAt = this.clock.now();
    };
    const process = this.#joiner([...this.#joinFlags, '--instance-id', `i-${id}`, '--progress-every', '500ms'], onStderr);
    const instance: Instance = existing ?? { id, process, firstSampleAt: undefined, ending: false };
    instance.process = process;
    instance.firstSampleAt = undefined;
    instance.ending = false;
    this.#instances.set(id, instance);
    void process.ended.then((code) => {
      if (instance.process === process && !instance.ending) this.#crashes.push({ instance: `joiner ${id}`, code, stderr: process.stderrTail() });
    });
    return instance;
  }

  async #stop(i: Instance): Promise<void> {
    i.ending = true;
    i.process.child.kill('SIGTERM');
    const stopped = await Promise.race([i.process.ended, this.clock.sleep(STOP_LIMIT_MS).then(() => undefined)]);
    if (stopped === undefined) {
      i.process.child.kill('SIGKILL');
      this.#crashes.push({ instance: `joiner ${i.id} (did not stop within ${STOP_LIMIT_MS / 1000} s of SIGTERM)`, code: await i.process.ended, stderr: i.process.stderrTail() });
    } else if (stopped !== 0) this.#crashes.push({ instance: `joiner ${i.id} (stopping)`, code: stopped, stderr: i.process.stderrTail() });
  }

  async #apply(f: ChaosFault): Promise<FaultOutcome> {
    const line = describeFault(f);
    const at = this.clock.now();
    switch (f.kind) {
      case 'kill-joiner': {
        const i = this.#instances.get(f.instance);
        if (i === undefined) return { fault: f, line, recoveryMs: undefined };
        i.ending = true;
        i.process.child.kill('SIGKILL');
        await i.process.ended;
        // Removed meanwhile, or the run is over: not started again.
        if (this.#over || this.#instances.get(f.instance) !== i) return { fault: f, line, recoveryMs: undefined, error: 'removed or the run ended before it was started again' };
        const again = this.#start(f.instance);
        return { fault: f, line, recoveryMs: await this.#until(() => again.firstSampleAt !== undefined, at) };
      }
      case 'add': {
        const i = this.#start(f.instance);
        return { fault: f, line, recoveryMs: await this.#until(() => i.firstSampleAt !== undefined, at) };
      }
      case 'remove': {
        const i = this.#instances.get(f.instance);
        if (i === undefined) return { fault: f, line, recoveryMs: undefined };
        this.#instances.delete(f.instance);
        await this.#stop(i);
        return { fault: f, line, recoveryMs: this.clock.now() - at };
      }
      case 'kill-leader': {
        const previous = this.#lastNodeFault;
        const done = previous.catch(() => undefined).then(() => this.#killLeader(f, line));
        this.#lastNodeFault = done;
        return done;
      }
    }
  }

  /** Kills the partition's leader (after the node killed before is back in sync) and starts it again `downMs` later. */
  async #killLeader(f: Extract<ChaosFault, { kind: 'kill-leader' }>, line: string): Promise<FaultOutcome> {
    if (this.#over) return { fault: f, line, recoveryMs: undefined, error: 'the run ended before the node could be killed' };
    const replicas = async (): Promise<{ leader: number; isr: readonly number[] } | undefined> => (await this.#admin.replication([this.topics.views]).catch(() => undefined))?.get(this.topics.views)?.[f.partition];
    const before = await replicas();
    const node = before?.leader;
    const state = runningNodes(this.cluster.dataDir).find((s) => s.dataDir === nodeDataDir(this.cluster.dataDir, node ?? -1));
    if (node === undefined || state === undefined) throw new BenchFailedError('bench chaos', `no running leader of ${this.topics.views}[${f.partition}] to kill`);
    process.kill(state.pid, 'SIGKILL');
    const at = this.clock.now();
    const failover = this.#until(async () => {
      const r = await replicas();
      return r !== undefined && r.leader > 0 && r.leader !== node;
    }, at);
    const downLeft = at + f.downMs - this.clock.now();
    if (downLeft > 0) await this.clock.sleep(downLeft);
    const restartAt = this.clock.now();
    await this.restartNodes(); // also after the run's end: the cluster is stopped whole
    const rejoinMs = await this.#until(async () => (await replicas())?.isr.includes(node) === true, restartAt);
    return { fault: f, line, node, recoveryMs: await failover, rejoinMs };
  }

  /** ms from `from` until `done` holds (polled), or undefined when it did not within RECOVERY_LIMIT_MS or the run ended first. */
  async #until(done: () => boolean | Promise<boolean>, from: number): Promise<number | undefined> {
    const limit = from + RECOVERY_LIMIT_MS;
    while (!this.#over && this.clock.now() < limit) {
      if (await done()) return this.clock.now() - from;
      await this.clock.sleep(POLL_MS);
    }
    return undefined;
  }
}
