/**
 * Test media made with ffmpeg's lavfi sources, cached on disk by content spec (so each is generated
 * once per machine, not once per test file). Other test suites use these too (catalog tracks with
 * tags, scene-changing clips). Generation goes through `core/media`'s child runner and binaries.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { mediaBinaries } from '../../core/media/binaries.js';
import { stderrSummary } from '../../core/media/failure.js';
import { runChild } from '../../core/media/process.js';

/** Bump when a generator changes what it writes, so stale cached files are not reused. */
const GENERATOR_VERSION = 2;

export function testMediaDir(): string {
  return process.env.CUECAST_TEST_MEDIA_DIR ?? join(tmpdir(), `cuecast-test-media-v${GENERATOR_VERSION}`);
}

/** Runs ffmpeg with the binaries the media layer resolved; throws with stderr on failure. */
export async function runFfmpeg(args: readonly string[], timeoutMs = 60_000): Promise<void> {
  const { ffmpeg } = await mediaBinaries();
  const { exit } = await runChild({ command: ffmpeg.path, args: ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args], timeoutMs, maxStdoutBytes: 1 << 20 });
  if (exit.code !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed (${exit.stopped ?? exit.code}): ${stderrSummary(exit.stderr, 8)}`);
}

const pending = new Map<string, Promise<string>>();

/**
 * Returns `<dir>/<name>-<hash of spec>.<ext>`, generating it once: `write` gets a temporary path in
 * the same folder, renamed into place when complete, so concurrent test workers never see a partial file.
 */
function cached(name: string, ext: string, spec: unknown, write: (path: string) => Promise<void>): Promise<string> {
  const hash = createHash('sha1').update(JSON.stringify(spec)).digest('hex').slice(0, 10);
  const path = join(testMediaDir(), `${name}-${hash}.${ext}`);
  let promise = pending.get(path);
  if (!promise) {
    promise = (async () => {
      if (existsSync(path)) return path;
      await mkdir(dirname(path), { recursive: true });
      const partial = join(dirname(path), `.partial-${process.pid}-${Math.random().toString(36).slice(2)}-${name}.${ext}`);
      await write(partial);
      await rename(partial, path);
      return path;
    })();
    promise.catch(() => pending.delete(path));
    pending.set(path, promise);
  }
  return promise;
}

// ---------------------------------------------------------------------------------------------
// Video

export type VideoContainer = 'mp4' | 'webm' | 'mov' | 'gif' | 'mkv';

export interface VideoSpec {
  readonly container?: VideoContainer;
  readonly seconds?: number;
  readonly width?: number;
  readonly height?: number;
  readonly fps?: number;
  /** Add a 440 Hz sine track (not for gif). Default true. */
  readonly audio?: boolean;
  /**
   * Picture: `clock` (default) is a flat gray whose level is `GRAY_PER_SECOND * t` (mod 256), so a
   * decoded frame tells the time it shows; a list of colors gives equal-length solid scenes.
   */
  readonly scenes?: readonly string[];
  /** mp4/mov: put the index first (`-movflags +faststart`), so a truncated copy still probes. */
  readonly faststart?: boolean;
}

/** Gray level per second of the `clock` picture: a frame at t seconds has R = G = B ≈ 20 t. */
export const GRAY_PER_SECOND = 20;

/** Lossless or near-lossless video, so the clock's gray levels survive (lossy skip blocks keep stale levels). */
const VIDEO_CODECS: Readonly<Record<VideoContainer, readonly string[]>> = {
  mp4: ['-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '96k'],
  webm: ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-lossless', '1', '-pix_fmt', 'yuv420p', '-c:a', 'libopus'],
  mov: ['-c:v', 'mpeg4', '-q:v', '1', '-g', '1', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '96k'],
  mkv: ['-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p', '-c:a', 'flac'],
  gif: ['-pix_fmt', 'rgb8'],
};

function pictureSource(spec: Required<Omit<VideoSpec, 'audio' | 'container' | 'faststart'>>): string {
  const { seconds, width, height, fps, scenes } = spec;
  if (scenes.length > 0) {
    const each = seconds / scenes.length;
    const parts = scenes.map((color, i) => `color=c=${color}:s=${width}x${height}:r=${fps}:d=${each}[s${i}]`);
    return `${parts.join(';')};${scenes.map((_, i) => `[s${i}]`).join('')}concat=n=${scenes.length}:v=1:a=0[out0]`;
  }
  // geq on a tiny picture, scaled up: cheap, and flat so compression keeps the level.
  const level = `'mod(${GRAY_PER_SECOND}*T,256)'`;
  return `nullsrc=s=16x16:r=${fps}:d=${seconds},format=rgb24,geq=r=${level}:g=${level}:b=${level},scale=${width}:${height}:flags=neighbor[out0]`;
}

export function makeVideo(spec: VideoSpec = {}): Promise<string> {
  const full = { container: 'mp4' as VideoContainer, seconds: 10, width: 320, height: 240, fps: 25, audio: true, scenes: [] as readonly string[], ...spec };
  const withAudio = full.audio && full.container !== 'gif';
  return cached(`video`, full.container, full, async (path) => {
    const args = ['-f', 'lavfi', '-i', pictureSource(full)];
    if (withAudio) args.push('-f', 'lavfi', '-i', `sine=f=440:sample_rate=48000:d=${full.seconds}`);
    args.push('-map', '0:v', ...(withAudio ? ['-map', '1:a'] : []), ...VIDEO_CODECS[full.container]);
    if (spec.faststart) args.push('-movflags', '+faststart');
    args.push('-t', String(full.seconds), '-f', full.container === 'mkv' ? 'matroska' : full.container, path);
    await runFfmpeg(args);
  });
}

/** A still image: a left half red, right half blue picture. */
export function makeImage(spec: { format?: 'png' | 'jpg'; width?: number; height?: number } = {}): Promise<string> {
  const full = { format: 'png' as const, width: 64, height: 48, ...spec };
  return cached('image', full.format, full, async (path) => {
    const half = Math.floor(full.width / 2);
    const graph = `color=c=red:s=${full.width}x${full.height}:d=1,drawbox=x=${half}:y=0:w=${full.width - half}:h=${full.height}:c=blue:t=fill`;
    await runFfmpeg(['-f', 'lavfi', '-i', graph, '-frames:v', '1', '-f', 'image2', '-c:v', full.format === 'png' ? 'png' : 'mjpeg', path]);
  });
}

// ---------------------------------------------------------------------------------------------
// Audio and tracks

export type AudioFormat = 'wav' | 'mp3' | 'flac' | 'ogg' | 'opus' | 'm4a';
export type Timbre = 'sine' | 'square' | 'sawtooth' | 'triangle' | 'noise';

export interface TrackSpec {
  /** Where to write it; default: the test media cache. */
  readonly path?: string;
  readonly format?: AudioFormat;
  readonly seconds?: number;
  readonly sampleRate?: number;
  /** Tone frequency in Hz (ignored for noise). */
  readonly freq?: number;
  readonly timbre?: Timbre;
  /** Beats per minute: each beat starts loud and decays; 0 or unset gives a steady tone. */
  readonly bpm?: number;
  /** Peak amplitude, 0..1. */
  readonly volume?: number;
  readonly title?: string;
  readonly artist?: string;
  readonly genre?: string;
  readonly album?: string;
  /** Embed a cover picture (an attached picture stream; mp3 and flac only). */
  readonly cover?: boolean;
}

const AUDIO_CODECS: Readonly<Record<AudioFormat, readonly string[]>> = {
  wav: ['-c:a', 'pcm_s16le', '-f', 'wav'],
  mp3: ['-c:a', 'libmp3lame', '-b:a', '128k', '-f', 'mp3'],
  flac: ['-c:a', 'flac', '-f', 'flac'],
  ogg: ['-c:a', 'libvorbis', '-q:a', '3', '-f', 'ogg'],
  opus: ['-c:a', 'libopus', '-b:a', '64k', '-f', 'opus'],
  m4a: ['-c:a', 'aac', '-b:a', '128k', '-f', 'ipod'],
};

function oscillator(timbre: Timbre, freq: number): string {
  const phase = `${freq}*t`;
  switch (timbre) {
    case 'sine':
      return `sin(2*PI*${phase})`;
    case 'square':
      return `0.6*(2*gte(sin(2*PI*${phase}),0)-1)`;
    case 'sawtooth':
      return `0.6*2*(${phase}-floor(${phase}+0.5))`;
    case 'triangle':
      return `(2*abs(2*(${phase}-floor(${phase}+0.5)))-1)`;
    case 'noise':
      return `0.6*(2*random(0)-1)`;
  }
}

/** The aevalsrc expression of a track: volume x beat envelope x oscillator. */
export function trackExpression(spec: Pick<TrackSpec, 'timbre' | 'freq' | 'bpm' | 'volume'>): string {
  const volume = spec.volume ?? 0.5;
  const beat = spec.bpm ? 60 / spec.bpm : undefined;
  const envelope = beat ? `(0.2+0.8*exp(-6*mod(t,${beat})/${beat}))` : '1';
  return `${volume}*${envelope}*${oscillator(spec.timbre ?? 'sine', spec.freq ?? 440)}`;
}

async function writeTrack(path: string, spec: TrackSpec): Promise<void> {
  const format = spec.format ?? 'wav';
  const seconds = spec.seconds ?? 5;
  const rate = spec.sampleRate ?? (format === 'opus' ? 48_000 : 44_100);
  const args = ['-f', 'lavfi', '-i', `aevalsrc=exprs='${trackExpression(spec)}':s=${rate}:d=${seconds}`];
  if (spec.cover) args.push('-f', 'lavfi', '-i', 'color=c=orange:s=64x64:d=1', '-map', '0:a', '-map', '1:v', '-frames:v', '1', '-c:v', 'png', '-disposition:v', 'attached_pic');
  for (const key of ['title', 'artist', 'genre', 'album'] as const) {
    const value = spec[key];
    if (value !== undefined) args.push('-metadata', `${key}=${value}`);
  }
  args.push('-t', String(seconds), ...AUDIO_CODECS[format], path);
  await runFfmpeg(args);
}

/** A tone track with tags: steady or beating, sine/square/sawtooth/triangle/noise. Returns its path. */
export async function makeTrack(spec: TrackSpec = {}): Promise<string> {
  const format = spec.format ?? 'wav';
  if (spec.path === undefined) return cached('track', format, spec, (path) => writeTrack(path, spec));
  await mkdir(dirname(spec.path), { recursive: true });
  await writeTrack(spec.path, spec);
  return spec.path;
}

/** A plain audio-only file: a 440 Hz sine, `seconds` long. */
export function makeAudio(format: AudioFormat, seconds = 5, options: Pick<TrackSpec, 'sampleRate' | 'cover' | 'title' | 'artist'> = {}): Promise<string> {
  return makeTrack({ format, seconds, freq: 440, ...options });
}

// ---------------------------------------------------------------------------------------------
// Long inputs (3 hours) that take well under a second to write

export const LONG_SECONDS = 3 * 3600;

/** A 3-hour h264 video at 1 fps, 32x32 (about 150 KB, ~0.3 s to make). */
export function makeLongVideo(): Promise<string> {
  return cached('long-video', 'mp4', { seconds: LONG_SECONDS }, (path) =>
    runFfmpeg(['-f', 'lavfi', '-i', `color=c=gray:s=32x32:r=1:d=${LONG_SECONDS}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-f', 'mp4', path]),
  );
}

