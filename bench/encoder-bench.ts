import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../core/config.js';
import type { RgbFrame } from '../core/media/types.js';
import { createEncoders, type DtypeSetting, type Encoders } from '../model/index.js';
import { intraOpThreads } from '../model/threading.js';
import { SectionSkipped, type BenchOptions, type BenchSection, type SectionOutcome } from './context.js';
import { syntheticFrames } from './frames.js';
import { defaultFullClapDir, defaultFullClipDir, fixtureClapDir, packageRoot } from './paths.js';
import { RawVisionSession } from './raw-onnx.js';
import { formatNumber, formatSummary, summarize, type Summary } from './stats.js';
import type { TargetCheck } from './report.js';
import type { Table } from './table.js';
import { PerFramePipeline } from './transformers-baseline.js';

const run = promisify(execFile);

export const POOL_VS_RAW_TARGET = 0.95;
export const POOL_VS_PIPELINE_TARGET = 2;
export const Q8_SPEEDUP_TARGET = 2.5;
export const Q8_COSINE_TARGET = 0.99;

const TARGETS = {
  poolVsRaw: `worker-pool encoder (fp32) >= ${POOL_VS_RAW_TARGET * 100}% of a raw onnxruntime session's frames/s at its best batch`,
  poolVsRawQ8: `worker-pool encoder (q8) >= ${POOL_VS_RAW_TARGET * 100}% of a raw q8 onnxruntime session's frames/s at its best batch`,
  poolVsPipeline: `worker-pool encoder (fp32) >= ${POOL_VS_PIPELINE_TARGET}x a transformers.js pipeline called per frame on the main thread`,
  q8Speed: `q8 >= ${Q8_SPEEDUP_TARGET}x fp32 frames/s (worker pool)`,
  q8Cosine: `q8 mean cosine to fp32 embeddings >= ${Q8_COSINE_TARGET}`,
} as const;

export interface EncoderBenchOptions extends BenchOptions {
  readonly device?: 'cpu' | 'cuda';
}

interface Plan {
  readonly frames: number;
  readonly reps: number;
  readonly batchSizes: readonly number[];
  readonly width: number;
  readonly height: number;
}

const plan = (quick: boolean): Plan =>
  // 398x224: a 16:9 frame as core/media delivers it to the encoder (short side 224, as the bot and
  // the clip path ask for), so preprocessing and the copy to the worker cost what they cost in use.
  quick ? { frames: 16, reps: 3, batchSizes: [1, 4, 16], width: 398, height: 224 } : { frames: 16, reps: 5, batchSizes: [1, 4, 8, 16], width: 398, height: 224 };

function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
}

/** Frames/s of the pool with every frame its own concurrent request, as streams send them. */
async function poolRound(encoders: Encoders, frames: readonly RgbFrame[]): Promise<{ fps: number; embeddings: Float32Array[] }> {
  const begin = performance.now();
  const results = await Promise.all(frames.map((frame) => encoders.clipImage.encodeImages([frame])));
  return { fps: (frames.length * 1000) / (performance.now() - begin), embeddings: results.map((r) => r[0]!) };
}

async function rawRound(session: RawVisionSession, batch: number, frames: number): Promise<number> {
  const runs = Math.max(1, Math.ceil(frames / batch));
  const pixels = session.pixels(batch);
  const begin = performance.now();
  for (let r = 0; r < runs; r++) await session.run(pixels);
  return (runs * batch * 1000) / (performance.now() - begin);
}

async function pipelineRound(pipeline: PerFramePipeline, frames: readonly RgbFrame[]): Promise<{ fps: number; embeddings: Float32Array[] }> {
  const embeddings: Float32Array[] = [];
  const begin = performance.now();
  for (const frame of frames) embeddings.push(await pipeline.encode(frame));
  return { fps: (frames.length * 1000) / (performance.now() - begin), embeddings };
}

interface BatchSweep {
  readonly batch: number;
  readonly fps: Summary;
}

