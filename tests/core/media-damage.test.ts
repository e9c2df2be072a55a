/**
 * Damage tolerance (the 90% rule) and the Ogg Vorbis files with repeated headers that ffmpeg refuses,
 * reproduced with media generated here (the real cases: an mp3 with 3 KB damaged mid-file, a real AVI
 * whose last AC-3 frame is incomplete, three hyperrogue-music tracks that oggdec plays).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { caught } from '../support/caught.js';
import { audio, frames, mediaBinaries, probe, type DecodeDamage } from '../../core/media/index.js';
import { failureFromExit } from '../../core/media/failure.js';
import { hasRepeatedVorbisHeaders, repairRepeatedVorbisHeaders } from '../../core/media/ogg-repair.js';
import { runChild } from '../../core/media/process.js';
import { writeRepeatedVorbisHeaders } from '../index-data/media-fixtures.js';
import { makeTrack, makeVideo, pseudoRandomBytes, testMediaDir, truncatedCopy } from '../support/media.js';
import { anyOf, stringContaining } from '../support/matchers.js';

/** A copy of `source` with `bytes` bytes of noise written at `at` (a fraction of its length). */
async function damagedCopy(source: string, name: string, at: number, bytes: number): Promise<string> {
  const data = Buffer.from(await readFile(source));
  data.set(pseudoRandomBytes(bytes, 77), Math.floor(data.length * at));
  const path = join(testMediaDir(), name);
  await writeFile(path, data);
  return path;
}

describe('damage tolerance: at least 90% decoded is kept', () => {
  it('given an mp3 with 3 KB damaged in the middle, decodes it and reports the damage with the decoded span', async () => {
    const mp3 = await makeTrack({ format: 'mp3', seconds: 30, bpm: 120, timbre: 'square', freq: 220 });
    const damaged = await damagedCopy(mp3, 'damaged-middle.mp3', 0.5, 3000);
    const damages: DecodeDamage[] = [];
    const samples = await audio(damaged, { sampleRate: 16_000, onDamage: (d) => damages.push(d) });
    expect(samples.length / 16_000).toBeGreaterThan(27);
    expect(damages).toHaveLength(1);
    expect(damages[0]!.decodedSeconds).toBeGreaterThan(27);
    expect(damages[0]!.expectedSeconds).toBeCloseTo(30, 0);
    expect(damages[0]!.note).toMatch(/damaged data was skipped while decoding; \d+\.\d s of \d+\.\d s decoded/);
    expect(damages[0]!.note).not.toMatch(/Invalid data|ffmpeg|@ 0x/);
    // Without a listener the call still succeeds: the rule, not the presence of an error line, decides.
    expect((await audio(damaged, { sampleRate: 16_000 })).length).toBe(samples.length);
  });

  it('given a video damaged mid-stream, reads its frames and reports the damage', async () => {
    const clip = await makeVideo({ container: 'mkv', seconds: 10 });
    const damaged = await damagedCopy(clip, 'damaged-middle.mkv', 0.3, 2000);
    const damages: DecodeDamage[] = [];
    let count = 0;
    for await (const _ of frames(damaged, { fps: 1, size: 32, onDamage: (d) => damages.push(d) })) count++;
    expect(count).toBeGreaterThanOrEqual(9);
    expect(damages).toHaveLength(1);
    expect(damages[0]!.decodedSeconds).toBeGreaterThanOrEqual(9);
  });

  it('given a truncated faststart mp4 (under 90% decodes), still refuses it, naming the decoded span and no ffmpeg text', async () => {
    const cut = await truncatedCopy(await makeVideo({ container: 'mp4', faststart: true }), 0.5);
    const error = await caught(audio(cut));
    expect(error.code).toBe('MEDIA_UNREADABLE');
    expect(error.message).toMatch(/truncated or damaged \(only [\d.]+ s of [\d.]+ s decode\)/);
    expect(error.message).not.toMatch(/ffmpeg:|Invalid data|partial file/);
    expect(error.details).toMatchObject({ stderr: anyOf(String) });
  });
});

describe('messages for people', () => {
  it.each([
    'Error reinitializing filters!\nFailed to inject frame into filter network: Invalid argument\nError while processing the decoded data for stream #0:0',
    '[aac @ 0x55d0c2f1c6c0] channel element 1.0 is not allocated\nsomething nobody expected',
  ])('keeps raw ffmpeg text out of the message: %s', (stderr) => {
    const error = failureFromExit({ code: 1, signal: null, stderr }, { operation: 'audio', label: 'tail.aac' });
    expect(error.code).toBe('MEDIA_UNREADABLE');
    expect(error.message).toMatch(/^Cannot read audio from tail\.aac: /);
    expect(error.message).not.toMatch(/0x|filter network|Invalid argument|channel element/);
    expect(error.details).toMatchObject({ stderr: stringContaining(stderr.split('\n').at(-1)!) });
  });
});

describe('Ogg Vorbis with its headers repeated (played by libvorbis, refused by ffmpeg)', () => {
  it('reproduces the refusal with ffmpeg alone, then probes and decodes it through core/media in full', async () => {
    const original = await makeTrack({ format: 'ogg', seconds: 8, bpm: 100, timbre: 'sawtooth', freq: 330 });
    const broken = join(testMediaDir(), 'repeated-headers.ogg');
    writeRepeatedVorbisHeaders(original, broken);
    const { ffmpeg } = await mediaBinaries();
    const direct = await runChild({ command: ffmpeg.path, args: ['-hide_banner', '-nostdin', '-v', 'error', '-i', broken, '-f', 'null', '-'], timeoutMs: 30_000, maxStdoutBytes: 1 << 16 });
    expect(direct.exit.code).not.toBe(0);
    expect(direct.exit.stderr).toMatch(/Invalid data found/);

    expect(hasRepeatedVorbisHeaders(await readFile(broken))).toBe(true);
    expect(hasRepeatedVorbisHeaders(await readFile(original))).toBe(false);
    const info = await probe(broken);
    expect(info.duration).toBeCloseTo(8, 1);
    const [fixed, reference] = await Promise.all([audio(broken, { sampleRate: 16_000, info }), audio(original, { sampleRate: 16_000 })]);
    expect(fixed.length).toBe(reference.length);
    let diff = 0;
    for (let i = 0; i < fixed.length; i++) diff = Math.max(diff, Math.abs(fixed[i]! - reference[i]!));
    expect(diff).toBeLessThan(1e-3);
  });

  it('leaves files without the defect alone (not a single stream with repeated headers)', async () => {
    const original = await readFile(await makeTrack({ format: 'ogg', seconds: 2 }));
    expect(repairRepeatedVorbisHeaders(original)).toBeUndefined();
    expect(repairRepeatedVorbisHeaders(new Uint8Array(pseudoRandomBytes(4096)))).toBeUndefined();
    expect(hasRepeatedVorbisHeaders(new Uint8Array(0))).toBe(false);
  });
});
