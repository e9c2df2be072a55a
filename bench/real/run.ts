/**
 * `npm run bench:real [CORPUS] [--out FILE] [--catalog DIR] [--skip-index] [--parts index,recommend,bpm] [--reference-cache FILE]`: cuecast
 * on real music and video made by people outside this project (the Debian-packaged corpus that
 * manifest.tsv in the corpus folder lists: kind (music|video), path, package, licence; our reference corpus is
 * the Debian packages wesnoth-1.16-music, hyperrogue-music, singularity-music and opencv-doc, see docs/benchmarks.md).
 *
 * Indexes the corpus into a fresh catalog with the configured encoders and reports tracks/min and
 * x realtime, skips by reason, silence found, damaged files kept; recommends for each of the corpus's
 * videos (latency of clip to picks and of a "faster" turn, and whether a silent track was picked); then
 * compares BPM with an independent estimator (aubio-tools `aubio tempo`, whole track and middle minute)
 * on all tracks and on those where the reference agrees with itself, for the indexer's stored BPM and
 * for each step of the estimator; when bpm-tools (`bpm`) is installed, it is scored against the same
 * reference as a second opinion on what agreement with aubio is worth on this music.
 *
 * `--catalog DIR` keeps the catalog there (default: a scratch folder, removed); with `--skip-index` the
 * catalog already in DIR is measured instead of a new one. `--parts` runs only some parts (`bpm` alone
 * needs no catalog and no encoders: the estimator against aubio). aubio's answers are cached by file path,
 * size and modification time (`--reference-cache`, default ~/.cache/cuecast/bench-real-aubio.json):
 * the reference does not change when the estimator does.
 *
 * The corpus: first argument, else CUECAST_REAL_MEDIA, else the install script's default
 * (${XDG_CACHE_HOME:-~/.cache}/cuecast-real-media). Without it the benchmark says so and exits 0. Never
 * part of `npm test`.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../../core/config.js';
import { audio, probe } from '../../core/media/index.js';
import { openCatalog } from '../../index-data/catalog.js';
import { ALL_STEPS, estimateTempo, OnsetEnvelope, type TempoSteps } from '../../index-data/bpm.js';
import { createDescriber } from '../../index-data/describe/from-config.js';
import { catalogIndexSettings, indexMusic, type IndexEvent } from '../../index-data/indexer.js';
import { listCatalog } from '../../index-data/listing.js';
import { mediaAudioSource } from '../../index-data/media-source.js';
import { musicMetadataReader } from '../../index-data/metadata.js';
import { createEncoders, frameSpec, type Encoders } from '../../model/index.js';
import { clipEmbeddings } from '../../recommend/clip-features.js';
import { runConversation } from '../../recommend/conversation.js';
import { catalogVocabulary } from '../../recommend/catalog-vocabulary.js';
import { Recommender } from '../../recommend/recommender.js';

const run = promisify(execFile);

interface Args {
  readonly corpus: string;
  readonly out?: string;
  readonly catalog?: string;
  readonly skipIndex: boolean;
  readonly referenceCache: string;
  readonly parts: ReadonlySet<Part>;
}

const PARTS = ['index', 'recommend', 'bpm'] as const;
type Part = (typeof PARTS)[number];

function parseArgs(argv: readonly string[]): Args {
  let corpus: string | undefined;
  let out: string | undefined;
  let catalog: string | undefined;
  let skipIndex = false;
  const cacheHome = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  let referenceCache = join(cacheHome, 'cuecast', 'bench-real-aubio.json');
  let parts = new Set<Part>(PARTS);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--out') out = argv[++i];
    else if (a === '--catalog') catalog = resolve(argv[++i] ?? '');
    else if (a === '--reference-cache') referenceCache = resolve(argv[++i] ?? '');
    else if (a === '--skip-index') skipIndex = true;
    else if (a === '--parts') {
      const named = (argv[++i] ?? '').split(',');
      const unknown = named.filter((n) => !(PARTS as readonly string[]).includes(n));
      if (unknown.length > 0) throw new Error(`--parts takes ${PARTS.join(', ')}; got ${unknown.join(', ')}`);
      parts = new Set(named as Part[]);
    } else corpus = a;
  }
  if (skipIndex) parts.delete('index');
  if (parts.has('recommend') && !parts.has('index') && !catalog) throw new Error('recommending without indexing measures an existing catalog: name it with --catalog DIR');
  const fallback = join(cacheHome, 'cuecast-real-media');
  return { corpus: resolve(corpus ?? process.env.CUECAST_REAL_MEDIA ?? fallback), ...(out ? { out } : {}), ...(catalog ? { catalog } : {}), skipIndex, referenceCache, parts };
}

/** The estimator's steps, switched on one at a time (each row adds one). */
export const STEP_ROWS: readonly (readonly [string, TempoSteps])[] = [
  ['energy onsets, middle 60 s, autocorrelation (the old estimator)', { bandFlux: false, wholeTrack: false, comb: false, relatives: false, clarityGate: false }],
  ['+ band-wise spectral-flux onsets', { bandFlux: true, wholeTrack: false, comb: false, relatives: false, clarityGate: false }],
  ['+ whole track', { bandFlux: true, wholeTrack: true, comb: false, relatives: false, clarityGate: false }],
  ['+ comb of multiples with the perceptual prior', { bandFlux: true, wholeTrack: true, comb: true, relatives: false, clarityGate: false }],
  ['+ octave and 3:2 relatives', { bandFlux: true, wholeTrack: true, comb: true, relatives: true, clarityGate: false }],
  ["+ clarity gate (the indexer's estimator)", ALL_STEPS],
];

