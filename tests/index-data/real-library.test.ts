/**
 * Each defect a real library showed (issue 13), reproduced offline with small generated media: a folder
 * of symlinks, a silent file, a track silent in parts, a beatless drone, an mp3 damaged mid-file, an Ogg
 * Vorbis file that repeats its headers, untagged files, a copy added later, a moved file, and the
 * `catalog tracks` listing.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../index-data/catalog.js';
import { createDescriber } from '../../index-data/describe/from-config.js';
import { indexMusic, type IndexEvent, type IndexOptions, type IndexSummary } from '../../index-data/indexer.js';
import { mediaAudioSource } from '../../index-data/media-source.js';
import { musicMetadataReader } from '../../index-data/metadata.js';
import { UNKNOWN_ARTIST, type Catalog, type Track } from '../../index-data/types.js';
import type { Encoders } from '../../model/index.js';
import { fixtureCliEnv, runCuecast } from '../support/cli.js';
import { createFixtureEncoders } from '../support/models.js';
import { copyFileSync, pulses, writeCorrupt, writeDamaged, writeRepeatedVorbisHeaders, writeTrack } from './media-fixtures.js';
import { closeTo, stringMatching } from '../support/matchers.js';

const work = mkdtempSync(join(tmpdir(), 'cuecast-real-library-'));
const store = join(work, 'store');
const library = join(work, 'library');
const catalogDir = join(work, 'catalog');
let encoders: Encoders | undefined;
let first: IndexSummary;
const events: IndexEvent[] = [];

function options(overrides: Partial<IndexOptions> = {}): IndexOptions {
  return {
    roots: [library],
    catalogDir,
    encoders: encoders!,
    audio: mediaAudioSource(),
    metadata: musicMetadataReader,
    describer: (cache) => createDescriber('template', undefined, cache),
    segmentSeconds: 30,
    hopSeconds: 15,
    jobs: 2,
    ...overrides,
  };
}

const trackAt = (catalog: Catalog, path: string): Track | undefined => [...catalog.tracks()].find((t) => t.path === path);

beforeAll(async () => {
  mkdirSync(store, { recursive: true });
  mkdirSync(library, { recursive: true });
  const tags = (title: string): Record<string, string> => ({ title, artist: 'Fixture Band' });
  writeTrack(store, { file: 'silence.ogg', source: 'anoisesrc=a=0.0001:d=8', metadata: tags('Silence') });
  writeTrack(store, { file: 'late-start.wav', source: "aevalsrc='if(gt(t,35),0.6*exp(-30*mod(t,0.5))*sin(2*PI*440*t),0)':d=50", metadata: tags('Late Start') });
  writeTrack(store, { file: 'slow-tide.flac', source: "aevalsrc='0.5*sin(2*PI*220*t)*(0.6+0.4*sin(2*PI*0.2*t))':d=12", metadata: tags('Slow Tide') });
  writeTrack(store, { file: 'beat.mp3', source: pulses(120, 20), metadata: tags('Beat') });
  writeDamaged(join(store, 'beat.mp3'), join(store, 'damaged.mp3'), 0.5, 3000);
  writeTrack(store, { file: 'vorbis.ogg', source: pulses(100, 12), metadata: tags('Vorbis') });
  writeRepeatedVorbisHeaders(join(store, 'vorbis.ogg'), join(store, 'repeated-headers.ogg'));
  writeTrack(store, { file: 'untagged-a.wav', source: pulses(90, 8) });
  writeTrack(store, { file: 'untagged-b.wav', source: pulses(130, 8) });
  writeCorrupt(join(store, 'broken.mp3'));
  // The library is links into the store, one file linked twice, one folder link back up (a loop).
  for (const name of ['silence.ogg', 'late-start.wav', 'slow-tide.flac', 'damaged.mp3', 'repeated-headers.ogg', 'untagged-a.wav', 'untagged-b.wav', 'broken.mp3']) {
    symlinkSync(join(store, name), join(library, name));
  }
  symlinkSync(join(store, 'untagged-a.wav'), join(library, 'untagged-a-again.wav'));
  symlinkSync(library, join(library, 'loop'));
  writeTrack(library, { file: 'own/moving.wav', source: pulses(110, 8), metadata: tags('Moving') });
  encoders = await createFixtureEncoders();
  first = await indexMusic(options({ onEvent: (e) => events.push(e) }));
}, 300_000);

afterAll(async () => {
  await encoders?.dispose();
  rmSync(work, { recursive: true, force: true });
});

describe('a library of symlinks', () => {
  it('indexes every linked file once (the file linked twice is one track), and skips only the broken one', () => {
    expect(first.tracks).toBe(8);
    expect(first.skipped.map((s) => [s.path.slice(library.length + 1), s.code])).toEqual([['broken.mp3', 'MEDIA_UNREADABLE']]);
    // No ffmpeg jargon in the reason; the path is left out first (a random temp folder like /tmp/x-0XBt... looks like hex).
    expect(first.skipped[0]!.reason.replaceAll(library, '<library>')).not.toMatch(/ffmpeg|Invalid data|0x[0-9a-f]/i);
  });

  it('plans the audio to decode before processing, so progress has an ETA in audio time', () => {
    const plan = events.find((e) => e.event === 'plan');
    expect(plan).toMatchObject({ event: 'plan', toProcess: 9 });
    expect(plan?.event === 'plan' && plan.audioSeconds).toBeGreaterThan(120);
    const decoded = events.filter((e) => e.event === 'file').reduce((sum, e) => sum + (e.audioSeconds ?? 0), 0);
    expect(decoded).toBeGreaterThan(120);
  });
});

describe('silence', () => {
  it('marks a silent file silent, with no BPM and the reason, and lists it in the summary', () => {
    const catalog = openCatalog(catalogDir);
    const silence = trackAt(catalog, 'silence.ogg')!;
    expect(silence).toMatchObject({ silent: true, bpmReason: 'silent' });
    expect(silence.bpm).toBeUndefined();
    expect(silence.loudnessLufs).toBeLessThan(-60);
    expect(catalog.segments(silence.id).every((s) => s.silent)).toBe(true);
    expect(first.silent.map((p) => p.slice(library.length + 1))).toEqual(['silence.ogg']);
    expect(first.withoutBpm).toMatchObject({ silent: 1 });
  });

  it('keeps the audible segments of a track that is silent only in parts', () => {
    const catalog = openCatalog(catalogDir);
    const late = trackAt(catalog, 'late-start.wav')!;
    expect(late.silent).toBe(false);
    expect(catalog.segments(late.id).map((s) => [s.start, s.silent])).toEqual([
      [0, true],
      [15, false],
      [20, false],
    ]);
    expect(catalog.segments(late.id)[0]!.loudnessLufs).toBeLessThan(-60);
    expect(catalog.segments(late.id)[2]!.loudnessLufs).toBeGreaterThan(-40);
  });
});

describe('BPM clarity', () => {
  it('gives a beatless drone no BPM, storing why', () => {
    const tide = trackAt(openCatalog(catalogDir), 'slow-tide.flac')!;
    expect(tide.bpm).toBeUndefined();
    expect(tide.bpmReason).toBe('no-steady-beat');
  });
});

describe('damage tolerance and Ogg Vorbis with repeated headers', () => {
  it('indexes an mp3 with 3 KB damaged in the middle, with a damaged note and the decoded span', () => {
    const damaged = trackAt(openCatalog(catalogDir), 'damaged.mp3')!;
    expect(damaged.damage).toMatchObject({ probedSeconds: closeTo(20, 0) });
    expect(damaged.damage!.decodedSeconds).toBeGreaterThan(18);
    expect(damaged.damage!.note).toMatch(/damaged data was skipped while decoding; [\d.]+ of [\d.]+ s decoded/);
    expect(first.damaged.map((d) => d.path.slice(library.length + 1))).toEqual(['damaged.mp3']);
  });

  it('indexes the Ogg Vorbis file that ffmpeg alone refuses, whole', () => {
    const ogg = trackAt(openCatalog(catalogDir), 'repeated-headers.ogg')!;
    expect(ogg.durationSeconds).toBeCloseTo(12, 0);
    expect(ogg.damage).toBeUndefined();
  });
});

describe('identity', () => {
  it('gives untagged files the unknown artist', () => {
    const catalog = openCatalog(catalogDir);
    expect(trackAt(catalog, 'untagged-b.wav')!.artist).toBe(UNKNOWN_ARTIST);
  });

  it('keeps the first-seen path when a copy is added later (even one that sorts first), and a moved file keeps its id and first-seen time', async () => {
    const before = openCatalog(catalogDir);
    const moving = trackAt(before, 'own/moving.wav')!;
    const beat = trackAt(before, 'damaged.mp3')!;
    copyFileSync(join(store, 'damaged.mp3'), join(library, '0-copy.mp3'));
    mkdirSync(join(library, 'moved'), { recursive: true });
    renameSync(join(library, 'own', 'moving.wav'), join(library, 'moved', 'moving.wav'));
    const second = await indexMusic(options());
    expect(second.indexed).toBe(0);
    expect(second.skipped.map((s) => [s.path.slice(library.length + 1), s.code])).toEqual([
      ['0-copy.mp3', 'duplicate'],
      ['broken.mp3', 'MEDIA_UNREADABLE'],
    ]);
    const after = openCatalog(catalogDir);
    expect(after.track(beat.id)!.path).toBe('damaged.mp3');
    const moved = after.track(moving.id)!;
    expect(moved.path).toBe('moved/moving.wav');
    expect(moved.firstSeen).toBe(moving.firstSeen);
    expect(moved.firstSeen).toEqual(expect.any(String));
  }, 120_000);
});

describe('cuecast catalog tracks', () => {
  it('--json prints every track (bpm null with its reason, loudness, silent, damaged, top tags) and the skipped files', async () => {
    const run = await runCuecast(['catalog', 'tracks', '--json', '--catalog', catalogDir], fixtureCliEnv(join(work, 'data')));
    expect(run.code).toBe(0);
    const listing = JSON.parse(run.stdout) as { tracks: Record<string, unknown>[]; skipped: { path: string; code: string; reason: string }[] };
    expect(listing.tracks).toHaveLength(8);
    expect(listing.tracks.find((t) => t.path === 'silence.ogg')).toMatchObject({ bpm: null, bpmReason: stringMatching(/silent/), silent: true, damaged: null });
    expect(listing.tracks.find((t) => t.path === 'damaged.mp3')).toMatchObject({ damaged: { note: stringMatching(/damaged data/) }, silent: false });
    const tide = listing.tracks.find((t) => t.path === 'slow-tide.flac')!;
    expect(tide).toMatchObject({ bpm: null, bpmReason: stringMatching(/no steady beat/), artist: 'Fixture Band', title: 'Slow Tide' });
    expect(tide.topTags).toEqual(expect.arrayContaining([expect.any(String)]));
    expect(typeof tide.loudnessLufs).toBe('number');
    expect(listing.skipped.map((s) => s.code)).toContain('MEDIA_UNREADABLE');
  }, 120_000);

  it('without --json, prints one readable block per track and the skipped files', async () => {
    const run = await runCuecast(['catalog', 'tracks', '--catalog', catalogDir], fixtureCliEnv(join(work, 'data')));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/silence\.ogg\n\s+Fixture Band - Silence .* no BPM: silent/);
    expect(run.stdout).toContain('SILENT (never recommended)');
    expect(run.stdout).toMatch(/8 tracks; 2 files skipped/);
  }, 120_000);
});
