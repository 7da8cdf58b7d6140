import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FIXTURES_DIR, fixturePath, realFixture } from '../support/fixtures.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const THIS_FILE = fileURLToPath(import.meta.url);
/** Paths that would reach our own machines' shared folder: a fresh clone or a fork's CI has nothing beside it. */
const OUTSIDE_REFERENCE = /\.\.\/shared\b|\bshared\/(fixtures|reference|hooks)\b|DESIGN\.md/;
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'cdk.out', 'dist', 'coverage', 'results']);

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return SKIPPED_DIRS.has(name) ? [] : filesUnder(path);
    return [path];
  });
}

describe('Repository: self-contained', () => {
  it('refuses a fixture path that resolves outside test/fixtures', () => {
    // Prepare
    const escapes = [
      '../../../shared/fixtures/SOURCES.md',
      '../support/fixtures.ts',
      '/etc/hostname',
      '..',
      '',
    ];
    // Act + Assess
    for (const name of escapes) expect(() => fixturePath(name), name).toThrow(/outside test\/fixtures/);
    expect(() => realFixture('../../../shared/fixtures/guardduty/x.json')).toThrow(/outside test\/fixtures/);
  });

  it('resolves the real records inside the repository', () => {
    const path = fixturePath('cloudtrail/DeleteDetector.cloudtrail.elastic-integrations.json');
    expect(relative(REPO_ROOT, path).startsWith('test/fixtures/')).toBe(true);
    expect(realFixture('cloudtrail/DeleteDetector.cloudtrail.elastic-integrations.json').eventName).toBe(
      'DeleteDetector',
    );
  });

  it('lists every real record in SOURCES.md and keeps every listed one', () => {
    // Prepare
    const sources = readFileSync(join(FIXTURES_DIR, 'SOURCES.md'), 'utf8');
    const listed = [...sources.matchAll(/`((?:cloudtrail|guardduty)\/[^`]+\.json)`/g)].map(
      (match) => match[1],
    );
    // Every file, in subfolders too (cloudtrail/tamper holds real and synthetic records side by side).
    const present = ['cloudtrail', 'guardduty'].flatMap((dir) =>
      filesUnder(join(FIXTURES_DIR, dir)).map((path) => relative(FIXTURES_DIR, path)),
    );
    // Assess
    expect(present.length).toBeGreaterThan(0);
    expect(new Set(listed)).toEqual(new Set(present));
  });

  it('has no source, script, test or doc that reads a path outside the repository', () => {
    // Prepare
    const offenders = filesUnder(REPO_ROOT)
      .filter((path) => path !== THIS_FILE && !path.endsWith('package-lock.json'))
      .filter((path) => OUTSIDE_REFERENCE.test(readFileSync(path, 'utf8')))
      .map((path) => relative(REPO_ROOT, path));
    // Assess
    expect(offenders).toEqual([]);
  });
});
