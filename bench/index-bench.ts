import { mkdtempSync, rmSync, statSync } from 'node:fs';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExactVectorIndex, HNSW_DEFAULTS, HnswVectorIndex } from '../index-data/vector-index.js';
import { exactSearchBatch, recallAtK, type Neighbours } from './brute-force.js';
import { ClusteredMixture, DEFAULT_CLUSTERED_SPEC, clustersFor, type ClusteredSpec } from './vectors.js';
import { formatNumber, formatSummary, summarize, type Summary } from './stats.js';
import { mib, type BenchOptions, type BenchSection, type SectionOutcome } from './context.js';
import type { Table } from './table.js';

/** The catalog's dimension: CLIP ViT-B/32 and CLAP embeddings are 512-wide. */
export const INDEX_DIM = 512;
export const RECALL_TARGET = 0.98;
export const SPEEDUP_TARGET = 50;
/** Queries per brute-force batch. */
const EXACT_BATCH = 20;
const INDEX_TARGET = `1M vectors: recall@10 >= ${RECALL_TARGET} at >= ${SPEEDUP_TARGET}x exact queries/s`;

export interface HnswParams {
  readonly m: number;
  readonly efConstruction: number;
  /** ef values swept at query time; the operating point is the smallest meeting the recall target. */
  readonly efSearch: readonly number[];
}

export const HNSW_PARAMS: HnswParams = {
  m: HNSW_DEFAULTS.m,
  efConstruction: HNSW_DEFAULTS.efConstruction,
  efSearch: [16, 32, 64, 128, 256, 512, 1024],
};

export interface IndexPlan {
  readonly sizes: readonly number[];
  readonly queries: number;
  readonly reps: number;
  /** Builds repeated at sizes up to this one (bigger ones are built once). */
  readonly repeatBuildsUpTo: number;
  readonly params: HnswParams;
}

export function indexPlan(quick: boolean, sizes?: readonly number[]): IndexPlan {
  return {
    sizes: sizes ?? (quick ? [10_000] : [10_000, 100_000, 1_000_000]),
    queries: quick ? 100 : 200,
    reps: 5,
    repeatBuildsUpTo: 10_000,
    params: quick ? { ...HNSW_PARAMS, efSearch: [16, 32, 64, 128] } : HNSW_PARAMS,
  };
}

export interface EfPoint {
  readonly ef: number;
  readonly recallAt10: number;
  readonly qps: Summary;
  readonly speedupVsExact: number;
}

export interface SizeResult {
  readonly size: number;
  readonly clusters: number;
  /** Mean cosine of each query to its nearest neighbour: how tight the neighbourhoods are. */
  readonly meanTop1Cosine: number;
  readonly meanTop10Cosine: number;
  /** `qps` is the better of `single` (one query at a time) and `batched` (EXACT_BATCH at once). */
  readonly exact: { readonly qps: Summary; readonly single: Summary; readonly batched: Summary; readonly memoryMiB: number };
  /** The catalog's ExactVectorIndex (Map of vectors, full sort per query), at small sizes only. */
  readonly projectExact: { readonly qps: Summary } | undefined;
  readonly hnsw: {
    readonly buildSeconds: Summary;
    readonly memoryMiB: number;
    readonly fileMiB: number;
    readonly loadSeconds: Summary;
    readonly sweep: readonly EfPoint[];
    /** Smallest ef whose recall@10 meets the target; undefined when none does. */
    readonly operatingPoint: EfPoint | undefined;
  };
}

const row = (data: Float32Array, i: number): Float32Array => data.subarray(i * INDEX_DIM, (i + 1) * INDEX_DIM);

/** The catalog's own index class, filled the way the indexer fills it. */
function buildHnsw(data: Float32Array, size: number, params: HnswParams): HnswVectorIndex {
  const index = HnswVectorIndex.create(INDEX_DIM, size, { m: params.m, efConstruction: params.efConstruction, efSearch: params.efSearch[0]! });
  for (let i = 0; i < size; i++) index.add(i, row(data, i));
  return index;
}

/** Sizes up to which the catalog's simple ExactVectorIndex (a Map and a full sort) is also timed. */
const PROJECT_EXACT_UP_TO = 100_000;

