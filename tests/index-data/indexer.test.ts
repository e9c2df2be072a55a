import { getEventListeners } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../index-data/catalog.js';
import { createDescriber } from '../../index-data/describe/from-config.js';
import { indexMusic, type AudioSource, type IndexEvent, type IndexOptions, type IndexSummary } from '../../index-data/indexer.js';
import { mediaAudioSource } from '../../index-data/media-source.js';
import { DECODE_CHUNK_SECONDS } from '../../index-data/track-windows.js';
import { musicMetadataReader } from '../../index-data/metadata.js';
import { searchCatalogByText } from '../../index-data/search.js';
import { readCurrent } from '../../index-data/store/layout.js';
import { TAG_GROUPS, type Catalog } from '../../index-data/types.js';
import { ExactVectorIndex } from '../../index-data/vector-index.js';
import { meanNormalized } from '../../index-data/vectors.js';
import { audio, liveChildPids } from '../../core/media/index.js';
import { isProcessAlive } from '../../core/pid.js';
import type { Encoders } from '../../model/index.js';
import { createFixtureEncoders, FIXTURE_CLAP_ID, FIXTURE_CLIP_ID } from '../support/models.js';
import { copyFileSync, pulses, sine, writeCorrupt, writeLong, writeTrack, writeTruncated } from './media-fixtures.js';
import { objectContaining, stringMatching } from '../support/matchers.js';
import { ifSet } from '../support/if-set.js';

const work = mkdtempSync(join(tmpdir(), 'cuecast-index-'));
const music = join(work, 'music');
const catalogDir = join(work, 'catalog');
let encoders: Encoders;
let first: IndexSummary;
let firstEvents: IndexEvent[];
const decodes: string[] = [];

/** The real core/media source, recording which files get decoded; `vanish` is deleted just before its probe. */
function recordingSource(vanish?: string): AudioSource {
  const real = mediaAudioSource();
  return {
    probe: async (path, signal) => {
      if (path === vanish) unlinkSync(path);
      return real.probe(path, signal);
    },
    decode: async (path, options) => {
      decodes.push(path);
      return real.decode(path, options);
    },
    decodeFirst: async (path, options) => {
      decodes.push(path);
      return real.decodeFirst(path, options);
    },
  };
}

function options(overrides: Partial<IndexOptions> = {}): IndexOptions {
  return {
    roots: [music],
    catalogDir,
    encoders,
    audio: recordingSource(),
    metadata: musicMetadataReader,
    describer: (cache) => createDescriber('template', undefined, cache),
    segmentSeconds: 30,
    hopSeconds: 15,
    jobs: 2,
    maxTrackSeconds: 3600,
    ...overrides,
  };
}

const skippedCode = (summary: IndexSummary, name: string): string | undefined => summary.skipped.find((s) => s.path.endsWith(name))?.code;
const byTitle = (catalog: Catalog, title: string) => [...catalog.tracks()].find((t) => t.title === title);

beforeAll(async () => {
  mkdirSync(music, { recursive: true });
  writeTrack(music, { file: 'slow-tone.flac', source: sine(220, 35), metadata: { title: 'Slow Tone', artist: 'Fixture Band', album: 'Tests', genre: 'Ambient' } });
  writeTrack(music, { file: 'fast-pulse.wav', source: pulses(140, 20) });
  writeTrack(music, { file: 'loud-square.mp3', source: "aevalsrc='0.9*sgn(sin(2*PI*110*t))':d=45" });
  writeTrack(music, { file: 'quiet-chord.ogg', source: "aevalsrc='0.03*(sin(2*PI*261*t)+sin(2*PI*329*t)+sin(2*PI*392*t))':d=12" });
  writeTrack(music, { file: 'nested/deeper/short-blip.m4a', source: sine(880, 8, 0.3) });
  writeTrack(music, { file: 'nested/voice-like.opus', source: "aevalsrc='0.4*sin(2*PI*(300+80*sin(2*PI*3*t))*t)':d=15" });
  writeTrack(music, { file: 'nested/organ.aiff', source: "aevalsrc='0.3*(sin(2*PI*196*t)+0.5*sin(2*PI*392*t))':d=11" });
  writeTrack(work, { file: 'full.flac', source: pulses(100, 30) });
  writeTruncated(join(work, 'full.flac'), join(music, 'truncated.flac'), 0.3);
  writeCorrupt(join(music, 'corrupt.mp3'));
  writeFileSync(join(music, 'empty.wav'), '');
  writeFileSync(join(music, 'readme.xyz'), 'not music');
  writeFileSync(join(music, 'cover.jpg'), 'art');
  copyFileSync(join(music, 'slow-tone.flac'), join(music, 'nested', 'slow-tone-copy.flac'));
  writeLong(join(music, 'three-hours.flac'));
  encoders = await createFixtureEncoders();
  firstEvents = [];
  first = await indexMusic(options({ onEvent: (e) => firstEvents.push(e) }));
}, 120_000);

