#!/usr/bin/env node
/**
 * The labeljoin command line: argument parsing and dispatch only; the work is
 * done by the modules below src/cli. Exit codes: 0 success, 1 failure,
 * 2 usage error (unknown command or flag, bad value).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLabeljoinError, UsageError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { parseCommandArgs, renderHelp, type CommandSpec } from './command.js';
import { kafkaStart, kafkaStatus, kafkaStop } from './kafka-command.js';
import { registryStart, registryStatus, registryStop } from './registry-command.js';
import { repartitionCommand } from './repartition-command.js';
import { autoscaleCommand } from './autoscale-command.js';
import { benchAutoscale } from './bench-autoscale-command.js';
import { benchChaos } from './bench-chaos-command.js';
import { benchAll, benchCodec, benchE2e, benchJoin, benchState, benchTrain } from './bench-command.js';
import { joinCommand } from './join-command.js';
import { simulateCommand } from './simulate-command.js';
import { topicsCreate, topicsList } from './topics-command.js';
import { trainCommand } from './train-command.js';
import { validateCommand } from './validate-command.js';
import { dashboardCommand } from './dashboard-command.js';
import { costCommand } from './cost-command.js';
import { stopWhenNpmParentEnds } from './parent-watch.js';

const COMMANDS: readonly CommandSpec[] = [kafkaStart, kafkaStatus, kafkaStop, registryStart, registryStatus, registryStop, topicsCreate, topicsList, simulateCommand, joinCommand, autoscaleCommand, repartitionCommand, trainCommand, validateCommand, dashboardCommand, costCommand, benchCodec, benchJoin, benchE2e, benchState, benchTrain, benchAutoscale, benchChaos, benchAll];

function version(): string {
  const manifest = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'labeljoin: joins views with engagements from Kafka into labelled training samples, in event time.',
    '',
    'Usage: labeljoin <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary.split('. ')[0]!.replace(/\.$/, '')}`),
    '',
    'Every command takes --brokers HOST:PORT,... (or LABELJOIN_BROKERS) to use an existing',
    'cluster, --config FILE, and --help. Run `labeljoin <command> --help` for its options.',
    'A secured cluster (TLS, mutual TLS, SASL): --security-protocol, --tls-ca-file, --sasl-mechanism, ...;',
    'passwords from the environment or a file only (docs/operations.md, "Secured clusters").',
    '',
  ].join('\n');
}

/** Finds the command named by the leading words of argv. */
function findCommand(argv: readonly string[]): { spec: CommandSpec; rest: string[] } | undefined {
  for (const spec of COMMANDS) {
    const words = spec.name.split(' ');
    if (words.every((w, i) => argv[i] === w)) return { spec, rest: argv.slice(words.length) };
  }
  return undefined;
}

async function main(argv: string[]): Promise<number> {
  const first = argv[0];
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(overview());
    return first === undefined ? 2 : 0;
  }
  if (first === '--version' || first === '-v') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const found = findCommand(argv);
  if (found === undefined) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${first} `));
    if (group.length > 0 && (argv[1] === undefined || argv[1] === '--help' || argv[1] === '-h')) {
      process.stdout.write(`labeljoin ${first}: ${group.map((c) => c.name.split(' ')[1]).join(' | ')}\n\n${group.map((c) => `  ${c.name.padEnd(16)}${c.summary}`).join('\n')}\n`);
      return argv[1] === undefined ? 2 : 0;
    }
    const what = group.length > 0 ? `unknown ${first} command "${argv[1]}"` : `unknown command "${first}"`;
    throw new UsageError(`${what} (see: labeljoin --help)`);
  }
  const context = parseCommandArgs(found.spec, found.rest, process.env);
  if (context === 'help') {
    process.stdout.write(renderHelp(found.spec));
    return 0;
  }
  return found.spec.run(context);
}

// A closed stdout (`labeljoin validate | head -2`) is not an error of ours: stop quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

/** How long a finished command's process may linger for what it left open. */
const LINGER_MS = 10_000;

const stopWatching = stopWhenNpmParentEnds();
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (isLabeljoinError(error)) {
    process.stderr.write(`labeljoin: ${error.message}\n`);
    process.exitCode = error.code === 'USAGE' || error.code === 'CONFIG_INVALID' || error.code === 'MAPPING_INVALID' || error.code === 'INPUT_INVALID' ? 2 : 1;
  } else {
    process.stderr.write(`labeljoin: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  }
}
stopWatching();
// The command is over. Whatever it left open (a client still waiting for a broker that is gone)
// does not keep the process alive: it exits within a few seconds, with the command's exit code.
setTimeout(() => process.exit(), LINGER_MS).unref();