function timeProjectExact(data: Float32Array, size: number, queries: Float32Array, reps: number): Summary {
  const index = new ExactVectorIndex(INDEX_DIM);
  for (let i = 0; i < size; i++) index.add(i, row(data, i));
  const perRep = Math.max(2, Math.min(20, Math.round(1_000_000 / size)));
  const qps: number[] = [];
  for (let r = 0; r < reps; r++) {
    const begin = performance.now();
    for (let q = 0; q < perRep; q++) index.search(row(queries, q), 10);
    qps.push((perRep * 1000) / (performance.now() - begin));
  }
  return summarize(qps);
}

let collector: (() => void) | undefined;

/**
 * A full garbage collection, so the native memory of an index dropped from JavaScript (gigabytes at
 * 1M vectors, invisible to V8's heuristics) is returned before the next one is loaded or measured.
 */
function collectGarbage(): void {
  if (!collector) {
    v8.setFlagsFromString('--expose-gc');
    collector = runInNewContext('gc') as () => void;
  }
  collector();
}

function rssMiB(): number {
  return mib(process.memoryUsage().rss);
}

function benchSize(size: number, fullPlan: IndexPlan, progress: (line: string) => void): SizeResult {
  // Ground truth costs size x queries dot products: at a million vectors, half the queries.
  const plan = size >= 1_000_000 ? { ...fullPlan, queries: Math.ceil(fullPlan.queries / 2) } : fullPlan;
  const spec: ClusteredSpec = { ...DEFAULT_CLUSTERED_SPEC, clusters: clustersFor(size) };
  const mixture = new ClusteredMixture(spec);
  const data = mixture.sample(size, 1);
  const queries = mixture.sample(plan.queries, 2);
  progress(`[index] ${size} vectors generated (${spec.clusters} clusters); exact search for ${plan.queries} queries`);

  // Ground truth doubles as the batched brute-force timing: queries in batches of EXACT_BATCH, each
  // block of rows scanned once per batch (throughput-bound, the best case for brute force).
  const truth: Neighbours[] = [];
  const batchedQps: number[] = [];
  for (let start = 0; start < plan.queries; start += EXACT_BATCH) {
    const end = Math.min(plan.queries, start + EXACT_BATCH);
    const begin = performance.now();
    truth.push(...exactSearchBatch(data, INDEX_DIM, queries.subarray(start * INDEX_DIM, end * INDEX_DIM), 10, size));
    batchedQps.push(((end - start) * 1000) / (performance.now() - begin));
  }
  // One query at a time, as a service answering requests would (memory-bandwidth bound).
  const singleQps: number[] = [];
  const perRep = Math.max(2, Math.min(20, Math.round(2_000_000 / size)));
  for (let r = 0; r < plan.reps; r++) {
    const begin = performance.now();
    for (let q = 0; q < perRep; q++) exactSearchBatch(data, INDEX_DIM, row(queries, q), 10, size);
    singleQps.push((perRep * 1000) / (performance.now() - begin));
  }
  const exactBatched = summarize(batchedQps);
  const exactSingle = summarize(singleQps);
  // The target compares with the better of the two.
  const exact = exactBatched.median >= exactSingle.median ? exactBatched : exactSingle;

  const builds = size <= plan.repeatBuildsUpTo ? 3 : 1;
  const buildSeconds: number[] = [];
  let index: HnswVectorIndex | undefined;
  let memoryMiB = 0;
  for (let b = 0; b < builds; b++) {
    // eslint-disable-next-line no-useless-assignment -- drops the last build so collectGarbage() frees it before measuring
    index = undefined;
    collectGarbage();
    const before = rssMiB();
    progress(`[index] building HNSW over ${size} vectors (M=${plan.params.m}, efConstruction=${plan.params.efConstruction}) ${b + 1}/${builds}`);
    const begin = performance.now();
    index = buildHnsw(data, size, plan.params);
    buildSeconds.push((performance.now() - begin) / 1000);
    memoryMiB = rssMiB() - before;
  }
  // HnswVectorIndex fixes ef when it is opened, as the catalog does: each ef of the sweep opens the
  // saved file again (which also times loading an index from disk).
  const dir = mkdtempSync(join(tmpdir(), 'cuecast-bench-index-'));
  const file = join(dir, 'index.hnsw');
  const sweep: EfPoint[] = [];
  const loadSeconds: number[] = [];
  let fileMiB: number;
  try {
    index!.save(file);
    fileMiB = mib(statSync(file).size);
    for (const ef of plan.params.efSearch) {
      if (ef !== plan.params.efSearch[0]) {
        index = undefined;
        collectGarbage();
        const begin = performance.now();
        index = HnswVectorIndex.load(file, INDEX_DIM, { efSearch: ef });
        loadSeconds.push((performance.now() - begin) / 1000);
      }
      const current = index!;
      const found = Array.from({ length: plan.queries }, (_, q) => current.search(row(queries, q), 10).map((hit) => hit.label));
      const qps: number[] = [];
      for (let r = 0; r < plan.reps; r++) {
        const begin = performance.now();
        for (let q = 0; q < plan.queries; q++) current.search(row(queries, q), 10);
        qps.push((plan.queries * 1000) / (performance.now() - begin));
      }
      const summary = summarize(qps);
      sweep.push({ ef, recallAt10: recallAtK(truth, found, 10), qps: summary, speedupVsExact: summary.median / exact.median });
    }
  } finally {
    // eslint-disable-next-line no-useless-assignment -- drops the index so collectGarbage() frees it
    index = undefined;
    collectGarbage();
    rmSync(dir, { recursive: true, force: true });
  }
  const projectExact = size <= PROJECT_EXACT_UP_TO ? { qps: timeProjectExact(data, size, queries, plan.reps) } : undefined;
  return {
    size,
    clusters: spec.clusters,
    meanTop1Cosine: truth.reduce((sum, t) => sum + t.scores[0]!, 0) / truth.length,
    meanTop10Cosine: truth.reduce((sum, t) => sum + t.scores[t.scores.length - 1]!, 0) / truth.length,
    exact: { qps: exact, single: exactSingle, batched: exactBatched, memoryMiB: mib(size * INDEX_DIM * 4) },
    projectExact,
    hnsw: {
      buildSeconds: summarize(buildSeconds),
      memoryMiB,
      fileMiB,
      loadSeconds: summarize(loadSeconds.length > 0 ? loadSeconds : [0]),
      sweep,
      operatingPoint: sweep.find((p) => p.recallAt10 >= RECALL_TARGET),
    },
  };
}

