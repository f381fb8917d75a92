/**
 * Waiting in a test for something to happen, instead of sleeping "long
 * enough": polls a condition until it holds, and past a deadline fails with a
 * message naming what it waited for.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** What is awaited, for the failure message: "B to own all 8 partitions". */
  readonly what: string;
  readonly timeoutMs: number;
  /** Pause between two polls (default 100 ms). */
  readonly everyMs?: number;
  /** The state seen last, added to the failure message. */
  readonly detail?: () => string;
}

/**
 * Resolves with the condition's first value that is not false, null or
 * undefined. A condition that throws ends the wait with its error (for a
 * state that can never turn good, such as an exited process).
 */
export async function waitFor<T>(condition: () => T | false | null | undefined | Promise<T | false | null | undefined>, o: WaitOptions): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await condition();
    if (value !== false && value !== null && value !== undefined) return value;
    if (Date.now() - started >= o.timeoutMs) {
      const detail = o.detail === undefined ? '' : `; last seen: ${o.detail()}`;
      throw new Error(`timed out after ${((Date.now() - started) / 1000).toFixed(1)} s waiting for ${o.what}${detail}`);
    }
    await sleep(o.everyMs ?? 100);
  }
}

/** Whether a process with this pid runs (signal 0 checks without signalling). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
