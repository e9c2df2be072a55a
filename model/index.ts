/**
 * Public entry of the model layer: `createEncoders(config)` starts the inference worker pool and
 * returns the CLIP image/text and CLAP audio/text encoders that run in it.
 */
import { join } from 'node:path';
import type { Config } from '../core/config.js';
import { InputError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import { InferencePool } from './pool.js';
import { configuredDecision, decide, DtypeChecks, MODEL_FILES, modelFileKey, type DtypeCheck, type DtypeDecision } from './dtype-choice.js';
import type { Descriptions, EncoderKind, ImageItem, ModelSource, TaskKind } from './protocol.js';
import { resolveEncoderModels, type ModelResolutionSettings, type ResolvedModels } from './sources.js';
import { isStandInModelId, type StandInNotice } from './stand-in.js';
import { copyArray, copyItems, inSharedMemory, ownsItsBuffer } from './transfer.js';
import { intraOpThreads } from './threading.js';
import { WORKER_NICENESS } from './worker-supervision.js';
import type { AudioEncoder, Dtype, EncoderInfo, FrameEncoder, ImageInput, PoolStats, TextEncoder } from './types.js';

export type * from './types.js';
export type { EncoderKind } from './protocol.js';
export type { DtypeDecision } from './dtype-choice.js';
export { frameSize, frameSpec, DEFAULT_FRAME_SIZE, type FrameSpec } from '../features/frame-spec.js';
export { InferencePool } from './pool.js';

export interface Encoders {
  readonly clipImage: FrameEncoder;
  readonly clipText: TextEncoder;
  readonly clapAudio: AudioEncoder;
  readonly clapText: TextEncoder;
  /** The worker pool the encoders (and ViML heads) run in. */
  readonly pool: InferencePool;
  /** Each encoder's dtype and how it was chosen (`encoders.dtype`, or the auto check). */
  readonly dtypes: Readonly<Record<EncoderKind, DtypeDecision>>;
  /**
   * Set when these encoders are the random-weight stand-ins (a fallback, or configured explicitly):
   * every user-facing output must say so. `headsDir`: the ViML heads made for them.
   */
  readonly standIn: (StandInNotice & { readonly headsDir?: string | undefined }) | undefined;
  /** Batching and back-pressure figures. */
  stats(): PoolStats;
  /** Loads the sessions of the given encoders (all four by default) in every worker now. */
  warmup(kinds?: readonly EncoderKind[]): Promise<void>;
  dispose(): Promise<void>;
}

export { WORKER_NICENESS } from './worker-supervision.js';

const ENCODER_KINDS: readonly EncoderKind[] = ['clipImage', 'clipText', 'clapAudio', 'clapText'];

export interface CreateEncodersOptions {
  /** Load every session up front instead of on first use. */
  readonly preload?: boolean;
  /** Overrides config.encoders.workers. */
  readonly workers?: number;
}

/** The settings of the model-resolution rule (model/sources.ts) in `config`. */
export function modelResolutionSettings(config: Config): ModelResolutionSettings {
  const enc = config.encoders;
  return {
    clip: enc.clip,
    clap: enc.clap,
    modelsDir: config.modelsDir,
    cacheDir: join(config.dataDir, 'hub'),
    allowRemote: enc.allowRemote,
    allowStandIn: enc.allowStandIn,
    hubUrl: enc.hubUrl,
  };
}

/** Resolves CLIP and CLAP by the one rule (models dir > hub cache > hub > stand-ins), then starts the encoders. */
export async function createEncoders(config: Config, options: CreateEncodersOptions = {}): Promise<Encoders> {
  return startEncoders(config, await resolveEncoderModels(modelResolutionSettings(config)), options);
}

/** Starts the worker pool on resolved models, reads their configs (dimensions, limits) and returns the encoders. */
export async function startEncoders(config: Config, models: ResolvedModels, options: CreateEncodersOptions = {}): Promise<Encoders> {
  const enc = config.encoders;
  const { clip, clap } = models;
  const cacheDir = join(config.dataDir, 'hub');
  const sources: Record<EncoderKind, ModelSource> = { clipImage: clip, clipText: clip, clapAudio: clap, clapText: clap };
  const checks = new DtypeChecks(config.dataDir);
  const decisions: Partial<Record<EncoderKind, DtypeDecision>> = {};
  for (const kind of ENCODER_KINDS) {
    const decided = enc.dtype === 'auto' ? checks.recall(modelFileKey(sources[kind], cacheDir, MODEL_FILES[kind])) : configuredDecision(enc.dtype);
    if (decided) decisions[kind] = decided;
  }
  const startDtype = (kind: EncoderKind): Dtype => decisions[kind]?.dtype ?? 'fp32';
  const pool = await InferencePool.start({
    workers: options.workers ?? enc.workers,
    maxBatch: enc.maxBatch,
    maxWaitMs: enc.maxWaitMs,
    init: {
      clip,
      clap,
      dtypes: { clipImage: startDtype('clipImage'), clipText: startDtype('clipText'), clapAudio: startDtype('clapAudio'), clapText: startDtype('clapText') },
      device: enc.device,
      threads: intraOpThreads(enc.threads, options.workers ?? enc.workers),
      allowRemote: enc.allowRemote,
      cacheDir,
      hubUrl: enc.hubUrl,
      logLevel: config.logLevel,
      niceness: WORKER_NICENESS,
    },
  });
  try {
    const described = (await pool.ask({ op: 'describe' })) as Descriptions;
    const dtypes = await settleDtypes(pool, decisions, { checks, sources, cacheDir, described });
    const info = (kind: EncoderKind): EncoderInfo => ({ modelId: described[kind].modelId, dim: described[kind].dim, dtype: dtypes[kind].dtype, device: enc.device });
    const standIn =
      models.standIn ??
      (isStandInModelId(described.clipText.modelId) || isStandInModelId(described.clapText.modelId) ? { reason: `the models directory ${config.modelsDir} holds the stand-in models` } : undefined);
    const encoders: Encoders = {
      clipImage: new PooledFrameEncoder(pool, info('clipImage'), described.clipImage.imageSize),
      clipText: new PooledTextEncoder(pool, 'clipText', info('clipText'), described.clipText.maxTokens),
      clapAudio: new PooledAudioEncoder(pool, info('clapAudio'), described.clapAudio.sampleRate, described.clapAudio.windowSeconds),
      clapText: new PooledTextEncoder(pool, 'clapText', info('clapText'), described.clapText.maxTokens),
      pool,
      dtypes,
      standIn,
      stats: () => pool.stats(),
      warmup: async (kinds = ['clipImage', 'clipText', 'clapAudio', 'clapText']) => {
        await pool.broadcast({ op: 'warmup', kinds });
      },
      dispose: () => pool.dispose(),
    };
    if (options.preload) await encoders.warmup();
    logger('model').info(
      {
        clip: clip.location,
        clap: clap.location,
        standIn: standIn !== undefined,
        dtype: enc.dtype,
        dtypes: Object.fromEntries(ENCODER_KINDS.map((k) => [k, dtypes[k].dtype])),
        device: enc.device,
        workers: pool.workerCount,
        maxBatch: enc.maxBatch,
        maxWaitMs: enc.maxWaitMs,
      },
      'encoders ready',
    );
    return encoders;
  } catch (error) {
    await pool.dispose();
    throw error;
  }
}

/**
 * Runs the auto check for every encoder without a verdict yet (one at a time, in one worker, with
 * fresh sessions), remembers the verdicts, and switches every worker to the chosen dtypes.
 */
async function settleDtypes(
  pool: InferencePool,
  known: Partial<Record<EncoderKind, DtypeDecision>>,
  context: { checks: DtypeChecks; sources: Record<EncoderKind, ModelSource>; cacheDir: string; described: Descriptions },
): Promise<Record<EncoderKind, DtypeDecision>> {
  const log = logger('model');
  const out = {} as Record<EncoderKind, DtypeDecision>;
  for (const kind of ENCODER_KINDS) {
    let decision: DtypeDecision | undefined = known[kind];
    if (!decision) {
      const started = performance.now();
      log.info({ encoder: kind, model: context.described[kind].modelId }, 'dtype auto: comparing q8 with fp32 on the reference set (once per model file)');
      decision = decide((await pool.ask({ op: 'checkDtype', kind })) as DtypeCheck);
      const key = modelFileKey(context.sources[kind], context.cacheDir, MODEL_FILES[kind]);
      if (key && decision.minCosine !== undefined) context.checks.remember(key, context.described[kind].modelId, MODEL_FILES[kind], decision);
      log.info({ encoder: kind, dtype: decision.dtype, minCosine: decision.minCosine, ms: Math.round(performance.now() - started), store: context.checks.file }, `dtype auto: ${decision.reason}`);
      if (decision.dtype !== 'fp32') await pool.broadcast({ op: 'setDtype', kind, dtype: decision.dtype }, true);
    } else if (decision.how === 'remembered') {
      log.info({ encoder: kind, dtype: decision.dtype }, `dtype auto: ${decision.reason}`);
    }
    out[kind] = decision;
  }
  return out;
}

class PooledFrameEncoder implements FrameEncoder {
  constructor(
    private readonly pool: InferencePool,
    readonly info: EncoderInfo,
    readonly imageSize: number,
  ) {}

  async encodeImages(images: readonly ImageInput[], signal?: AbortSignal): Promise<Float32Array[]> {
    images.forEach((image, i) => {
      if ('encoded' in image) {
        if (!(image.encoded instanceof Uint8Array) || image.encoded.length === 0) throw new InputError('INPUT_INVALID', `Image ${i} is empty`);
        return;
      }
      const { width, height, data } = image;
      if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
        throw new InputError('INPUT_INVALID', `Frame ${i} has invalid size ${width}x${height}`);
      }
      if (!(data instanceof Uint8Array) || data.length !== width * height * 3) {
        throw new InputError('INPUT_INVALID', `Frame ${i} holds ${(data as Partial<ArrayLike<unknown>> | undefined)?.length ?? 0} bytes; ${width}x${height} RGB24 needs ${width * height * 3}`);
      }
    });
    const items = await copyItems(images, async (image): Promise<ImageItem> =>
      'encoded' in image ? { encoded: await this.copy(image.encoded) } : { width: image.width, height: image.height, data: await this.copy(image.data) },
    );
    return this.pool.run('clipImage', items, signal);
  }

  private copy(bytes: Uint8Array): Promise<Uint8Array> {
    return copyArray(bytes, this.pool.spares.take(bytes.byteLength));
  }
}

