/**
 * Cold start: one-shot commands must not load what they do not use (discord.js, socket.io, onnxruntime,
 * transformers.js cost seconds on a small machine). Checked by what a real CLI process loaded, not by
 * timing (the timings are in `npm run bench`, section startup).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/cli.js';

const HEAVY = ['discord.js', 'socket.io', 'onnxruntime-node', 'redis', 'prom-client'];
const work = mkdtempSync(join(tmpdir(), 'cuecast-startup-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the CLI in-process in a child with `args` and returns the CommonJS packages it loaded (ESM packages load theirs through it). */
function loadedPackages(args: readonly string[]): string[] {
  const script = `import { createRequire } from 'node:module';
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  const names = new Set(Object.keys(cache).map((path) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(path)?.[1]).filter(Boolean));
  process.stderr.write('LOADED ' + JSON.stringify([...names]) + '\\n');
});
process.argv = [process.argv[0], 'cuecast', ...${JSON.stringify(args)}];
await import('./cli/main.ts');`;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, CUECAST_DATA_DIR: join(work, 'data'), CUECAST_LOG_LEVEL: 'silent' },
  });
  const line = /^LOADED (.*)$/m.exec(result.stderr)?.[1];
  if (!line) throw new Error(`no module list (${result.status}): ${result.stderr}`);
  return JSON.parse(line) as string[];
}

describe('one-shot commands load only what they use', () => {
  it.each([[['--help']], [['serve', '--help']], [['bot', '--help']], [['catalog', 'stats', '--catalog', join(work, 'no-catalog')]]])(
    'cuecast %s loads none of discord.js, socket.io, onnxruntime, redis',
    (args) => {
      const loaded = loadedPackages(args);
      expect(loaded.filter((name) => HEAVY.includes(name))).toEqual([]);
    },
    60_000,
  );
});
