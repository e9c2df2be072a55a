/** Audio the index-data tests synthesise with ffmpeg (several timbres, tempos and loudness, plus broken files). */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { oggCrc } from '../../core/media/ogg-repair.js';

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

interface RawPage {
  header: Buffer;
  lacing: Buffer;
  body: Buffer;
}

function pagesOf(data: Buffer): RawPage[] {
  const pages: RawPage[] = [];
  for (let at = 0; at < data.length;) {
    const segments = data[at + 26]!;
    const lacing = data.subarray(at + 27, at + 27 + segments);
    const size = lacing.reduce((n, v) => n + v, 0);
    pages.push({ header: Buffer.from(data.subarray(at, at + 27)), lacing, body: data.subarray(at + 27 + segments, at + 27 + segments + size) });
    at += 27 + segments + size;
  }
  return pages;
}

/**
 * The defect as found in real files: after the identification, comment and setup pages, the same three
 * headers again in the same logical stream (no new beginning-of-stream flag), then the audio. Page
 * sequence numbers and CRCs are rewritten so only the repeated headers are wrong.
 */
export function writeRepeatedVorbisHeaders(source: string, path: string): void {
  const pages = pagesOf(readFileSync(source));
  // Header pages: until the page whose granule is non-zero (audio starts there).
  const firstAudio = pages.findIndex((p) => p.header.readBigInt64LE(6) !== 0n);
  const repeated = pages.slice(0, firstAudio).map((p) => ({ ...p, header: Buffer.from(p.header) }));
  repeated[0]!.header[5] = 0; // not a beginning of stream any more
  const out = [...pages.slice(0, firstAudio), ...repeated, ...pages.slice(firstAudio)].map((page, sequence) => {
    const header = Buffer.from(page.header);
    header.writeUInt32LE(sequence, 18);
    header.writeUInt32LE(0, 22);
    const bytes = Buffer.concat([header, page.lacing, page.body]);
    bytes.writeUInt32LE(oggCrc(bytes), 22);
    return bytes;
  });
  writeFileSync(path, Buffer.concat(out));
}

/** A copy with `bytes` bytes of noise written at `at` (a fraction of its length): damage in the middle of a file. */
export function writeDamaged(source: string, path: string, at: number, bytes: number): void {
  const data = readFileSync(source);
  let seed = 977;
  const start = Math.floor(data.length * at);
  for (let i = start; i < Math.min(data.length, start + bytes); i++) data[i] = (seed = (seed * 1103515245 + 12345) % 2147483648) & 0xff;
  writeFileSync(path, data);
}

export { copyFileSync };
