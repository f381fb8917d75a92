/**
 * Wall-clock time, injected: code that needs "now" (pacing, progress, emitted-at,
 * timeouts) takes a Clock, so tests can drive time by hand. Event time never
 * comes from here.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => sleep(ms).then(() => undefined),
};

/** A clock that moves only when told to: for tests. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): void {
    this.#now += ms;
  }

  async sleep(ms: number): Promise<void> {
    this.#now += ms;
  }
}
