/**
 * Finding the tools the local broker needs: Java (17+) and Maven.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { JavaMissingError, MavenMissingError } from '../errors.js';

export const MIN_JAVA_MAJOR = 17;

/** The java executable: $JAVA_HOME/bin/java when JAVA_HOME is set, else `java` on PATH. */
export function javaExecutable(env: NodeJS.ProcessEnv = process.env): string {
  const home = env['JAVA_HOME'];
  return home !== undefined && home !== '' ? join(home, 'bin', 'java') : 'java';
}

/** The JDK's keytool, next to java: $JAVA_HOME/bin/keytool, else `keytool` on PATH. */
export function keytoolExecutable(env: NodeJS.ProcessEnv = process.env): string {
  const home = env['JAVA_HOME'];
  return home !== undefined && home !== '' ? join(home, 'bin', 'keytool') : 'keytool';
}

/** Checks that Java runs and is new enough; returns its major version. */
/** `purpose` completes the error message: "Java 17 or newer is needed <purpose>". */
export function checkJava(java: string = javaExecutable(), purpose?: string): number {
  const result = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (result.error !== undefined) {
    throw new JavaMissingError(`could not run "${java}" (${(result.error as NodeJS.ErrnoException).code ?? result.error.message}); install a JDK (Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME`, purpose);
  }
  const major = parseJavaMajor(`${result.stderr}${result.stdout}`);
  if (major === undefined) throw new JavaMissingError(`could not read the version printed by "${java} -version"`, purpose);
  if (major < MIN_JAVA_MAJOR) throw new JavaMissingError(`found Java ${major} at "${java}"`, purpose);
  return major;
}

/** Reads the major version from `java -version` output ("17.0.15", "1.8.0_392", "21"). */
export function parseJavaMajor(output: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  if (match === null) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

export function checkMaven(mvn = 'mvn', purpose?: string): void {
  const result = spawnSync(mvn, ['--version'], { encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) {
    throw new MavenMissingError(`could not run "${mvn} --version"; install Maven (Debian: apt-get install maven)`, purpose);
  }
}
