/**
 * The background servers labeljoin starts for itself (the Kafka broker, the
 * schema registry): each leaves a JSON state file in its data directory with
 * its pid, and carries a -D marker naming that directory on its command line,
 * so that a pid reused by another process is never taken for ours.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../log/logger.js';

/** The state file's object, or undefined when there is none or it does not parse. */
export function readStateFile<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped by its parent) still answers signal 0.
  try {
    return !/\)\s+Z\s/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Whether `pid` is alive and started with `marker` among its arguments (no /proc, not Linux: the pid is trusted). */
export function isOurProcess(pid: number, marker: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(marker);
  } catch {
    return true;
  }
}

export function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Stops a server: SIGTERM, then SIGKILL once `timeoutMs` passed; resolves when it is gone. A process that
 * survives SIGKILL fails with the caller's error.
 */
export async function terminate(pid: number, o: { readonly what: string; readonly timeoutMs: number; readonly log: Logger; readonly survived: (pid: number) => Error }): Promise<void> {
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + o.timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      o.log.warn(`${o.what} did not stop in time; killing it`, { pid, timeoutMs: o.timeoutMs });
      killQuietly(pid);
      await sleep(500);
      if (isAlive(pid)) throw o.survived(pid);
      return;
    }
    await sleep(100);
  }
}

/** A JVM started detached, its output appended to a log file; `exit()` says how it ended (undefined while it runs). */
export interface LaunchedJvm {
  readonly pid: number | undefined;
  readonly child: ChildProcess;
  readonly exit: () => string | undefined;
}

export function launchJvm(java: string, jvmArgs: readonly string[], logFile: string): LaunchedJvm {
  const out = openSync(logFile, 'a');
  const child = spawn(java, jvmArgs, { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  let exit: string | undefined;
  child.on('exit', (code, signal) => {
    exit = signal === null ? `exit code ${code}` : `signal ${signal}`;
  });
  child.on('error', (error) => {
    exit = error.message;
  });
  return { pid: child.pid, child, exit: () => exit };
}
