/**
 * Every setting of labeljoin, with its default, its environment variable, its
 * command-line flag and what it means. This table is the only place a default
 * lives; `labeljoin <command> --help` prints from it.
 *
 * Precedence, lowest first: default < config file (--config FILE, JSON, nested
 * by the dotted key: {"kafka": {"brokers": "..."}}) < environment < flag.
 */
import { PIPELINE_SETTINGS } from './settings-pipeline.js';
import { REGISTRY_SETTINGS } from './settings-registry.js';
import { REPARTITION_SETTINGS } from './settings-repartition.js';
import { SECURITY_SETTINGS } from './settings-security.js';
import { SIM_SETTINGS } from './settings-sim.js';
import { TOOL_SETTINGS } from './settings-tools.js';

export { DEFAULT_KIND_HEADER, DEFAULT_LABEL_TYPES, type SettingSpec } from './setting-spec.js';

/** The table, by dotted key; its parts live by subsystem in settings-pipeline.ts, settings-sim.ts, settings-tools.ts, settings-registry.ts, settings-repartition.ts and settings-security.ts. */
export const SETTINGS = { ...PIPELINE_SETTINGS, ...SIM_SETTINGS, ...TOOL_SETTINGS, ...REGISTRY_SETTINGS, ...REPARTITION_SETTINGS, ...SECURITY_SETTINGS } as const;

export type SettingKey = keyof typeof SETTINGS;
export type SettingValues = { -readonly [K in SettingKey]: (typeof SETTINGS)[K]['default'] };
