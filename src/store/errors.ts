/**
 * Errors of the model store. STORE_UNAVAILABLE (retriable): the server does not
 * answer; the trainer waits and tries the same batch again. STORE_FAILED: the
 * store refused the operation (a bug or a misconfiguration), not retried.
 */
import { LabeljoinError } from '../errors.js';

export class StoreUnavailableError extends LabeljoinError {
  constructor(what: string, cause?: unknown) {
    super('STORE_UNAVAILABLE', `model store unavailable during ${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause, retriable: true });
  }
}

export class StoreFailedError extends LabeljoinError {
  constructor(what: string, cause?: unknown) {
    super('STORE_FAILED', `model store failed during ${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
