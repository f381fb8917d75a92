/**
 * What a reader of samples (validate, the trainer) needs of a declared
 * sample besides the fields the join added: the view's time, user and item,
 * read from the view's own fields by the views declaration, with the same
 * rules as the joiner (./ids.ts). What the view took from its Kafka record
 * ("@key", "@timestamp") the sample carries in record_key, record_timestamp.
 * Throws FieldProblem naming the field.
 */
import { RECORD_KEY, RECORD_TIMESTAMP, type CommonFields } from '../../config/inputs.js';
import { entityKey, timeMs } from './ids.js';
import { pathReader, required } from './record-path.js';
import { CARRIED_KEY_FIELD, CARRIED_TIMESTAMP_FIELD } from './sample-schema.js';

export interface SampleKeys {
  readonly viewTs: number;
  readonly userId: number;
  readonly postId: number;
}

export function declaredSampleKeys(fields: CommonFields): (sample: Record<string, unknown>) => SampleKeys {
  const userPath = fields.user === RECORD_KEY ? CARRIED_KEY_FIELD : fields.user;
  const timePath = fields.time === RECORD_TIMESTAMP ? CARRIED_TIMESTAMP_FIELD : fields.time;
  const user = pathReader(userPath);
  const item = pathReader(fields.item);
  const time = pathReader(timePath);
  return (o) => ({
    viewTs: timeMs(required(time, o, timePath), fields.timeUnit, timePath),
    userId: entityKey(required(user, o, userPath), fields.user),
    postId: entityKey(required(item, o, fields.item), fields.item),
  });
}
