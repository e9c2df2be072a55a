/**
 * The synthetic ViML benchmark, end to end and offline:
 *   generate (Python + ffmpeg) -> features (core/media + the encoders) -> train (PyTorch) -> evaluate
 * and a table of video -> music retrieval for video only, video + text and the ablations.
 *
 *   npm run bench:synthetic -- [--n 600] [--steps 400] [--models DIR] [--out bench/out/synthetic] [--variants main,no-dropout,add,concat] [--reuse-features]
 *
 * Without --models it uses the tiny random-weight fixture encoders in tests/fixtures/models.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../core/config.js';
import { createEncoders } from '../../model/index.js';
import { renderMarkdownTable, renderTable, type Table } from '../table.js';
import { mediaDecoder } from './decoder.js';
import { extractFeatures, readCorpus, type CorpusItem } from './features.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Variant {
  readonly name: string;
  readonly label: string;
  readonly flags: readonly string[];
}

// The main model and the ablations the paper reports: text dropout off, and the other fusions.
const VARIANTS: readonly Variant[] = [
  { name: 'main', label: 'transformer fusion, text dropout p=0.5', flags: ['--fusion', 'transformer', '--text-dropout', '0.5'] },
  { name: 'no-dropout', label: 'transformer fusion, no text dropout (p=0)', flags: ['--fusion', 'transformer', '--text-dropout', '0'] },
  { name: 'add', label: 'add fusion, p=0.5', flags: ['--fusion', 'add', '--text-dropout', '0.5'] },
  { name: 'concat', label: 'concat (MLP) fusion, p=0.5', flags: ['--fusion', 'concat', '--text-dropout', '0.5'] },
];

function python(args: readonly string[]): Promise<void> {
  const bin = process.env.CUECAST_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, ['-m', 'viml', ...args], {
      cwd: root,
      env: { ...process.env, PYTHONPATH: join(root, 'model', 'train'), PYTHONWARNINGS: 'ignore' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', (error) => reject(new Error(`cannot run ${bin}: ${error.message}`)));
    child.on('exit', (code, signal) => (code === 0 ? resolvePromise() : reject(new Error(`python -m viml ${args[0]} failed (${signal ?? `exit ${code}`})`))));
  });
}

type Figures = Record<'R@1' | 'R@5' | 'R@10' | 'medianRank' | 'pool', number>;
interface Evaluation {
  readonly videoText: { segment: Figures; track: Figures };
  readonly videoOnly: { segment: Figures; track: Figures };
  readonly chance: { segment: Figures; track: Figures };
}

const pct = (x: number) => (100 * x).toFixed(1);

/**
 * The ceiling of a model that recovers some hidden attributes perfectly and nothing else: the target
 * ties with every pool item sharing those attributes, so with c such items its rank is uniform on
 * 1..c (R@K = min(K, c) / c, expected rank (c + 1) / 2).
 */
function attributeOracle(pool: readonly CorpusItem[], keys: readonly string[]): Figures {
  const key = (item: CorpusItem) => keys.map((k) => String(item.attributes[k])).join('|');
  const counts = new Map<string, number>();
  for (const item of pool) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  const ties = pool.map((item) => counts.get(key(item))!);
  const recall = (k: number) => ties.reduce((sum, c) => sum + Math.min(k, c) / c, 0) / ties.length;
  const ranks = ties.map((c) => (c + 1) / 2).sort((a, b) => a - b);
  const mid = ranks.length / 2;
  const median = ranks.length % 2 ? ranks[Math.floor(mid)]! : (ranks[mid - 1]! + ranks[mid]!) / 2;
  return { 'R@1': recall(1), 'R@5': recall(5), 'R@10': recall(10), medianRank: median, pool: pool.length };
}