async function sweepBatches(session: RawVisionSession, p: Plan): Promise<BatchSweep[]> {
  const out: BatchSweep[] = [];
  for (const batch of p.batchSizes) {
    await rawRound(session, batch, batch); // warm-up (allocations for this shape)
    // The sweep only picks the batch size; the interleaved repetitions measure it again.
    const samples = [await rawRound(session, batch, p.frames)];
    out.push({ batch, fps: summarize(samples) });
  }
  return out;
}

const bestOf = (sweep: readonly BatchSweep[]): BatchSweep => sweep.reduce((a, b) => (b.fps.median > a.fps.median ? b : a));

const PYTHON = '/usr/bin/python3';

/**
 * The CLIP graphs to time: --clip-model, else the full-size random-weight ViT-B/32, built on first use
 * by scripts/models/make_full_clip.py (Debian's Python with torch; a few minutes, then cached).
 */
export async function resolveClipDir(options: BenchOptions): Promise<string> {
  const dir = options.clipModelDir ?? defaultFullClipDir();
  const script = join(packageRoot(), 'scripts', 'models', 'make_full_clip.py');
  if (!options.clipModelDir && !existsSync(join(dir, 'onnx', 'vision_model.onnx')) && existsSync(script) && existsSync(PYTHON)) {
    options.progress(`[encoder] building the full-size CLIP graphs: ${PYTHON} ${script} (once; cached in ${dir})`);
    await run(PYTHON, [script, '--out', dir], { timeout: 30 * 60_000, maxBuffer: 16 * 2 ** 20 });
  }
  if (!existsSync(join(dir, 'onnx', 'vision_model.onnx'))) {
    throw new SectionSkipped(`no CLIP graphs in ${dir}: build the full-size random-weight ViT-B/32 with /usr/bin/python3 scripts/models/make_full_clip.py (or pass --clip-model DIR)`);
  }
  return dir;
}

export async function openEncoders(clipDir: string, dtype: DtypeSetting, device: 'cpu' | 'cuda'): Promise<Encoders> {
  // The full-size CLAP when built (prompt embedding at real cost), else the tiny fixture.
  const clap = existsSync(join(defaultFullClapDir(), 'onnx', 'text_model.onnx')) ? defaultFullClapDir() : fixtureClapDir();
  const config = loadConfig({
    overrides: {
      'encoders.clip': clipDir,
      'encoders.dtype': dtype,
      'encoders.device': device,
      'encoders.allowRemote': false,
      ...(existsSync(clap) ? { 'encoders.clap': clap } : {}),
    },
  });
  const encoders = await createEncoders(config);
  await encoders.warmup(['clipImage']);
  return encoders;
}

