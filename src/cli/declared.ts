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
  const engagementsTopic = t.engagements[0]!;
  if (t.engagements.length > 1 || engagementsTopic === t.views) {
    throw new MappingError('declared inputs are read from one views topic and one other engagements topic; several engagement topics and one consolidated topic take labeljoin\'s own schemas for now (docs/inputs.md)');
  }
  const declared = new DeclaredInputs({
    views: views === 'labeljoin' ? undefined : views,
    engagements: engagements === 'labeljoin' ? undefined : engagements,
    labelTypes: config.join.labelTypes,
    topics: { views: t.views, engagements: engagementsTopic, samples: t.samples },
    lookup,
    writesSamples,
  });
  await declared.check();
  return declared;
}
