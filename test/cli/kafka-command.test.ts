/**
 * `labeljoin kafka start` when a tool it needs is missing: a clear one-line
 * reason and exit code 1, before anything is started; `kafka stop` stopping
 * one broker and leaving the others; both commands with LABELJOIN_BROKERS.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { localBrokerPort } from '../../src/kafka/local/address.js';
import { freePort } from '../../src/kafka/local/broker.js';
import { runCli } from '../helpers/cli.js';
import { testDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

describe('labeljoin kafka start without its tools', () => {
  it('names Java when JAVA_HOME points to no Java', async (t) => {
    const data = testDir(t, 'nojava');
    const r = await runCli(['kafka', 'start', '--port', String(await freePort()), '--data', data], { JAVA_HOME: '/nonexistent/jdk' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^labeljoin: Java 17 or newer is needed to run the local Kafka broker: could not run "\/nonexistent\/jdk\/bin\/java" \(ENOENT\)/);
  });

  it('names Maven when the jars are not cached and mvn is not on PATH', async (t) => {
    const data = testDir(t, 'nomvn');
    const emptyCache = testDir(t, 'cache');
    // Java stays reachable through JAVA_HOME (found from the java on PATH); only mvn disappears.
    const javaDir = process.env['JAVA_HOME'] ?? dirname(dirname(realpathSync(execFileSync('which', ['java'], { encoding: 'utf8' }).trim())));
    const r = await runCli(['kafka', 'start', '--port', String(await freePort()), '--data', data], {
      XDG_CACHE_HOME: emptyCache,
      JAVA_HOME: javaDir,
      PATH: '/nonexistent-bin',
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^labeljoin: Maven \(mvn\) is needed to fetch the Kafka broker from Maven Central/);
  });
});

/**
 * `kafka stop` chooses one broker. The brokers here are stand-ins: a process
 * whose command line carries the `-Dlabeljoin.dataDir=DIR` mark a real broker
 * carries, with its broker.json, so the selection and the signal are the
 * real ones without starting JVMs.
 */
interface FakeBroker {
  readonly dir: string;
  readonly port: number;
  readonly child: ChildProcess;
}

function fakeBroker(t: TestContext, dir: string, port: number): FakeBroker {
  mkdirSync(dir, { recursive: true });
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', '--', `-Dlabeljoin.dataDir=${dir}`], { stdio: 'ignore' });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const state = { pid: child.pid, port, controllerPort: port + 1, bootstrap: `127.0.0.1:${port}`, dataDir: dir, kafkaVersion: 'fake', clusterId: 'fake', startedAt: new Date().toISOString() };
  writeFileSync(join(dir, 'broker.json'), JSON.stringify(state));
  return { dir, port, child };
}

function alive(b: FakeBroker): boolean {
  return b.child.exitCode === null && b.child.signalCode === null;
}

/** Two brokers in the registry: the default data directory's (port 19092) and another checkout's (port 29092). */
async function twoBrokers(t: TestContext): Promise<{ env: NodeJS.ProcessEnv; home: FakeBroker; other: FakeBroker }> {
  const root = testDir(t, 'stop');
  const env = { XDG_STATE_HOME: join(root, 'state'), XDG_DATA_HOME: join(root, 'share'), LABELJOIN_BROKERS: '', LABELJOIN_KAFKA_DATA: '', LABELJOIN_KAFKA_PORT: '' };
  const home = fakeBroker(t, join(root, 'share', 'labeljoin', 'kafka'), 19092);
  const other = fakeBroker(t, join(root, 'other-checkout', 'kafka'), 29092);
  mkdirSync(join(root, 'state', 'labeljoin'), { recursive: true });
  writeFileSync(join(root, 'state', 'labeljoin', 'local-brokers.json'), JSON.stringify({ dataDirs: [home.dir, other.dir] }));
  // The stand-ins count as brokers once /proc shows their marker argument (a spawned process gets its command line on exec).
  for (const b of [home, other]) {
    await waitFor(() => {
      try {
        return readFileSync(`/proc/${b.child.pid}/cmdline`, 'utf8').includes(`-Dlabeljoin.dataDir=${b.dir}`);
      } catch {
        return false;
      }
    }, { what: `the stand-in broker of ${b.dir} to show its marker in /proc`, timeoutMs: 10_000, everyMs: 10 });
  }
  return { env, home, other };
}

async function exited(b: FakeBroker): Promise<void> {
  if (alive(b)) await once(b.child, 'exit');
}

