import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CuecastError } from '../../core/errors.js';
import { mediaBinaries } from '../../core/media/index.js';
import { stderrSummary } from '../../core/media/failure.js';
import { runChild } from '../../core/media/process.js';

/** A generated music track: a tone with a beat envelope, tagged with metadata the indexer reads. */
export interface DemoTrack {
  readonly file: string;
  readonly title: string;
  readonly artist: string;
  readonly genre: string;
  /** aevalsrc oscillator expression in t. */
  readonly tone: string;
  /** 0: steady. */
  readonly bpm: number;
}

export const DEMO_TRACKS: readonly DemoTrack[] = [
  { file: 'night-drive.flac', title: 'Night Drive', artist: 'Neon Arcade', genre: 'Electronic', tone: '0.6*2*(110*t-floor(110*t+0.5))', bpm: 124 },
  { file: 'pulse-theory.flac', title: 'Pulse Theory', artist: 'Neon Arcade', genre: 'Electronic', tone: '0.6*(2*gte(sin(2*PI*220*t),0)-1)', bpm: 128 },
  { file: 'stadium-run.flac', title: 'Stadium Run', artist: 'Iron Relay', genre: 'Rock', tone: '0.6*(2*gte(sin(2*PI*82*t),0)-1)+0.3*sin(2*PI*164*t)', bpm: 140 },
  { file: 'morning-light.flac', title: 'Morning Light', artist: 'Paper Boats', genre: 'Folk', tone: '(2*abs(2*(330*t-floor(330*t+0.5)))-1)', bpm: 92 },
  { file: 'rain-study.flac', title: 'Rain Study', artist: 'Quiet Rooms', genre: 'Classical', tone: 'sin(2*PI*440*t)+0.5*sin(2*PI*660*t)', bpm: 70 },
  { file: 'slow-tide.flac', title: 'Slow Tide', artist: 'Harbor Lights', genre: 'Ambient', tone: 'sin(2*PI*220*t)*(0.6+0.4*sin(2*PI*0.2*t))', bpm: 0 },
];

const TRACK_SECONDS = 40;
const FFMPEG_TIMEOUT_MS = 60_000;

async function ffmpeg(args: readonly string[]): Promise<void> {
  const { ffmpeg: binary } = await mediaBinaries();
  const { exit } = await runChild({ command: binary.path, args: ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args], timeoutMs: FFMPEG_TIMEOUT_MS, maxStdoutBytes: 1 << 20 });
  if (exit.code !== 0) throw new CuecastError('INTERNAL', `ffmpeg could not generate demo media (${exit.stopped ?? exit.code}): ${stderrSummary(exit.stderr, 4)}`);
}

function expression(track: DemoTrack): string {
  const beat = track.bpm ? 60 / track.bpm : undefined;
  const envelope = beat ? `(0.15+0.85*exp(-7*mod(t,${beat})/${beat}))` : '1';
  return `0.5*${envelope}*(${track.tone})`;
}

/** Writes the demo music folder (skipping files already there) and returns its path. */
export async function writeDemoMusic(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  for (const track of DEMO_TRACKS) {
    const path = join(dir, track.file);
    if (existsSync(path)) continue;
    await ffmpeg([
      '-f',
      'lavfi',
      '-i',
      `aevalsrc=exprs='${expression(track)}':s=44100:d=${TRACK_SECONDS}`,
      '-metadata',
      `title=${track.title}`,
      '-metadata',
      `artist=${track.artist}`,
      '-metadata',
      `genre=${track.genre}`,
      '-c:a',
      'flac',
      path,
    ]);
  }
  return dir;
}

/** Writes an 8-second clip of three coloured scenes (sunset orange, night blue, sea green). */
export async function writeDemoClip(path: string): Promise<string> {
  if (existsSync(path)) return path;
  const scenes = ['0xF28C28', '0x1B2A6B', '0x2E8B7A'];
  const parts = scenes.map((c, i) => `color=c=${c}:s=320x240:r=25:d=${8 / scenes.length}[s${i}]`);
  const graph = `${parts.join(';')};${scenes.map((_, i) => `[s${i}]`).join('')}concat=n=${scenes.length}:v=1:a=0[out0]`;
  await ffmpeg(['-f', 'lavfi', '-i', graph, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-t', '8', path]);
  return path;
}
