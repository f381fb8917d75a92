/**
 * Runs the built `labeljoin` executable as a user would, and captures its output.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const main = join(packageRoot(), 'build', 'src', 'cli', 'main.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** The one JSON object a command run with --json printed on stdout; fails naming the command when it printed anything else. */
export function jsonOutput<T>(r: CliResult, command: string): T {
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  if (lines.length !== 1) throw new Error(`${command} --json printed ${lines.length} lines, not one JSON object: ${r.stdout}\nstderr: ${r.stderr}`);
  return JSON.parse(lines[0]!) as T;
}

export interface RunningCli {
  readonly done: Promise<CliResult>;
  kill(signal: NodeJS.Signals): void;
  /** Its exit code, or null while it runs. */
  exitCode(): number | null;
  /** The first stderr line matching, or undefined when the process ended or `timeoutMs` (default 2 min) passed first. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<string | undefined>;
  /** Everything written to stderr so far. */
  stderr(): string;
}

/** Starts the CLI without waiting for it, so a test can signal it. */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): RunningCli {
  const main = join(packageRoot(), 'build', 'src', 'cli', 'main.js');
  const child = spawn(process.execPath, [main, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const watchers: Array<{ pattern: RegExp; resolve: (line: string | undefined) => void }> = [];
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    for (const w of [...watchers]) {
      const line = stderr.split('\n').find((l) => w.pattern.test(l));
      if (line !== undefined) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      for (const w of watchers.splice(0)) w.resolve(undefined);
      resolve({ code: code ?? (signal === null ? 1 : 128), stdout, stderr });
    });
  });
  return {
    done,
    kill: (signal) => child.kill(signal),
    exitCode: () => child.exitCode,
    waitForStderr: (pattern, timeoutMs = 120_000) => new Promise((resolve) => {
      const watcher = {
        pattern,
        resolve: (line: string | undefined) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      // A line that never comes fails the test's assertion instead of hanging the run.
      const timer = setTimeout(() => {
        watchers.splice(watchers.indexOf(watcher), 1);
        resolve(undefined);
      }, timeoutMs);
      watchers.push(watcher);
    }),
    stderr: () => stderr,
  };
}
