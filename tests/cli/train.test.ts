import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trainerRoot } from '../../cli/commands/train.js';
import { cuecastBin, repoRoot as repo, runCuecast } from '../support/cli.js';

const cuecast = (args: string[], cwd = repo) => runCuecast(args, process.env, [cuecastBin], { cwd, timeoutMs: 60_000 });

describe('cuecast train / eval / export', () => {
  it('finds the trainer package from the CLI source', () => {
    expect(trainerRoot()).toBe(join(repo, 'model', 'train'));
  });

  it('passes arguments through to python3 -m viml, --help included', async () => {
    const result = await cuecast(['train', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/usage: python3 -m viml train .*--data DATA --out OUT/s);
  });

  it("given a run directory with no model, exits non-zero with the trainer's one-line reason, from any folder", async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'cuecast-train-'));
    const result = await cuecast(['eval', '--model', 'no-such-run', '--data', 'no-such-data'], elsewhere);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/no-such-run/);
    expect(result.stderr).not.toMatch(/Traceback/);
  });
});