class PooledTextEncoder implements TextEncoder {
  constructor(
    private readonly pool: InferencePool,
    private readonly kind: Extract<TaskKind, 'clipText' | 'clapText'>,
    readonly info: EncoderInfo,
    readonly maxTokens: number,
  ) {}

  async encodeTexts(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    texts.forEach((text, i) => {
      if (typeof text !== 'string') throw new InputError('INPUT_INVALID', `Text ${i} is not a string`);
    });
    return this.pool.run(this.kind, texts, signal);
  }
}

class PooledAudioEncoder implements AudioEncoder {
  private readonly samples: number;

  constructor(
    private readonly pool: InferencePool,
    readonly info: EncoderInfo,
    readonly sampleRate: number,
    readonly windowSeconds: number,
  ) {
    this.samples = Math.round(sampleRate * windowSeconds);
  }

  async encodeWindows(windows: readonly Float32Array[], signal?: AbortSignal, options: { readonly transfer?: boolean } = {}): Promise<Float32Array[]> {
    windows.forEach((window, i) => {
      if (!(window instanceof Float32Array) || window.length !== this.samples) {
        const got = window instanceof Float32Array ? `${window.length} samples (${(window.length / this.sampleRate).toFixed(3)} s)` : typeof window;
        throw new InputError('INPUT_INVALID', `Audio window ${i} has ${got}; CLAP windows must be exactly ${this.windowSeconds} s of mono ${this.sampleRate} Hz audio (${this.samples} samples)`);
      }
      for (let j = 0; j < window.length; j++) {
        if (!Number.isFinite(window[j]!)) throw new InputError('INPUT_INVALID', `Audio window ${i} holds a non-finite sample at ${j}`);
      }
    });
    const passed = (window: Float32Array) => options.transfer && (ownsItsBuffer(window) || inSharedMemory(window));
    const items = await copyItems(windows, (window) => (passed(window) ? window : copyArray(window, this.pool.spares.take(window.byteLength))));
    return this.pool.run('clapAudio', items, signal);
  }
}

export { loadVimlHeads, readVimlManifest, checkManifestMatchesEncoders, type VimlHeads, type VimlManifest, type VimlQuery, type LoadVimlOptions } from './viml.js';
