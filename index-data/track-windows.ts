/**
 * A track's CLAP window embeddings: its audio decoded in chunks, each chunk's whole windows (cut by the
 * feature contract, features/music-windows.ts) embedded while the next chunk decodes, and the onset
 * envelope for the tempo analysis gathered on the way.
 */
import type { DecodeDamage, LoudnessTrace } from '../core/media/index.js';
import { encoderWindow, holdsWindow } from '../features/music-windows.js';
import type { AudioEncoder } from '../model/types.js';
import { OnsetEnvelope } from './bpm.js';
import type { AudioSource } from './indexer.js';

/**
 * Seconds of audio decoded at a time (bounds memory for long tracks: 310 s of 48 kHz samples are 60 MB).
 * Songs up to 5 minutes decode in one ffmpeg run, which also measures their loudness: 3 four-minute
 * tracks took 3.7-4.1 CPU-s of ffmpeg instead of 4.8-5.0 with 120 s chunks, for 30-55 MB more peak RSS
 * of `cuecast index` at 2 jobs (1.79 GB against 1.75; 2-core EPYC, issue 16).
 */
export const DECODE_CHUNK_SECONDS = 300;
const ENCODE_BATCH = 8;
/** A chunk that decodes this much less than asked means the audio really ended there (not damage skipped mid-file). */
const CHUNK_END_FRACTION = 0.9;

/** One track's audio, and the encoder its windows go to. */
export interface WindowJob {
  readonly source: AudioSource;
  readonly encoder: AudioEncoder;
  readonly path: string;
  readonly signal?: AbortSignal | undefined;
}

export interface EmbeddedWindows {
  /** CLAP embedding by window start (seconds). */
  readonly vectors: Map<number, Float32Array>;
  /** How far the audio really decoded. */
  readonly decodedSeconds: number;
  readonly onsets: OnsetEnvelope;
  /** What ffmpeg reported skipping while decoding. */
  readonly damages: readonly DecodeDamage[];
  /** EBU R128 momentary loudness of the whole track, measured while the first chunk decoded. */
  readonly loudness: LoudnessTrace;
}

/**
 * Decodes the track chunk by chunk and embeds the windows at `wanted` (window starts, seconds) that
 * decode whole; stops early where the audio ends (truncation). At most two chunks' windows are in memory.
 * The first chunk's decode also measures the whole track's loudness.
 */
export async function embedTrackWindows(job: WindowJob, probedSeconds: number, wanted: readonly number[]): Promise<EmbeddedWindows> {
  const { sampleRate: rate, windowSeconds } = job.encoder;
  const vectors = new Map<number, Float32Array>();
  const damages: DecodeDamage[] = [];
  const onDamage = (damage: DecodeDamage): void => {
    damages.push(damage);
  };
  const onsets = new OnsetEnvelope(rate);
  /** Each chunk's embedding, awaited one chunk later: the next chunk decodes while these windows embed. */
  const embeddings: Promise<void>[] = [];
  let decodedSeconds = 0;
  const chunkSeconds = DECODE_CHUNK_SECONDS + windowSeconds;
  const first = await job.source.decodeFirst(job.path, { sampleRate: rate, duration: chunkSeconds, signal: job.signal, onDamage });
  let samples = first.samples;
  for (let chunkStart = 0; ;) {
    const asked = Math.min(chunkSeconds, probedSeconds - chunkStart);
    decodedSeconds = Math.max(decodedSeconds, chunkStart + samples.length / rate);
    const inChunk = wanted.filter((w) => w >= chunkStart && w < chunkStart + DECODE_CHUNK_SECONDS);
    embeddings.push(embedChunkWindows(job, samples, chunkStart, inChunk, vectors));
    // The tempo analysis sees each second once: chunks overlap by a window.
    onsets.push(samples.subarray(0, Math.min(samples.length, DECODE_CHUNK_SECONDS * rate)));
    if (embeddings.length >= 2) await embeddings[embeddings.length - 2];
    // Much less than asked: the audio ends here (truncation). A little less is damage skipped mid-file.
    if (samples.length < CHUNK_END_FRACTION * asked * rate && chunkStart + samples.length / rate < probedSeconds - 1) break;
    chunkStart += DECODE_CHUNK_SECONDS;
    if (chunkStart >= probedSeconds) break;
    samples = await job.source.decode(job.path, { sampleRate: rate, start: chunkStart, duration: chunkSeconds, signal: job.signal, onDamage });
  }
  await Promise.all(embeddings);
  return { vectors, decodedSeconds, onsets, damages, loudness: first.loudness };
}

/**
 * Queues the embedding of the chunk's whole windows (views of the shared chunk, or copies cut for this
 * only: the worker gets either uncopied), all batches at once, before the caller's tempo analysis (seconds
 * of main-thread work under load), so the pool has them while this thread is busy. Nothing writes to the
 * chunk's samples while they wait.
 * Resolves when their vectors are in `vectors`.
 */
function embedChunkWindows(job: WindowJob, samples: Float32Array, chunkStart: number, starts: readonly number[], vectors: Map<number, Float32Array>): Promise<void> {
  // A window must be fully decoded, except the only window of a track shorter than one window.
  const whole = starts.filter((w) => holdsWindow(samples, job.encoder, w, chunkStart) || (w === 0 && samples.length > 0));
  const windows = whole.map((w) => encoderWindow(samples, job.encoder, w, chunkStart));
  const batches: Promise<void>[] = [];
  for (let i = 0; i < windows.length; i += ENCODE_BATCH) {
    batches.push(
      job.encoder.encodeWindows(windows.slice(i, i + ENCODE_BATCH), job.signal, { transfer: true }).then((out) => {
        out.forEach((v, j) => vectors.set(whole[i + j]!, v));
      }),
    );
  }
  const embedded = Promise.all(batches).then(() => undefined);
  embedded.catch(() => undefined); // awaited by the caller; a failure must not count as unhandled meanwhile
  return embedded;
}

/**
 * Decodes and embeds the windows at `starts` one at a time (the last segment's, when the audio ended
 * before the place planned from the container's duration), up to the first that does not decode whole.
 */
export async function embedLateWindows(job: WindowJob, starts: readonly number[], vectors: Map<number, Float32Array>): Promise<void> {
  const format = job.encoder;
  const late: Float32Array[] = [];
  for (const w of starts) {
    const samples = await job.source.decode(job.path, { sampleRate: format.sampleRate, start: w, duration: format.windowSeconds, signal: job.signal });
    if (!holdsWindow(samples, format, w, w)) break;
    late.push(encoderWindow(samples, format, w, w));
  }
  for (let i = 0; i < late.length; i += ENCODE_BATCH) {
    const out = await job.encoder.encodeWindows(late.slice(i, i + ENCODE_BATCH), job.signal, { transfer: true });
    out.forEach((v, j) => vectors.set(starts[i + j]!, v));
  }
}
