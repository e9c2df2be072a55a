import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { mediaBinaries } from '../core/media/index.js';
import { packageRoot } from './paths.js';

const run = promisify(execFile);

/** Runs ffmpeg quietly, overwriting its output: how every benchmark input here is made. */
async function makeWithFfmpeg(args: readonly string[], timeoutMs: number): Promise<void> {
  const { ffmpeg } = await mediaBinaries();
  await run(ffmpeg.path, ['-hide_banner', '-loglevel', 'error', '-y', ...args], { timeout: timeoutMs });
}

/**
 * A 30 s 1280x720 H.264 + AAC clip (ffmpeg's testsrc2 pattern and a tone), made once and cached in
 * .cache/bench/. The benchmark may start ffmpeg itself (tests/architecture allows it) because making
 * its input is not part of what it measures.
 */
export async function testClip(seconds = 30, width = 1280, height = 720, keyframeSeconds?: number): Promise<string> {
  const dir = join(packageRoot(), '.cache', 'bench');
  const file = join(dir, `clip-${seconds}s-${width}x${height}${keyframeSeconds ? `-key${keyframeSeconds}s` : ''}.mp4`);
  // Default: x264's own keyframe placement (at most 250 frames apart). With keyframeSeconds: a keyframe exactly every keyframeSeconds.
  const gop = keyframeSeconds ? ['-g', String(Math.round(30 * keyframeSeconds)), '-keyint_min', String(Math.round(30 * keyframeSeconds)), '-sc_threshold', '0'] : [];
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const partial = `${file}.partial.mp4`;
  await makeWithFfmpeg(
    [
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${width}x${height}:rate=30:duration=${seconds}`,
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=330:sample_rate=48000:duration=${seconds}`,
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      ...gop,
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-shortest',
      partial,
    ],
    300_000,
  );
  renameSync(partial, file);
  return file;
}

/** `count` JPEG frames of testsrc2 at `width`x`height` (what a browser capture page sends), cached. */
export async function testJpegs(count = 8, width = 640, height = 360): Promise<Uint8Array[]> {
  const dir = join(packageRoot(), '.cache', 'bench', `jpeg-${width}x${height}`);
  const name = (i: number) => join(dir, `frame-${String(i + 1).padStart(3, '0')}.jpg`);
  if (!existsSync(name(count - 1))) {
    mkdirSync(dir, { recursive: true });
    await makeWithFfmpeg(['-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=1:duration=${count}`, '-q:v', '4', join(dir, 'frame-%03d.jpg')], 60_000);
  }
  return Array.from({ length: count }, (_, i) => new Uint8Array(readFileSync(name(i))));
}

/**
 * `count` music-like tracks of `seconds` each (a chord of sines over pink noise, a different root per
 * track so every file has its own content hash), 44.1 kHz stereo FLAC, cached in .cache/bench/.
 */
export async function testTracks(count: number, seconds: number): Promise<string> {
  const dir = join(packageRoot(), '.cache', 'bench', `tracks-${count}x${seconds}s`);
  const name = (i: number) => join(dir, `track-${String(i + 1).padStart(2, '0')}.flac`);
  if (existsSync(name(count - 1))) return dir;
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const root = 110 * 2 ** (i / 12);
    const partial = `${name(i)}.partial.flac`;
    await makeWithFfmpeg(
      [
        '-f',
        'lavfi',
        '-i',
        `sine=frequency=${root.toFixed(2)}:sample_rate=44100:duration=${seconds}`,
        '-f',
        'lavfi',
        '-i',
        `sine=frequency=${(root * 1.5).toFixed(2)}:sample_rate=44100:duration=${seconds}`,
        '-f',
        'lavfi',
        '-i',
        `anoisesrc=color=pink:amplitude=0.05:sample_rate=44100:duration=${seconds}:seed=${i + 1}`,
        '-filter_complex',
        'amix=inputs=3,volume=1.2',
        '-ac',
        '2',
        '-c:a',
        'flac',
        partial,
      ],
      300_000,
    );
    renameSync(partial, name(i));
  }
  return dir;
}
