import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audio } from '../../core/media/index.js';
import { openCatalog } from '../../index-data/catalog.js';
import { vimlManifestHash } from '../../index-data/viml-music.js';
import { fixtureHeadsDir, indexWithHeads } from '../support/viml-catalog.js';
import { loadVimlHeads, type Encoders, type VimlHeads } from '../../model/index.js';
import { createFixtureEncoders, fixtureConfig } from '../support/models.js';
import { pulses, writeTrack } from './media-fixtures.js';
import { objectContaining, stringMatching } from '../support/matchers.js';
import { ifSet } from '../support/if-set.js';

const headsDir = fixtureHeadsDir;
const work = mkdtempSync(join(tmpdir(), 'cuecast-viml-catalog-'));
const music = join(work, 'music');
const catalogDir = join(work, 'catalog');
let encoders: Encoders;
let heads: VimlHeads;

beforeAll(async () => {
  mkdirSync(music, { recursive: true });
  // A chirp, so windows a few seconds apart embed differently.
  writeTrack(music, { file: 'a.wav', source: "aevalsrc='0.5*sin(2*PI*(200+8*t)*t)':d=40" });
  writeTrack(music, { file: 'b.wav', source: pulses(120, 12) });
  encoders = await createFixtureEncoders();
  heads = await loadVimlHeads(encoders, fixtureConfig(), { dir: headsDir });
  await indexWithHeads(music, catalogDir, encoders, heads);
}, 120_000);

afterAll(async () => {
  await ifSet(encoders)?.dispose();
  rmSync(work, { recursive: true, force: true });
});

describe('a catalog built with trained ViML heads', () => {
  it('holds one viml-music vector per segment, equal to the music head on its CLAP windows', async () => {
    const catalog = openCatalog(catalogDir);
    expect(catalog.manifest.viml).toEqual({ dim: heads.dim, manifestHash: vimlManifestHash(heads.manifest) });
    const viml = catalog.index('viml-music')!;
    expect(viml.size).toBe(catalog.index('clap-audio')!.size);
    // a is 40 s: segments 0..30 and 10..40 (the last one ends at the track end); b is one short segment.
    expect(viml.size).toBe(3);
    const b = [...catalog.tracks()].find((t) => t.title === 'b')!;
    const [segment] = catalog.segments(b.id);
    const [window] = (await catalog.index('clap-audio')!.vectors([segment!.label])) as [Float32Array];
    // b is 12 s: one segment of one window, so its clap-audio vector is that window's embedding.
    const [expected] = await heads.encodeMusic([[window]]);
    const [stored] = (await viml.vectors([segment!.label])) as [Float32Array];
    for (let i = 0; i < expected!.length; i++) expect(stored[i]).toBeCloseTo(expected![i]!, 4);
  });

  it('gives the last segment (10..40 s) the music head on the CLAP windows at 10, 20 and 30 s', async () => {
    const catalog = openCatalog(catalogDir);
    const a = [...catalog.tracks()].find((t) => t.title === 'a')!;
    const tail = catalog.segments(a.id).at(-1)!;
    expect([tail.start, tail.end]).toEqual([10, 40]);
    const rate = encoders.clapAudio.sampleRate;
    const samples = await audio(join(music, 'a.wav'), { sampleRate: rate, channels: 1 });
    const windows = await encoders.clapAudio.encodeWindows([10, 20, 30].map((s) => samples.slice(s * rate, (s + 10) * rate)));
    const [expected] = await heads.encodeMusic([windows]);
    const [stored] = (await catalog.index('viml-music')!.vectors([tail.label])) as [Float32Array];
    for (let i = 0; i < expected!.length; i++) expect(stored[i]).toBeCloseTo(expected![i]!, 4);
  });

  it('writes the tags backend description as a plain tag list', () => {
    const [track] = openCatalog(catalogDir).tracks();
    expect(track!.description.split(', ').length).toBeGreaterThanOrEqual(5);
  });

  it('refuses readers running other heads, naming both (CATALOG_MISMATCH)', () => {
    expect(() => openCatalog(catalogDir, { expect: { viml: { manifestHash: 'other-heads', dim: heads.dim } } })).toThrow(
      objectContaining({ code: 'CATALOG_MISMATCH', message: stringMatching(/ViML heads.*other-heads/) }),
    );
  });
});
