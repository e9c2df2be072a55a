import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { isCuecastError } from '../../core/errors.js';
import { frames, probe } from '../../core/media/index.js';
import type { RgbFrame } from '../../core/media/types.js';
import { frameSpec, type FrameSpec } from '../../features/frame-spec.js';
import { cutWindow } from '../../features/music-windows.js';
import { planSegments, type SegmentPlan, type SegmentSpec } from '../../features/segments.js';
import { shardName, writeDataset, writeShard, type DatasetSpec, type ShardDims, type ShardRow, type Split } from '../../features/shards.js';
import type { AudioEncoder, FrameEncoder, TextEncoder } from '../../model/types.js';
import { tallyFallback, type FallbackTally } from '../describe/backend.js';
import type { Describer } from '../describe/describer.js';
import type { AudioSource } from '../indexer.js';
import { parseCsv } from '../csv.js';
import { hashFile } from '../scan.js';
import { ClapTagger, selectTags } from '../tagger.js';
import { meanNormalized } from '../vectors.js';
import { tagVocabulary } from '../vocabulary/vocabulary.js';
import { strategyOf } from '../describe/llm-backends.js';

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
  | {
      readonly event: 'pair';
      readonly status: 'done' | 'skipped';
      readonly video: string;
      readonly segments: number;
      readonly done: number;
      readonly total: number;
      readonly reason?: string;
      readonly code?: string;
    }
  | { readonly event: 'shard'; readonly name: string; readonly rows: number };

export interface PrepareSummary {
  readonly rows: number;
  readonly shards: readonly string[];
  readonly splits: Readonly<Record<Split, number>>;
  readonly skipped: readonly { readonly video: string; readonly reason: string; readonly code: string }[];
  /** Row texts that fell back to the template (LLM backends), with the reasons. */
  readonly descriptionFallbacks: FallbackTally;
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
export function splitOf(trackId: string, valFraction: number, testFraction: number): Split {
  const u = parseInt(createHash('sha256').update(trackId).digest('hex').slice(0, 8), 16) / 2 ** 32;
  if (u < testFraction) return 'test';
  if (u < testFraction + valFraction) return 'val';
  return 'train';
}

/** The segment layout and frame spec a dataset is prepared with, and where its encoders come from. */
interface PrepareContext {
  readonly options: PrepareTrainingOptions;
  readonly tagger: ClapTagger;
  readonly spec: SegmentSpec;
  readonly frameSpec: FrameSpec;
  readonly tally: Tally;
}

/** What the run has written and skipped so far. */
interface Tally {
  rows: number;
  readonly splits: Record<Split, number>;
  readonly skipped: { video: string; reason: string; code: string }[];
  descriptionFallbacks: FallbackTally;
}

/** Collects rows and writes a shard each time `size` rows are pending (and for the rest at the end). */
class ShardSink {
  readonly shards: string[] = [];
  private pending: ShardRow[] = [];

  constructor(
    private readonly dir: string,
    private readonly size: number,
    private readonly dims: ShardDims,
    private readonly emit: (event: PrepareEvent) => void,
  ) {}