function tables(results: readonly SizeResult[], plan: IndexPlan): Table[] {
  const spec = DEFAULT_CLUSTERED_SPEC;
  const notes = [
    `data: ${INDEX_DIM}-d mixture of Gaussians, L2-normalised (about sqrt(n) clusters; inside each, ${spec.rank} directions with decaying scale, spread ${spec.spread}, isotropic noise ${spec.noise}); queries drawn from the same mixture, not from the index`,
    `HNSW: the catalog's HnswVectorIndex (hnswlib-node, cosine), M=${plan.params.m}, efConstruction=${plan.params.efConstruction}, one thread; exact: 4-way unrolled dot products over one Float32Array scanned in 512 KiB row blocks, one thread, either ${EXACT_BATCH} queries per pass over the data (each block reused by all of them) or one query at a time; "x exact" is against the faster of the two; ExactVectorIndex: the catalog's simple reference (a Map of vectors, a full sort per query), timed up to ${PROJECT_EXACT_UP_TO.toLocaleString('en-US')} vectors`,
    `queries/s: median (IQR) of ${plan.reps} repetitions over ${plan.queries} queries (${Math.ceil(plan.queries / 2)} at 1M vectors) (exact: per batch of ${EXACT_BATCH}, or per repetition of a few single queries); builds: median of 3 at <= ${plan.repeatBuildsUpTo} vectors, else one build; memory: RSS growth while building and the saved index file (HNSW), the Float32Array (exact)`,
  ];
  notes.push(
    `neighbourhoods: mean cosine of a query to its 1st / 10th nearest neighbour: ${results.map((r) => `${r.size.toLocaleString('en-US')}: ${r.meanTop1Cosine.toFixed(2)} / ${r.meanTop10Cosine.toFixed(2)}`).join(', ')}`,
  );
  const main: Table = {
    title: 'Index: hnswlib-node vs exact brute force (recall@10 at the operating point = smallest ef reaching 0.98)',
    columns: ['vectors', 'index', 'build s', 'memory MiB (RSS growth / file)', 'ef', 'queries/s median (IQR)', 'recall@10', 'x exact'],
    rows: results.flatMap((r) => {
      const op = r.hnsw.operatingPoint ?? r.hnsw.sweep[r.hnsw.sweep.length - 1]!;
      return [
        [
          r.size.toLocaleString('en-US'),
          `exact, ${EXACT_BATCH} queries/batch`,
          '-',
          formatNumber(r.exact.memoryMiB),
          '-',
          formatSummary(r.exact.batched),
          '1.000',
          formatNumber(r.exact.batched.median / r.exact.qps.median, 2),
        ],
        [
          r.size.toLocaleString('en-US'),
          'exact, 1 query at a time',
          '-',
          formatNumber(r.exact.memoryMiB),
          '-',
          formatSummary(r.exact.single),
          '1.000',
          formatNumber(r.exact.single.median / r.exact.qps.median, 2),
        ],
        ...(r.projectExact
          ? [[r.size.toLocaleString('en-US'), 'ExactVectorIndex', '-', '-', '-', formatSummary(r.projectExact.qps), '1.000', formatNumber(r.projectExact.qps.median / r.exact.qps.median, 2)]]
          : []),
        [
          r.size.toLocaleString('en-US'),
          'HnswVectorIndex',
          formatNumber(r.hnsw.buildSeconds.median),
          `${formatNumber(r.hnsw.memoryMiB, 0)} / ${formatNumber(r.hnsw.fileMiB, 0)}`,
          String(op.ef),
          formatSummary(op.qps, 0),
          op.recallAt10.toFixed(3),
          formatNumber(op.speedupVsExact),
        ],
      ];
    }),
    notes,
  };
  const sweep: Table = {
    title: 'Index: ef sweep (recall@10 and queries/s per ef)',
    columns: ['vectors', 'ef', 'recall@10', 'queries/s median (IQR)', 'x exact'],
    rows: results.flatMap((r) => r.hnsw.sweep.map((p) => [r.size.toLocaleString('en-US'), String(p.ef), p.recallAt10.toFixed(3), formatSummary(p.qps, 0), formatNumber(p.speedupVsExact)])),
  };
  return [main, sweep];
}

