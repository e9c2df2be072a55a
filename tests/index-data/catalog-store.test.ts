import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../index-data/catalog.js';
import { publishGeneration, trackId, type PublishedTrack } from '../../index-data/store/generation.js';
import { CURRENT_FILE, FORMAT_VERSION, GENERATIONS_DIR, generationDir, indexFile, readCurrent } from '../../index-data/store/layout.js';
import type { TrackRecord } from '../../index-data/store/work-db.js';
import { WorkDb } from '../../index-data/store/work-db.js';
import type { CatalogManifest } from '../../index-data/types.js';
import { normalize } from '../../index-data/vectors.js';
import { objectContaining, stringMatching } from '../support/matchers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'cuecast-store-'));
  dirs.push(d);
  return d;
};

const manifest: CatalogManifest = {
  formatVersion: FORMAT_VERSION,
  clip: { modelId: 'clip-x', dim: 4 },
  clap: { modelId: 'clap-y', dim: 3 },
  segmentSeconds: 30,
  hopSeconds: 15,
  tagVocabularyVersion: 'v-test',
  builtAt: '2026-01-01T00:00:00.000Z',
};

/** A hand-made track with `segments` segments whose vectors point along distinct axes. */
function track(n: number, segments = 2): PublishedTrack {
  const hash = n.toString(16).padEnd(64, 'a');
  const record: TrackRecord = {
    contentHash: hash,
    title: `Track ${n}`,
    artist: 'Artist',
    durationSeconds: 15 + 15 * segments,
    fileGenres: ['Jazz'],
    bpm: 100 + n,
    tags: [
      { group: 'genre', tag: 'jazz', score: 0.7 },
      { group: 'genre', tag: 'rock', score: 0.3 },
    ],
    selected: [{ group: 'genre', tag: 'jazz', score: 0.7 }],
    description: `description ${n}`,
    descriptionBackend: 'template',
    descriptionModel: 'template',
    descriptionSetting: 'template/template/template-1',
    segments: Array.from({ length: segments }, (_, i) => ({ index: i, start: 15 * i, end: 15 * i + 30 })),
  };
  return {
    record,
    root: '/music',
    absPath: `/music/album/${n}.flac`,
    vectors: {
      clapAudio: Array.from({ length: segments }, (_, i) => normalize(Float32Array.of(n, i + 1, 1))),
      clipText: normalize(Float32Array.of(n, 1, 0, 0)),
    },
  };
}

