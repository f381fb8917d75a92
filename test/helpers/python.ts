/**
 * A Python virtual environment with third-party Kafka clients from PyPI, for
 * the tests that prove interop with clients nobody here wrote
 * (test/integration/interop/, scripts in test/interop/).
 *
 * The test run makes it itself: `python3 -m venv` into a temporary directory
 * next to the cache entry, `pip install` of the pinned packages below, an
 * import check, then one rename into <cache>/labeljoin/test-venv-<hash of
 * the package list and the Python version>. A half-made environment is never
 * renamed, so it is never reused; a finished one is reused by later runs
 * after the same import check (under half a second). pip prints its progress on stderr;
 * a PyPI that does not answer within the time limit fails with one clear
 * message (the project's tests do not skip).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, packageRoot } from '../../src/paths.js';

/**
 * What the interop tests install: confluent-kafka with its Avro and Schema
 * Registry extra (fastavro, the registry client's httpx2, authlib, attrs,
 * cachetools, requests, avro), and every package pip resolves for it, pinned,
 * so each run installs the same versions.
 */
export const PYTHON_PACKAGES: readonly string[] = [
  'confluent-kafka[avro]==2.16.1',
  'fastavro==1.13.1',
  'anyio==4.16.0',
  'attrs==26.1.0',
  'Authlib==1.9.10',
  'avro==1.12.2',
  'cachetools==8.0.2',
  'certifi==2026.10.19.post1',
  'cffi==2.1.1',
  'charset-normalizer==3.5.3',
  'cryptography==50.0.2',
  'h11==0.16.0',
  'httpcore2==2.16.2',
  'httpx2==2.16.2',
  'idna==3.20',
  'joserfc==1.8.0',
  'pycparser==3.12',
  'requests==2.34.2',
  'truststore==0.10.5',
  'typing_extensions==4.16.0',
  'urllib3==2.8.0',
];

/** What the finished environment must import; a failure means it is not usable. */
const IMPORT_CHECK = 'import confluent_kafka, fastavro, confluent_kafka.schema_registry.avro; from importlib.metadata import version; print(version("confluent-kafka"), confluent_kafka.libversion()[0], version("fastavro"))';

export interface PythonVenv {
  /** The environment's python executable. */
  readonly python: string;
  readonly dir: string;
  /** False when an environment of an earlier run was reused. */
  readonly created: boolean;
  readonly ms: number;
  /** confluent-kafka, librdkafka and fastavro versions, as the environment reports them. */
  readonly versions: { readonly confluentKafka: string; readonly librdkafka: string; readonly fastavro: string };
}

export interface VenvOptions {
  /** Limit for the whole pip install (default 6 min). */
  readonly pipTimeoutMs?: number;
  /** Where pip's progress goes (default: stderr, prefixed). */
  readonly progress?: (line: string) => void;
}

let shared: Promise<PythonVenv> | undefined;

/** The environment of this process: made (or found) once, shared by every test that asks. */
export function pythonVenv(options: VenvOptions = {}): Promise<PythonVenv> {
  shared ??= ensureVenv(options);
  return shared;
}

/** A script of test/interop/. */
/** The simulator's foreign shape (schemas/foreign/) and its declaration, which the interop script produces. */
export const FOREIGN_SCHEMAS = join(packageRoot(), 'schemas', 'foreign');
export const FOREIGN_INPUTS = join(FOREIGN_SCHEMAS, 'inputs.json');

/** The labels the interop script's `produce` expects for a view (its --expected file, by impression id). */
export interface ExpectedLabels {
  readonly user: string;
  readonly labels: Record<string, number>;
  readonly delays_ms: Record<string, number | null>;
}

export function interopScript(name: string): string {
  return join(packageRoot(), 'test', 'interop', name);
}

