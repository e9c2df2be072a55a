import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { isCuecastError } from '../../core/errors.js';
import { frames, probe } from '../../core/media/index.js';
import type { RgbFrame } from '../../core/media/types.js';
import { frameSize } from '../../model/frame-spec.js';
import type { AudioEncoder, FrameEncoder, TextEncoder } from '../../model/types.js';
import { tallyFallback, type FallbackTally } from '../describe/backend.js';
import type { Describer } from '../describe/describer.js';
import type { AudioSource } from '../indexer.js';
import { parseCsv } from '../csv.js';
import { hashFile } from '../scan.js';
import { planSegments } from '../segments.js';
import { ClapTagger, selectTags } from '../tagger.js';
import { meanNormalized } from '../vectors.js';
import { tagVocabulary } from '../vocabulary/vocabulary.js';
import { encodeNpy } from './npy.js';
import { strategyOf } from '../describe/llm-backends.js';

/** docs/training-data.md, version 1. */
export const TRAINING_FORMAT_VERSION = 1;
const VIDEO_EXTENSIONS: ReadonlySet<string> = new Set(['.mp4', '.mov', '.mkv', '.webm', '.avi', '.m4v']);

export interface TrainingPair {
  /** Video whose frames are the query side. */
  readonly video: string;
  /** Audio paired with it: the video itself when it carries its own soundtrack. */
  readonly audio: string;
}

export interface PrepareEncoders {
  readonly clipImage: FrameEncoder;
  readonly clipText: TextEncoder;
  readonly clapText: TextEncoder;
  readonly clapAudio: AudioEncoder;
}

export interface PrepareTrainingOptions {
  readonly pairs: readonly TrainingPair[];
  readonly outDir: string;
  readonly encoders: PrepareEncoders;
  readonly audio: AudioSource;
  readonly describer: Describer;
  readonly fps: number;
  readonly maxFrames: number;
  readonly segmentSeconds: number;
  readonly hopSeconds: number;
  /** Rows per shard. */
  readonly shardSize?: number;
  /** Shares of tracks held out for validation and test (whole tracks, so the pools do not leak). */
  readonly valFraction?: number;
  readonly testFraction?: number;
  readonly onEvent?: (event: PrepareEvent) => void;
  readonly signal?: AbortSignal;
}

export type PrepareEvent =
  | { readonly event: 'pair'; readonly status: 'done' | 'skipped'; readonly video: string; readonly segments: number; readonly done: number; readonly total: number; readonly reason?: string; readonly code?: string }
  | { readonly event: 'shard'; readonly name: string; readonly rows: number };

export interface PrepareSummary {
  readonly rows: number;
  readonly shards: readonly string[];
  readonly splits: Readonly<Record<'train' | 'val' | 'test', number>>;
  readonly skipped: readonly { readonly video: string; readonly reason: string; readonly code: string }[];
  /** Row texts that fell back to the template (LLM backends), with the reasons. */
  readonly descriptionFallbacks: FallbackTally;
}

interface Row {
  readonly frames: readonly Float32Array[];
  readonly text: Float32Array;
  readonly music: readonly Float32Array[];
  readonly item: { id: string; trackId: string; split: 'train' | 'val' | 'test'; text: string; tags: string[]; segmentStart: number; video: string; audio: string };
}

/** Pairs from a folder of videos with their own soundtracks, or from a CSV with `video,audio` columns. */
export async function readTrainingInput(input: string): Promise<TrainingPair[]> {
  const path = resolve(input);
  const info = await stat(path);
  if (info.isFile() && extname(path).toLowerCase() === '.csv') {
    const rows = parseCsv(readFileSync(path, 'utf8')).filter((r) => r.some((c) => c.trim() !== ''));
    const header = (rows[0] ?? []).map((h) => h.trim().toLowerCase());
    const v = header.indexOf('video');
    const a = header.indexOf('audio');
    if (v < 0 || a < 0) throw new Error(`${path}: the CSV needs "video" and "audio" columns, found: ${header.join(', ') || '(none)'}`);
    return rows.slice(1).map((r) => ({ video: resolve(dirname(path), r[v]!.trim()), audio: resolve(dirname(path), r[a]!.trim()) }));
  }
  if (!info.isDirectory()) throw new Error(`${path}: expected a folder of videos or a .csv of video,audio pairs`);
  const out: TrainingPair[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((x, y) => (x.name < y.name ? -1 : 1))) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) await walk(p);
      else if (entry.isFile() && VIDEO_EXTENSIONS.has(extname(entry.name).toLowerCase())) out.push({ video: p, audio: p });
    }
  };
  await walk(path);
  return out;
}

