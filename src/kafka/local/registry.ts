/**
 * The list of data directories of local brokers started by the CLI, so that
 * `labeljoin kafka status` and `kafka stop` find them without --data.
 *
 * File: <state dir>/labeljoin/local-brokers.json (XDG_STATE_HOME, default
 * ~/.local/state), layout: {"dataDirs": ["/abs/path", ...]}.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { stateDir } from '../../paths.js';

function registryFile(): string {
  return join(stateDir(), 'local-brokers.json');
}

export function registeredDataDirs(): string[] {
  const file = registryFile();
  if (!existsSync(file)) return [];
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { dataDirs?: unknown };
    return Array.isArray(parsed.dataDirs) ? parsed.dataDirs.filter((d): d is string => typeof d === 'string') : [];
  } catch {
    return [];
  }
}

export function registerDataDir(dataDir: string): void {
  const dirs = new Set(registeredDataDirs());
  dirs.add(resolve(dataDir));
  write([...dirs]);
}

export function unregisterDataDir(dataDir: string): void {
  const target = resolve(dataDir);
  write(registeredDataDirs().filter((d) => d !== target));
}

function write(dataDirs: string[]): void {
  const file = registryFile();
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify({ dataDirs }, null, 2)}\n`);
  renameSync(temp, file);
}
