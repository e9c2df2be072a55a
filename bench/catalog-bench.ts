/**
 * Music indexing at real cost: the catalog indexer (index-data/indexer.ts, as `cuecast index` runs it)
 * over generated tracks with the full-size random-weight CLAP HTSAT-unfused and CLIP graphs, against a
 * bare onnxruntime session running the same number of CLAP audio windows from ready features.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../core/config.js';
import { createDescriber } from '../index-data/describe/from-config.js';
import { catalogIndexSettings, indexMusic } from '../index-data/indexer.js';
import { mediaAudioSource } from '../index-data/media-source.js';
import { musicMetadataReader } from '../index-data/metadata.js';
import { ClapTagger } from '../index-data/tagger.js';
import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { siblingModule, startWorker } from '../core/worker-entry.js';
import { createEncoders, WORKER_NICENESS, type Dtype, type DtypeSetting, type Encoders } from '../model/index.js';
import { SectionSkipped, type BenchOptions, type BenchSection, type SectionOutcome } from './context.js';
import { resolveClipDir } from './encoder-bench.js';
import { defaultFullClapDir, packageRoot } from './paths.js';
import type { RawAudioReply, RawAudioRequest, RawAudioWorkerData } from './raw-audio-worker.js';
import type { TargetCheck } from './report.js';
import { formatNumber } from './stats.js';
import type { Table } from './table.js';
import { testTracks } from './test-clip.js';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';

export const INDEX_VS_RAW_TARGET = 0.85;
/** Windows the raw session is timed over, before and after the run (after one untimed run at the batch size). */
const RAW_TIMED_WINDOWS = 32;
const TARGET = `catalog indexing (default dtype, auto) >= ${INDEX_VS_RAW_TARGET * 100}% of a raw CLAP audio session's windows/s`;

interface Plan {
  readonly tracks: number;
  readonly seconds: number;
  /** `auto` (the default) first: it is the one the target is about. */
  readonly dtypes: readonly DtypeSetting[];
}

/**
 * Eight tracks in the full run: with catalog.jobs tracks in flight, the first track's ramp (nothing
 * embeds until its first chunk has decoded) and the last one's tail (one track feeding the pool) weigh
 * on a three-track run as they do not on a library; timed per file on the benchmark machine, a
 * three-track run averaged 2.9 s per track, tracks 2-8 of an eight-track run 1.7 s.
 */
const plan = (quick: boolean): Plan => (quick ? { tracks: 2, seconds: 40, dtypes: ['auto'] } : { tracks: 8, seconds: 120, dtypes: ['auto', 'fp32'] });

/** The CLAP graphs to time: the full-size random-weight HTSAT-unfused, built on first use by make_full_clap.py. */
export async function resolveClapDir(options: BenchOptions): Promise<string> {
  const dir = defaultFullClapDir();
  const script = join(packageRoot(), 'scripts', 'models', 'make_full_clap.py');
  if (!existsSync(join(dir, 'onnx', 'audio_model.onnx')) && existsSync(script) && existsSync(PYTHON)) {
    options.progress(`[catalog] building the full-size CLAP graphs: ${PYTHON} ${script} (once; cached in ${dir})`);
    await run(PYTHON, [script, '--out', dir], { timeout: 30 * 60_000, maxBuffer: 16 * 2 ** 20 });
  }
  if (!existsSync(join(dir, 'onnx', 'audio_model.onnx'))) {
    throw new SectionSkipped(`no CLAP graphs in ${dir}: build them with /usr/bin/python3 scripts/models/make_full_clap.py`);
  }
  return dir;
}

/** A raw onnxruntime CLAP audio session in its own thread at the pool's niceness (see raw-audio-worker.ts). */
class RawAudioTimer {
  private constructor(
    private readonly worker: Worker,
    /** False when the priority could not be lowered (the raw session then ran at normal priority). */
    readonly niced: boolean,
  ) {}

  static async open(path: string, threads: number): Promise<RawAudioTimer> {
    const workerData: RawAudioWorkerData = { path, threads, niceness: WORKER_NICENESS };
    const worker = startWorker(siblingModule(import.meta.url, 'raw-audio-worker'), { workerData });
    try {
      const reply = await RawAudioTimer.reply(worker, 300_000);
      if (reply.type !== 'ready') throw new Error(`the raw CLAP session did not start: ${reply.type === 'error' ? reply.message : reply.type}`);
      return new RawAudioTimer(worker, reply.niceness);
    } catch (error) {
      await worker.terminate();
      throw error;
    }
  }

