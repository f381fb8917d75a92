/**
 * `npm test`: runs every test file under build/test with node's test runner,
 * against one real Apache Kafka broker started for this run.
 *
 * 0. Check what the tests need from the machine (Java, Maven, redis-server,
 *    chromium, python3's venv: ./prerequisites.ts) and install what is missing with apt-get when
 *    root on Debian, or stop with one line saying what to install.
 * 1. Start a broker (our `kafka start` code) on a free port with a fresh data
 *    directory in the temp dir, unless LABELJOIN_TEST_BROKERS names a cluster.
 * 2. Run `node --test` on the test files with LABELJOIN_TEST_BROKERS set;
 *    integration tests connect there, make unique topics and delete them.
 * 3. Stop the broker and remove its data, whatever the outcome; on failure
 *    print the end of the broker log.
 *
 * Arguments are test-file filters: `npm test -- partitioner` runs the files
 * whose path contains "partitioner".
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { brokerPaths, freePort, logTail, startLocalBroker, stopLocalBroker } from '../src/kafka/local/broker.js';
import { createLogger } from '../src/log/logger.js';
import { packageRoot } from '../src/paths.js';
import { BROKER, ensurePrerequisites, TESTS } from './prerequisites.js';

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...testFiles(path));
    else if (name.endsWith('.test.js') && hasSource(path)) out.push(path);
  }
  return out.sort();
}

/** Skips compiled tests whose TypeScript source was deleted (tsc leaves their output behind). */
function hasSource(compiled: string): boolean {
  const source = join(packageRoot(), relative(join(packageRoot(), 'build'), compiled)).replace(/\.js$/, '.ts');
  return existsSync(source);
}

function runNodeTest(files: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const reporter = process.stdout.isTTY ? 'spec' : 'tap';
    const child = spawn(process.execPath, ['--test', `--test-reporter=${reporter}`, ...files], { stdio: 'inherit', env });
    child.on('close', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
}

async function main(): Promise<number> {
  const root = packageRoot();
  const filters = process.argv.slice(2);
  const files = testFiles(join(root, 'build', 'test')).filter(
    (f) => filters.length === 0 || filters.some((filter) => relative(root, f).includes(filter)),
  );
  if (files.length === 0) {
    process.stderr.write(`no test files match ${filters.join(' ')}\n`);
    return 1;
  }

  const external = process.env['LABELJOIN_TEST_BROKERS'];
  // The whole suite needs everything; a filtered run, the broker's part (its tests say what else they miss).
  const needed = filters.length === 0 ? TESTS : external !== undefined && external !== '' ? [] : BROKER;
  if (!ensurePrerequisites(needed, (line) => process.stderr.write(`npm test: ${line}\n`))) return 1;

  if (external !== undefined && external !== '') {
    process.stderr.write(`tests use the cluster at ${external}\n`);
    return runNodeTest(files, process.env);
  }

  const log = createLogger({ level: 'info', format: 'pretty' }).child('test.broker');
  const dataDir = mkdtempSync(join(tmpdir(), 'labeljoin-test-kafka-'));
  const port = await freePort();
  let code = 1;
  try {
    const started = await startLocalBroker({ port, dataDir, heapMb: 768, startTimeoutMs: 120_000, log });
    log.info('test broker up', { bootstrap: started.state.bootstrap, ms: started.elapsedMs });
    code = await runNodeTest(files, { ...process.env, LABELJOIN_TEST_BROKERS: started.state.bootstrap });
    if (code !== 0) {
      process.stderr.write(`\nend of the test broker's log:\n${logTail(brokerPaths(dataDir), 30).join('\n')}\n`);
    }
  } finally {
    try {
      await stopLocalBroker(dataDir, log);
    } catch (error) {
      log.warn('stopping the test broker failed', { error });
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
  return code;
}

process.exitCode = await main();