export function runIndexBench(plan: IndexPlan, progress: (line: string) => void): SectionOutcome {
  const results: SizeResult[] = [];
  for (const size of plan.sizes) {
    const r = benchSize(size, plan, progress);
    results.push(r);
    const op = r.hnsw.operatingPoint;
    progress(
      `[index] ${size} vectors: build ${formatNumber(r.hnsw.buildSeconds.median)} s, exact ${formatNumber(r.exact.qps.median)} q/s, ` +
        (op ? `ef=${op.ef} recall@10 ${op.recallAt10.toFixed(3)} at ${formatNumber(op.qps.median, 0)} q/s (${formatNumber(op.speedupVsExact)}x exact)` : 'no ef reached recall@10 0.98'),
    );
  }
  const largest = results[results.length - 1]!;
  const op = largest.hnsw.operatingPoint;
  const best = op ?? largest.hnsw.sweep.reduce((a, b) => (b.recallAt10 > a.recallAt10 ? b : a));
  const scale = `at ${largest.size.toLocaleString('en-US')} vectors${largest.size < 1_000_000 ? ' (not 1M)' : ''}`;
  return {
    tables: tables(results, plan),
    targets: [
      {
        section: 'index',
        target: INDEX_TARGET,
        measured: `${scale}: recall@10 ${best.recallAt10.toFixed(3)} at ef=${best.ef}, ${formatNumber(best.speedupVsExact)}x exact (${formatNumber(best.qps.median, 0)} vs ${formatNumber(largest.exact.qps.median)} q/s)`,
        met: op !== undefined && op.speedupVsExact >= SPEEDUP_TARGET,
      },
    ],
    data: { plan, dataSpec: DEFAULT_CLUSTERED_SPEC, dim: INDEX_DIM, results },
  };
}

export const indexSection: BenchSection = {
  id: 'index',
  title: 'Vector index: hnswlib-node vs exact brute force',
  targetNames: [INDEX_TARGET],
  run: (options: BenchOptions) => runIndexBench(indexPlan(options.quick, options.indexSizes), options.progress),
};
