import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UNIT_TESTS } from '../tiers.js';
import { FOLDER_RANK, loadModules, resolveRelative } from './rules.js';

const root = resolve(import.meta.dirname, '..', '..');

/**
 * What a unit test (or a test helper it loads) may not import: processes, service clients, model
 * runtimes, media fixtures. Product modules are not followed: importing one that could start ffmpeg is
 * fine as long as the test does not make it run.
 */
const HEAVY_PACKAGES = ['node:child_process', 'child_process', 'pg', 'redis', 'playwright-core', 'onnxruntime-node', '@huggingface/transformers'];
const HEAVY_MODULES = [
  'core/media/index.ts',
  'model/index.ts',
  'tests/support/media.ts',
  'tests/support/models.ts',
  'tests/support/postgres.ts',
  'tests/support/cli.ts',
  'tests/index-data/media-fixtures.ts',
];

describe('the unit tier (tests/tiers.ts)', () => {
  const modules = new Map(loadModules(root, Object.keys(FOLDER_RANK)).map((m) => [m.path, m]));
  const known = new Set(modules.keys());

  /** The heavy things a test loads at run time, itself or through test helpers (type imports are erased). */
  function heavyLoads(start: string): string[] {
    const seen = new Set<string>();
    const found: string[] = [];
    const queue = [start];
    while (queue.length > 0) {
      const path = queue.pop()!;
      if (seen.has(path)) continue;
      seen.add(path);
      if (HEAVY_MODULES.includes(path)) found.push(path);
      for (const site of modules.get(path)?.imports ?? []) {
        if (site.typeOnly) continue;
        if (HEAVY_PACKAGES.includes(site.specifier)) found.push(`${path} -> ${site.specifier}`);
        const target = site.specifier.startsWith('.') ? resolveRelative(path, site.specifier, known) : undefined;
        if (target && (target.startsWith('tests/') || HEAVY_MODULES.includes(target))) queue.push(target);
      }
    }
    return found;
  }

  it('lists files that exist', () => {
    expect(UNIT_TESTS.filter((file) => !existsSync(resolve(root, file)))).toEqual([]);
  });

  it.each(UNIT_TESTS)('%s loads no child process, service client, model runtime or media fixture', (file) => {
    expect(heavyLoads(file)).toEqual([]);
  });
});