/** Deterministic split from the track id, so every segment of a track lands in the same split. */
export function splitOf(trackId: string, valFraction: number, testFraction: number): 'train' | 'val' | 'test' {
  const u = parseInt(createHash('sha256').update(trackId).digest('hex').slice(0, 8), 16) / 2 ** 32;
  if (u < testFraction) return 'test';
  if (u < testFraction + valFraction) return 'val';
  return 'train';
}


/**
 * Aligned (video window, music segment) pairs -> ViML shards (docs/training-data.md): per segment of
 * the soundtrack, CLIP frames of the same stretch of video, CLAP windows of the music, and the CLIP
 * text of a description written from the segment's tags. Written to a temp folder, renamed at the end.
 */
export async function prepareTraining(options: PrepareTrainingOptions): Promise<PrepareSummary> {
  const { encoders, signal } = options;
  const emit = options.onEvent ?? (() => undefined);
  const shardSize = options.shardSize ?? 256;
  const tagger = await ClapTagger.create(encoders.clapText, tagVocabulary(), signal);
  const rate = encoders.clapAudio.sampleRate;
  const windowSeconds = encoders.clapAudio.windowSeconds;
  const windowLength = Math.round(rate * windowSeconds);
  const spec = { segmentSeconds: options.segmentSeconds, hopSeconds: options.hopSeconds, windowSeconds };
  const out = resolve(options.outDir);
  const tmp = `${out}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });

  const shards: string[] = [];
  const splits = { train: 0, val: 0, test: 0 };
  const skipped: { video: string; reason: string; code: string }[] = [];
  let descriptionFallbacks: FallbackTally = { descriptions: 0, reasons: {} };
  let pending: Row[] = [];
  let rows = 0;
  const flush = (): void => {
    if (pending.length === 0) return;
    const name = `shard-${String(shards.length).padStart(5, '0')}`;
    writeShard(join(tmp, name), pending, encoders);
    shards.push(name);
    emit({ event: 'shard', name, rows: pending.length });
    pending = [];
  };

  let done = 0;
  for (const pair of options.pairs) {
    signal?.throwIfAborted();
    try {
      const [videoInfo, audioInfo] = await Promise.all([probe(pair.video, { signal }), pair.audio === pair.video ? undefined : probe(pair.audio, { signal })]);
      if (!videoInfo.hasVideo) throw Object.assign(new Error('no video stream'), { code: 'MEDIA_NO_VIDEO' });
      const soundtrack = audioInfo ?? videoInfo;
      if (!soundtrack.hasAudio) throw Object.assign(new Error('no audio to pair with the video'), { code: 'MEDIA_NO_AUDIO' });
      const span = Math.min(videoInfo.duration ?? 0, soundtrack.duration ?? 0);
      if (!(span >= windowSeconds)) throw Object.assign(new Error(`shorter than one ${windowSeconds} s window`), { code: 'MEDIA_EMPTY' });
      await options.audio.probe(pair.audio, signal);
      const trackId = (await hashFile(pair.audio, signal)).slice(0, 16);
      const split = splitOf(trackId, options.valFraction ?? 0.1, options.testFraction ?? 0.1);
      const plans = planSegments(span, spec);
      for (const plan of plans) {
        const samples = await options.audio.decode(pair.audio, { sampleRate: rate, start: plan.start, duration: plan.end - plan.start, signal });
        const windows = plan.windowStarts.map((w) => {
          const window = new Float32Array(windowLength);
          const offset = Math.round((w - plan.start) * rate);
          window.set(samples.subarray(offset, offset + windowLength));
          return window;
        });
        const music = await encoders.clapAudio.encodeWindows(windows, signal);
        const decoded: RgbFrame[] = [];
        for await (const frame of frames(pair.video, { fps: options.fps, maxFrames: options.maxFrames, size: frameSize(encoders.clipImage), sampling: 'even', start: plan.start, duration: plan.end - plan.start, signal })) decoded.push(frame);
        if (decoded.length === 0) continue;
        const frameVectors = await encoders.clipImage.encodeImages(decoded, signal);
        const selected = selectTags(tagger.tag(meanNormalized(music)));
        const description = await options.describer.describe({ tags: selected }, signal);
        descriptionFallbacks = tallyFallback(descriptionFallbacks, description);
        const [text] = await encoders.clipText.encodeTexts([description.text], signal);
        pending.push({
          frames: frameVectors,
          text: text!,
          music,
          item: { id: `${trackId}-${plan.index}`, trackId, split, text: description.text, tags: selected.map((t) => t.tag), segmentStart: plan.start, video: pair.video, audio: pair.audio },
        });
        splits[split]++;
        rows++;
        if (pending.length >= shardSize) flush();
      }
      emit({ event: 'pair', status: 'done', video: pair.video, segments: plans.length, done: ++done, total: options.pairs.length });
    } catch (error) {
      signal?.throwIfAborted();
      const code = isCuecastError(error) ? error.code : ((error as { code?: string }).code ?? 'INTERNAL');
      const reason = (error as Error).message;
      skipped.push({ video: pair.video, reason, code });
      emit({ event: 'pair', status: 'skipped', video: pair.video, segments: 0, done: ++done, total: options.pairs.length, reason, code });
    }
  }
  flush();
  const dataset = {
    formatVersion: TRAINING_FORMAT_VERSION,
    clip: { modelId: encoders.clipImage.info.modelId, dim: encoders.clipImage.info.dim },
    clap: { modelId: encoders.clapAudio.info.modelId, dim: encoders.clapAudio.info.dim },
    textDim: encoders.clipText.info.dim,
    textMode: 'pooled',
    fps: options.fps,
    maxFrames: options.maxFrames,
    windowSeconds,
    segmentSeconds: options.segmentSeconds,
    hopSeconds: options.hopSeconds,
    textSource: strategyOf(options.describer.mode),
    shards,
  };
  writeFileSync(join(tmp, 'dataset.json'), `${JSON.stringify(dataset, null, 2)}\n`);
  rmSync(out, { recursive: true, force: true });
  renameSync(tmp, out);
  return { rows, shards, splits, skipped, descriptionFallbacks };
}

function writeShard(dir: string, rows: readonly Row[], encoders: PrepareEncoders): void {
  mkdirSync(dir, { recursive: true });
  const n = rows.length;
  const dClip = encoders.clipImage.info.dim;
  const dText = encoders.clipText.info.dim;
  const dClap = encoders.clapAudio.info.dim;
  const T = Math.max(...rows.map((r) => r.frames.length));
  const S = Math.max(...rows.map((r) => r.music.length));
  const framesArr = new Float32Array(n * T * dClip);
  const musicArr = new Float32Array(n * S * dClap);
  const textArr = new Float32Array(n * dText);
  rows.forEach((r, i) => {
    r.frames.forEach((f, t) => framesArr.set(f, (i * T + t) * dClip));
    r.music.forEach((m, s) => musicArr.set(m, (i * S + s) * dClap));
    textArr.set(r.text, i * dText);
  });
  const lengths = (f: (r: Row) => number): Int32Array => Int32Array.from(rows, f);
  writeFileSync(join(dir, 'frames.npy'), encodeNpy(framesArr, [n, T, dClip]));
  writeFileSync(join(dir, 'frames_len.npy'), encodeNpy(lengths((r) => r.frames.length), [n]));
  writeFileSync(join(dir, 'text.npy'), encodeNpy(textArr, [n, 1, dText]));
  writeFileSync(join(dir, 'text_len.npy'), encodeNpy(lengths(() => 1), [n]));
  writeFileSync(join(dir, 'music.npy'), encodeNpy(musicArr, [n, S, dClap]));
  writeFileSync(join(dir, 'music_len.npy'), encodeNpy(lengths((r) => r.music.length), [n]));
  writeFileSync(join(dir, 'items.jsonl'), rows.map((r) => JSON.stringify(r.item)).join('\n') + '\n');
}
