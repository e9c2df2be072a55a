/** The adapters between the bot and core/media, the encoders and the catalog, on real small parts. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogPreviewCutter, CatalogTrackDirectory, MediaClipAnalyser } from '../../bot/media-adapters.js';
import type { Encoders } from '../../model/index.js';
import { createFixtureEncoders } from '../support/models.js';
import { makeLongVideo, makeTrack, makeVideo } from '../support/media.js';
import { bytesOf } from './support/expect-discord.js';
import { MemoryCatalog } from '../recommend/support/memory-catalog.js';
import { ifSet } from '../support/if-set.js';

let encoders: Encoders;
beforeAll(async () => {
  encoders = await createFixtureEncoders();
});
afterAll(async () => {
  await ifSet(encoders)?.dispose();
});

describe('MediaClipAnalyser', () => {
  it('given a clip longer than the frame window, samples it evenly from start to end', async () => {
    const analyser = new MediaClipAnalyser(encoders.clipImage, { fps: 1, maxFrames: 8, maxClipSeconds: 600, timeoutMs: 30_000 });
    const features = await analyser.analyse(await bytesOf(await makeVideo({ seconds: 40, width: 96, height: 64, fps: 5 })), AbortSignal.timeout(30_000));
    expect(features.frameEmbeddings).toHaveLength(8);
    expect(features.frameEmbeddings[0]).toHaveLength(encoders.clipImage.info.dim);
    expect(features.durationSeconds).toBeGreaterThan(30);
  });

  it('given a clip over the bot limit, refuses with MEDIA_TOO_LONG and the numbers, before decoding', async () => {
    const analyser = new MediaClipAnalyser(encoders.clipImage, { fps: 1, maxFrames: 8, maxClipSeconds: 900, timeoutMs: 30_000 });
    const started = Date.now();
    await expect(analyser.analyse(await bytesOf(await makeLongVideo()), AbortSignal.timeout(30_000))).rejects.toMatchObject({
      code: 'MEDIA_TOO_LONG',
      details: { maxDurationSeconds: 900 },
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('given an aborted request, stops with MEDIA_ABORTED', async () => {
    const analyser = new MediaClipAnalyser(encoders.clipImage, { fps: 1, maxFrames: 8, maxClipSeconds: 600, timeoutMs: 30_000 });
    const controller = new AbortController();
    controller.abort(new Error('user left'));
    await expect(analyser.analyse(await bytesOf(await makeVideo({ seconds: 3 })), controller.signal)).rejects.toMatchObject({ code: 'MEDIA_ABORTED' });
  });
});

describe('CatalogTrackDirectory', () => {
  const catalog = new MemoryCatalog([
    { id: 'b', looks: [], sounds: [['calm']] },
    { id: 'a', artist: 'Night Owls', looks: [], sounds: [['calm']] },
    { id: 'c', looks: [], sounds: [['calm']] },
  ]);
  const directory = new CatalogTrackDirectory(catalog);

  it('suggests titles starting with the query first, then titles or artists containing it, case-insensitively', () => {
    expect(directory.search('TITLE B', 5).map((t) => t.id)).toEqual(['b']);
    expect(directory.search('night', 5).map((t) => t.id)).toEqual(['a']);
    expect(directory.search('', 2).map((t) => t.id)).toEqual(['a', 'b']);
    expect(directory.search('zzz', 5)).toEqual([]);
    expect(directory.size()).toBe(3);
    expect(directory.track('c')?.title).toBe('Title c');
  });
});

describe('CatalogPreviewCutter', () => {
  it('cuts the segment as Ogg/Opus within the byte limit, and gives none when it cannot fit', async () => {
    const path = await makeTrack({ seconds: 12, bpm: 120, format: 'wav' });
    const cutter = new CatalogPreviewCutter({ audioPath: (id) => (id === 't1' ? path : undefined) }, 20_000);
    const preview = await cutter.cut('t1', 2, 5, 1_000_000, AbortSignal.timeout(20_000));
    expect(preview?.name).toBe('preview-t1.ogg');
    expect(Buffer.from(preview!.bytes.subarray(0, 4)).toString()).toBe('OggS');
    expect(preview!.bytes.byteLength).toBeLessThan(1_000_000);
    expect(await cutter.cut('t1', 2, 5, 2_000, AbortSignal.timeout(20_000))).toBeUndefined();
    expect(await cutter.cut('unknown', 0, 5, 1_000_000, AbortSignal.timeout(20_000))).toBeUndefined();
  });
});
