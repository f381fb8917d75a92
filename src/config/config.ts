/**
 * The one validated config object, built from the SETTINGS table:
 * default < config file < environment < flag. A wrong value or an unknown key
 * fails with a ConfigError naming the setting and where the value came from.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LabeljoinError } from '../errors.js';
import { ValueError } from './parse.js';
import { SETTINGS, type SettingKey, type SettingValues } from './settings.js';

export class ConfigError extends LabeljoinError {
  constructor(message: string, cause?: unknown) {
    super('CONFIG_INVALID', message, { cause });
  }
}

/** The value type of one setting: what its parser returns, with lists read-only. */
export type SettingValue<K extends SettingKey> = ReadonlyList<SettingValues[K]>;
type ReadonlyList<T> = T extends ReadonlyArray<infer E> ? readonly E[] : T;

/** The sections of the config: the part of each setting's key before the dot ('join' of 'join.windowMs'). */
export type SectionName = SettingKey extends infer K ? (K extends `${infer S}.${string}` ? S : never) : never;

/** One section of the config, derived from the table: 'join.windowMs' becomes the field windowMs of section join. */
export type ConfigSection<S extends SectionName> = {
  readonly [K in SettingKey as K extends `${S}.${infer F}` ? F : never]: SettingValue<K>;
};

/** The whole config, every section; LabeljoinConfig['join'] is ConfigSection<'join'>. */
export type LabeljoinConfig = { readonly [S in SectionName]: ConfigSection<S> };

/**
 * Two sections in one object, for a subsystem that takes settings of both. It compiles only when the sections share
 * no field name (train and join both have stateDir, say), so that neither hides a setting of the other.
 */
export function bothSections<A extends SectionName, B extends SectionName>(
  config: LabeljoinConfig,
  a: A,
  b: B & ([keyof ConfigSection<A> & keyof ConfigSection<B>] extends [never] ? unknown : never),
): ConfigSection<A> & ConfigSection<B> {
  const first: ConfigSection<A> = config[a];
  const second: ConfigSection<B> = config[b as B];
  return { ...first, ...second };
}

export interface ConfigSources {
  /** Path of a JSON config file (--config). */
  file?: string | undefined;
  /** Environment variables; process.env in the CLI. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Flag values by flag name (without the dashes), as the CLI parsed them. */
  flags?: Readonly<Record<string, string | undefined>>;
}

const KEYS = Object.keys(SETTINGS) as SettingKey[];

export function loadConfig(sources: ConfigSources = {}): LabeljoinConfig {
  const values = new Map<SettingKey, unknown>(KEYS.map((key) => [key, SETTINGS[key].default]));

  if (sources.file !== undefined) {
    for (const [key, raw] of readConfigFile(sources.file)) values.set(key, parseOne(key, raw, `config file ${sources.file}`));
  }
  for (const key of KEYS) {
    const envName = SETTINGS[key].env;
    const raw = envName === undefined ? undefined : sources.env?.[envName];
    if (raw !== undefined && raw !== '') values.set(key, parseOne(key, raw, `environment variable ${envName}`));
  }
  for (const key of KEYS) {
    const flag = SETTINGS[key].flag;
    const raw = flag === undefined ? undefined : sources.flags?.[flag];
    if (raw !== undefined) values.set(key, parseOne(key, raw, `flag --${flag}`));
  }
  return assemble(applySettingRules(Object.fromEntries(values) as SettingValues));
}

function parseOne(key: SettingKey, raw: unknown, source: string): unknown {
  try {
    return SETTINGS[key].parse(raw);
  } catch (error) {
    if (error instanceof ValueError) throw new ConfigError(`invalid ${key} from ${source}: ${error.message}`);
    throw error;
  }
}

function readConfigFile(path: string): Array<[SettingKey, unknown]> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, error);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not the parser's message, nor the error as cause: it quotes the text around the fault, which may be a secret.
    throw new ConfigError(`config file ${path} is not valid JSON (the parser's message is not shown: it quotes the file, which may hold secrets)`);
  }
  if (!isPlainObject(parsed)) throw new ConfigError(`config file ${path} must hold a JSON object`);
  const entries: Array<[SettingKey, unknown]> = [];
  flatten(parsed, '', (key, value) => {
    if (!(key in SETTINGS)) throw new ConfigError(`unknown setting "${key}" in config file ${path}`);
    entries.push([key as SettingKey, key === 'inputs.views' || key === 'inputs.engagements' ? schemaFilesFrom(dirname(resolve(path)), value) : value]);
  });
  return entries;
}

/** A declaration's (or each of a list's) relative schemaFile, resolved against the config file's directory. */
function schemaFilesFrom(dir: string, declaration: unknown): unknown {
  if (Array.isArray(declaration)) return declaration.map((d) => schemaFilesFrom(dir, d));
  if (!isPlainObject(declaration) || typeof declaration['schemaFile'] !== 'string' || declaration['schemaFile'] === '') return declaration;
  return { ...declaration, schemaFile: resolve(dir, declaration['schemaFile']) };
}

function flatten(object: Record<string, unknown>, prefix: string, visit: (key: string, value: unknown) => void): void {
  for (const [name, value] of Object.entries(object)) {
    const key = prefix === '' ? name : `${prefix}.${name}`;
    if (isPlainObject(value) && !(key in SETTINGS)) flatten(value, key, visit);
    else visit(key, value);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The flat values nested by their dotted key: 'join.windowMs' goes to config.join.windowMs. */
function assemble(values: SettingValues): LabeljoinConfig {
  const sections: Record<string, Record<string, unknown>> = {};
  for (const key of KEYS) {
    const dot = key.indexOf('.');
    (sections[key.slice(0, dot)] ??= {})[key.slice(dot + 1)] = values[key];
  }
  return sections as LabeljoinConfig;
}

/**
 * The rules between settings, applied to the values once they are all read:
 * sim.views has a default, so a --duration (sim.durationMs) replaces it;
 * topics.events (one consolidated topic) is the views topic and the one engagements topic.
 */
function applySettingRules(values: SettingValues): SettingValues {
  let out = values['sim.durationMs'] === undefined ? values : { ...values, 'sim.views': undefined };
  const events = out['topics.events'];
  if (events !== undefined) out = { ...out, 'topics.views': events, 'topics.engagements': [events] };
  return out;
}
