/**
 * What `npm test` and `npm run demo` need from the machine besides Node, and
 * installing it when it is missing: with apt-get when running as root on a
 * Debian-like system (as CI and a fresh container do), otherwise one line
 * that says exactly what to run. Nothing is installed when all is there.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface Prerequisite {
  /** The command that must be on PATH (or the absolute path of a file that must exist). */
  readonly command: string;
  /** The Debian package that provides it. */
  readonly debianPackage: string;
  /** What needs it, for the message. */
  readonly why: string;
  /** A check beyond the command being there (python3 without its venv module, say); true when it passes. */
  readonly works?: () => boolean;
}

export const BROKER: readonly Prerequisite[] = [
  { command: 'java', debianPackage: 'openjdk-17-jre-headless', why: 'the local Kafka broker' },
  { command: 'mvn', debianPackage: 'maven', why: 'resolving Kafka from Maven Central' },
];

export const TESTS: readonly Prerequisite[] = [
  ...BROKER,
  { command: 'redis-server', debianPackage: 'redis-server', why: "the trainer's Redis store tests" },
  { command: process.env['LABELJOIN_CHROMIUM'] ?? '/usr/bin/chromium', debianPackage: 'chromium', why: "the dashboard's browser test" },
  // Debian ships venv and ensurepip apart from python3; the interop tests make a virtual environment.
  { command: 'python3', debianPackage: 'python3-venv', why: 'the interop tests\' Python virtual environment', works: () => spawnSync('python3', ['-c', 'import venv, ensurepip'], { stdio: 'ignore' }).status === 0 },
];

/**
 * Makes sure every prerequisite is there, installing the missing ones when it
 * can; returns false (after one line on `write`) when some are still missing.
 */
export function ensurePrerequisites(needed: readonly Prerequisite[], write: (line: string) => void): boolean {
  const missing = needed.filter((p) => !usable(p));
  if (missing.length === 0) return true;
  const packages = [...new Set(missing.map((p) => p.debianPackage))];
  const what = missing.map((p) => `${p.command} (${p.why})`).join(', ');
  const root = process.getuid?.() === 0;
  if (!root || !present('apt-get')) {
    write(`missing ${what}: install with \`${root ? '' : 'sudo '}apt-get install ${packages.join(' ')}\` (Debian/Ubuntu), or put them on PATH`);
    return false;
  }
  write(`missing ${what}: installing ${packages.join(' ')} with apt-get (once)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  const install = update.status === 0 ? spawnSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: ['ignore', 'ignore', 'inherit'], env }) : update;
  const still = needed.filter((p) => !usable(p));
  if (install.status !== 0 || still.length > 0) {
    write(`apt-get could not install ${packages.join(' ')} (exit ${install.status ?? 'signal'}); install them by hand: apt-get install ${packages.join(' ')}`);
    return false;
  }
  return true;
}

function usable(p: Prerequisite): boolean {
  return present(p.command) && (p.works === undefined || p.works());
}

/** Whether a command is on PATH (or, for an absolute path, whether that file is executable). */
function present(command: string): boolean {
  const candidates = command.includes('/') ? [command] : (process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== '').map((d) => join(d, command));
  return candidates.some((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
