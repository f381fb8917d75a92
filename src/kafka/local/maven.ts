/**
 * Resolving the Kafka broker's jars from Maven Central.
 *
 * kafka/pom.xml lists the artifacts. The first start runs Maven once to
 * download them into the local Maven cache (~/.m2) and write the class path;
 * the class path is kept in <cache>/labeljoin/kafka-classpath-<pom hash>.txt,
 * so later starts skip Maven entirely as long as every jar is still there.
 *
 * Class path file layout: one line, absolute jar paths joined by ':'.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../../log/logger.js';
import { cacheDir, packageRoot } from '../../paths.js';
import { MavenFailedError } from '../errors.js';
import { checkMaven } from './java.js';

export interface ClassPath {
  readonly jars: readonly string[];
  /** True when Maven ran for this call; false when the cached class path was reused. */
  readonly resolved: boolean;
  readonly kafkaVersion: string;
}

export function pomPath(): string {
  return join(packageRoot(), 'kafka', 'pom.xml');
}

export function kafkaVersion(pom: string = readFileSync(pomPath(), 'utf8')): string {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
  if (match?.[1] === undefined) throw new MavenFailedError(`no <kafka.version> in ${pomPath()}`);
  return match[1];
}

export async function resolveClassPath(log: Logger = silentLogger): Promise<ClassPath> {
  const pomFile = pomPath();
  const pom = readFileSync(pomFile, 'utf8');
  const version = kafkaVersion(pom);
  const hash = createHash('sha256').update(pom).digest('hex').slice(0, 12);
  const dir = cacheDir();
  const cached = join(dir, `kafka-classpath-${hash}.txt`);

  const reuse = readCached(cached);
  if (reuse !== undefined) return { jars: reuse, resolved: false, kafkaVersion: version };

  checkMaven();
  mkdirSync(dir, { recursive: true });
  log.info('resolving the Kafka broker from Maven Central (first start only)', { kafkaVersion: version });
  const partial = `${cached}.${process.pid}.tmp`;
  await runMaven(['-B', '-q', '-f', pomFile, 'dependency:build-classpath', `-Dmdep.outputFile=${partial}`]);
  renameSync(partial, cached);
  const jars = readCached(cached);
  if (jars === undefined) throw new MavenFailedError(`Maven wrote no usable class path to ${cached}`);
  return { jars, resolved: true, kafkaVersion: version };
}

function readCached(file: string): string[] | undefined {
  if (!existsSync(file)) return undefined;
  const jars = readFileSync(file, 'utf8').trim().split(':').filter((p) => p !== '');
  if (jars.length === 0 || !jars.every((jar) => existsSync(jar))) return undefined;
  return jars;
}

/** Runs mvn; on failure a MavenFailedError naming `what` with the end of Maven's output. */
export function runMaven(args: string[], what?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('mvn', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-8_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) => reject(new MavenFailedError(error.message, what)));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else {
        const tail = output.trim().split('\n').slice(-15).join('\n');
        reject(new MavenFailedError(`mvn exited with code ${code}\n${tail}`, what));
      }
    });
  });
}