describe('catalog store', () => {
  it('round-trips tracks, tags, segments and vectors through a published generation', async () => {
    const dir = tempDir();
    publishGeneration(dir, manifest, [track(1), track(2, 3)], 'fp1');
    const catalog = openCatalog(dir);
    expect(catalog.trackCount()).toBe(2);
    const t2 = catalog.track(trackId(track(2).record.contentHash))!;
    expect(t2).toMatchObject({ title: 'Track 2', path: 'album/2.flac', bpm: 102, fileGenres: ['Jazz'], description: 'description 2' });
    expect(t2.tags.map((t) => t.tag)).toEqual(['jazz', 'rock']);
    expect(catalog.segments(t2.id).map((s) => [s.index, s.start])).toEqual([
      [0, 0],
      [1, 15],
      [2, 30],
    ]);
    expect(catalog.audioPath(t2.id)).toBe('/music/album/2.flac');
    const label = catalog.trackLabel(t2.id)!;
    expect(catalog.trackByLabel(label)).toBe(t2);
    expect((await catalog.index('clip-text')!.search(normalize(Float32Array.of(2, 1, 0, 0)), 1))[0]!.label).toBe(label);
    expect(catalog.index('clap-audio')!.size).toBe(5);
    expect(catalog.segmentByLabel(5)).toMatchObject({ trackId: t2.id, index: 2 });
    expect(catalog.index('viml-music')).toBeUndefined();
  });

  it('round-trips loudness, silence, BPM reasons, damage, first-seen time and skipped files', () => {
    const dir = tempDir();
    const quiet = track(3, 2);
    const { bpm: _bpm, ...withoutBpm } = quiet.record;
    const record: TrackRecord = {
      ...withoutBpm,
      bpmReason: 'silent',
      loudnessLufs: -71.5,
      silent: true,
      damage: { decodedSeconds: 95.19, probedSeconds: 95.37, note: 'damaged data near 40 s was skipped' },
      segments: [
        { index: 0, start: 0, end: 30, loudnessLufs: -20, silent: false },
        { index: 1, start: 15, end: 45, loudnessLufs: -80, silent: true },
      ],
    };
    publishGeneration(dir, manifest, [{ ...quiet, record, firstSeen: '2026-02-03T04:05:06.000Z' }, track(4)], 'fp', [
      { path: '/music/broken.mp3', code: 'MEDIA_UNREADABLE', reason: 'not audio that can be decoded' },
    ]);
    const catalog = openCatalog(dir);
    const t = catalog.track(trackId(quiet.record.contentHash))!;
    expect(t).toMatchObject({ bpmReason: 'silent', loudnessLufs: -71.5, silent: true, firstSeen: '2026-02-03T04:05:06.000Z', damage: record.damage });
    expect(t.bpm).toBeUndefined();
    expect(catalog.segments(t.id).map((s) => [s.loudnessLufs, s.silent])).toEqual([
      [-20, false],
      [-80, true],
    ]);
    const loud = catalog.track(trackId(track(4).record.contentHash))!;
    expect(loud).toMatchObject({ bpm: 104, silent: false });
    expect(loud.bpmReason).toBeUndefined();
    expect(loud.damage).toBeUndefined();
    expect(catalog.skipped()).toEqual([{ path: '/music/broken.mp3', code: 'MEDIA_UNREADABLE', reason: 'not audio that can be decoded' }]);
  });

  it('switches CURRENT atomically and keeps only the current and previous generations', () => {
    const dir = tempDir();
    const names = [1, 2, 3].map((i) => publishGeneration(dir, manifest, [track(i)], `fp${i}`).generation);
    expect(readCurrent(dir)).toBe(names[2]);
    expect(readdirSync(join(dir, GENERATIONS_DIR)).sort()).toEqual([names[1], names[2]].sort());
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('removes generation folders abandoned by a killed publish, and never reads them', () => {
    const dir = tempDir();
    const first = publishGeneration(dir, manifest, [track(1)], 'fp1').generation;
    const abandoned = generationDir(dir, 'g-killed-midway');
    mkdirSync(abandoned, { recursive: true });
    writeFileSync(join(abandoned, 'catalog.sqlite'), 'half written');
    expect(openCatalog(dir).trackCount()).toBe(1);
    const second = publishGeneration(dir, manifest, [track(1), track(2)], 'fp2').generation;
    expect(readdirSync(join(dir, GENERATIONS_DIR)).sort()).toEqual([first, second].sort());
    expect(openCatalog(dir).trackCount()).toBe(2);
  });

  it('given no published catalog, refuses with CATALOG_MISSING and says how to build one', () => {
    expect(() => openCatalog(tempDir())).toThrow(objectContaining({ code: 'CATALOG_MISSING', message: stringMatching(/cuecast index/) }));
  });

  it('given CURRENT pointing at a missing generation or a damaged index file, refuses with CATALOG_CORRUPT', () => {
    const dir = tempDir();
    const { generation } = publishGeneration(dir, manifest, [track(1)], 'fp');
    writeFileSync(indexFile(generationDir(dir, generation), 'clap-audio'), 'garbage');
    expect(() => openCatalog(dir)).toThrow(expect.objectContaining({ code: 'CATALOG_CORRUPT' }));
    writeFileSync(join(dir, CURRENT_FILE), 'g-nothing\n');
    expect(() => openCatalog(dir)).toThrow(expect.objectContaining({ code: 'CATALOG_CORRUPT' }));
  });

  it('given a catalog of another format version, refuses with CATALOG_MISMATCH', () => {
    const dir = tempDir();
    publishGeneration(dir, { ...manifest, formatVersion: 99 }, [track(1)], 'fp');
    expect(() => openCatalog(dir)).toThrow(objectContaining({ code: 'CATALOG_MISMATCH', message: stringMatching(/format version 99/) }));
  });

  it('names both encoder sets when they differ', () => {
    const dir = tempDir();
    publishGeneration(dir, manifest, [track(1)], 'fp');
    expect(() => openCatalog(dir, { expect: { clip: { modelId: 'clip-z', dim: 4 } } })).toThrow(
      objectContaining({ code: 'CATALOG_MISMATCH', message: stringMatching(/built with CLIP "clip-x" \(dim 4\), running with CLIP "clip-z" \(dim 4\)/) }),
    );
  });

  it('given an empty folder set, publishes an empty catalog that opens with no indexes', () => {
    const dir = tempDir();
    publishGeneration(dir, manifest, [], 'fp');
    const catalog = openCatalog(dir);
    expect(catalog.trackCount()).toBe(0);
    expect(catalog.index('clap-audio')).toBeUndefined();
  });
});

describe('WorkDb', () => {
  it('keeps finished tracks across reopen, scoped to the work key, and prunes content no longer present', () => {
    const dir = tempDir();
    const t = track(7);
    const db = new WorkDb(join(dir, 'work.sqlite'), 'key-a');
    db.saveTrack(t.record, t.vectors);
    db.saveFailure('bad', 'MEDIA_UNREADABLE', 'corrupt');
    db.close();
    const again = new WorkDb(join(dir, 'work.sqlite'), 'key-a');
    expect(again.record(t.record.contentHash)).toEqual(t.record);
    expect(again.vectors(t.record.contentHash).clapAudio).toHaveLength(2);
    expect(again.failure('bad')).toEqual({ code: 'MEDIA_UNREADABLE', reason: 'corrupt' });
    expect(new WorkDb(join(dir, 'work.sqlite'), 'key-b').record(t.record.contentHash)).toBeUndefined();
    again.prune(new Set(), new Set());
    expect(again.record(t.record.contentHash)).toBeUndefined();
    expect(again.failure('bad')).toBeUndefined();
    again.close();
  });

  it('keeps the first sighting of a content hash (time and path) when it is seen again elsewhere', () => {
    const dir = tempDir();
    const db = new WorkDb(join(dir, 'work.sqlite'), 'key-a');
    db.noteSeen('h1', '/music/a.mp3', '2026-01-01T00:00:00.000Z');
    db.close();
    const again = new WorkDb(join(dir, 'work.sqlite'), 'key-b');
    expect(again.noteSeen('h1', '/music/moved/a.mp3', '2026-05-01T00:00:00.000Z')).toEqual({
      firstSeen: '2026-01-01T00:00:00.000Z',
      firstPath: '/music/a.mp3',
      lastPath: '/music/moved/a.mp3',
    });
    again.close();
  });
});
