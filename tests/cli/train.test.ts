import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trainerRoot } from '../../cli/commands/train.js';

const repo = resolve(import.meta.dirname, '..', '..');
const cuecast = (args: string[], cwd = repo) =>
  spawnSync(process.execPath, [join(repo, 'bin', 'cuecast.js'), ...args], { cwd, encoding: 'utf8', timeout: 60_000 });

describe('cuecast train / eval / export', () => {
  it('finds the trainer package from the CLI source', () => {
    expect(trainerRoot()).toBe(join(repo, 'model', 'train'));
  });

  it('passes arguments through to python3 -m viml, --help included', () => {
    const result = cuecast(['train', '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/usage: python3 -m viml train .*--data DATA --out OUT/s);
  });

  it('given a run directory with no model, exits non-zero with the trainer\'s one-line reason, from any folder', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'cuecast-train-'));
    const result = cuecast(['eval', '--model', 'no-such-run', '--data', 'no-such-data'], elsewhere);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/no-such-run/);
    expect(result.stderr).not.toMatch(/Traceback/);
  });
});
