import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as z from '../../handlers/schema.js';

const HANDLERS = fileURLToPath(new URL('../../handlers/', import.meta.url));

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourcesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('Edge: the schema module', () => {
  it('configures zod jitless: no schema compiles a parser with new Function', () => {
    expect(z.config().jitless).toBe(true);
  });

  it('is where every handler takes zod from, so the configuration comes before any schema', () => {
    const direct = sourcesUnder(HANDLERS)
      .filter((path) => /from ['"]zod(\/[a-z]+)?['"]/.test(readFileSync(path, 'utf8')))
      .map((path) => relative(HANDLERS, path));
    expect(direct).toEqual(['schema.ts']);
  });

  it('builds a value once, on first use', () => {
    let builds = 0;
    const schema = z.once(() => {
      builds += 1;
      return z.string();
    });
    expect(builds).toBe(0);
    expect(schema().safeParse('x').success).toBe(true);
    expect(schema()).toBe(schema());
    expect(builds).toBe(1);
  });
});
