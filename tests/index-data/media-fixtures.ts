/** Audio the index-data tests synthesise with ffmpeg (several timbres, tempos and loudness, plus broken files). */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function ffmpeg(args: readonly string[]): void {
  execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
}

export interface ToneSpec {
  /** Path relative to the folder; the extension picks the format. */
  readonly file: string;
  /** ffmpeg lavfi source graph. */
  readonly source: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Pulses of noise at `bpm` (a drum-like beat). */
export function pulses(bpm: number, seconds: number, volume = 0.8): string {
  const period = 60 / bpm;
  return `anoisesrc=d=${seconds}:a=${volume}:seed=7,volume='if(lt(mod(t,${period.toFixed(5)}),0.04),1,0.02)':eval=frame`;
}

export function sine(freq: number, seconds: number, volume = 0.5): string {
  return `sine=f=${freq}:d=${seconds},volume=${volume}`;
}

export function writeTrack(dir: string, spec: ToneSpec): string {
  const path = join(dir, spec.file);
  mkdirSync(dirname(path), { recursive: true });
  const meta = Object.entries(spec.metadata ?? {}).flatMap(([k, v]) => ['-metadata', `${k}=${v}`]);
  ffmpeg(['-f', 'lavfi', '-i', spec.source, '-ac', '1', ...meta, path]);
  return path;
}

/** A file with random bytes and an audio extension. */
export function writeCorrupt(path: string, bytes = 6000): void {
  let seed = 12345;
  const data = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) data[i] = (seed = (seed * 1103515245 + 12345) % 2147483648) & 0xff;
  writeFileSync(path, data);
}

/** The first `fraction` of a valid file (the header still announces the full length). */
export function writeTruncated(source: string, path: string, fraction: number): void {
  const data = readFileSync(source);
  writeFileSync(path, data.subarray(0, Math.floor(data.length * fraction)));
}

/** Three hours of near-silence as a small FLAC (8 kHz mono compresses to almost nothing). */
export function writeLong(path: string, seconds = 3 * 3600): void {
  ffmpeg(['-f', 'lavfi', '-i', `anullsrc=r=8000:cl=mono`, '-t', String(seconds), '-c:a', 'flac', path]);
}

export { copyFileSync };