afterAll(async () => {
  await ifSet(encoders)?.dispose();
  rmSync(work, { recursive: true, force: true });
});

describe('indexMusic on synthesised audio', () => {
  it('indexes every good format and lists each bad file with its reason, without stopping', () => {
    expect(first.indexed).toBe(7);
    expect(first.tracks).toBe(7);
    expect(skippedCode(first, 'corrupt.mp3')).toBe('MEDIA_UNREADABLE');
    expect(skippedCode(first, 'truncated.flac')).toBe('MEDIA_UNREADABLE');
    expect(first.skipped.find((s) => s.path.endsWith('truncated.flac'))!.reason).toMatch(/truncated/);
    expect(skippedCode(first, 'empty.wav')).toBe('MEDIA_EMPTY');
    expect(skippedCode(first, 'readme.xyz')).toBe('unsupported');
    const duplicates = first.skipped.filter((s) => s.code === 'duplicate');
    expect(duplicates).toHaveLength(1);
    expect(duplicates[0]!.path).toMatch(/slow-tone(-copy)?\.flac$/);
    expect(duplicates[0]!.reason).toMatch(/same content as .*slow-tone(-copy)?\.flac/);
    expect(skippedCode(first, 'three-hours.flac')).toBe('MEDIA_TOO_LONG');
    expect(skippedCode(first, 'cover.jpg')).toBeUndefined();
    expect(first.skipped).toHaveLength(6);
  });

  it('given a 3-hour file, refuses it from the probed duration without decoding it', () => {
    expect(decodes.some((p) => p.endsWith('three-hours.flac'))).toBe(false);
    expect(first.skipped.find((s) => s.path.endsWith('three-hours.flac'))!.reason).toMatch(/3h00m/);
  });

  it('reports one progress event per file with running counts, then publish and done', () => {
    const files = firstEvents.filter((e) => e.event === 'file');
    expect(files).toHaveLength(12);
    expect(files.map((e) => e.done)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(firstEvents[0]).toMatchObject({ event: 'scan', files: 12, problems: 1 });
    expect(firstEvents.at(-2)).toMatchObject({ event: 'publish', tracks: 7 });
    expect(firstEvents.at(-1)).toMatchObject({ event: 'done' });
  });

  it('lays out segments per DESIGN §4: 30 s every 15 s, a last one ending at the track end, one segment for a short track', () => {
    const catalog = openCatalog(catalogDir);
    const square = byTitle(catalog, 'loud-square')!;
    // The MP3 decodes to a few ms past 45 s (encoder padding): the last segment moves to end there.
    const end = square.durationSeconds;
    expect(end).toBeCloseTo(45, 1);
    expect(catalog.segments(square.id).map((s) => [s.start, s.end])).toEqual([
      [0, 30],
      [Math.round((end - 30) * 1000) / 1000, end],
    ]);
    const tone = byTitle(catalog, 'Slow Tone')!;
    expect(catalog.segments(tone.id).map((s) => [s.index, s.start, s.end])).toEqual([
      [0, 0, 30],
      [1, 5, 35],
    ]);
    const blip = byTitle(catalog, 'short-blip')!;
    expect(catalog.segments(blip.id)).toHaveLength(1);
    expect(catalog.segments(blip.id)[0]!.end).toBeCloseTo(8, 1);
    expect(catalog.index('clap-audio')!.size).toBe([...catalog.tracks()].reduce((n, t) => n + catalog.segments(t.id).length, 0));
    expect(catalog.index('clip-text')!.size).toBe(7);
  });

  it('reads title, artist, album and genre from file tags, and falls back to the file name', () => {
    const catalog = openCatalog(catalogDir);
    expect(byTitle(catalog, 'Slow Tone')).toMatchObject({ artist: 'Fixture Band', album: 'Tests', fileGenres: ['Ambient'] });
    expect(byTitle(catalog, 'Slow Tone')!.durationSeconds).toBeCloseTo(35, 0);
    expect(byTitle(catalog, 'fast-pulse')).toMatchObject({ artist: 'Unknown artist' });
    expect(catalog.audioPath(byTitle(catalog, 'fast-pulse')!.id)).toBe(join(music, 'fast-pulse.wav'));
    expect(byTitle(catalog, 'short-blip')!.path).toBe(join('nested', 'deeper', 'short-blip.m4a'));
  });

  it('keeps tagger scores for every group (a distribution per group) and a description', () => {
    const catalog = openCatalog(catalogDir);
    for (const track of catalog.tracks()) {
      for (const group of TAG_GROUPS) {
        const scores = track.tags.filter((t) => t.group === group).map((t) => t.score);
        expect(scores.length).toBeGreaterThan(1);
        expect(scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
        expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      }
      expect(track.description).toMatch(/track/);
    }
  });

  it('estimates the tempo of the 140 BPM pulse track', () => {
    const bpm = byTitle(openCatalog(catalogDir), 'fast-pulse')!.bpm;
    expect(bpm).toBeDefined();
    expect(Math.abs(bpm! - 140)).toBeLessThanOrEqual(3);
  });

  it('stores a segment vector equal to the normalised mean of its exact 10 s CLAP windows', async () => {
    const catalog = openCatalog(catalogDir);
    const tone = byTitle(catalog, 'Slow Tone')!;
    const [segment] = catalog.segments(tone.id);
    const samples = await audio(join(music, 'slow-tone.flac'), { sampleRate: encoders.clapAudio.sampleRate, channels: 1 });
    const n = encoders.clapAudio.sampleRate * 10;
    const windows = [0, 1, 2].map((i) => samples.slice(i * n, (i + 1) * n));
    const expected = meanNormalized(await encoders.clapAudio.encodeWindows(windows));
    const [stored] = (await catalog.index('clap-audio')!.vectors([segment!.label])) as [Float32Array];
    expect(stored.length).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) expect(stored[i]).toBeCloseTo(expected[i]!, 4);
  });

  it('stores the tail segment (5..35 s of a 35 s track) as the mean of the windows at 5, 15 and 25 s', async () => {
    const catalog = openCatalog(catalogDir);
    const tail = catalog.segments(byTitle(catalog, 'Slow Tone')!.id)[1]!;
    const samples = await audio(join(music, 'slow-tone.flac'), { sampleRate: encoders.clapAudio.sampleRate, channels: 1 });
    const n = encoders.clapAudio.sampleRate * 10;
    const windows = [5, 15, 25].map((s) => samples.slice(s * encoders.clapAudio.sampleRate, s * encoders.clapAudio.sampleRate + n));
    const expected = meanNormalized(await encoders.clapAudio.encodeWindows(windows));
    const [stored] = (await catalog.index('clap-audio')!.vectors([tail.label])) as [Float32Array];
    for (let i = 0; i < expected.length; i++) expect(stored[i]).toBeCloseTo(expected[i]!, 4);
  });

  it('given a container duration longer than the audio (a VBR estimate), ends the last segment where the audio ends', async () => {
    const dir = join(work, 'vbr-estimate');
    const catalogB = join(work, 'catalog-vbr');
    writeTrack(dir, { file: 'fifty.wav', source: sine(523, 50) });
    const real = mediaAudioSource();
    const overstated: AudioSource = {
      probe: async (path, signal) => ({ ...(await real.probe(path, signal)), duration: 50.4 }),
      decode: (path, options) => real.decode(path, options),
      decodeFirst: (path, options) => real.decodeFirst(path, options),
    };
    const summary = await indexMusic(options({ roots: [dir], catalogDir: catalogB, audio: overstated }));
    expect(summary).toMatchObject({ indexed: 1, skipped: [] });
    const catalog = openCatalog(catalogB);
    const [track] = [...catalog.tracks()];
    expect(track!.durationSeconds).toBeCloseTo(50, 2);
    expect(catalog.segments(track!.id).map((s) => [s.start, s.end])).toEqual([
      [0, 30],
      [15, 45],
      [20, 50],
    ]);
  });

  it('reaches recall@10 >= 0.98 with the published HNSW index against exact search on the catalog', async () => {
    const catalog = openCatalog(catalogDir);
    const hnsw = catalog.index('clap-audio')!;
    const labels = [...catalog.tracks()].flatMap((t) => catalog.segments(t.id).map((s) => s.label));
    const vectors = (await hnsw.vectors(labels)) as Float32Array[];
    const exact = ExactVectorIndex.from(
      hnsw.dim,
      labels.map((l, i) => [l, vectors[i]!] as const),
    );
    let found = 0;
    for (const vector of vectors) {
      const truth = new Set(exact.search(vector, 10).map((h) => h.label));
      found += (await hnsw.search(vector, 10)).filter((h) => truth.has(h.label)).length;
    }
    expect(found / (labels.length * Math.min(10, labels.length))).toBeGreaterThanOrEqual(0.98);
  });

  // The fixture encoders have random weights, so only identical text is reliably nearest: searching with a
  // track's own stored description must rank that track first on the description (CLIP text) score.
  it('search finds each track from its own stored description (random-weight encoders: description score only)', async () => {
    const catalog = openCatalog(catalogDir);
    const distinct = [...catalog.tracks()].filter((t, _, all) => all.filter((o) => o.description === t.description).length === 1);
    expect(distinct.length).toBeGreaterThanOrEqual(3);
    for (const track of distinct) {
      const [top] = await searchCatalogByText(catalog, encoders, track.description, { k: 3, descriptionWeight: 1 });
      expect(top!.track.id).toBe(track.id);
      expect(top!.descriptionScore).toBeCloseTo(1, 4);
    }
  });

  it('refuses to open the catalog for other encoders, naming both (CATALOG_MISMATCH)', () => {
    expect(() => openCatalog(catalogDir, { expect: { clap: { modelId: 'laion/clap-htsat-unfused', dim: 512 } } })).toThrow(
      objectContaining({ code: 'CATALOG_MISMATCH', message: stringMatching(new RegExp(`${FIXTURE_CLAP_ID}.*laion/clap-htsat-unfused`)) }),
    );
    expect(() => openCatalog(catalogDir, { expect: { clap: encoders.clapAudio.info, clip: { modelId: FIXTURE_CLIP_ID, dim: encoders.clipText.info.dim } } })).not.toThrow();
  });

  it('given an unchanged folder, a re-run processes nothing and publishes nothing', async () => {
    const before = readCurrent(catalogDir);
    decodes.length = 0;
    const again = await indexMusic(options());
    expect(again).toMatchObject({ indexed: 0, unchanged: 7, tracks: 7, removed: 0 });
    expect(again.generation).toBeUndefined();
    expect(decodes).toEqual([]);
    expect(skippedCode(again, 'corrupt.mp3')).toBe('MEDIA_UNREADABLE');
    expect(skippedCode(again, 'truncated.flac')).toBe('MEDIA_UNREADABLE');
    expect(readCurrent(catalogDir)).toBe(before);
  });

  it('given a deleted file, drops its track while an already open reader keeps the old catalog', async () => {
    const oldReader = openCatalog(catalogDir);
    const quietId = byTitle(oldReader, 'quiet-chord')!.id;
    unlinkSync(join(music, 'quiet-chord.ogg'));
    const after = await indexMusic(options());
    expect(after).toMatchObject({ indexed: 0, unchanged: 6, tracks: 6, removed: 1 });
    expect(after.generation).toBeDefined();
    const fresh = openCatalog(catalogDir);
    expect(fresh.track(quietId)).toBeUndefined();
    expect(fresh.trackCount()).toBe(6);
    expect(oldReader.track(quietId)).toBeDefined();
    const [first] = (await oldReader.index('clap-audio')!.vectors([1])) as [Float32Array];
    expect((await oldReader.index('clap-audio')!.search(first, 3)).length).toBe(3);
  });

  it('given a file that vanishes mid-run, skips it as vanished and keeps going', async () => {
    writeTrack(music, { file: 'ghost.wav', source: sine(330, 5) });
    writeTrack(music, { file: 'late.wav', source: sine(440, 6) });
    const summary = await indexMusic(options({ audio: recordingSource(join(music, 'ghost.wav')) }));
    expect(skippedCode(summary, 'ghost.wav')).toBe('vanished');
    expect(summary.indexed).toBe(1);
    expect(byTitle(openCatalog(catalogDir), 'late')).toBeDefined();
  });

  it('given a missing root folder or a file as root, reports it and indexes the rest', async () => {
    const summary = await indexMusic(options({ roots: [music, join(work, 'nope'), join(work, 'full.flac')] }));
    expect(skippedCode(summary, 'nope')).toBe('missing-root');
    expect(skippedCode(summary, 'full.flac')).toBe('missing-root');
    expect(summary.tracks).toBeGreaterThan(5);
  });

  it.skipIf(process.getuid?.() === 0)('given an unreadable folder, lists it and indexes the rest (skipped as root: root reads any folder)', async () => {
    const locked = join(music, 'locked');
    mkdirSync(locked, { recursive: true });
    chmodSync(locked, 0o000);
    try {
      const summary = await indexMusic(options());
      expect(skippedCode(summary, 'locked')).toBe('unreadable-folder');
    } finally {
      chmodSync(locked, 0o755);
    }
  });

  it('given another live indexer holding the lock, refuses with BUSY', async () => {
    writeFileSync(join(catalogDir, 'index.lock'), String(process.ppid));
    try {
      await expect(indexMusic(options())).rejects.toMatchObject({ code: 'BUSY' });
    } finally {
      rmSync(join(catalogDir, 'index.lock'), { force: true });
    }
    expect(readFileSync(join(catalogDir, 'CURRENT'), 'utf8')).toMatch(/^g-/);
  });
});

describe('a track longer than one decode chunk', () => {
  const dir = join(work, 'two-chunks');
  const real = mediaAudioSource();

  it("measures the whole track's loudness in the first chunk's ffmpeg run: no loudness pass, one decode per chunk", async () => {
    // Silent until 13 s past the first chunk, then a tone: only the last segment is audible, and only
    // the trace of the whole track can say so (the first chunk's samples end at chunk + 10 s).
    const seconds = DECODE_CHUNK_SECONDS + 30;
    writeTrack(dir, { file: 'late-tone.flac', source: `aevalsrc='if(gt(t,${DECODE_CHUNK_SECONDS + 13}),0.5*sin(2*PI*220*t),0)':s=8000:d=${seconds}` });
    const calls: string[] = [];
    const counting: AudioSource = {
      probe: (path, signal) => real.probe(path, signal),
      decode: (path, o) => (calls.push(`decode from ${o.start} s`), real.decode(path, o)),
      decodeFirst: (path, o) => (calls.push('decodeFirst'), real.decodeFirst(path, o)),
    };
    const summary = await indexMusic(options({ roots: [dir], catalogDir: join(work, 'catalog-two-chunks'), audio: counting }));
    expect(summary).toMatchObject({ indexed: 1, skipped: [], damaged: [] });
    expect(calls).toEqual(['decodeFirst', `decode from ${DECODE_CHUNK_SECONDS} s`]);
    expect(liveChildPids()).toEqual([]);
    const catalog = openCatalog(join(work, 'catalog-two-chunks'));
    const [track] = [...catalog.tracks()];
    expect(track!.silent).toBe(false);
    expect(track!.loudnessLufs).toBeGreaterThan(-40);
    const segments = catalog.segments(track!.id);
    const starts = Array.from({ length: (seconds - 30) / 15 }, (_, i) => [i * 15, true]);
    expect(segments.map((s) => [s.start, s.silent])).toEqual([...starts, [seconds - 30, false]]);
    expect(segments.at(-1)!.loudnessLufs).toBeGreaterThan(-40);
  });

  it("given the caller's signal and two chunk-long tracks at once (16 encode batches in flight), warns of no listener leak and leaves no listener on it", async () => {
    const longDir = join(work, 'two-long');
    for (const [i, hz] of [220, 330].entries()) writeTrack(longDir, { file: `long-${i}.flac`, source: `aevalsrc='0.3*sin(2*PI*${hz}*t)':s=8000:d=${DECODE_CHUNK_SECONDS}` });
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(`${warning.name}: ${warning.message}`);
    };
    process.on('warning', onWarning);
    const controller = new AbortController();
    try {
      const summary = await indexMusic(options({ roots: [longDir], catalogDir: join(work, 'catalog-two-long'), signal: controller.signal, jobs: 2 }));
      expect(summary).toMatchObject({ indexed: 2, skipped: [] });
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on a later tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('given an abort while the first chunk decodes, rejects and leaves no ffmpeg running', async () => {
    const controller = new AbortController();
    let pid: number | undefined;
    const aborting: AudioSource = {
      ...real,
      decodeFirst: async (path, o) => {
        const run = real.decodeFirst(path, o);
        while (pid === undefined) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          pid = liveChildPids()[0];
        }
        controller.abort(new Error('indexing stopped'));
        return run;
      },
    };
    const run = indexMusic(options({ roots: [dir], catalogDir: join(work, 'catalog-aborted'), audio: aborting, signal: controller.signal, jobs: 1 }));
    await expect(run).rejects.toThrow('indexing stopped');
    expect(isProcessAlive(pid!)).toBe(false);
    expect(liveChildPids()).toEqual([]);
  });
});
