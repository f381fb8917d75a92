/**
 * The shape of one setting, and the value lists settings share. Kept apart
 * from the tables (settings-*.ts) so they can use it without an import cycle.
 * The vocabularies of other layers are theirs: compressions in src/kafka,
 * formats in src/codec, log levels and formats in src/log.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Parser } from './parse.js';

/** The record header that tells a view from an engagement in a topic of both (topics.kindHeader). */
export const DEFAULT_KIND_HEADER = 'labeljoin-kind';

export const DEFAULT_LABEL_TYPES = ['like', 'share', 'comment', 'favorite', 'play', 'skip'];

export interface SettingSpec<T> {
  readonly default: T;
  readonly parse: Parser<T>;
  readonly doc: string;
  readonly env?: string;
  readonly flag?: string;
  /** Value placeholder in --help, e.g. N or DIR. */
  readonly meta?: string;
}

export function setting<T>(spec: SettingSpec<T>): SettingSpec<T> {
  return spec;
}

/** Where labeljoin keeps local data by default: $XDG_DATA_HOME or ~/.local/share. */
export function defaultDataHome(): string {
  return process.env['XDG_DATA_HOME'] ?? join(homedir(), '.local', 'share');
}