export async function runEncoderBench(options: EncoderBenchOptions): Promise<SectionOutcome> {
  const device = options.device ?? 'cpu';
  const clipDir = await resolveClipDir(options);
  const p = plan(options.quick);
  const frames = syntheticFrames(p.frames, p.width, p.height);
  const config = loadConfig();
  const threads = config.encoders.threads;
  const hasQ8 = existsSync(join(clipDir, 'onnx', 'vision_model_quantized.onnx'));

  options.progress(`[encoder] raw onnxruntime sessions: batch sweep ${p.batchSizes.join(', ')}`);
  const raw32 = await RawVisionSession.open(join(clipDir, 'onnx', 'vision_model.onnx'), { device, threads });
  const raw8 = hasQ8 ? await RawVisionSession.open(join(clipDir, 'onnx', 'vision_model_quantized.onnx'), { device, threads }) : undefined;
  const sweep32 = await sweepBatches(raw32, p);
  const sweep8 = raw8 ? await sweepBatches(raw8, p) : [];
  const best32 = bestOf(sweep32);
  const best8 = raw8 ? bestOf(sweep8) : undefined;

  options.progress('[encoder] starting the worker pools (fp32, q8) and the per-frame transformers.js pipeline');
  const pool32 = await openEncoders(clipDir, 'fp32', device);
  const pool8 = hasQ8 ? await openEncoders(clipDir, 'q8', device) : undefined;
  const pipeline = await PerFramePipeline.open(clipDir, 'fp32', device);
  try {
    // Warm-up round of each, then interleaved repetitions, so drifting load from other processes
    // falls on every contender alike.
    await poolRound(pool32, frames.slice(0, 4));
    if (pool8) await poolRound(pool8, frames.slice(0, 4));
    await pipelineRound(pipeline, frames.slice(0, 2));
    const samples = { raw32: [] as number[], raw8: [] as number[], pool32: [] as number[], pool8: [] as number[], pipeline: [] as number[] };
    let embeddings32: Float32Array[] = [];
    let embeddings8: Float32Array[] = [];
    let embeddingsPipeline: Float32Array[] = [];
    for (let r = 0; r < p.reps; r++) {
      options.progress(`[encoder] repetition ${r + 1}/${p.reps} (${p.frames} frames of ${p.width}x${p.height} each)`);
      samples.raw32.push(await rawRound(raw32, best32.batch, p.frames));
      if (raw8 && best8) samples.raw8.push(await rawRound(raw8, best8.batch, p.frames));
      const a = await poolRound(pool32, frames);
      samples.pool32.push(a.fps);
      embeddings32 = a.embeddings;
      if (pool8) {
        const b = await poolRound(pool8, frames);
        samples.pool8.push(b.fps);
        embeddings8 = b.embeddings;
      }
      const c = await pipelineRound(pipeline, frames);
      samples.pipeline.push(c.fps);
      embeddingsPipeline = c.embeddings;
    }
    const s = {
      raw32: summarize(samples.raw32),
      raw8: samples.raw8.length ? summarize(samples.raw8) : undefined,
      pool32: summarize(samples.pool32),
      pool8: samples.pool8.length ? summarize(samples.pool8) : undefined,
      pipeline: summarize(samples.pipeline),
    };
    const q8Cosines = embeddings8.map((e, i) => cosine(e, embeddings32[i]!));
    const pipelineCosines = embeddingsPipeline.map((e, i) => cosine(e, embeddings32[i]!));
    const q8Agreement = q8Cosines.length ? summarize(q8Cosines) : undefined;
    const pipelineAgreement = summarize(pipelineCosines);
    const poolStats32 = pool32.stats();
    const poolStats8 = pool8?.stats();

    const ratio = (a: Summary, b: Summary) => a.median / b.median;
    const table: Table = {
      title: `Frame encoding: CLIP image on ${device}, ${p.width}x${p.height} RGB frames (frames/s, median (IQR) of ${p.reps} interleaved repetitions of ${p.frames} frames)`,
      columns: ['encoder', 'dtype', 'frames/s', 'x pool fp32', 'notes'],
      rows: [
        [
          'worker pool (createEncoders)',
          'fp32',
          formatSummary(s.pool32),
          '1.00',
          `${config.encoders.workers} worker(s), maxBatch ${config.encoders.maxBatch}, maxWaitMs ${config.encoders.maxWaitMs}; mean batch ${formatNumber(poolStats32.meanBatchSize)}`,
        ],
        ...(s.pool8 && poolStats8
          ? [['worker pool (createEncoders)', 'q8', formatSummary(s.pool8), formatNumber(ratio(s.pool8, s.pool32), 2), `mean batch ${formatNumber(poolStats8.meanBatchSize)}`]]
          : []),
        ['raw onnxruntime session', 'fp32', formatSummary(s.raw32), formatNumber(ratio(s.raw32, s.pool32), 2), `best batch ${best32.batch}; ready pixel tensors, no preprocessing`],
        ...(s.raw8 && best8 ? [['raw onnxruntime session', 'q8', formatSummary(s.raw8), formatNumber(ratio(s.raw8, s.pool32), 2), `best batch ${best8.batch}`]] : []),
        ['transformers.js per frame, main thread', 'fp32', formatSummary(s.pipeline), formatNumber(ratio(s.pipeline, s.pool32), 2), 'processor + CLIPVisionModelWithProjection, one frame per call'],
      ],
      notes: [
        `model: ${clipDir} (${intraOpThreads(config.encoders.threads)} intra-op threads everywhere, spinning off: model/threading.ts)`,
        q8Agreement
          ? `q8 vs fp32 cosine over ${q8Cosines.length} frames: mean ${q8Agreement.mean.toFixed(4)}, min ${q8Agreement.min.toFixed(4)}`
          : 'no q8 graph (vision_model_quantized.onnx) beside the fp32 one',
        `per-frame pipeline vs pool (both fp32) cosine: mean ${pipelineAgreement.mean.toFixed(5)} (same model and preprocessing: a check that both compute the same thing)`,
      ],
    };
    const sweepTable: Table = {
      title: 'Frame encoding: raw onnxruntime session, batch sweep (frames/s over one round, to pick the batch size)',
      columns: ['batch', 'fp32 frames/s', 'q8 frames/s'],
      rows: sweep32.map((b, i) => [String(b.batch), formatSummary(b.fps), sweep8[i] ? formatSummary(sweep8[i].fps) : '-']),
    };
    const poolVsRaw = ratio(s.pool32, s.raw32);
    const poolVsPipeline = ratio(s.pool32, s.pipeline);
    const targets: TargetCheck[] = [
      {
        section: 'encoder',
        target: TARGETS.poolVsRaw,
        measured: `${(poolVsRaw * 100).toFixed(0)}% (${formatNumber(s.pool32.median)} vs ${formatNumber(s.raw32.median)} frames/s at batch ${best32.batch})`,
        met: poolVsRaw >= POOL_VS_RAW_TARGET,
      },
      s.pool8 && s.raw8 && best8
        ? {
            section: 'encoder',
            target: TARGETS.poolVsRawQ8,
            measured: `${(ratio(s.pool8, s.raw8) * 100).toFixed(0)}% (${formatNumber(s.pool8.median)} vs ${formatNumber(s.raw8.median)} frames/s at batch ${best8.batch})`,
            met: ratio(s.pool8, s.raw8) >= POOL_VS_RAW_TARGET,
          }
        : { section: 'encoder', target: TARGETS.poolVsRawQ8, measured: 'no q8 graph', met: null },
      {
        section: 'encoder',
        target: TARGETS.poolVsPipeline,
        measured: `${formatNumber(poolVsPipeline, 2)}x (${formatNumber(s.pool32.median)} vs ${formatNumber(s.pipeline.median)} frames/s)`,
        met: poolVsPipeline >= POOL_VS_PIPELINE_TARGET,
      },
      s.pool8
        ? {
            section: 'encoder',
            target: TARGETS.q8Speed,
            measured: `${formatNumber(ratio(s.pool8, s.pool32), 2)}x (${formatNumber(s.pool8.median)} vs ${formatNumber(s.pool32.median)} frames/s; raw sessions: ${formatNumber(ratio(s.raw8!, s.raw32), 2)}x)`,
            met: ratio(s.pool8, s.pool32) >= Q8_SPEEDUP_TARGET,
          }
        : { section: 'encoder', target: TARGETS.q8Speed, measured: 'no q8 graph', met: null },
      q8Agreement
        ? { section: 'encoder', target: TARGETS.q8Cosine, measured: `mean ${q8Agreement.mean.toFixed(4)} (min ${q8Agreement.min.toFixed(4)})`, met: q8Agreement.mean >= Q8_COSINE_TARGET }
        : { section: 'encoder', target: TARGETS.q8Cosine, measured: 'no q8 graph', met: null },
    ];
    return {
      tables: [table, sweepTable],
      targets,
      data: { device, clipDir, plan: p, threads, summaries: s, samples, sweep32, sweep8, q8Cosines, pipelineCosines, poolStats32, poolStats8 },
    };
  } finally {
    await Promise.allSettled([pool32.dispose(), pool8?.dispose(), pipeline.dispose(), raw32.dispose(), raw8?.dispose()]);
  }
}

export const encoderSection: BenchSection = {
  id: 'encoder',
  title: 'Frame encoding: worker pool vs raw onnxruntime vs per-frame transformers.js',
  targetNames: Object.values(TARGETS),
  run: (options) => runEncoderBench(options),
};
