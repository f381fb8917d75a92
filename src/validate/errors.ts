/**
 * Errors of the comparison subsystem. A record that does not decode is not an
 * error here (it is counted and shown in the report); an input that cannot be
 * read at all is: the CLI exits 2 on it.
 */
import { LabeljoinError } from '../errors.js';

export class InputError extends LabeljoinError {
  constructor(message: string, cause?: unknown) {
    super('INPUT_INVALID', message, { cause });
  }
}
