import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScanResult } from '../../index-data/scan.js';

// Root reads any folder, and CI runs as root: so the scan runs in a child process as `nobody`
// (uid 65534) when these tests are root, and directly otherwise.
const repo = resolve(import.meta.dirname, '..', '..');
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

function scanAsUnprivileged(root: string): ScanResult {
  const script = `const { scanMusic } = await import(${JSON.stringify(join(repo, 'index-data', 'scan.ts'))});
process.stdout.write(JSON.stringify(await scanMusic([${JSON.stringify(root)}])));`;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 60_000,
    ...(isRoot ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  if (result.status !== 0) throw new Error(`scan child failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as ScanResult;
}

describe('scanning a music folder with a folder that cannot be read', () => {
  it('given an unreadable folder, lists it as unreadable-folder and still finds the readable files', () => {
    const music = mkdtempSync(join(tmpdir(), 'cuecast-unreadable-'));
    chmodSync(music, 0o755);
    writeFileSync(join(music, 'open.wav'), 'not decoded by the scan');
    const locked = join(music, 'locked');
    mkdirSync(locked);
    writeFileSync(join(locked, 'hidden.wav'), 'never seen');
    chmodSync(locked, 0o000);
    for (const file of [join(music, 'open.wav')]) chmodSync(file, 0o644);

    const result = scanAsUnprivileged(music);

    expect(result.problems).toEqual([expect.objectContaining({ path: locked, code: 'unreadable-folder', reason: expect.stringMatching(/EACCES/) })]);
    expect(JSON.stringify(result)).toContain('open.wav');
    expect(JSON.stringify(result)).not.toContain('hidden.wav');
  });
});
