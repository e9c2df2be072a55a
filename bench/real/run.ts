/**
 * `npm run bench:real [CORPUS] [--out FILE] [--skip-index]`: cuecast on real music made by people outside
 * this project (the Debian-packaged corpus that ../shared/real-media/install.sh lays out, see its README).
 *
 * Indexes the corpus into a fresh catalog with the configured encoders and reports tracks/min and
 * x realtime, skips by reason, silence found, damaged files kept; then compares BPM with an independent
 * estimator (aubio-tools `aubio tempo`, whole track and middle minute) on all tracks and on those where
 * the reference agrees with itself, for the indexer's stored BPM and for each step of the estimator.
 *
 * The corpus: first argument, else CUECAST_REAL_MEDIA, else the install script's default
 * (${XDG_CACHE_HOME:-~/.cache}/cuecast-real-media). Without it the benchmark says so and exits 0. Never
 * part of `npm test`.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../../core/config.js';
import { audio, probe } from '../../core/media/index.js';
import { ALL_STEPS, estimateTempo, OnsetEnvelope, type TempoSteps } from '../../index-data/bpm.js';
import { createDescriber } from '../../index-data/describe/from-config.js';
import { indexMusic, type IndexEvent } from '../../index-data/indexer.js';
import { listCatalog } from '../../index-data/listing.js';
import { mediaAudioSource } from '../../index-data/media-source.js';
import { musicMetadataReader } from '../../index-data/metadata.js';
import { createEncoders } from '../../model/index.js';

const run = promisify(execFile);

interface Args {
  readonly corpus: string;
  readonly out?: string;
  readonly skipIndex: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  let corpus: string | undefined;
  let out: string | undefined;
  let skipIndex = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--out') out = argv[++i];
    else if (a === '--skip-index') skipIndex = true;
    else corpus = a;
  }
  const fallback = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'cuecast-real-media');
  return { corpus: resolve(corpus ?? process.env.CUECAST_REAL_MEDIA ?? fallback), ...(out ? { out } : {}), skipIndex };
}

/** The estimator's steps, switched on one at a time (each row adds one). */
export const STEP_ROWS: readonly (readonly [string, TempoSteps])[] = [
  ['energy onsets, middle 60 s, autocorrelation (the old estimator)', { bandFlux: false, wholeTrack: false, comb: false, relatives: false, clarityGate: false }],
  ['+ band-wise spectral-flux onsets', { bandFlux: true, wholeTrack: false, comb: false, relatives: false, clarityGate: false }],
  ['+ whole track', { bandFlux: true, wholeTrack: true, comb: false, relatives: false, clarityGate: false }],
  ['+ comb of multiples with the perceptual prior', { bandFlux: true, wholeTrack: true, comb: true, relatives: false, clarityGate: false }],
  ['+ octave and 3:2 relatives', { bandFlux: true, wholeTrack: true, comb: true, relatives: true, clarityGate: false }],
  ['+ clarity gate (the indexer\'s estimator)', ALL_STEPS],
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

async function aubioTempo(file: string): Promise<number | undefined> {
  try {
    const { stdout } = await run('aubio', ['tempo', file], { timeout: 300_000 });
    const bpm = Number.parseFloat(stdout.trim().split(/\s+/)[0] ?? '');
    return Number.isFinite(bpm) && bpm > 0 ? bpm : undefined;
  } catch {
    return undefined;
  }
}

async function hasAubio(): Promise<boolean> {
  try {
    await run('aubio', ['--help'], { timeout: 10_000 });
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

interface TrackTempo {
  readonly path: string;
  readonly whole?: number | undefined;
  readonly middle?: number | undefined;
  readonly steps: readonly (number | undefined)[];
}

const REFERENCE_RATE = 44_100;

/** aubio on the whole track and on its middle minute (decoded by core/media to WAV), and each estimator step. */
async function tempos(corpus: string, paths: readonly string[], scratch: string, withAubio: boolean): Promise<TrackTempo[]> {
  const out: TrackTempo[] = [];
  for (const path of paths) {
    const file = join(corpus, path);
    try {
      const info = await probe(file);
      const samples = await audio(file, { sampleRate: REFERENCE_RATE, info });
      const envelope = new OnsetEnvelope(REFERENCE_RATE);
      envelope.push(samples);
      const data = envelope.snapshot();
      const steps = STEP_ROWS.map(([, s]) => {
        const r = estimateTempo(data, s);
        return 'bpm' in r ? r.bpm : undefined;
      });
      let whole: number | undefined;
      let middle: number | undefined;
      if (withAubio) {
        const wholeFile = join(scratch, 'whole.wav');
        writeFileSync(wholeFile, wav(samples, REFERENCE_RATE));
        whole = await aubioTempo(wholeFile);
        const mid = Math.max(0, Math.floor(samples.length / 2 - 30 * REFERENCE_RATE));
        const middleFile = join(scratch, 'middle.wav');
        writeFileSync(middleFile, wav(samples.subarray(mid, mid + 60 * REFERENCE_RATE), REFERENCE_RATE));
        middle = await aubioTempo(middleFile);
      }
      out.push({ path, whole, middle, steps });
    } catch (error) {
      process.stderr.write(`  ${path}: not analysed (${(error as Error).message})\n`);
    }
  }
  return out;
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

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const manifestFile = join(args.corpus, 'manifest.tsv');
  if (!existsSync(manifestFile)) {
    process.stdout.write(
      `bench:real skipped: no real-media corpus at ${args.corpus} (no manifest.tsv).\n` +
        'Lay it out with `bash ../shared/real-media/install.sh [DIR]` (needs root for apt-get), then run\n' +
        '`npm run bench:real [DIR]` or set CUECAST_REAL_MEDIA=DIR.\n',
    );
    return;
  }
  const manifest = readFileSync(manifestFile, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
  const music = manifest.filter((r) => r[0] === 'music').map((r) => r[1]!);
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const lines: string[] = [`# cuecast bench:real on ${args.corpus}`, '', `Machine: ${cpu}, ${cpus().length} logical cores, load ${loadavg()[0]!.toFixed(1)} at start (shared machine).`, ''];
  const report: Record<string, unknown> = { corpus: args.corpus, cpu, cores: cpus().length, startedAt: new Date().toISOString(), musicFiles: music.length };
  const scratch = mkdtempSync(join(tmpdir(), 'cuecast-bench-real-'));
  try {
    const catalogDir = join(scratch, 'catalog');
    let stored = new Map<string, number | undefined>();
    if (!args.skipIndex) {
      const config = loadConfig();
      const encoders = await createEncoders(config);
      const started = Date.now();
      let firstFileAt: number | undefined;
      const onEvent = (e: IndexEvent): void => {
        if (e.event === 'plan') firstFileAt = Date.now();
        if (e.event === 'file') process.stderr.write(`\r  indexed ${e.done}/${e.total}`);
      };
      try {
        const summary = await indexMusic({
          roots: [join(args.corpus, 'music')],
          catalogDir,
          encoders,
          audio: mediaAudioSource(),
          metadata: musicMetadataReader,
          describer: (cache) => createDescriber('tags', undefined, cache),
          segmentSeconds: config.catalog.segmentSeconds,
          hopSeconds: config.catalog.hopSeconds,
          jobs: 1,
          onEvent,
        });
        process.stderr.write('\n');
        const wall = (Date.now() - started) / 1000;
        const processing = (Date.now() - (firstFileAt ?? started)) / 1000;
        const byReason: Record<string, number> = {};
        for (const s of summary.skipped) byReason[s.code] = (byReason[s.code] ?? 0) + 1;
        const listing = listCatalog(catalogDir);
        stored = new Map(listing.tracks.map((t) => [t.path, t.bpm ?? undefined]));
        const silentSegments = listing.tracks.reduce((n, t) => n + t.silentSegments, 0);
        lines.push(
          '## Indexing',
          '',
          `Encoders: CLAP ${encoders.clapAudio.info.modelId}, CLIP ${encoders.clipText.info.modelId}; one job.`,
          '',
          '| measure | value |',
          '|---|---|',
          `| files found | ${summary.tracks + summary.skipped.length} |`,
          `| tracks indexed | ${summary.tracks} |`,
          `| audio decoded | ${(summary.audioSeconds / 60).toFixed(1)} min |`,
          `| wall time (hash, probe, decode, embed, publish) | ${wall.toFixed(0)} s |`,
          `| tracks/min | ${((summary.tracks / wall) * 60).toFixed(1)} |`,
          `| x realtime (audio s per wall s, after planning) | ${(summary.audioSeconds / processing).toFixed(1)} |`,
          `| skipped, by reason | ${Object.entries(byReason).map(([c, n]) => `${c} ${n}`).join(', ') || 'none'} |`,
          `| silent tracks (never recommended) | ${summary.silent.length}${summary.silent.length ? `: ${summary.silent.map((p) => p.split('/').pop()).join(', ')}` : ''} |`,
          `| silent segments (of ${listing.tracks.reduce((n, t) => n + t.segments, 0)}) | ${silentSegments} |`,
          `| damaged files kept | ${summary.damaged.length}${summary.damaged.length ? `: ${summary.damaged.map((d) => `${d.path.split('/').pop()} (${d.note})`).join('; ')}` : ''} |`,
          `| tracks without BPM | ${Object.entries(summary.withoutBpm).map(([r, n]) => `${r} ${n}`).join(', ') || 'none'} |`,
          '',
        );
        if (summary.skipped.length > 0) {
          lines.push('Skipped files:', '');
          for (const s of summary.skipped) lines.push(`- ${s.path.slice(args.corpus.length + 1)}: ${s.reason} [${s.code}]`);
          lines.push('');
        }
        report.index = { summary, wallSeconds: wall, processingSeconds: processing };
      } finally {
        await encoders.dispose();
      }
    }

    const withAubio = await hasAubio();
    if (!withAubio) lines.push('BPM agreement skipped: `aubio` (aubio-tools) is not installed.', '');
    process.stderr.write('  BPM: decoding and running aubio on each track\n');
    const results = await tempos(args.corpus, music, scratch, withAubio);
    report.tempos = results;
    if (withAubio) {
      const referenced = results.filter((r) => r.whole !== undefined);
      const consistent = referenced.filter((r) => r.middle !== undefined && Math.abs(r.whole! / r.middle - 1) <= 0.04);
      lines.push(
        '## BPM against aubio',
        '',
        `Reference: \`aubio tempo\` on the whole track (WAV decoded by core/media at 44.1 kHz mono). Self-consistent: aubio's whole-track and middle-minute estimates within 4% of each other (${consistent.length} of ${referenced.length} tracks with a reference).`,
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
        lines.push(`| the catalog's stored BPM (indexer, 48 kHz) | ${row(consistent)} | ${row(referenced)} |`);
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