  private static async reply(worker: Worker, timeoutMs: number): Promise<RawAudioReply> {
    const [reply] = (await Promise.race([
      once(worker, 'message'),
      once(worker, 'exit').then(() => {
        throw new Error('the raw CLAP session thread exited');
      }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer from the raw CLAP session within ${timeoutMs} ms`)), timeoutMs).unref()),
    ])) as [RawAudioReply];
    return reply;
  }

  async windowsPerSecond(windows: number, batch: number): Promise<number> {
    this.worker.postMessage({ type: 'time', windows, batch } satisfies RawAudioRequest);
    const reply = await RawAudioTimer.reply(this.worker, 600_000);
    if (reply.type !== 'timed') throw new Error(`raw CLAP session: ${reply.type === 'error' ? reply.message : reply.type}`);
    return reply.windowsPerSecond;
  }

  async dispose(): Promise<void> {
    const exited = once(this.worker, 'exit');
    this.worker.postMessage({ type: 'close' } satisfies RawAudioRequest);
    const timer = setTimeout(() => void this.worker.terminate(), 30_000);
    await exited;
    clearTimeout(timer);
  }
}

interface DtypeResult {
  readonly setting: DtypeSetting;
  /** What the CLAP audio encoder ran. */
  readonly dtype: Dtype;
  readonly windows: number;
  readonly tracks: number;
  readonly audioSeconds: number;
  readonly runSeconds: number;
  readonly taggerSeconds: number;
  readonly taggerTexts: number;
  readonly trackSeconds: number;
  readonly rawWindowsPerSecond: number;
  readonly rawNiced: boolean;
  readonly indexWindowsPerSecond: number;
  readonly meanBatch: number;
}

async function measure(setting: DtypeSetting, dirs: { clip: string; clap: string; tracks: string }, p: Plan, options: BenchOptions): Promise<DtypeResult> {
  const config = loadConfig({
    overrides: { 'encoders.clip': dirs.clip, 'encoders.clap': dirs.clap, 'encoders.dtype': setting, 'encoders.allowRemote': false, 'llm.backend': 'template' },
  });
  options.progress(`[catalog] ${setting}: starting the encoders${setting === 'auto' ? ' (the first start checks q8 against fp32 per model, then remembers)' : ''}`);
  const encoders: Encoders = await createEncoders(config);
  const dtype = encoders.dtypes.clapAudio.dtype;
  const raw = await RawAudioTimer.open(join(dirs.clap, 'onnx', `audio_model${dtype === 'q8' ? '_quantized' : ''}.onnx`), config.encoders.threads).catch(async (error: unknown) => {
    await encoders.dispose();
    throw error;
  });
  const catalogDir = mkdtempSync(join(tmpdir(), 'cuecast-bench-catalog-'));
  try {
    options.progress(`[catalog] ${setting}: loading sessions`);
    await encoders.warmup(['clapAudio', 'clapText', 'clipText']);
    const expectedWindows = p.tracks * Math.ceil(p.seconds / 5);
    // Raw session before and after the indexing run; their mean is the ceiling (drift on a shared machine).
    const rawBefore = await raw.windowsPerSecond(Math.min(expectedWindows, RAW_TIMED_WINDOWS), 8);
    options.progress(`[catalog] ${setting}: tag prompts through the CLAP text encoder (a fixed cost per indexing run)`);
    let begin = performance.now();
    await ClapTagger.create(encoders.clapText);
    const taggerSeconds = (performance.now() - begin) / 1000;
    const taggerTexts = encoders.stats().byKind.clapText?.items ?? 0;
    options.progress(`[catalog] ${setting}: indexing ${p.tracks} tracks of ${p.seconds} s`);
    const before = encoders.stats().byKind.clapAudio?.items ?? 0;
    begin = performance.now();
    const summary = await indexMusic({
      roots: [dirs.tracks],
      catalogDir,
      encoders,
      audio: mediaAudioSource(),
      metadata: musicMetadataReader,
      describer: (cache) => createDescriber('template', undefined, cache),
      ...catalogIndexSettings(config.catalog),
    });
    const runSeconds = (performance.now() - begin) / 1000;
    if (summary.indexed !== p.tracks) throw new Error(`indexed ${summary.indexed} of ${p.tracks} tracks (skipped: ${summary.skipped.map((s) => s.reason).join('; ')})`);
    const stats = encoders.stats();
    const windows = (stats.byKind.clapAudio?.items ?? 0) - before;
    const rawAfter = await raw.windowsPerSecond(Math.min(windows, RAW_TIMED_WINDOWS), 8);
    // The run embeds the tag prompts again (once per run); the per-track phase is the rest.
    const trackSeconds = Math.max(1e-6, runSeconds - taggerSeconds);
    return {
      setting,
      dtype,
      windows,
      tracks: summary.indexed,
      audioSeconds: p.tracks * p.seconds,
      runSeconds,
      taggerSeconds,
      taggerTexts,
      trackSeconds,
      rawWindowsPerSecond: (rawBefore + rawAfter) / 2,
      rawNiced: raw.niced,
      indexWindowsPerSecond: windows / trackSeconds,
      meanBatch: stats.byKind.clapAudio ? stats.byKind.clapAudio.items / stats.byKind.clapAudio.batches : 0,
    };
  } finally {
    rmSync(catalogDir, { recursive: true, force: true });
    await Promise.allSettled([encoders.dispose(), raw.dispose()]);
  }
}

export async function runCatalogBench(options: BenchOptions): Promise<SectionOutcome> {
  const p = plan(options.quick);
  const clap = await resolveClapDir(options);
  const clip = await resolveClipDir(options);
  const tracks = await testTracks(p.tracks, p.seconds);
  const defaultDtype = loadConfig().encoders.dtype;
  const results: DtypeResult[] = [];
  for (const dtype of p.dtypes) results.push(await measure(dtype, { clip, clap, tracks }, p, options));
  const table: Table = {
    title: `Catalog indexing at real cost: ${p.tracks} tracks of ${p.seconds} s, full-size random-weight CLAP HTSAT-unfused + CLIP ViT-B/32 (one run per dtype)`,
    columns: ['dtype', 'CLAP windows', 'index windows/s', 'raw session windows/s', 'index / raw', 'tracks/min', 'x realtime', 'tag prompts (per run)'],
    rows: results.map((r) => [
      r.setting === r.dtype ? r.dtype : `${r.setting} (${r.dtype})`,
      String(r.windows),
      formatNumber(r.indexWindowsPerSecond, 2),
      formatNumber(r.rawWindowsPerSecond, 2),
      `${((r.indexWindowsPerSecond / r.rawWindowsPerSecond) * 100).toFixed(0)}%`,
      formatNumber((r.tracks * 60) / r.trackSeconds, 2),
      formatNumber(r.audioSeconds / r.trackSeconds, 2),
      `${r.taggerTexts} texts in ${formatNumber(r.taggerSeconds, 1)} s`,
    ]),
    notes: [
      'index: indexMusic (probe, decode, 10 s CLAP windows through the worker pool, tags, BPM, template description, CLIP text), catalog.jobs files at once; the per-run cost of embedding the tag prompts is timed apart and left out of windows/s, tracks/min and x realtime',
      `raw: a bare onnxruntime session over audio_model.onnx fed ready log-mel features in batches of 8 (the indexer batch), ${RAW_TIMED_WINDOWS} windows timed before and after the run (mean) after one untimed run at that batch, in a worker thread at the inference pool's niceness (+${WORKER_NICENESS}${results.every((r) => r.rawNiced) ? '' : '; could not be set here, so the raw session ran at normal priority'}), as the pool's workers run`,
      `tracks: ${tracks}; models: ${clap}, ${clip}`,
    ],
  };
  const chosen = results.find((r) => r.setting === defaultDtype) ?? results[0]!;
  const ratio = chosen.indexWindowsPerSecond / chosen.rawWindowsPerSecond;
  const targets: TargetCheck[] = [
    {
      section: 'catalog',
      target: TARGET,
      measured: `${(ratio * 100).toFixed(0)}% with ${chosen.setting} (${chosen.dtype}; ${formatNumber(chosen.indexWindowsPerSecond, 2)} vs ${formatNumber(chosen.rawWindowsPerSecond, 2)} windows/s; ${formatNumber((chosen.tracks * 60) / chosen.trackSeconds, 2)} tracks/min of ${p.seconds} s)`,
      met: ratio >= INDEX_VS_RAW_TARGET,
    },
  ];
  return { tables: [table], targets, data: { plan: p, results, clap, clip } };
}

export const catalogSection: BenchSection = {
  id: 'catalog',
  title: 'Catalog indexing: full-size CLAP through the indexer vs a raw onnxruntime session',
  targetNames: [TARGET],
  run: (options) => runCatalogBench(options),
};
