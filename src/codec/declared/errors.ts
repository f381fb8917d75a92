/**
 * Errors of declared inputs found before any record is read.
 */
import { LabeljoinError } from '../../errors.js';

/** A declaration that does not fit its schema, or a schema file that cannot be used: refused at start-up (exit 2). */
export class MappingError extends LabeljoinError {
  constructor(message: string) {
    super('MAPPING_INVALID', message);
  }
}
