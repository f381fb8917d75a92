/**
 * Waiting through an outage: runs a step; when it fails with a retriable
 * LabeljoinError (Kafka or the model store is down or restarting, a leader
 * moved), logs "<service> unavailable; retrying", waits 0.25 s doubling to 5 s
 * (on the injected clock) and runs it again. When it works again it logs
 * "<service> answers again; going on". After `timeoutMs` of failures in a row
 * it gives up with the last error's code. Used by the joiner and the trainer.
 */
import { LabeljoinError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from './clock.js';

export interface RetryOptions {
  /** What the step does, for the log and the final error. */
  readonly what: string;
  /** Who is failing, for the log line: "Kafka", "the model store". */
  readonly service: string;
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly log: Logger;
  /** Called before each attempt: a loop that retries through an outage still turns (the /healthz of join and train). */
  readonly onAttempt?: () => void;
}

export async function retryWhileUnavailable<T>(step: () => Promise<T>, o: RetryOptions): Promise<T> {
  let failingSince: number | undefined;
  let pause = 250;
  for (;;) {
    try {
      o.onAttempt?.();
      const result = await step();
      if (failingSince !== undefined) o.log.info(`${o.service} answers again; going on`, { what: o.what, afterMs: o.clock.now() - failingSince });
      return result;
    } catch (error) {
      if (!(error instanceof LabeljoinError) || !error.retriable) throw error;
      const now = o.clock.now();
      failingSince ??= now;
      if (now - failingSince > o.timeoutMs) {
        throw new LabeljoinError(error.code, `gave up after ${Math.round((now - failingSince) / 1000)} s of failures in ${o.what}: ${error.message}`, { cause: error });
      }
      o.log.warn(`${o.service} unavailable; retrying`, { what: o.what, error: error.message, retryInMs: pause });
      await o.clock.sleep(pause);
      pause = Math.min(pause * 2, 5_000);
    }
  }
}
