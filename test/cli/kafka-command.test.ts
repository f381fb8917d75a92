/**
 * `labeljoin kafka start` when a tool it needs is missing: a clear one-line
 * reason and exit code 1, before anything is started.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, it } from 'node:test';
import { freePort } from '../../src/kafka/local/broker.js';
import { runCli } from '../helpers/cli.js';
import { testDir } from '../helpers/tmp.js';

describe('labeljoin kafka start without its tools', () => {
  it('names Java when JAVA_HOME points to no Java', async (t) => {
    const data = testDir(t, 'nojava');
    const r = await runCli(['kafka', 'start', '--port', String(await freePort()), '--data', data], { JAVA_HOME: '/nonexistent/jdk' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^labeljoin: Java 17 or newer is needed to run the local Kafka broker: could not run "\/nonexistent\/jdk\/bin\/java" \(ENOENT\)/);
  });

  it('names Maven when the jars are not cached and mvn is not on PATH', async (t) => {
    const data = testDir(t, 'nomvn');
    const emptyCache = testDir(t, 'cache');
    // Java stays reachable through JAVA_HOME (found from the java on PATH); only mvn disappears.
    const javaDir = process.env['JAVA_HOME'] ?? dirname(dirname(realpathSync(execFileSync('which', ['java'], { encoding: 'utf8' }).trim())));
    const r = await runCli(['kafka', 'start', '--port', String(await freePort()), '--data', data], {
      XDG_CACHE_HOME: emptyCache,
      JAVA_HOME: javaDir,
      PATH: '/nonexistent-bin',
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^labeljoin: Maven \(mvn\) is needed to fetch the Kafka broker from Maven Central/);
  });
});
