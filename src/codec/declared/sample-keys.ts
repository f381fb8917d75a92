/**
 * What a reader of samples (validate, the trainer) needs of a declared
 * sample besides the fields the join added: the view's time, user and item,
 * read from the view's own fields by the views declaration, with the same
 * rules as the joiner (./ids.ts). Throws FieldProblem naming the field.
 */
import type { CommonFields } from '../../config/inputs.js';
import { entityKey, timeMs } from './ids.js';
import { pathReader, required } from './record-path.js';

export interface SampleKeys {
  readonly viewTs: number;
  readonly userId: number;
  readonly postId: number;
}

export function declaredSampleKeys(fields: CommonFields): (sample: Record<string, unknown>) => SampleKeys {
  const user = pathReader(fields.user);
  const item = pathReader(fields.item);
  const time = pathReader(fields.time);
  return (o) => ({
    viewTs: timeMs(required(time, o, fields.time), fields.timeUnit, fields.time),
    userId: entityKey(required(user, o, fields.user), fields.user),
    postId: entityKey(required(item, o, fields.item), fields.item),
  });
}
