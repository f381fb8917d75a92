/**
 * Errors of the benchmarks: the process under measurement failed or did not
 * report what it measured. Never retriable: a benchmark is run again by hand.
 */
import { LabeljoinError } from '../errors.js';

export class BenchFailedError extends LabeljoinError {
  constructor(what: string, detail: string) {
    super('BENCH_FAILED', `${what}: ${detail}`);
  }
}