  async add(row: ShardRow): Promise<void> {
    this.pending.push(row);
    if (this.pending.length >= this.size) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const name = shardName(this.shards.length);
    await writeShard(join(this.dir, name), this.pending, this.dims);
    this.shards.push(name);
    this.emit({ event: 'shard', name, rows: this.pending.length });
    this.pending = [];
  }
}

/**
 * Aligned (video window, music segment) pairs -> ViML shards (docs/training-data.md): per segment of
 * the soundtrack, CLIP frames of the same stretch of video, CLAP windows of the music, and the CLIP
 * text of a description written from the segment's tags. Written to a temp folder, renamed at the end.
 */
export async function prepareTraining(options: PrepareTrainingOptions): Promise<PrepareSummary> {
  const { encoders, signal } = options;
  const emit = options.onEvent ?? (() => undefined);
  const out = resolve(options.outDir);
  const tmp = `${out}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const context: PrepareContext = {
    options,
    tagger: await ClapTagger.create(encoders.clapText, tagVocabulary(), signal),
    spec: { segmentSeconds: options.segmentSeconds, hopSeconds: options.hopSeconds, windowSeconds: encoders.clapAudio.windowSeconds },
    frameSpec: frameSpec(options, encoders.clipImage),
    tally: { rows: 0, splits: { train: 0, val: 0, test: 0 }, skipped: [], descriptionFallbacks: { descriptions: 0, reasons: {} } },
  };
  const sink = new ShardSink(tmp, options.shardSize ?? 256, { frames: encoders.clipImage.info.dim, text: encoders.clipText.info.dim, music: encoders.clapAudio.info.dim }, emit);
  let done = 0;
  for (const pair of options.pairs) {
    signal?.throwIfAborted();
    try {
      const segments = await preparePair(pair, context, sink);
      emit({ event: 'pair', status: 'done', video: pair.video, segments, done: ++done, total: options.pairs.length });
    } catch (error) {
      signal?.throwIfAborted();
      const code = isCuecastError(error) ? error.code : ((error as { code?: string }).code ?? 'INTERNAL');
      const reason = (error as Error).message;
      context.tally.skipped.push({ video: pair.video, reason, code });
      emit({ event: 'pair', status: 'skipped', video: pair.video, segments: 0, done: ++done, total: options.pairs.length, reason, code });
    }
  }
  await sink.flush();
  await writeDataset(tmp, datasetSpec(options, sink.shards));
  rmSync(out, { recursive: true, force: true });
  renameSync(tmp, out);
  const { rows, splits, skipped, descriptionFallbacks } = context.tally;
  return { rows, shards: sink.shards, splits, skipped, descriptionFallbacks };
}

/** One pair: checks it, then writes a row per segment of its soundtrack. Returns the number of segments planned. */
async function preparePair(pair: TrainingPair, context: PrepareContext, sink: ShardSink): Promise<number> {
  const { options, spec, tally } = context;
  const span = await pairedSpan(pair, spec.windowSeconds, options.signal);
  await options.audio.probe(pair.audio, options.signal);
  const trackId = (await hashFile(pair.audio, options.signal)).slice(0, 16);
  const split = splitOf(trackId, options.valFraction ?? 0.1, options.testFraction ?? 0.1);
  const plans = planSegments(span, spec);
  for (const plan of plans) {
    const row = await segmentRow(pair, plan, context, { trackId, split });
    if (!row) continue;
    await sink.add(row);
    tally.splits[split]++;
    tally.rows++;
  }
  return plans.length;
}

/** Seconds that both the video and its soundtrack cover; refuses a pair without video, without audio, or shorter than one window. */
async function pairedSpan(pair: TrainingPair, windowSeconds: number, signal: AbortSignal | undefined): Promise<number> {
  const [videoInfo, audioInfo] = await Promise.all([probe(pair.video, { signal }), pair.audio === pair.video ? undefined : probe(pair.audio, { signal })]);
  if (!videoInfo.hasVideo) throw Object.assign(new Error('no video stream'), { code: 'MEDIA_NO_VIDEO' });
  const soundtrack = audioInfo ?? videoInfo;
  if (!soundtrack.hasAudio) throw Object.assign(new Error('no audio to pair with the video'), { code: 'MEDIA_NO_AUDIO' });
  const span = Math.min(videoInfo.duration ?? 0, soundtrack.duration ?? 0);
  if (!(span >= windowSeconds)) throw Object.assign(new Error(`shorter than one ${windowSeconds} s window`), { code: 'MEDIA_EMPTY' });
  return span;
}

/** The row of one segment: its CLAP windows, the CLIP frames of the same stretch of video, and the CLIP text of its description. Undefined when no frame decodes there. */
async function segmentRow(pair: TrainingPair, plan: SegmentPlan, context: PrepareContext, track: { trackId: string; split: Split }): Promise<ShardRow | undefined> {
  const { options, tagger, tally } = context;
  const { encoders, signal } = options;
  const music = await segmentMusic(pair.audio, plan, options);
  const decoded: RgbFrame[] = [];
  const stretch = { sampling: 'even', start: plan.start, duration: plan.end - plan.start, signal } as const;
  for await (const frame of frames(pair.video, { ...context.frameSpec, ...stretch })) decoded.push(frame);
  if (decoded.length === 0) return undefined;
  const frameVectors = await encoders.clipImage.encodeImages(decoded, signal);
  const selected = selectTags(tagger.tag(meanNormalized(music)));
  const description = await options.describer.describe({ tags: selected }, signal);
  tally.descriptionFallbacks = tallyFallback(tally.descriptionFallbacks, description);
  const [text] = await encoders.clipText.encodeTexts([description.text], signal);
  const item = { id: `${track.trackId}-${plan.index}`, ...track, text: description.text, tags: selected.map((t) => t.tag), segmentStart: plan.start, video: pair.video, audio: pair.audio };
  return { frames: frameVectors, text: [text!], music, item };
}

/** CLAP embeddings of the segment's windows, cut from its decoded audio by the feature contract. */
async function segmentMusic(audio: string, plan: SegmentPlan, options: PrepareTrainingOptions): Promise<Float32Array[]> {
  const { clapAudio } = options.encoders;
  const samples = await options.audio.decode(audio, { sampleRate: clapAudio.sampleRate, start: plan.start, duration: plan.end - plan.start, signal: options.signal });
  const windows = plan.windowStarts.map((w) => cutWindow(samples, clapAudio, w, plan.start));
  return clapAudio.encodeWindows(windows, options.signal);
}

function datasetSpec(options: PrepareTrainingOptions, shards: readonly string[]): DatasetSpec {
  const { encoders } = options;
  return {
    clip: { modelId: encoders.clipImage.info.modelId, dim: encoders.clipImage.info.dim },
    clap: { modelId: encoders.clapAudio.info.modelId, dim: encoders.clapAudio.info.dim },
    textDim: encoders.clipText.info.dim,
    textMode: 'pooled',
    fps: options.fps,
    maxFrames: options.maxFrames,
    windowSeconds: encoders.clapAudio.windowSeconds,
    segmentSeconds: options.segmentSeconds,
    hopSeconds: options.hopSeconds,
    textSource: strategyOf(options.describer.mode),
    shards,
  };
}
