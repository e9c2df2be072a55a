import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { audio } from '../../core/media/index.js';

/** A track's loudness outline: the peak of each of `peaks.length` equal slices, 0..1. */
export interface Waveform {
  readonly duration: number;
  readonly peaks: readonly number[];
}

/** Slices per waveform: enough for a card a few hundred pixels wide at 2x. */
export const WAVEFORM_POINTS = 600;
/** 8 kHz keeps the energy of everything below 4 kHz, which is what a waveform shows. */
const DECODE_RATE = 8000;
const MEMORY_ENTRIES = 128;

/** The peak of each slice, scaled so the loudest slice is 1 (a silent track stays 0). */
export function peaksOf(samples: Float32Array, points: number): number[] {
  const peaks = new Array<number>(points).fill(0);
  if (samples.length === 0) return peaks;
  for (let p = 0; p < points; p++) {
    const from = Math.floor((p * samples.length) / points);
    const to = Math.max(from + 1, Math.floor(((p + 1) * samples.length) / points));
    let peak = 0;
    for (let i = from; i < to && i < samples.length; i++) peak = Math.max(peak, Math.abs(samples[i]!));
    peaks[p] = peak;
  }
  const top = Math.max(...peaks);
  return top > 0 ? peaks.map((v) => Math.round((v / top) * 1000) / 1000) : peaks;
}

/**
 * Waveforms computed on demand through core/media and cached: in memory (the latest few) and on disk
 * under `<dataDir>/studio/waveforms/`, keyed by the file's path, size and modification time, so a
 * re-indexed or replaced file gets a fresh one. Not stored in the catalog: only index-data writes it.
 */
export class WaveformCache {
  readonly #memory = new Map<string, Waveform>();
  readonly #pending = new Map<string, Promise<Waveform>>();

  constructor(
    private readonly dir: string,
    private readonly timeoutMs: number,
  ) {}

  async get(path: string, duration: number): Promise<Waveform> {
    const info = await stat(path);
    const key = createHash('sha256').update(`${path}\0${info.size}\0${info.mtimeMs}\0${WAVEFORM_POINTS}`).digest('hex').slice(0, 32);
    const hit = this.#memory.get(key);
    if (hit) {
      this.#memory.delete(key);
      this.#memory.set(key, hit);
      return hit;
    }
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = this.#load(key, path, duration).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    const waveform = await pending;
    this.#memory.set(key, waveform);
    if (this.#memory.size > MEMORY_ENTRIES) this.#memory.delete(this.#memory.keys().next().value!);
    return waveform;
  }

  async #load(key: string, path: string, duration: number): Promise<Waveform> {
    const file = join(this.dir, `${key}.json`);
    try {
      const stored = JSON.parse(await readFile(file, 'utf8')) as Waveform;
      if (Array.isArray(stored.peaks) && stored.peaks.length === WAVEFORM_POINTS) return stored;
    } catch {
      // not cached yet
    }
    const samples = await audio(path, { sampleRate: DECODE_RATE, timeoutMs: this.timeoutMs, maxDurationSeconds: Math.max(duration + 60, 3600) });
    const waveform: Waveform = { duration: samples.length / DECODE_RATE || duration, peaks: peaksOf(samples, WAVEFORM_POINTS) };
    await mkdir(this.dir, { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    await writeFile(partial, JSON.stringify(waveform));
    await rename(partial, file);
    return waveform;
  }
}
