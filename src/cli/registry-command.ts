/**
 * labeljoin registry start | status | stop: the local schema registry
 * (src/schema-registry/local/), or a check of the one --schema-registry names.
 */
import { resolve } from 'node:path';
import { SchemaRegistryClient } from '../schema-registry/client.js';
import { SchemaRegistryNotRunningError } from '../schema-registry/errors.js';
import { answers, registryPaths, runningRegistry, startLocalRegistry, stopLocalRegistry } from '../schema-registry/local/server.js';
import { registryClientOptions } from '../schema-registry/settings.js';
import { jsonFlag, jsonLine, type CommandContext, type CommandSpec } from './command.js';

const LOCAL_SETTINGS = ['registry.port', 'registry.dataDir', 'registry.url', 'registry.username', 'registry.passwordFile', 'registry.tlsCaFile'] as const;

export const registryStart: CommandSpec = {
  name: 'registry start',
  summary: 'Start a local schema registry (Apicurio Registry, Confluent-compatible API) on 127.0.0.1; schemas are kept in memory only.',
  details: [
    'The first start builds the registry from Maven Central into labeljoin\'s cache (schema-registry/pom.xml;',
    'about 200 MB into ~/.m2); later starts reuse that build. Returns once the registry answers, and prints',
    'the URL to give to --schema-registry. Its schemas are lost when it stops: it is for development,',
    'tests and the demo. With --schema-registry or LABELJOIN_SCHEMA_REGISTRY_URL an existing registry is',
    'checked instead and nothing is started.',
  ].join('\n'),
  settings: LOCAL_SETTINGS,
  flags: [jsonFlag('the registry started')],
  async run(ctx) {
    if (ctx.config.registry.url !== undefined) return describeExternal(ctx, 'using the existing registry; nothing to start');
    const result = await startLocalRegistry({ ...ctx.config.registry, log: ctx.log.child('registry.local') });
    const s = result.state;
    const log = registryPaths(s.dataDir).log;
    if (ctx.flags['json'] === true) {
      ctx.out(jsonLine({ started: result.started, url: s.url, pid: s.pid, port: s.port, dataDir: s.dataDir, apicurioVersion: s.apicurioVersion, built: result.built, elapsedMs: result.elapsedMs, log }));
      return 0;
    }
    if (!result.started) {
      ctx.out(`schema registry (Apicurio ${s.apicurioVersion}) is already running at ${s.url} (pid ${s.pid}, data ${s.dataDir})`);
      return 0;
    }
    const how = result.built ? 'built from Maven Central' : 'cached build';
    ctx.out(`schema registry (Apicurio ${s.apicurioVersion}, in-memory) running at ${s.url} (pid ${s.pid}, ${how}, up in ${(result.elapsedMs / 1000).toFixed(1)} s)`);
    ctx.out(`registry log: ${log}`);
    return 0;
  },
};

export const registryStatus: CommandSpec = {
  name: 'registry status',
  summary: 'Show the local schema registry of --data, or check the one --schema-registry names. Exit 1 when none answers.',
  settings: LOCAL_SETTINGS,
  flags: [jsonFlag('the registry\'s state')],
  async run(ctx) {
    if (ctx.config.registry.url !== undefined) return describeExternal(ctx, 'answers');
    const dataDir = resolve(ctx.config.registry.dataDir);
    const s = runningRegistry(dataDir);
    const json = ctx.flags['json'] === true;
    if (s === undefined) {
      ctx.out(json ? jsonLine({ running: false, answers: false, dataDir }) : `no local schema registry is running (data ${dataDir})`);
      return 1;
    }
    const ok = await answers(s.url);
    if (json) ctx.out(jsonLine({ running: true, answers: ok, url: s.url, pid: s.pid, port: s.port, dataDir: s.dataDir, apicurioVersion: s.apicurioVersion, startedAt: s.startedAt }));
    else if (ok) ctx.out(`schema registry (Apicurio ${s.apicurioVersion}) running at ${s.url} (pid ${s.pid}, data ${s.dataDir}, up since ${s.startedAt})`);
    else ctx.out(`schema registry process ${s.pid} is alive but does not answer at ${s.url} (see ${registryPaths(s.dataDir).log})`);
    return ok ? 0 : 1;
  },
};

export const registryStop: CommandSpec = {
  name: 'registry stop',
  summary: 'Stop the local schema registry of --data (SIGTERM; SIGKILL after 30 s); its schemas are gone with it.',
  details: 'With --schema-registry or LABELJOIN_SCHEMA_REGISTRY_URL set, nothing is stopped (exit 2): labeljoin stops only what it started.',
  settings: LOCAL_SETTINGS,
  flags: [jsonFlag('what was stopped')],
  async run(ctx) {
    if (ctx.config.registry.url !== undefined) {
      ctx.out('--schema-registry names an external registry; labeljoin only stops registries it started');
      return 2;
    }
    const dataDir = resolve(ctx.config.registry.dataDir);
    const json = ctx.flags['json'] === true;
    try {
      const s = await stopLocalRegistry(dataDir, ctx.log.child('registry.local'));
      ctx.out(json ? jsonLine({ stopped: true, url: s.url, pid: s.pid, dataDir }) : `stopped the schema registry at ${s.url} (pid ${s.pid}, data ${dataDir})`);
    } catch (error) {
      if (!(error instanceof SchemaRegistryNotRunningError)) throw error;
      ctx.out(json ? jsonLine({ stopped: false, dataDir }) : `no local schema registry was running (data ${dataDir})`);
    }
    return 0;
  },
};

async function describeExternal(ctx: CommandContext, what: string): Promise<number> {
  const client = new SchemaRegistryClient({ ...registryClientOptions(ctx.config.registry), retryTimeoutMs: 0 });
  const subjects = await client.subjects();
  if (ctx.flags['json'] === true) ctx.out(jsonLine({ external: true, answers: true, url: client.url, subjects: subjects.length }));
  else ctx.out(`schema registry at ${client.url}: ${what} (${subjects.length} subject${subjects.length === 1 ? '' : 's'})`);
  return 0;
}