export type Agreement = 'within 4%' | 'octave' | '3:2' | 'other' | 'no BPM';

/** How an estimate relates to the reference: within 4%, an octave (x2, x1/2, x3, x1/3), a 3:2 relative, or other. */
export function agreement(estimate: number | undefined, reference: number): Agreement {
  if (estimate === undefined) return 'no BPM';
  const ratio = estimate / reference;
  const near = (m: number): boolean => Math.abs(ratio / m - 1) <= 0.04;
  if (near(1)) return 'within 4%';
  if ([2, 0.5, 3, 1 / 3].some(near)) return 'octave';
  if ([1.5, 2 / 3, 0.75, 4 / 3].some(near)) return '3:2';
  return 'other';
}

function wav(samples: Float32Array, rate: number): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32767))), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** aubio's answers by source file, path and size and mtime (the WAVs it reads are scratch files). */
type References = Record<string, Reference>;
interface Reference {
  whole?: number;
  middle?: number;
  /** bpm-tools' answer on the whole track (a second opinion, when `bpm` is installed). */
  bpmTools?: number;
}

class ReferenceCache {
  readonly #file: string;
  readonly #entries: References;
  constructor(file: string) {
    this.#file = file;
    this.#entries = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as References) : {};
  }
  static key(source: string): string {
    const st = statSync(source);
    return `${source}|${st.size}|${st.mtimeMs}`;
  }
  get(source: string): Reference | undefined {
    return this.#entries[ReferenceCache.key(source)];
  }
  set(source: string, value: Reference): void {
    this.#entries[ReferenceCache.key(source)] = value;
    mkdirSync(dirname(this.#file), { recursive: true });
    writeFileSync(this.#file, JSON.stringify(this.#entries, null, 1));
  }
}

async function aubioTempo(file: string): Promise<number | undefined> {
  try {
    const { stdout } = await run('aubio', ['tempo', file], { timeout: 300_000 });
    const bpm = Number.parseFloat(stdout.trim().split(/\s+/)[0] ?? '');
    return Number.isFinite(bpm) && bpm > 0 ? bpm : undefined;
  } catch {
    return undefined;
  }
}

async function installed(command: string, args: readonly string[]): Promise<boolean> {
  try {
    await run(command, args, { timeout: 10_000 });
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

const hasAubio = (): Promise<boolean> => installed('aubio', ['--help']);
const hasBpmTools = (): Promise<boolean> => installed('bpm', ['-h']);

/** bpm-tools' tempo (Mark Hills' autodifference, its default 84-146 BPM range) of samples at `rate`. */
async function bpmToolsTempo(samples: Float32Array, rate: number): Promise<number | undefined> {
  // bpm reads 44.1 kHz float: fed samples at another rate it reads a tempo scaled by 44100 / rate, so its
  // range is scaled the same way and the answer scaled back.
  const scale = rate / 44_100;
  const child = spawn('bpm', ['-m', String(84 / scale), '-x', String(146 / scale)], { stdio: ['pipe', 'pipe', 'ignore'], timeout: 300_000 });
  const output: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
  child.stdin.on('error', () => undefined); // a bpm that exits early closes its stdin: the exit code tells
  child.stdin.end(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
  const [code] = (await once(child, 'close')) as [number | null];
  const bpm = Number.parseFloat(Buffer.concat(output).toString('utf8'));
  return code === 0 && Number.isFinite(bpm) && bpm > 0 ? Math.round(bpm * scale * 10) / 10 : undefined;
}

interface TrackTempo {
  readonly path: string;
  readonly whole?: number | undefined;
  readonly middle?: number | undefined;
  readonly bpmTools?: number | undefined;
  readonly steps: readonly (number | undefined)[];
  /** The estimator found the track silent. */
  readonly silent: boolean;
  /** Why the indexer's estimator gave no BPM. */
  readonly reason?: string | undefined;
}

/** The rate the indexer analyses at (CLAP's input rate), so the last step row is the indexer's estimate. */
const ANALYSIS_RATE = 48_000;

/** aubio on the whole track and on its middle minute (decoded by core/media to WAV), and each estimator step. */
async function tempos(corpus: string, paths: readonly string[], scratch: string, tools: ReferenceTools, cache: ReferenceCache): Promise<TrackTempo[]> {
  const out: TrackTempo[] = [];
  for (const [n, path] of paths.entries()) {
    const file = join(corpus, path);
    process.stderr.write(`\r  BPM ${n + 1}/${paths.length}`);
    try {
      const info = await probe(file);
      const samples = await audio(file, { sampleRate: ANALYSIS_RATE, info });
      const envelope = new OnsetEnvelope(ANALYSIS_RATE);
      envelope.push(samples);
      const data = envelope.snapshot();
      const results = STEP_ROWS.map(([, s]) => estimateTempo(data, s));
      const steps = results.map((r) => ('bpm' in r ? r.bpm : undefined));
      const last = results.at(-1)!;
      const reason = 'reason' in last ? last.reason : undefined;
      const reference = await referenceTempos(file, samples, scratch, tools, cache);
      out.push({ path, ...reference, steps, silent: reason === 'silent', reason });
    } catch (error) {
      process.stderr.write(`  ${path}: not analysed (${(error as Error).message})\n`);
    }
  }
  process.stderr.write('\n');
  return out;
}

interface ReferenceTools {
  readonly aubio: boolean;
  readonly bpmTools: boolean;
}

/** aubio on the whole track and its middle minute, and bpm-tools on the whole track: from the cache, else run (and cached). */
async function referenceTempos(file: string, samples: Float32Array, scratch: string, tools: ReferenceTools, cache: ReferenceCache): Promise<Reference> {
  const reference: Reference = { ...cache.get(file) };
  let changed = false;
  if (tools.aubio && reference.whole === undefined && reference.middle === undefined) {
    const wholeFile = join(scratch, 'whole.wav');
    writeFileSync(wholeFile, wav(samples, ANALYSIS_RATE));
    const whole = await aubioTempo(wholeFile);
    const mid = Math.max(0, Math.floor(samples.length / 2 - 30 * ANALYSIS_RATE));
    const middleFile = join(scratch, 'middle.wav');
    writeFileSync(middleFile, wav(samples.subarray(mid, mid + 60 * ANALYSIS_RATE), ANALYSIS_RATE));
    const middle = await aubioTempo(middleFile);
    if (whole !== undefined) reference.whole = whole;
    if (middle !== undefined) reference.middle = middle;
    changed = true;
  }
  if (tools.bpmTools && reference.bpmTools === undefined) {
    const bpm = await bpmToolsTempo(samples, ANALYSIS_RATE);
    if (bpm !== undefined) reference.bpmTools = bpm;
    changed = bpm !== undefined || changed;
  }
  if (changed) cache.set(file, reference);
  return reference;
}

function tally(rows: readonly { estimate: number | undefined; reference: number }[]): Record<Agreement, number> & { n: number } {
  const t = { 'within 4%': 0, octave: 0, '3:2': 0, other: 0, 'no BPM': 0, n: rows.length };
  for (const r of rows) t[agreement(r.estimate, r.reference)]++;
  return t;
}

function tallyCell(t: ReturnType<typeof tally>): string {
  const pct = t.n > 0 ? Math.round((100 * t['within 4%']) / t.n) : 0;
  return `${t['within 4%']}/${t.n} (${pct}%) | ${t.octave} | ${t['3:2']} | ${t.other} | ${t['no BPM']}`;
}

/** The indexing table: throughput, skips, silence, damage, BPM reasons. */
async function indexCorpus(args: Args, catalogDir: string, encoders: Encoders, lines: string[], report: Record<string, unknown>): Promise<void> {
  const config = loadConfig();
  const started = Date.now();
  let firstFileAt: number | undefined;
  const onEvent = (e: IndexEvent): void => {
    if (e.event === 'plan') firstFileAt = Date.now();
    if (e.event === 'file') process.stderr.write(`\r  indexed ${e.done}/${e.total}`);
  };
  const summary = await indexMusic({
    roots: [join(args.corpus, 'music')],
    catalogDir,
    encoders,
    audio: mediaAudioSource(),
    metadata: musicMetadataReader,
    describer: (cache) => createDescriber('tags', undefined, cache),
    ...catalogIndexSettings(config.catalog),
    jobs: 1,
    onEvent,
  });
  process.stderr.write('\n');
  const wall = (Date.now() - started) / 1000;
  const processing = (Date.now() - (firstFileAt ?? started)) / 1000;
  const byReason: Record<string, number> = {};
  for (const s of summary.skipped) byReason[s.code] = (byReason[s.code] ?? 0) + 1;
  lines.push(
    '## Indexing',
    '',
    `Encoders: CLAP ${encoders.clapAudio.info.modelId}, CLIP ${encoders.clipText.info.modelId}${encoders.standIn ? ' (the random-weight stand-ins: the figures measure decoding and analysis, not real model cost)' : ''}; one job.`,
    '',
    '| measure | value |',
    '|---|---|',
    `| files found | ${summary.tracks + summary.skipped.length} |`,
    `| tracks indexed | ${summary.tracks} |`,
    `| audio decoded | ${(summary.audioSeconds / 60).toFixed(1)} min |`,
    `| wall time (hash, probe, decode, embed, publish) | ${wall.toFixed(0)} s |`,
    `| tracks/min | ${((summary.tracks / wall) * 60).toFixed(1)} |`,
    `| x realtime (audio s per wall s, after planning) | ${(summary.audioSeconds / processing).toFixed(1)} |`,
    `| skipped, by reason | ${
      Object.entries(byReason)
        .map(([c, n]) => `${c} ${n}`)
        .join(', ') || 'none'
    } |`,
    `| damaged files kept | ${summary.damaged.length}${summary.damaged.length ? `: ${summary.damaged.map((d) => `${d.path.split('/').pop()} (${d.note})`).join('; ')}` : ''} |`,
    '',
  );
  if (summary.skipped.length > 0) {
    lines.push('Skipped files:', '');
    for (const s of summary.skipped) lines.push(`- ${s.path.slice(args.corpus.length + 1)}: ${s.reason} [${s.code}]`);
    lines.push('');
  }
  report.index = { summary, wallSeconds: wall, processingSeconds: processing };
}

/** Silence and BPM as stored in the catalog. */
function catalogFigures(catalogDir: string, lines: string[]): Map<string, number | undefined> {
  const listing = listCatalog(catalogDir);
  const silent = listing.tracks.filter((t) => t.silent);
  const withoutBpm: Record<string, number> = {};
  for (const t of listing.tracks) if (t.bpm === null) withoutBpm[t.bpmReason ?? '?'] = (withoutBpm[t.bpmReason ?? '?'] ?? 0) + 1;
  lines.push(
    '## The catalog',
    '',
    '| measure | value |',
    '|---|---|',
    `| tracks | ${listing.tracks.length} (skipped files: ${listing.skipped.length}) |`,
    `| silent tracks (never recommended) | ${silent.length}${silent.length ? `: ${silent.map((t) => `${t.path.split('/').pop()} (${t.loudnessLufs} LUFS)`).join(', ')}` : ''} |`,
    `| silent segments | ${listing.tracks.reduce((n, t) => n + t.silentSegments, 0)} of ${listing.tracks.reduce((n, t) => n + t.segments, 0)} |`,
    `| damaged tracks kept | ${listing.tracks.filter((t) => t.damaged).length} |`,
    `| tracks without BPM | ${
      Object.entries(withoutBpm)
        .map(([r, n]) => `${n} (${r})`)
        .join(', ') || 'none'
    }${
      listing.tracks.some((t) => t.bpm === null)
        ? `: ${listing.tracks
            .filter((t) => t.bpm === null)
            .map((t) => t.path.split('/').pop())
            .join(', ')}`
        : ''
    } |`,
    '',
  );
  return new Map(listing.tracks.map((t) => [t.path, t.bpm ?? undefined]));
}

const LATENCY_RUNS = 3;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/**
 * `cuecast recommend VIDEO --refine faster` on each real video, with warm encoders: clip to picks
 * (decode and encode the frames, then recommend) and the "faster" turn, median of LATENCY_RUNS after a
 * warm-up; and whether any pick of any turn was a silent track.
 */
async function recommendLatency(corpus: string, videos: readonly string[], catalogDir: string, encoders: Encoders, lines: string[], report: Record<string, unknown>): Promise<void> {
  const config = loadConfig();
  const catalog = openCatalog(catalogDir, { expect: { clip: encoders.clipText.info, clap: encoders.clapAudio.info } });
  try {
    const silentIds = new Set([...catalog.tracks()].filter((t) => t.silent).map((t) => t.id));
    // Zero-shot, as a fresh install answers (the benchmark trains no heads).
    const recommender = new Recommender({
      catalog,
      clipText: encoders.clipText,
      clapText: encoders.clapText,
      vocabulary: catalogVocabulary(catalog),
      options: { maxPromptChars: config.maxTextChars },
    });
    const spec = frameSpec(config.video, encoders.clipImage);
    lines.push(
      '## Recommend on the real videos',
      '',
      `\`cuecast recommend VIDEO --refine faster\` in process with warm encoders (${config.video.maxFrames} frames at most, ${config.video.fps} fps), median of ${LATENCY_RUNS} runs after a warm-up.`,
      '',
      '| video | duration | frames | clip to picks | "faster" turn | picks | silent picks | outcome |',
      '|---|---|---|---|---|---|---|---|',
    );
    const rows: unknown[] = [];
    for (const video of videos) {
      const file = join(corpus, video);
      const once = async (): Promise<{ clipMs: number; refineMs: number; frames: number; picks: number; silentPicks: number }> => {
        const begin = performance.now();
        const { embeddings } = await clipEmbeddings(file, encoders.clipImage, spec);
        const first = await recommender.recommend({ frameEmbeddings: embeddings, k: 5 });
        const clipMs = performance.now() - begin;
        const refineBegin = performance.now();
        const turns = await runConversation(recommender, { frameEmbeddings: embeddings, refinements: ['faster'], k: 5 });
        // runConversation redoes the first answer; the turn's cost is the second recommend.
        const refineMs = (performance.now() - refineBegin) / 2;
        const all = [first, ...turns.map((t) => t.result)].flatMap((r) => r.picks);
        return { clipMs, refineMs, frames: embeddings.length, picks: first.picks.length, silentPicks: all.filter((p) => silentIds.has(p.trackId)).length };
      };
      let duration = '?';
      try {
        const info = await probe(file);
        duration = info.duration !== undefined ? `${info.duration.toFixed(1)} s` : '?';
        await once();
        const runs = [];
        for (let i = 0; i < LATENCY_RUNS; i++) runs.push(await once());
        const clipMs = median(runs.map((r) => r.clipMs));
        const refineMs = median(runs.map((r) => r.refineMs));
        const silentPicks = runs.reduce((n, r) => n + r.silentPicks, 0);
        lines.push(`| ${video.split('/').pop()} | ${duration} | ${runs[0]!.frames} | ${(clipMs / 1000).toFixed(2)} s | ${refineMs.toFixed(0)} ms | ${runs[0]!.picks} | ${silentPicks} | ok |`);
        rows.push({ video, duration, frames: runs[0]!.frames, clipMs, refineMs, silentPicks, runs });
      } catch (error) {
        const e = error as Error & { code?: string };
        lines.push(`| ${video.split('/').pop()} | ${duration} | - | - | - | - | - | refused: ${e.code ?? ''} ${e.message.replace(/\|/g, '/').replace(/\n/g, ' ')} |`);
        rows.push({ video, error: `${e.code ?? ''} ${e.message}` });
      }
    }
    lines.push('');
    report.recommend = rows;
  } finally {
    await catalog.close();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const manifestFile = join(args.corpus, 'manifest.tsv');
  if (!existsSync(manifestFile)) {
    process.stdout.write(
      `bench:real skipped: no real-media corpus at ${args.corpus} (no manifest.tsv).\n` +
        'A corpus is a folder with manifest.tsv (tab-separated header kind, path, package, licence; one row per\n' +
        'music or video file, path relative to the folder), e.g. the Debian packages wesnoth-1.16-music,\n' +
        'hyperrogue-music, singularity-music and opencv-doc; aubio-tools is the tempo reference. Then run\n' +
        '`npm run bench:real [DIR]` or set CUECAST_REAL_MEDIA=DIR.\n',
    );
    return;
  }
  const manifest = readFileSync(manifestFile, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t'));
  const music = manifest.filter((r) => r[0] === 'music').map((r) => r[1]!);
  const videos = manifest.filter((r) => r[0] === 'video').map((r) => r[1]!);
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const lines: string[] = [`# cuecast bench:real on ${args.corpus}`, '', `Machine: ${cpu}, ${cpus().length} logical cores, load ${loadavg()[0]!.toFixed(1)} at start (shared machine).`, ''];
  const report: Record<string, unknown> = { corpus: args.corpus, cpu, cores: cpus().length, startedAt: new Date().toISOString(), musicFiles: music.length };
  const scratch = mkdtempSync(join(tmpdir(), 'cuecast-bench-real-'));
  try {
    const catalogDir = args.catalog ?? join(scratch, 'catalog');
    const { parts } = args;
    const withCatalog = parts.has('index') || parts.has('recommend');
    if (withCatalog && !parts.has('index') && !existsSync(join(catalogDir, 'CURRENT'))) throw new Error(`no catalog in ${catalogDir} (index it first, or leave out --skip-index)`);
    if (withCatalog) {
      const encoders = await createEncoders(loadConfig());
      try {
        if (parts.has('index')) await indexCorpus(args, catalogDir, encoders, lines, report);
        if (parts.has('recommend')) {
          process.stderr.write('  recommending on the videos\n');
          await recommendLatency(args.corpus, videos, catalogDir, encoders, lines, report);
        }
      } finally {
        await encoders.dispose();
      }
    }
    const stored = withCatalog ? catalogFigures(catalogDir, lines) : new Map<string, number | undefined>();

    if (!parts.has('bpm')) {
      const text = `${lines.join('\n')}\n`;
      process.stdout.write(text);
      if (args.out) writeFileSync(args.out, JSON.stringify({ ...report, markdown: text }, null, 2));
      return;
    }
    const tools: ReferenceTools = { aubio: await hasAubio(), bpmTools: await hasBpmTools() };
    if (!tools.aubio) lines.push('BPM agreement skipped: `aubio` (aubio-tools) is not installed.', '');
    process.stderr.write('  BPM: decoding each track, running the estimator steps, aubio and bpm-tools (cached)\n');
    const results = await tempos(args.corpus, music, scratch, tools, new ReferenceCache(args.referenceCache));
    report.tempos = results;
    // aubio counts beats in silence too (147 BPM on a -78 dB file): silent tracks are reported apart.
    const silentTracks = results.filter((r) => r.silent);
    const referenced = results.filter((r) => r.whole !== undefined && !r.silent);
    if (referenced.length > 0) {
      const consistent = referenced.filter((r) => r.middle !== undefined && Math.abs(r.whole! / r.middle - 1) <= 0.04);
      lines.push(
        '## BPM against aubio',
        '',
        `Reference: \`aubio tempo\` on the whole track (WAV decoded by core/media at ${ANALYSIS_RATE / 1000} kHz mono). Self-consistent: aubio's whole-track and middle-minute estimates within 4% of each other (${consistent.length} of ${referenced.length} tracks with a reference). Octave: x2, x1/2, x3, x1/3; 3:2: x3/2, x2/3, x4/3, x3/4.`,
        '',
        '| estimator | self-consistent: within 4% | octave | 3:2 | other | no BPM | all tracks: within 4% | octave | 3:2 | other | no BPM |',
        '|---|---|---|---|---|---|---|---|---|---|---|',
      );
      STEP_ROWS.forEach(([name], i) => {
        const row = (set: readonly TrackTempo[]): string => tallyCell(tally(set.map((r) => ({ estimate: r.steps[i], reference: r.whole! }))));
        lines.push(`| ${name} | ${row(consistent)} | ${row(referenced)} |`);
      });
      if (stored.size > 0) {
        const row = (set: readonly TrackTempo[]): string => tallyCell(tally(set.map((r) => ({ estimate: stored.get(r.path.replace(/^music\//, '')), reference: r.whole! }))));
        lines.push(`| the catalog's stored BPM (indexer) | ${row(consistent)} | ${row(referenced)} |`);
      }
      if (tools.bpmTools) {
        // How often another well-kept estimator agrees with the reference: what "agreement" can mean on this music.
        const row = (set: readonly TrackTempo[]): string => tallyCell(tally(set.map((r) => ({ estimate: r.bpmTools, reference: r.whole! }))));
        lines.push(`| second opinion: bpm-tools \`bpm\` (not cuecast) | ${row(consistent)} | ${row(referenced)} |`);
      }
      lines.push('');
      if (silentTracks.length > 0) {
        lines.push(`Left out as silent (no BPM from cuecast; aubio's guess in brackets): ${silentTracks.map((r) => `${r.path.split('/').pop()} (${r.whole?.toFixed(1) ?? 'none'})`).join(', ')}.`, '');
      }
      const final = STEP_ROWS.length - 1;
      lines.push('Per track (self-consistent first): aubio whole / middle minute, this estimator, agreement.', '', '| track | aubio | aubio middle | cuecast | agreement |', '|---|---|---|---|---|');
      for (const r of [...consistent, ...referenced.filter((x) => !consistent.includes(x))]) {
        lines.push(
          `| ${r.path.replace(/^music\//, '')}${consistent.includes(r) ? '' : ' (reference disagrees with itself)'} | ${r.whole!.toFixed(1)} | ${r.middle?.toFixed(1) ?? '-'} | ${r.steps[final]?.toFixed(1) ?? `none (${r.reason})`} | ${agreement(r.steps[final], r.whole!)} |`,
        );
      }
      lines.push('');
    }
    const text = `${lines.join('\n')}\n`;
    process.stdout.write(text);
    if (args.out) writeFileSync(args.out, JSON.stringify({ ...report, markdown: text }, null, 2));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench:real failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  });
}
