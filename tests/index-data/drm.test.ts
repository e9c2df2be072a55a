import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../index-data/catalog.js';
import { createDescriber } from '../../index-data/describe/from-config.js';
import { findProtection } from '../../index-data/drm.js';
import { indexMusic, type AudioSource, type IndexEvent } from '../../index-data/indexer.js';
import { mediaAudioSource } from '../../index-data/media-source.js';
import { musicMetadataReader } from '../../index-data/metadata.js';
import type { Encoders } from '../../model/index.js';
import { runCuecast, fixtureCliEnv } from '../support/cli.js';
import { createFixtureEncoders } from '../support/models.js';
import { sine, writeTrack } from './media-fixtures.js';
import { stringMatching } from '../support/matchers.js';

const work = mkdtempSync(join(tmpdir(), 'cuecast-drm-'));
const music = join(work, 'music');
const KEY = '76a6c65c5ea762046bd749a2e632ccbb';
const KID = 'a7e61c373e219033c21091fa607bf3b8';
let encoders: Encoders | undefined;

/** An AAC m4a encrypted by ffmpeg with Common Encryption (what a DRM'd store download looks like to a decoder without the key). */
function writeEncrypted(path: string, seconds: number, extra: readonly string[] = []): void {
  execFileSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-nostdin',
      '-y',
      '-f',
      'lavfi',
      '-i',
      sine(440, seconds),
      '-ac',
      '1',
      '-c:a',
      'aac',
      '-encryption_scheme',
      'cenc-aes-ctr',
      '-encryption_key',
      KEY,
      '-encryption_kid',
      KID,
      ...extra,
      path,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 },
  );
}

beforeAll(() => {
  mkdirSync(music, { recursive: true });
  writeEncrypted(join(music, 'store-download.m4a'), 12);
  writeTrack(music, { file: 'clear.m4a', source: sine(330, 12) });
  writeTrack(music, { file: 'clear.wav', source: sine(220, 9) });
}, 60_000);

afterAll(async () => {
  await encoders?.dispose();
  rmSync(work, { recursive: true, force: true });
});

describe('findProtection', () => {
  it('given a CENC-encrypted m4a, names the scheme and the key id', async () => {
    expect(await findProtection(join(music, 'store-download.m4a'))).toEqual({ scheme: 'cenc', keyId: KID });
  });

  it('given a fragmented CENC m4a (moov before the fragments), finds it too', async () => {
    const path = join(work, 'fragmented.m4a');
    writeEncrypted(path, 4, ['-movflags', '+frag_keyframe+empty_moov']);
    expect(await findProtection(path)).toEqual({ scheme: 'cenc', keyId: KID });
  });

  it('given clear m4a and wav files, a non-MP4 file and a truncated MP4 header, finds nothing and does not throw', async () => {
    expect(await findProtection(join(music, 'clear.m4a'))).toBeUndefined();
    expect(await findProtection(join(music, 'clear.wav'))).toBeUndefined();
    const stub = join(work, 'stub.m4a');
    writeFileSync(stub, Buffer.from([0, 0, 0, 0x20, 0x66, 0x74, 0x79, 0x70, 0x4d, 0x34, 0x41]));
    expect(await findProtection(stub)).toBeUndefined();
  });
});

describe('indexing a folder with a DRM-protected file', () => {
  it('skips the protected m4a with its reason before probing or decoding it, indexes the rest, and remembers it', async () => {
    encoders = await createFixtureEncoders();
    const touched: string[] = [];
    const real = mediaAudioSource();
    const recording: AudioSource = {
      probe: async (path, signal) => (touched.push(path), real.probe(path, signal)),
      decode: async (path, options) => (touched.push(path), real.decode(path, options)),
      decodeFirst: async (path, options) => (touched.push(path), real.decodeFirst(path, options)),
    };
    const catalogDir = join(work, 'api-catalog');
    const run = () =>
      indexMusic({
        roots: [music],
        catalogDir,
        encoders: encoders!,
        audio: recording,
        metadata: musicMetadataReader,
        describer: (cache) => createDescriber('template', undefined, cache),
        segmentSeconds: 30,
        hopSeconds: 15,
      });
    const summary = await run();
    expect(summary).toMatchObject({ indexed: 2, tracks: 2 });
    expect(summary.skipped).toEqual([
      { path: join(music, 'store-download.m4a'), code: 'drm-protected', reason: stringMatching(new RegExp(`DRM \\(Common Encryption, scheme "cenc", key id ${KID}\\)`)) },
    ]);
    expect(touched.filter((p) => p.endsWith('store-download.m4a'))).toEqual([]);
    expect([...openCatalog(catalogDir).tracks()].map((t) => t.title).sort()).toEqual(['clear', 'clear']);

    const again = await run();
    expect(again).toMatchObject({ indexed: 0, unchanged: 2 });
    expect(again.skipped).toEqual(summary.skipped);
  }, 60_000);

  it('cuecast index --json lists it as drm-protected in the summary, indexes the others and exits 2', async () => {
    const catalogDir = join(work, 'cli-catalog');
    const { code, stdout, stderr } = await runCuecast(['index', music, '--catalog', catalogDir, '--json'], fixtureCliEnv(join(work, 'data')));
    expect(code, stderr).toBe(2);
    const events = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as IndexEvent);
    const done = events.at(-1) as Extract<IndexEvent, { event: 'done' }>;
    expect(done.summary).toMatchObject({ indexed: 2, tracks: 2, skipped: [{ path: join(music, 'store-download.m4a'), code: 'drm-protected', reason: stringMatching(/protected by DRM/) }] });
    expect(events.find((e) => e.event === 'file' && e.path.endsWith('store-download.m4a'))).toMatchObject({ status: 'skipped', code: 'drm-protected' });
    expect(openCatalog(catalogDir).trackCount()).toBe(2);
  }, 90_000);
});
