import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import type { ScanResult } from '../../index-data/scan.js';
import { objectContaining, stringMatching } from '../support/matchers.js';

// Root reads any folder, and CI runs as root: so the scan runs in a child process as `nobody`
// (uid 65534) when these tests are root, and directly otherwise. That child must not need anything
// from the checkout, which may sit in a folder nobody cannot enter (root's home): the scan module
// (node: imports only) is transpiled here into a world-readable temporary folder and run with plain node.
const repo = resolve(import.meta.dirname, '..', '..');
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

function standaloneScanModule(): string {
  const source = readFileSync(join(repo, 'index-data', 'scan.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  const imports = [...outputText.matchAll(/^import .* from ['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
  const outside = imports.filter((name) => !name.startsWith('node:'));
  if (outside.length > 0) throw new Error(`index-data/scan.ts now imports ${outside.join(', ')}: this test runs it standalone as uid nobody, so give the child those too`);
  const dir = mkdtempSync(join(tmpdir(), 'cuecast-scan-module-'));
  chmodSync(dir, 0o755);
  const file = join(dir, 'scan.mjs');
  writeFileSync(file, outputText, { mode: 0o644 });
  return file;
}

function scanAsUnprivileged(root: string): ScanResult {
  const module = standaloneScanModule();
  const script = `const { scanMusic } = await import(${JSON.stringify(module)});
process.stdout.write(JSON.stringify(await scanMusic([${JSON.stringify(root)}])));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: tmpdir(),
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

    expect(result.problems).toEqual([objectContaining({ path: locked, code: 'unreadable-folder', reason: stringMatching(/EACCES/) })]);
    expect(JSON.stringify(result)).toContain('open.wav');
    expect(JSON.stringify(result)).not.toContain('hidden.wav');
  });
});
