/**
 * The declared inputs of a command (src/config/inputs.ts, docs/inputs.md),
 * checked against their schemas before anything is read: a declaration that
 * does not fit stops the command with exit 2, naming the field and schema.
 */
import { DeclaredInputs } from '../codec/declared/declared-inputs.js';
import type { SchemaLookup } from '../codec/declared/writers.js';
import { MappingError } from '../codec/declared/errors.js';
import type { LabeljoinConfig } from '../config/config.js';

/** undefined: both inputs are labeljoin's own schemas. */
export async function openDeclaredInputs(config: LabeljoinConfig, lookup: SchemaLookup | undefined, writesSamples = true): Promise<DeclaredInputs | undefined> {
  const { views, engagements } = config.inputs;
  if (views === 'labeljoin' && engagements === 'labeljoin') return undefined;
  const t = config.topics;
  if (t.engagements.includes(t.views)) {
    throw new MappingError('declared inputs are read from topics of one kind each; one consolidated topic of views and engagements takes labeljoin\'s own schemas for now (docs/inputs.md)');
  }
  const declared = new DeclaredInputs({
    views: views === 'labeljoin' ? undefined : views,
    engagements: engagements === 'labeljoin' ? undefined : engagements,
    labelTypes: config.join.labelTypes,
    topics: { views: t.views, engagements: t.engagements, samples: t.samples },
    lookup,
    writesSamples,
  });
  await declared.check();
  return declared;
}
