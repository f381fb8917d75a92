/**
 * Reads and checks the two inputs of `labeljoin cost`: the price sheet
 * (cost/prices.json) and the measured figures (cost/measurements.json). A
 * missing or non-numeric figure is an error naming the file and the key, so
 * a projection never runs on a silent default.
 */
import { readFileSync } from 'node:fs';
import { CostInputError } from './errors.js';
import { PRICE_KEYS, SIZING_KEYS, WIRE_KINDS, type Measurements, type PriceSheet, type Sourced, type WireFigures } from './cost-model.js';

type Json = Record<string, unknown>;

function readJson(file: string): Json {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CostInputError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, error);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Json;
  } catch (error) {
    throw new CostInputError(file, `is not a JSON object (${error instanceof Error ? error.message : String(error)})`, error);
  }
}

function object(file: string, value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CostInputError(file, `${path} is missing or not an object`);
  return value as Json;
}

function text(file: string, value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '') throw new CostInputError(file, `${path} is missing or not a string`);
  return value;
}

function number(file: string, value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new CostInputError(file, `${path} is missing or not a number ≥ 0`);
  return value;
}

function sourced(file: string, value: unknown, path: string): Sourced {
  const o = object(file, value, path);
  return { value: number(file, o['value'], `${path}.value`), source: text(file, o['source'], `${path}.source`), ...(typeof o['unit'] === 'string' ? { unit: o['unit'] } : {}) };
}

export function readPriceSheet(file: string): PriceSheet {
  const json = readJson(file);
  const prices = object(file, json['prices'], 'prices');
  const sizing = object(file, json['sizing'], 'sizing');
  return {
    asOf: text(file, json['asOf'], 'asOf'),
    region: text(file, json['region'], 'region'),
    prices: Object.fromEntries(PRICE_KEYS.map((k) => [k, sourced(file, prices[k], `prices.${k}`)])) as PriceSheet['prices'],
    sizing: Object.fromEntries(SIZING_KEYS.map((k) => [k, sourced(file, sizing[k], `sizing.${k}`)])) as PriceSheet['sizing'],
  };
}

export function readMeasurements(file: string): Measurements {
  const json = readJson(file);
  const wire = object(file, json['wire'], 'wire');
  const kinds = Object.fromEntries(WIRE_KINDS.map((kind) => {
    const k = object(file, wire[kind], `wire.${kind}`);
    const compact = k['compactLz4'] === undefined ? undefined : number(file, k['compactLz4'], `wire.${kind}.compactLz4`);
    return [kind, { jsonNone: number(file, k['jsonNone'], `wire.${kind}.jsonNone`), avroLz4: number(file, k['avroLz4'], `wire.${kind}.avroLz4`), compactLz4: compact }];
  })) as Record<(typeof WIRE_KINDS)[number], WireFigures>;
  return {
    source: text(file, json['source'], 'source'),
    wire: { ...kinds, source: text(file, wire['source'], 'wire.source') },
    engagementsPerView: sourced(file, json['engagementsPerView'], 'engagementsPerView'),
    joinerCpuSecondsPerMillionInputEvents: sourced(file, json['joinerCpuSecondsPerMillionInputEvents'], 'joinerCpuSecondsPerMillionInputEvents'),
    joinerStateBytesPerViewInFlight: sourced(file, json['joinerStateBytesPerViewInFlight'], 'joinerStateBytesPerViewInFlight'),
    trainerCpuSecondsPerMillionSamples: sourced(file, json['trainerCpuSecondsPerMillionSamples'], 'trainerCpuSecondsPerMillionSamples'),
  };
}
