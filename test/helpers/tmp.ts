/**
 * Temporary directories that are removed when the test that made them ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export function testDir(t: TestContext, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `labeljoin-${name}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
