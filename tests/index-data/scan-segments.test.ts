import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashFile, scanMusic } from '../../index-data/scan.js';
import { distinctWindows, planSegments } from '../../features/segments.js';
import { objectContaining, stringMatching } from '../support/matchers.js';

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

  it('follows symlinked files and folders (a library of links), lists a file reached twice once, ends loops and names broken links', async () => {
    const store = join(dir, 'links-store');
    const library = join(dir, 'links-library');
    mkdirSync(join(store, 'album'), { recursive: true });
    mkdirSync(library, { recursive: true });
    for (const f of ['one.ogg', 'two.ogg', 'album/three.flac']) writeFileSync(join(store, f), 'x');
    symlinkSync(join(store, 'one.ogg'), join(library, 'one.ogg'));
    symlinkSync(join(store, 'one.ogg'), join(library, 'one-again.ogg'));
    symlinkSync(join(store, 'two.ogg'), join(library, 'two.ogg'));
    symlinkSync(join(store, 'album'), join(library, 'album'));
    symlinkSync(library, join(library, 'album-loop')); // a link back up: entered once only
    symlinkSync(join(store, 'gone.ogg'), join(library, 'gone.ogg'));
    symlinkSync(join(library, 'self.ogg'), join(library, 'self.ogg'));
    const { files, problems } = await scanMusic([library, join(store, 'album')]);
    expect(files.map((f) => f.path.slice(library.length + 1))).toEqual(['album/three.flac', 'one-again.ogg', 'two.ogg']);
    expect(problems.map((p) => [p.path.slice(library.length + 1), p.code, p.reason])).toEqual([
      ['gone.ogg', 'unreadable-file', 'broken link (its target does not exist)'],
      ['self.ogg', 'unreadable-file', 'link loops back on itself'],
    ]);
  });

  it('reports a missing root instead of throwing', async () => {
    const { files, problems } = await scanMusic([join(dir, 'missing')]);
    expect(files).toEqual([]);
    expect(problems).toEqual([objectContaining({ code: 'missing-root', reason: stringMatching(/ENOENT/) })]);
  });

  it('hashes content, so equal bytes under different names share a hash', async () => {
    writeFileSync(join(dir, 'h1.wav'), 'same');
    writeFileSync(join(dir, 'h2.wav'), 'same');
    expect(await hashFile(join(dir, 'h1.wav'))).toBe(await hashFile(join(dir, 'h2.wav')));
  });
});

describe('planSegments', () => {
  const spec = { segmentSeconds: 30, hopSeconds: 15, windowSeconds: 10 };
  const spans = (duration: number): number[][] => planSegments(duration, spec).map((p) => [p.start, p.end]);

  it('cuts 30 s segments every 15 s, each averaging three consecutive 10 s windows', () => {
    const plans = planSegments(60, spec);
    expect(plans.map((p) => [p.start, p.end])).toEqual([
      [0, 30],
      [15, 45],
      [30, 60],
    ]);
    expect(plans[1]!.windowStarts).toEqual([15, 25, 35]);
    expect(distinctWindows(plans)).toEqual([0, 10, 15, 20, 25, 30, 35, 40, 50]);
  });

  it('given a tail shorter than a hop (50 s), adds a last full segment ending at the track end', () => {
    const plans = planSegments(50, spec);
    expect(plans.map((p) => [p.start, p.end])).toEqual([
      [0, 30],
      [15, 45],
      [20, 50],
    ]);
    expect(plans.map((p) => p.index)).toEqual([0, 1, 2]);
    expect(plans[2]!.windowStarts).toEqual([20, 30, 40]);
  });

  it('given a tail under a third of the hop (62 s), moves the last segment to 32..62 instead of adding a near-copy', () => {
    expect(spans(62)).toEqual([
      [0, 30],
      [15, 45],
      [32, 62],
    ]);
    expect(planSegments(62, spec).at(-1)).toEqual({ index: 2, start: 32, end: 62, windowStarts: [32, 42, 52] });
    expect(spans(45.035)).toEqual([
      [0, 30],
      [15.035, 45.035],
    ]);
  });

  it('given a tail of exactly a third of the hop (35 s), adds the segment 5..35', () => {
    expect(spans(35)).toEqual([
      [0, 30],
      [5, 35],
    ]);
  });

  it('given a short tail after the first segment (30.5 s), adds a segment rather than moving the one that covers the start', () => {
    expect(spans(30.5)).toEqual([
      [0, 30],
      [0.5, 30.5],
    ]);
  });

  it('given a track that ends exactly on the hop grid (45 s, 60 s), adds no duplicate segment', () => {
    expect(spans(45)).toEqual([
      [0, 30],
      [15, 45],
    ]);
    expect(spans(60)).toEqual([
      [0, 30],
      [15, 45],
      [30, 60],
    ]);
    expect(spans(60.0004)).toEqual([
      [0, 30],
      [15, 45],
      [30, 60],
    ]);
  });

  it('given a fractional duration, keeps times to the millisecond and still ends at the track end', () => {
    const plans = planSegments(47.1234, spec);
    expect(plans.at(-1)).toEqual({ index: 1, start: 17.123, end: 47.123, windowStarts: [17.123, 27.123, 37.123] });
  });

  it('covers every second of any track, with full-length segments inside the track and no two alike', () => {
    for (let duration = 30.5; duration < 400; duration += 0.73) {
      const plans = planSegments(duration, spec);
      expect(plans.map((p) => p.index)).toEqual(plans.map((_, i) => i));
      expect(plans[0]!.start).toBe(0);
      expect(plans.at(-1)!.end).toBeCloseTo(duration, 2);
      for (const [i, p] of plans.entries()) {
        expect(p.end - p.start).toBeCloseTo(30, 6);
        expect(p.end).toBeLessThanOrEqual(duration + 1e-3);
        if (i > 0) expect(p.start).toBeGreaterThan(plans[i - 1]!.start);
        if (i > 0) expect(p.start).toBeLessThanOrEqual(plans[i - 1]!.end);
        expect(p.windowStarts).toEqual([p.start, p.start + 10, p.start + 20].map((w) => Math.round(w * 1000) / 1000));
      }
    }
  });

  it('gives a track shorter than a segment one segment with the windows that fit', () => {
    expect(planSegments(24.5, spec)).toEqual([{ index: 0, start: 0, end: 24.5, windowStarts: [0, 10] }]);
  });

  it('gives a track shorter than a window a single (zero-padded) window', () => {
    expect(planSegments(4, spec)).toEqual([{ index: 0, start: 0, end: 4, windowStarts: [0] }]);
  });

  it('gives a track of exactly one segment exactly one segment', () => {
    expect(spans(30)).toEqual([[0, 30]]);
  });

  it('given a zero, negative or non-finite duration, refuses with INPUT_INVALID', () => {
    for (const bad of [0, -3, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => planSegments(bad, spec)).toThrow(objectContaining({ code: 'INPUT_INVALID', message: stringMatching(/positive number of seconds/) }));
    }
  });

  it('given a zero hop, refuses with INPUT_INVALID instead of looping forever', () => {
    expect(() => planSegments(90, { ...spec, hopSeconds: 0 })).toThrow(objectContaining({ code: 'INPUT_INVALID', message: stringMatching(/hopSeconds/) }));
  });
});
