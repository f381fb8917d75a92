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

/** A price sheet or measurements file of `labeljoin cost` that cannot be read or lacks a figure (exit 2). */
export class CostInputError extends LabeljoinError {
  constructor(file: string, detail: string, cause?: unknown) {
    super('INPUT_INVALID', `${file}: ${detail}`, { cause });
  }
}