/** A 3-hour silent wav, 2 kHz 4-bit ADPCM (about 10 MB, ~0.5 s to make). */
export function makeLongAudio(): Promise<string> {
  return cached('long-audio', 'wav', { seconds: LONG_SECONDS }, (path) =>
    runFfmpeg(['-f', 'lavfi', '-i', `anullsrc=r=2000:cl=mono`, '-t', String(LONG_SECONDS), '-c:a', 'adpcm_ima_wav', '-f', 'wav', path]),
  );
}

// ---------------------------------------------------------------------------------------------
// Bad inputs

/** Deterministic bytes (xorshift32), so "random" files are the same on every run. */
export function pseudoRandomBytes(length: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** The first `fraction` of a file (an interrupted download). */
export function truncatedCopy(source: string, fraction = 0.5): Promise<string> {
  return cached('truncated', source.split('.').pop() ?? 'bin', { source, fraction }, async (path) => {
    const bytes = await readFile(source);
    await writeFile(path, bytes.subarray(0, Math.floor(bytes.length * fraction)));
  });
}

/** A copy whose first `bytes` bytes are overwritten with noise (a broken header). */
export function corruptCopy(source: string, bytes = 4096): Promise<string> {
  return cached('corrupt', source.split('.').pop() ?? 'bin', { source, bytes }, async (path) => {
    const data = Buffer.from(await readFile(source));
    data.set(pseudoRandomBytes(Math.min(bytes, data.length)), 0);
    await writeFile(path, data);
  });
}

/** An empty file with a media name. */
export function zeroByteFile(name = 'empty.mp4'): Promise<string> {
  const ext = name.split('.').pop() ?? 'bin';
  return cached(`zero-${name.replace(/\W/g, '_')}`, ext, { name }, (path) => writeFile(path, new Uint8Array(0)));
}

/** Noise with a media name (non-media input). */
export function randomBytesFile(name = 'noise.mp4', length = 64 * 1024): Promise<string> {
  const ext = name.split('.').pop() ?? 'bin';
  return cached(`random-${name.replace(/\W/g, '_')}`, ext, { name, length }, (path) => writeFile(path, pseudoRandomBytes(length)));
}

/**
 * A lossy H.264 clip of moving testsrc2 at 30 fps with B-frames, as cameras and capture tools write
 * them: `keyframeSeconds` set gives a keyframe exactly that often, else x264's own placement (one
 * keyframe for a short clip).
 */
export function makeGopVideo(spec: { seconds?: number; keyframeSeconds?: number } = {}): Promise<string> {
  const seconds = spec.seconds ?? 4;
  const gop = spec.keyframeSeconds ? ['-g', String(30 * spec.keyframeSeconds), '-keyint_min', String(30 * spec.keyframeSeconds), '-sc_threshold', '0'] : [];
  return cached('gop-video', 'mp4', { seconds, keyframeSeconds: spec.keyframeSeconds ?? null }, (path) =>
    runFfmpeg(['-f', 'lavfi', '-i', `testsrc2=size=160x120:rate=30:duration=${seconds}`, '-c:v', 'libx264', '-preset', 'veryfast', '-bf', '2', ...gop, '-pix_fmt', 'yuv420p', '-f', 'mp4', path]),
  );
}

/**
 * A 250 s, 16x16 H.264 clip at 100 fps with a keyframe each second: 25,000 packets, more than the probe
 * lists (PACKET_LISTING_CAP), so its listing stops at 200 s.
 */
export function makeManyPacketVideo(): Promise<string> {
  return cached('many-packets', 'mp4', { seconds: 250, fps: 100 }, (path) =>
    runFfmpeg(['-f', 'lavfi', '-i', 'color=c=gray:s=16x16:r=100:d=250', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '100', '-pix_fmt', 'yuv420p', '-f', 'mp4', path]),
  );
}
