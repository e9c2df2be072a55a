/**
 * audioWithLoudness: the indexer's first decode chunk and the whole track's R128 loudness trace from one
 * ffmpeg run, checked against audio() and loudness() run separately on the same generated media.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { caught } from '../support/caught.js';
import { audio, audioWithLoudness, liveChildPids, loudness, probe, type DecodeDamage, type LoudnessTrace } from '../../core/media/index.js';
import { isProcessAlive } from '../../core/pid.js';
import { stringContaining } from '../support/matchers.js';
import { makeAudio, makeImage, makeLongAudio, makeTrack, makeVideo, pseudoRandomBytes, runFfmpeg, testMediaDir, truncatedCopy, type AudioFormat } from '../support/media.js';

const bytesOf = (samples: Float32Array): Buffer => Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);

function expectSameTrace(merged: LoudnessTrace, alone: LoudnessTrace): void {
  expect(merged.stepSeconds).toBe(alone.stepSeconds);
  expect(merged.momentary.length).toBe(alone.momentary.length);
  expect(bytesOf(merged.momentary).equals(bytesOf(alone.momentary))).toBe(true);
}

/** A 40 s stereo track whose two channels differ and whose loudness changes over time. */
function makeStereoTrack(format: AudioFormat, sampleRate: number): Promise<string> {
  const path = join(testMediaDir(), `loudness-stereo-${sampleRate}.${format}`);
  const left = '0.5*(0.3+0.7*mod(t,7)/7)*sin(2*PI*220*t)';
  const right = '0.3*sin(2*PI*(330+40*sin(t))*t)+0.05*(2*random(0)-1)';
  const codec: Record<string, string[]> = { flac: ['-c:a', 'flac'], mp3: ['-c:a', 'libmp3lame'], ogg: ['-c:a', 'libvorbis'], m4a: ['-c:a', 'aac', '-f', 'ipod'] };
  return runFfmpeg(['-f', 'lavfi', '-i', `aevalsrc=exprs='${left}|${right}':s=${sampleRate}:d=40`, ...codec[format]!, path]).then(() => path);
}