describe('labeljoin kafka stop', () => {
  it('without --data or --port stops the default data directory\'s broker only, and lists the one left running', async (t) => {
    const { env, home, other } = await twoBrokers(t);
    const r = await runCli(['kafka', 'stop'], env);
    assert.equal(r.code, 0, r.stderr);
    await exited(home);
    assert.equal(alive(other), true, 'the other checkout\'s broker keeps running');
    assert.match(r.stdout, new RegExp(`^stopped Kafka at 127.0.0.1:19092 \\(pid ${home.child.pid}, data ${home.dir}\\)$`, 'm'));
    assert.match(r.stdout, new RegExp(`^still running: Kafka at 127.0.0.1:29092 \\(pid ${other.child.pid}, data ${other.dir}\\); stop it with: labeljoin kafka stop --data ${other.dir}$`, 'm'));

    const again = await runCli(['kafka', 'stop'], env);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /^no local Kafka broker was running \(default data /m);
    assert.equal(alive(other), true);
  });

  it('with --port stops the broker on that port only', async (t) => {
    const { env, home, other } = await twoBrokers(t);
    const r = await runCli(['kafka', 'stop', '--port', '29092'], env);
    assert.equal(r.code, 0, r.stderr);
    await exited(other);
    assert.equal(alive(home), true);
    assert.match(r.stdout, /^still running: Kafka at 127\.0\.0\.1:19092 /m);
  });

  it('with --data stops that directory\'s broker only', async (t) => {
    const { env, home, other } = await twoBrokers(t);
    const r = await runCli(['kafka', 'stop', '--data', other.dir], env);
    assert.equal(r.code, 0, r.stderr);
    await exited(other);
    assert.equal(alive(home), true);
  });

  it('with LABELJOIN_BROKERS naming a loopback address stops the broker on that port', async (t) => {
    const { env, home, other } = await twoBrokers(t);
    const r = await runCli(['kafka', 'stop'], { ...env, LABELJOIN_BROKERS: 'localhost:29092' });
    assert.equal(r.code, 0, r.stderr);
    await exited(other);
    assert.equal(alive(home), true);
  });

  it('with --brokers naming another cluster stops nothing, says why in one line and exits 1', async (t) => {
    const { env, home, other } = await twoBrokers(t);
    const r = await runCli(['kafka', 'stop', '--brokers', 'kafka-1.example.com:9092'], env);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'labeljoin: --brokers kafka-1.example.com:9092 names a cluster labeljoin did not start, so nothing was stopped; labeljoin stops only its local brokers: give --data DIR or --port N (see: labeljoin kafka status)\n');
    assert.equal(alive(home) && alive(other), true);
  });
});

describe('labeljoin kafka start with LABELJOIN_BROKERS', () => {
  it('refuses a --port that differs from the port the environment names, in one line (exit 2)', async (t) => {
    const r = await runCli(['kafka', 'start', '--port', '19093', '--data', testDir(t, 'envport')], { LABELJOIN_BROKERS: '127.0.0.1:19094' });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'labeljoin: --port 19093 and LABELJOIN_BROKERS=127.0.0.1:19094 name different ports; give only one of them (see: labeljoin kafka start --help)\n');
  });

  it('says so when the port the environment names is taken by something that is not Kafka (exit 1)', async (t) => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => server.close());
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const r = await runCli(['kafka', 'start', '--data', testDir(t, 'envbusy')], { LABELJOIN_BROKERS: `127.0.0.1:${port}` });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `labeljoin: port ${port} on 127.0.0.1, named by LABELJOIN_BROKERS=127.0.0.1:${port}, is in use by something that is not a Kafka broker; name a free port there\n`);
  });

  it('names a cluster it cannot start and that does not answer, and says what to do (exit 1)', async (t) => {
    const r = await runCli(['kafka', 'start', '--data', testDir(t, 'envremote')], { LABELJOIN_BROKERS: 'nowhere.invalid:9092' });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'labeljoin: LABELJOIN_BROKERS=nowhere.invalid:9092 names a cluster labeljoin does not start (it starts one broker on 127.0.0.1), and no broker answered there: start that cluster, or name 127.0.0.1:PORT, or unset it to start the local broker\n');
  });
});

describe('localBrokerPort', () => {
  it('is the port of one loopback address, else undefined', () => {
    assert.equal(localBrokerPort(['127.0.0.1:9092']), 9092);
    assert.equal(localBrokerPort(['localhost:19092']), 19092);
    assert.equal(localBrokerPort(['[::1]:9093']), 9093);
    assert.equal(localBrokerPort(['10.0.0.5:9092']), undefined);
    assert.equal(localBrokerPort(['127.0.0.1:9092', '127.0.0.1:9093']), undefined);
    assert.equal(localBrokerPort(['kafka:9092']), undefined);
  });
});