async function ensureVenv(options: VenvOptions): Promise<PythonVenv> {
  const began = Date.now();
  const progress = options.progress ?? ((line: string) => process.stderr.write(`python venv: ${line}\n`));
  const system = systemPython();
  const hash = createHash('sha256').update(`${system.version}\n${PYTHON_PACKAGES.join('\n')}`).digest('hex').slice(0, 12);
  const dir = join(cacheDir(), `test-venv-${hash}`);
  const python = join(dir, 'bin', 'python');

  if (existsSync(python)) {
    const versions = importCheck(python);
    if (versions !== undefined) return { python, dir, created: false, ms: Date.now() - began, versions };
    progress(`${dir} does not import confluent_kafka and fastavro; making it again`);
    rmSync(dir, { recursive: true, force: true });
  }

  mkdirSync(cacheDir(), { recursive: true });
  const partial = `${dir}.${process.pid}.tmp`;
  rmSync(partial, { recursive: true, force: true });
  try {
    progress(`creating ${dir} (${system.version}, once per package list): python3 -m venv, then pip install from PyPI`);
    const venv = spawnSync('python3', ['-m', 'venv', partial], { encoding: 'utf8' });
    if (venv.status !== 0) {
      throw new Error(`python3 -m venv failed (exit ${venv.status ?? 'signal'}): ${(venv.stderr || venv.stdout).trim().split('\n').slice(-3).join(' ')}` +
        ' — on Debian/Ubuntu install python3-venv (`npm test` does so when run as root)');
    }
    await pipInstall(join(partial, 'bin', 'python'), options.pipTimeoutMs ?? 360_000, progress);
    const versions = importCheck(join(partial, 'bin', 'python'));
    if (versions === undefined) throw new Error(`the packages installed into ${partial} do not import: ${IMPORT_CHECK}`);
    writeFileSync(join(partial, 'labeljoin-packages.txt'), `${PYTHON_PACKAGES.join('\n')}\n`);
    try {
      renameSync(partial, dir);
    } catch (error) {
      // Another run finished first: keep its environment, drop ours.
      if (!existsSync(python)) throw error;
      rmSync(partial, { recursive: true, force: true });
    }
    const ready = importCheck(python);
    if (ready === undefined) throw new Error(`${dir} does not import after the rename: ${IMPORT_CHECK}`);
    progress(`ready in ${((Date.now() - began) / 1000).toFixed(1)} s: confluent-kafka ${ready.confluentKafka}, librdkafka ${ready.librdkafka}, fastavro ${ready.fastavro}`);
    return { python, dir, created: true, ms: Date.now() - began, versions: ready };
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}

function systemPython(): { version: string } {
  const r = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) throw new Error(`python3 is not usable (${r.error?.message ?? `exit ${r.status}`}): the interop tests need Python ≥ 3.8 on PATH`);
  return { version: (r.stdout || r.stderr).trim() };
}

function importCheck(python: string): PythonVenv['versions'] | undefined {
  const r = spawnSync(python, ['-c', IMPORT_CHECK], { encoding: 'utf8', timeout: 60_000 });
  const [confluentKafka, librdkafka, fastavro] = r.stdout?.trim().split(' ') ?? [];
  if (r.status !== 0 || confluentKafka === undefined || librdkafka === undefined || fastavro === undefined) return undefined;
  return { confluentKafka, librdkafka, fastavro };
}

/** pip install of the pinned packages; every line of pip's output goes to `progress`, and past `timeoutMs` pip is stopped. */
function pipInstall(python: string, timeoutMs: number, progress: (line: string) => void): Promise<void> {
  const args = ['-m', 'pip', 'install', '--no-input', '--progress-bar', 'off', '--disable-pip-version-check', '--timeout', '30', '--retries', '2', ...PYTHON_PACKAGES];
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
    let tail: string[] = [];
    let pending = '';
    const onData = (chunk: Buffer): void => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines.filter((l) => l.trim() !== '')) {
        progress(line.trimEnd());
        tail = [...tail, line.trim()].slice(-5);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else if (timedOut) reject(new Error(`pip install from PyPI did not finish within ${Math.round(timeoutMs / 1000)} s (is PyPI reachable?); last output: ${tail.join(' | ')}`));
      else reject(new Error(`pip install from PyPI failed (exit ${code ?? 'signal'}; is PyPI reachable?): ${tail.join(' | ')}`));
    });
  });
}
