import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashFile, scanMusic } from '../../index-data/scan.js';
import { distinctWindows, planSegments } from '../../index-data/segments.js';

const dir = mkdtempSync(join(tmpdir(), 'cuecast-scan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scanMusic', () => {
  it('finds audio recursively, ignores companions and hidden files, and names unsupported and DRM files', async () => {
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    for (const f of ['x.MP3', 'a/y.flac', 'a/b/z.opus', 'a/b/w.aiff', 'cover.jpg', 'a/playlist.m3u', '.hidden.wav', 'a/song.m4p', 'a/notes.doc']) writeFileSync(join(dir, f), 'x');
    symlinkSync(join(dir, 'a'), join(dir, 'loop'));
    const { files, problems } = await scanMusic([dir]);
    expect(files.map((f) => f.path.slice(dir.length + 1))).toEqual(['a/b/w.aiff', 'a/b/z.opus', 'a/y.flac', 'x.MP3']);
    expect(files.every((f) => f.root === dir && f.size === 1)).toBe(true);
    expect(problems.map((p) => [p.path.slice(dir.length + 1), p.code])).toEqual([
      ['a/notes.doc', 'unsupported'],
      ['a/song.m4p', 'unsupported'],
    ]);
    expect(problems[1]!.reason).toMatch(/DRM/);
  });

  it('reports a missing root instead of throwing', async () => {
    const { files, problems } = await scanMusic([join(dir, 'missing')]);
    expect(files).toEqual([]);
    expect(problems).toEqual([expect.objectContaining({ code: 'missing-root', reason: expect.stringMatching(/ENOENT/) })]);
  });

  it('hashes content, so equal bytes under different names share a hash', async () => {
    writeFileSync(join(dir, 'h1.wav'), 'same');
    writeFileSync(join(dir, 'h2.wav'), 'same');
    expect(await hashFile(join(dir, 'h1.wav'))).toBe(await hashFile(join(dir, 'h2.wav')));
  });
});

describe('planSegments', () => {
  const spec = { segmentSeconds: 30, hopSeconds: 15, windowSeconds: 10 };

  it('cuts 30 s segments every 15 s, each averaging three consecutive 10 s windows', () => {
    const plans = planSegments(62, spec);
    expect(plans.map((p) => [p.start, p.end])).toEqual([[0, 30], [15, 45], [30, 60]]);
    expect(plans[1]!.windowStarts).toEqual([15, 25, 35]);
    expect(distinctWindows(plans)).toEqual([0, 10, 15, 20, 25, 30, 35, 40, 50]);
  });

  it('gives a track shorter than a segment one segment with the windows that fit', () => {
    expect(planSegments(24.5, spec)).toEqual([{ index: 0, start: 0, end: 24.5, windowStarts: [0, 10] }]);
  });

  it('gives a track shorter than a window a single (zero-padded) window', () => {
    expect(planSegments(4, spec)).toEqual([{ index: 0, start: 0, end: 4, windowStarts: [0] }]);
  });

  it('gives a track of exactly one segment exactly one segment', () => {
    expect(planSegments(30, spec).map((p) => [p.start, p.end])).toEqual([[0, 30]]);
  });
});
