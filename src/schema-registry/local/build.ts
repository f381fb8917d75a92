/**
 * Building the local schema registry (Apicurio Registry, a Quarkus
 * application) from Maven Central: schema-registry/pom.xml says what and why.
 *
 * The first start runs Maven once: it resolves the artifacts into ~/.m2 and
 * the Quarkus plugin writes the runnable application into
 *   <cache>/labeljoin/schema-registry-<hash>/        (*-runner.jar and lib/)
 * where <hash> covers every file of schema-registry/. The file
 *   <cache>/labeljoin/schema-registry-<hash>.txt     one line: the runner jar's absolute path
 * is written last; later starts read it and skip Maven entirely as long as
 * the jar and its lib/ are still there.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { checkMaven } from '../../kafka/local/java.js';
import { runMaven } from '../../kafka/local/maven.js';
import { silentLogger, type Logger } from '../../log/logger.js';
import { cacheDir, packageRoot } from '../../paths.js';
import { SchemaRegistryStartError } from '../errors.js';

export interface RegistryApp {
  /** The jar to run with `java -jar`. */
  readonly runnerJar: string;
  /** True when Maven built it for this call; false when the cached build was reused. */
  readonly built: boolean;
  readonly apicurioVersion: string;
}

const WHAT = 'the schema registry (Apicurio Registry) from Maven Central';

export function registryProjectDir(): string {
  return join(packageRoot(), 'schema-registry');
}

export function apicurioVersion(pom: string = readFileSync(join(registryProjectDir(), 'pom.xml'), 'utf8')): string {
  const match = /<apicurio\.version>([^<]+)<\/apicurio\.version>/.exec(pom);
  if (match?.[1] === undefined) throw new SchemaRegistryStartError(`no <apicurio.version> in ${join(registryProjectDir(), 'pom.xml')}`, []);
  return match[1];
}

/** The cached build of the registry, made first if there is none (Maven, ~25 s and ~200 MB into ~/.m2 the first time). */
export async function buildRegistryApp(log: Logger = silentLogger): Promise<RegistryApp> {
  const project = registryProjectDir();
  const version = apicurioVersion();
  const hash = projectHash(project);
  const dir = cacheDir();
  const pointer = join(dir, `schema-registry-${hash}.txt`);
  const reuse = readPointer(pointer);
  if (reuse !== undefined) return { runnerJar: reuse, built: false, apicurioVersion: version };

  checkMaven('mvn', 'to build the schema registry from Maven Central');
  mkdirSync(dir, { recursive: true });
  const target = join(dir, `schema-registry-${hash}`);
  const partial = `${target}.${process.pid}.tmp`;
  rmSync(partial, { recursive: true, force: true });
  log.info('building the schema registry from Maven Central (first start only)', { apicurioVersion: version });
  await runMaven(['-B', '-q', '-f', join(project, 'pom.xml'), 'package', '-DskipTests', `-Dlabeljoin.build.dir=${partial}`], WHAT);
  // Another start (a parallel test file) may have finished the same build meanwhile, and may be running it: keep that one.
  const finished = readPointer(pointer);
  if (finished !== undefined) {
    rmSync(partial, { recursive: true, force: true });
    return { runnerJar: finished, built: true, apicurioVersion: version };
  }
  rmSync(target, { recursive: true, force: true });
  renameSync(partial, target);
  const jar = readdirSync(target).find((name) => name.endsWith('-runner.jar'));
  if (jar === undefined) throw new SchemaRegistryStartError(`Maven wrote no *-runner.jar into ${target}`, []);
  writeFileSync(pointer, `${join(target, jar)}\n`);
  return { runnerJar: join(target, jar), built: true, apicurioVersion: version };
}

function readPointer(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const jar = readFileSync(file, 'utf8').trim();
  return jar !== '' && existsSync(jar) && existsSync(join(dirname(jar), 'lib')) ? jar : undefined;
}

/** sha256 of every file's path and content under the project (sorted), first 12 hex digits. */
function projectHash(project: string): string {
  const hash = createHash('sha256');
  for (const file of filesUnder(project)) hash.update(relative(project, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 12);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      if (name === 'target') return [];
      const path = join(dir, name);
      return statSync(path).isDirectory() ? filesUnder(path) : [path];
    });
}