describe('audioWithLoudness: one run, the same results as audio() and loudness()', () => {
  it.each([
    ['flac', 44_100],
    ['mp3', 44_100],
    ['ogg', 48_000],
    ['m4a', 22_050],
  ] as const)("given a stereo %s at %i Hz, gives audio()'s samples byte for byte and loudness()'s whole trace", async (format, rate) => {
    const track = await makeStereoTrack(format, rate);
    const info = await probe(track);
    for (const options of [{ duration: 13.123456 }, { duration: 60 }, {}]) {
      const merged = await audioWithLoudness(track, { ...options, info, sampleRate: 48_000 });
      const alone = await audio(track, { ...options, info, sampleRate: 48_000 });
      expect(merged.samples.length, JSON.stringify(options)).toBe(alone.length);
      expect(bytesOf(merged.samples).equals(bytesOf(alone)), JSON.stringify(options)).toBe(true);
      // The trace covers the whole track (400 steps of 0.1 s), whatever the window.
      expectSameTrace(merged.loudness, await loudness(track, { info }));
      expect(merged.loudness.momentary.length).toBeGreaterThanOrEqual(395);
    }
    expect(liveChildPids()).toEqual([]);
  });

  it('with shared, gives the same samples in a SharedArrayBuffer, as audio() does, for worker threads to read in place', async () => {
    const track = await makeStereoTrack('ogg', 48_000);
    const info = await probe(track);
    const plain = await audio(track, { info, duration: 20 });
    const merged = await audioWithLoudness(track, { info, duration: 20, shared: true });
    const alone = await audio(track, { info, duration: 20, shared: true });
    expect(plain.buffer).toBeInstanceOf(ArrayBuffer);
    for (const samples of [merged.samples, alone]) {
      expect(samples.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(bytesOf(samples).equals(bytesOf(plain))).toBe(true);
    }
  });

  it('also takes bytes and another output rate, as audio() does', async () => {
    const track = await makeStereoTrack('flac', 44_100);
    const bytes = new Uint8Array(await readFile(track));
    const merged = await audioWithLoudness(bytes, { sampleRate: 16_000, duration: 5 });
    expect(merged.samples.length).toBe(80_000);
    expect(bytesOf(merged.samples).equals(bytesOf(await audio(track, { sampleRate: 16_000, duration: 5 })))).toBe(true);
    expectSameTrace(merged.loudness, await loudness(track));
  });

  it('reads the trace from the filter, not from the file: tags named like its lines change nothing', async () => {
    const plain = await makeTrack({ format: 'flac', seconds: 6, freq: 330 });
    const tagged = join(testMediaDir(), 'loudness-tag-injection.flac');
    await runFfmpeg(['-i', plain, '-c', 'copy', '-metadata', 'lavfi.r128.M=0', '-metadata', 'title=x\nlavfi.r128.M=5\nframe:0', '-metadata', 'comment=\nlavfi.r128.M=7', tagged]);
    const { loudness: trace } = await audioWithLoudness(tagged, { duration: 3 });
    expectSameTrace(trace, await loudness(plain));
    expect([...trace.momentary].filter((v) => v === 0 || v === 5 || v === 7)).toEqual([]);
  });
});

describe('audioWithLoudness: bad inputs fail as audio() and loudness() do', () => {
  it('given an mp3 damaged in the middle, keeps it and reports the damage once, over the whole track', async () => {
    const mp3 = await makeTrack({ format: 'mp3', seconds: 30, bpm: 120, timbre: 'square', freq: 220 });
    const data = Buffer.from(await readFile(mp3));
    data.set(pseudoRandomBytes(3000, 77), Math.floor(data.length * 0.5));
    const damaged = join(testMediaDir(), 'loudness-damaged-middle.mp3');
    await writeFile(damaged, data);
    const damages: DecodeDamage[] = [];
    // The window (0-10 s) ends before the damage (15 s): the run still reads on to the end for the trace.
    const merged = await audioWithLoudness(damaged, { duration: 10, onDamage: (d) => damages.push(d) });
    expect(bytesOf(merged.samples).equals(bytesOf(await audio(damaged, { duration: 10 })))).toBe(true);
    expectSameTrace(merged.loudness, await loudness(damaged));
    expect(damages).toHaveLength(1);
    expect(damages[0]!.expectedSeconds).toBeCloseTo(30, 0);
    expect(damages[0]!.decodedSeconds).toBeGreaterThan(27);
    expect(damages[0]!.note).toMatch(/damaged data was skipped while decoding/);
  });

  it('given a truncated flac, refuses it as loudness() does even when the window decodes whole', async () => {
    const flac = await makeTrack({ format: 'flac', seconds: 30, bpm: 120, timbre: 'square', freq: 220 });
    const cut = await truncatedCopy(flac, 0.5);
    expect((await audio(cut, { duration: 10 })).length).toBe(480_000);
    const alone = await caught(loudness(cut));
    const merged = await caught(audioWithLoudness(cut, { duration: 10 }));
    expect(merged).toMatchObject({ code: 'MEDIA_UNREADABLE', message: alone.message });
    expect(merged.message).toMatch(/truncated or damaged \(only 1\d\.\d s of 30\.0 s decode\)/);
  });

  it('given a truncated mp3 (no damage reported), gives what decodes: the window and a shorter trace', async () => {
    const mp3 = await makeTrack({ format: 'mp3', seconds: 30, bpm: 120, timbre: 'square', freq: 220 });
    const cut = await truncatedCopy(mp3, 0.5);
    const merged = await audioWithLoudness(cut, { duration: 60 });
    expect(bytesOf(merged.samples).equals(bytesOf(await audio(cut, { duration: 60 })))).toBe(true);
    expectSameTrace(merged.loudness, await loudness(cut));
    expect(merged.loudness.momentary.length).toBeLessThan(200);
  });

  it('given a file with no audio stream, or no media at all, fails with the codes audio() gives', async () => {
    for (const input of [await makeVideo({ container: 'gif', seconds: 2, fps: 5, width: 32, height: 32 }), await makeImage()]) {
      const alone = await caught(audio(input, { duration: 5 }));
      expect(alone.code).toBe('MEDIA_NO_AUDIO');
      expect(await caught(audioWithLoudness(input, { duration: 5 }))).toMatchObject({ code: 'MEDIA_NO_AUDIO', message: alone.message });
    }
    const noise = join(testMediaDir(), 'loudness-noise.flac');
    await writeFile(noise, pseudoRandomBytes(20_000, 5));
    expect(await caught(audioWithLoudness(noise, { duration: 5 }))).toMatchObject({ code: 'MEDIA_UNREADABLE' });
  });

  it('refuses a window that does not start at 0 (the trace covers the whole track), before starting ffmpeg', async () => {
    const track = await makeAudio('ogg', 5);
    const error = await caught(audioWithLoudness(track, { start: 2, duration: 2 }));
    expect(error).toMatchObject({ code: 'INPUT_INVALID', message: stringContaining('starts at 0') });
    expect((await audioWithLoudness(track, { start: 0, duration: 2 })).samples.length).toBe(96_000);
  });
});

describe('audioWithLoudness: the child is stopped and reaped', () => {
  it('given an abort mid-run, rejects with MEDIA_ABORTED and leaves no ffmpeg running', async () => {
    const long = await makeLongAudio();
    const info = await probe(long);
    const controller = new AbortController();
    const run = audioWithLoudness(long, { info, duration: 130, signal: controller.signal, timeoutMs: 120_000 });
    let pid: number | undefined;
    while (pid === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      pid = liveChildPids()[0];
    }
    controller.abort();
    expect(await caught(run)).toMatchObject({ code: 'MEDIA_ABORTED' });
    expect(isProcessAlive(pid)).toBe(false);
    expect(liveChildPids()).toEqual([]);
  });

  it('given a run past its time limit, rejects with MEDIA_TIMEOUT and leaves no ffmpeg running', async () => {
    const long = await makeLongAudio();
    const info = await probe(long);
    const error = await caught(audioWithLoudness(long, { info, duration: 130, timeoutMs: 50 }));
    expect(error).toMatchObject({ code: 'MEDIA_TIMEOUT' });
    expect(liveChildPids()).toEqual([]);
  });
});