async function extractWithEncoders(models: string, threads: string, corpus: string, data: string, out: string, say: (line: string) => void): Promise<void> {
  say(`features with the encoders in ${models}`);
  const config = loadConfig({
    env: {},
    overrides: { modelsDir: resolve(models), dataDir: join(out, 'cache'), 'encoders.allowRemote': false, 'encoders.workers': 1, 'encoders.threads': Number(threads), logLevel: 'warn' },
  });
  const encoders = await createEncoders(config);
  try {
    const count = await extractFeatures(
      { corpusDir: corpus, outDir: data, fps: 1, maxFrames: 30, shardSize: 100, onProgress: (done, total) => done % 100 === 0 && say(`  features ${done}/${total}`) },
      encoders,
      mediaDecoder(),
    );
    say(`  ${count} items encoded (CLIP ${encoders.clipImage.info.modelId}, CLAP ${encoders.clapAudio.info.modelId})`);
  } finally {
    await encoders.dispose();
  }
}
const rank = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));
const row = (label: string, f: Figures): string[] => [label, pct(f['R@1']), pct(f['R@5']), pct(f['R@10']), rank(f.medianRank)];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '600' },
      seconds: { type: 'string', default: '20' },
      steps: { type: 'string', default: '400' },
      seed: { type: 'string', default: '0' },
      models: { type: 'string', default: join(root, 'tests', 'fixtures', 'models') },
      out: { type: 'string', default: join(root, 'bench', 'out', 'synthetic') },
      variants: { type: 'string', default: VARIANTS.map((v) => v.name).join(',') },
      // One thread: on a busy machine OpenMP's spinning threads make torch several times slower.
      threads: { type: 'string', default: '1' },
      'reuse-features': { type: 'boolean', default: false },
    },
  });
  const out = resolve(values.out);
  const corpus = join(out, 'corpus');
  const data = join(out, 'data');
  const started = Date.now();
  const say = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0)}s] ${line}`);
  await mkdir(out, { recursive: true });

  say(`generate ${values.n} videos of ${values.seconds} s`);
  await python(['synth', '--out', corpus, '--n', values.n, '--seconds', values.seconds, '--seed', values.seed]);

  if (values['reuse-features'] && existsSync(join(data, 'dataset.json'))) say(`reusing the features in ${data}`);
  else await extractWithEncoders(values.models, values.threads, corpus, data, out, say);

  const chosen = VARIANTS.filter((v) => values.variants.split(',').includes(v.name));
  const results: Record<string, Evaluation> = {};
  for (const variant of chosen) {
    const run = join(out, 'runs', variant.name);
    say(`train ${variant.name}: ${variant.label}`);
    await python([
      'train',
      '--data',
      data,
      '--out',
      run,
      '--steps',
      values.steps,
      '--batch-size',
      '64',
      '--seed',
      values.seed,
      '--threads',
      values.threads,
      '--width',
      '64',
      '--dim',
      '64',
      '--layers',
      '1',
      '--heads',
      '4',
      '--lr',
      '1e-3',
      '--warmup-steps',
      '40',
      '--eval-every',
      '100',
      '--checkpoint-every',
      '200',
      ...variant.flags,
    ]);
    const file = join(run, 'eval.json');
    await python(['eval', '--model', run, '--data', data, '--split', 'test', '--json', file]);
    results[variant.name] = JSON.parse(await readFile(file, 'utf8')) as Evaluation;
  }

  const first = Object.values(results)[0];
  if (!first) throw new Error('no variant was run');
  const pool = first.chance.segment.pool;
  const rows: string[][] = [];
  for (const variant of chosen) {
    const r = results[variant.name]!;
    rows.push(row(`${variant.label}: video + text`, r.videoText.segment));
    rows.push(row(`${variant.label}: video only`, r.videoOnly.segment));
  }
  const testItems = (await readCorpus(corpus)).filter((item) => item.split === 'test');
  rows.push(row('ceiling: video-visible attributes known exactly (energy, mood)', attributeOracle(testItems, ['energy', 'mood'])));
  rows.push(row('ceiling: all attributes known exactly (+ timbre, tempo)', attributeOracle(testItems, ['energy', 'mood', 'timbre', 'tempo'])));
  rows.push(row('chance', first.chance.segment));
  const table: Table = {
    title: `Synthetic ViML benchmark: video -> music retrieval, held-out pool of ${pool} segments (segment level = track level: one segment per track)`,
    columns: ['model / query', 'R@1 %', 'R@5 %', 'R@10 %', 'median rank'],
    rows,
    notes: [
      `${values.n} generated items (70/10/20 train/val/test), ${values.seconds} s each; ${values.steps} steps, batch 64; encoders from ${values.models}`,
      'fixture encoders are random-weight: the figures show that the trainer learns from whatever structure the features keep, not real-world quality',
    ],
  };
  console.log('\n' + renderTable(table));
  await writeFile(join(out, 'results.json'), JSON.stringify({ command: process.argv.slice(2), variants: chosen, results, seconds: (Date.now() - started) / 1000 }, null, 2) + '\n');
  await writeFile(join(out, 'results.md'), renderMarkdownTable(table) + '\n');
  say(`results in ${join(out, 'results.json')} and results.md`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
