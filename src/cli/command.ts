/**
 * How a CLI command is declared and its arguments parsed. A command lists the
 * settings (from src/config/settings.ts) it takes as flags, plus flags of its
 * own; --help text is generated from the same declarations, so it cannot drift.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, type LabeljoinConfig } from '../config/config.js';
import { SETTINGS, type SettingKey } from '../config/settings.js';
import { KAFKA_SECURITY_KEYS } from '../config/settings-security.js';
import { UsageError } from '../errors.js';
import { createLogger, type Logger } from '../log/logger.js';

export interface OwnFlag {
  readonly name: string;
  readonly type: 'boolean' | 'string';
  readonly doc: string;
  readonly meta?: string;
  readonly default?: string;
}

export interface CommandSpec {
  /** e.g. "kafka start" */
  readonly name: string;
  readonly summary: string;
  /** Settings this command reads from flags (each must have a `flag`). */
  readonly settings: readonly SettingKey[];
  readonly flags?: readonly OwnFlag[];
  /** Positional arguments allowed after the command words. */
  readonly positionals?: { readonly meta: string; readonly max: number };
  readonly details?: string;
  run(context: CommandContext): Promise<number>;
}

export interface CommandContext {
  readonly config: LabeljoinConfig;
  readonly flags: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
  readonly log: Logger;
  /** True when --brokers or LABELJOIN_BROKERS chose an existing cluster. */
  readonly brokersGiven: boolean;
  out(line: string): void;
}

/**
 * --json: the command prints its result as one JSON object on stdout (one
 * line, jsonLine) instead of text, for scripts and tests; `what` names it.
 */
export function jsonFlag(what: string): OwnFlag {
  return { name: 'json', type: 'boolean', doc: `print ${what} as one JSON object on stdout instead of text` };
}

/** One line of JSON; bigints (offsets) as decimal strings, since JSON numbers lose their precision. */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** Settings every command accepts. */
export const COMMON_SETTINGS: readonly SettingKey[] = ['log.level', 'log.format'];

/** The settings a command takes as flags: its own, the security of Kafka connections when it talks to Kafka (takes --brokers), and the common ones. */
function commandSettings(spec: CommandSpec): SettingKey[] {
  const kafka = spec.settings.includes('kafka.brokers') ? KAFKA_SECURITY_KEYS.filter((k) => !spec.settings.includes(k)) : [];
  return [...spec.settings, ...kafka, ...COMMON_SETTINGS];
}

export function parseCommandArgs(spec: CommandSpec, argv: readonly string[], env: NodeJS.ProcessEnv): CommandContext | 'help' {
  const options: NonNullable<ParseArgsConfig['options']> = {
    help: { type: 'boolean', short: 'h' },
    config: { type: 'string' },
  };
  for (const key of commandSettings(spec)) {
    const flag = SETTINGS[key].flag;
    if (flag !== undefined) options[flag] = { type: 'string' };
  }
  for (const own of spec.flags ?? []) options[own.name] = { type: own.type };

  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${describeParseError(error)} (see: labeljoin ${spec.name} --help)`);
  }
  if (parsed.values['help'] === true) return 'help';
  const max = spec.positionals?.max ?? 0;
  if (parsed.positionals.length > max) {
    throw new UsageError(`unexpected argument "${parsed.positionals[max]}" (see: labeljoin ${spec.name} --help)`);
  }

  const settingFlags: Record<string, string | undefined> = {};
  for (const key of commandSettings(spec)) {
    const flag = SETTINGS[key].flag;
    if (flag === undefined) continue;
    const value = parsed.values[flag];
    if (typeof value === 'string') settingFlags[flag] = value;
  }
  const configFile = parsed.values['config'];
  const config = loadConfig({ file: typeof configFile === 'string' ? configFile : undefined, env, flags: settingFlags });
  const format = config.log.format === 'auto' ? (process.stderr.isTTY ? 'pretty' : 'json') : config.log.format;
  const log = createLogger({ level: config.log.level, format });
  const brokersGiven = settingFlags['brokers'] !== undefined || (env['LABELJOIN_BROKERS'] ?? '') !== '';
  return {
    config,
    flags: parsed.values as Record<string, string | boolean | undefined>,
    positionals: parsed.positionals,
    log,
    brokersGiven,
    out: (line) => process.stdout.write(`${line}\n`),
  };
}

export function renderHelp(spec: CommandSpec): string {
  const rows: Array<[string, string]> = [];
  for (const own of spec.flags ?? []) {
    rows.push([`--${own.name}${own.type === 'string' ? ` ${own.meta ?? 'VALUE'}` : ''}`, `${own.doc}${own.default === undefined ? '' : ` (default: ${own.default})`}`]);
  }
  for (const key of commandSettings(spec)) {
    const s = SETTINGS[key];
    if (s.flag === undefined) continue;
    const def = Array.isArray(s.default) ? s.default.join(',') : s.default === undefined ? 'none' : String(s.default);
    rows.push([`--${s.flag} ${s.meta ?? 'VALUE'}`, `${s.doc} (default: ${def}${s.env === undefined ? '' : `; env ${s.env}`})`]);
  }
  rows.push(['--config FILE', 'JSON config file; flags and environment override it']);
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const usage = `labeljoin ${spec.name}${spec.positionals === undefined ? '' : ` [${spec.positionals.meta}]`} [options]`;
  return [
    `Usage: ${usage}`,
    '',
    spec.summary,
    ...(spec.details === undefined ? [] : ['', spec.details]),
    '',
    'Options:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`),
    '',
  ].join('\n');
}

function describeParseError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  // node:util parseArgs messages are long and mention "To specify..."; keep the first sentence.
  const first = message.split('. ')[0] ?? message;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return first.replace(/^Unknown option/, 'unknown option');
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return first.replace(/^Option/, 'option');
  return first;
}
