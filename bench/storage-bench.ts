/**
 * Vector stores side by side: the embedded hnswlib index (HnswVectorIndex behind labelIndexView, as
 * an open catalog folder serves it) and pgvector in PostgreSQL (PgVectorIndex, as an open PostgreSQL
 * catalog serves it), on the same vectors and queries: build time, recall@10 and queries/s across
 * ef_search, filtered queries keeping about 10% and 50% of rows, and 8 concurrent clients on pgvector.
 * Needs a PostgreSQL with pgvector: `--database-url` or CUECAST_DATABASE_URL (a scratch database:
 * the section creates and drops its own table).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgVectorIndex } from '../index-data/storage/pg/catalog.js';
import { pgCatalogLocation } from '../index-data/storage/pg/location.js';
import { migrateCatalogSchema } from '../index-data/storage/pg/migrate.js';
import { buildIndex } from '../index-data/storage/pg/publish.js';
import { filterSql } from '../index-data/storage/pg/sql-filter.js';
import { toVectorText } from '../index-data/storage/pg/vectors.js';
import type { TrackFilter } from '../index-data/track-filter.js';
import type { Track, VectorIndex } from '../index-data/types.js';
import { HNSW_DEFAULTS, HnswVectorIndex, labelIndexView } from '../index-data/vector-index.js';
import { exactSearchBatch, recallAtK, type Neighbours } from './brute-force.js';
import { SectionSkipped, type BenchOptions, type BenchSection, type SectionOutcome } from './context.js';
import { formatNumber, median } from './stats.js';
import type { Table } from './table.js';
import { ClusteredMixture, DEFAULT_CLUSTERED_SPEC, clustersFor } from './vectors.js';

const DIM = 512;
const K = 10;
const CLIENTS = 8;
/** Timed passes per point; the median is reported (the machine is shared: single passes are noisy). */
const REPS = 3;
const TABLE = 'cuecast_vectors_0_bench';
const RECALL_TARGET = 0.98;
const FILTERED_TARGET = 0.95;
const QPS_SHARE_TARGET = 1 / 3;
const TARGETS = [`pgvector recall@10 >= ${RECALL_TARGET} at >= 1/3 of hnswlib's queries/s`, `filtered recall@10 >= ${FILTERED_TARGET} on both backends (filters keeping ~10% and ~50%)`];

/** Filters as the catalog passes them: a tag that ~10% or ~50% of rows carry (spread at random). */
const FILTERS: readonly { readonly name: string; readonly share: number; readonly filter: TrackFilter }[] = [
  { name: 'none', share: 1, filter: {} },
  { name: '~50%', share: 0.5, filter: { includeTags: ['half'] } },
  { name: '~10%', share: 0.1, filter: { includeTags: ['tenth'] } },
];

function bucket(label: number): number {
  // A fixed scramble of the label: membership independent of the clusters.
  return Math.imul(label ^ 0x5bd1e995, 0x9e3779b1) >>> 0;
}
const tagsOf = (label: number): string[] => {
  const b = bucket(label) % 100;
  return [...(b < 50 ? ['half'] : []), ...(b < 10 ? ['tenth'] : [])];
};

function syntheticTrack(label: number): Track {
  const tags = tagsOf(label).map((tag) => ({ group: 'genre' as const, tag, score: 1 }));
  return { id: `t${label}`, path: '', title: '', artist: '', durationSeconds: 0, fileGenres: tags.map((t) => t.tag), tags: [], description: '' };
}

interface Point {
  readonly ef: number;
  readonly filter: string;
  readonly recall: number;
  readonly qps: number;
  /** pgvector: the plan PostgreSQL chose for the first query (HNSW index scan, or an exact scan). */
  readonly plan?: string;
}

interface SizeResult {
  readonly size: number;
  readonly hnswBuildSeconds: number;
  readonly pgLoadSeconds: number;
  readonly pgBuildSeconds: number;
  readonly hnsw: readonly Point[];
  readonly pg: readonly Point[];
  /** pgvector with CLIENTS concurrent clients, per ef and filter. */
  readonly pgConcurrent: readonly Point[];
}

const row = (data: Float32Array, i: number): Float32Array => data.subarray(i * DIM, (i + 1) * DIM);

/** Exact filtered top-10 per query (ground truth), over the rows that pass. */
function truthFor(data: Float32Array, size: number, queries: Float32Array, count: number, share: number): Neighbours[] {
  const keep: number[] = [];
  for (let i = 0; i < size; i++) if (share === 1 || tagsOf(i).includes(share === 0.5 ? 'half' : 'tenth')) keep.push(i);
  const subset = new Float32Array(keep.length * DIM);
  keep.forEach((label, i) => subset.set(row(data, label), i * DIM));
  return exactSearchBatch(subset, DIM, queries.subarray(0, count * DIM), K, keep.length).map((n) => ({ labels: Int32Array.from(n.labels, (i) => keep[i]!), scores: n.scores }));
}

async function measure(index: VectorIndex, queries: Float32Array, count: number, filter: TrackFilter, truth: Neighbours[], clients = 1): Promise<{ recall: number; qps: number }> {
  const found = new Array<number[]>(count);
  // One untimed pass warms caches (and checks recall); the timed pass answers the same queries.
  for (let q = 0; q < count; q++) found[q] = (await index.search(row(queries, q), K, filter)).map((h) => h.label);
  const rates: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    let next = 0;
    const begin = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        for (let q = next++; q < count; q = next++) await index.search(row(queries, q), K, filter);
      }),
    );
    rates.push((count * 1000) / (performance.now() - begin));
  }
  return { recall: recallAtK(truth, found, K), qps: median(rates) };
}

async function benchSize(size: number, url: string, quick: boolean, progress: (line: string) => void): Promise<SizeResult> {
  const queriesCount = size >= 1_000_000 ? 100 : 200;
  const efs = quick ? [16, 40, 100] : [16, 40, 100, 200];
  const mixture = new ClusteredMixture({ ...DEFAULT_CLUSTERED_SPEC, clusters: clustersFor(size) });
  const data = mixture.sample(size, 1);
  const queries = mixture.sample(queriesCount, 2);
  progress(`[storage] ${size} vectors: exact filtered ground truth`);
  const truth = new Map(FILTERS.map((f) => [f.name, truthFor(data, size, queries, queriesCount, f.share)]));

  // hnswlib: the catalog's index, built as the indexer builds it.
  progress(`[storage] building hnswlib (M=${HNSW_DEFAULTS.m}, efConstruction=${HNSW_DEFAULTS.efConstruction})`);
  let begin = performance.now();
  const built = HnswVectorIndex.create(DIM, size);
  for (let i = 0; i < size; i++) built.add(i, row(data, i));
  const hnswBuildSeconds = (performance.now() - begin) / 1000;
  const dir = mkdtempSync(join(tmpdir(), 'cuecast-bench-storage-'));
  const file = join(dir, 'index.hnsw');
  built.save(file);
  const tracks = new Map<number, Track>();
  const trackOf = (label: number): Track => {
    let t = tracks.get(label);
    if (!t) tracks.set(label, (t = syntheticTrack(label)));
    return t;
  };
  // pgvector: the same rows in a table shaped like a catalog generation's, served by PgVectorIndex.
  const admin = pgCatalogLocation({ url, catalogName: 'bench', statementTimeoutMs: 3_600_000 });
  try {
    await migrateCatalogSchema(admin.pool);
    await admin.pool.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await admin.pool.query(
      `CREATE TABLE ${TABLE} (label integer PRIMARY KEY, track_label integer NOT NULL, track_id text NOT NULL, present_tags text[] NOT NULL, vocals text NOT NULL, bpm double precision, embedding vector(${DIM}) NOT NULL)`,
    );
    progress(`[storage] loading ${size} vectors into PostgreSQL`);
    begin = performance.now();
    const batch = 1000;
    for (let start = 0; start < size; start += batch) {
      const labels = Array.from({ length: Math.min(batch, size - start) }, (_, i) => start + i);
      await admin.pool.query(`INSERT INTO ${TABLE} SELECT l, l, 't' || l, tags::text[], 'unknown', NULL, e::vector FROM unnest($1::int[], $2::text[], $3::text[]) AS u(l, tags, e)`, [
        labels,
        labels.map((l) => `{${tagsOf(l).join(',')}}`),
        labels.map((l) => toVectorText(row(data, l))),
      ]);
    }
    const pgLoadSeconds = (performance.now() - begin) / 1000;
    progress(`[storage] building the pgvector HNSW index (m=${HNSW_DEFAULTS.m}, ef_construction=${HNSW_DEFAULTS.efConstruction})`);
    begin = performance.now();
    await buildIndex(admin.pool, TABLE, { m: HNSW_DEFAULTS.m, efConstruction: HNSW_DEFAULTS.efConstruction, maintenanceWorkMem: '2GB' }, progress);
    const pgBuildSeconds = (performance.now() - begin) / 1000;

    // Measured interleaved (hnswlib, then pgvector, per ef and filter) so load from other work on
    // the shared machine falls on both alike.
    const hnsw: Point[] = [];
    const pg: Point[] = [];
    const pgConcurrent: Point[] = [];
    for (const ef of efs) {
      const local = labelIndexView(HnswVectorIndex.load(file, DIM, { efSearch: ef, pointCacheBytes: 0 }), trackOf);
      const location = pgCatalogLocation({ url, catalogName: 'bench', efSearch: ef, poolMax: CLIENTS, maxScanTuples: 40_000 });
      try {
        const index = new PgVectorIndex(location, { dim: DIM, count: size, table: TABLE });
        for (const f of FILTERS) {
          const h = await measure(local, queries, queriesCount, f.filter, truth.get(f.name)!);
          hnsw.push({ ef, filter: f.name, ...h });
          const one = await measure(index, queries, queriesCount, f.filter, truth.get(f.name)!);
          const plan = await planOf(location.pool, f.filter, row(queries, 0));
          pg.push({ ef, filter: f.name, ...one, plan });
          const many = await measure(index, queries, queriesCount, f.filter, truth.get(f.name)!, CLIENTS);
          pgConcurrent.push({ ef, filter: f.name, ...many });
          progress(
            `[storage] ef=${ef} filter ${f.name}: hnswlib recall@10 ${h.recall.toFixed(3)} ${formatNumber(h.qps, 0)} q/s; pgvector recall@10 ${one.recall.toFixed(3)} ${formatNumber(one.qps, 0)} q/s (${plan}), ${CLIENTS} clients ${formatNumber(many.qps, 0)} q/s`,
          );
        }
      } finally {
        await location.pool.end();
      }
    }
    await admin.pool.query(`DROP TABLE IF EXISTS ${TABLE}`);
    return { size, hnswBuildSeconds, pgLoadSeconds, pgBuildSeconds, hnsw, pg, pgConcurrent };
  } finally {
    await admin.pool.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function planOf(pool: import('pg').Pool, filter: TrackFilter, query: Float32Array): Promise<string> {
  const where = filterSql(filter, 2);
  const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT label FROM ${TABLE} WHERE ${where.sql} ORDER BY embedding <=> $1::vector LIMIT $2`, [
    toVectorText(query),
    K,
    ...where.params,
  ]);
  const text = rows.map((r) => r['QUERY PLAN']).join(' ');
  return /Index Scan using \S*_hnsw/.test(text) ? 'HNSW index' : /Seq Scan/.test(text) ? 'exact scan' : 'other';
}

/** The fastest point of a sweep reaching `recall` for a filter (undefined when none does). */
function operating(points: readonly Point[], filter: string, recall: number): Point | undefined {
  return points.filter((p) => p.filter === filter && p.recall >= recall).sort((a, b) => b.qps - a.qps)[0];
}

function tables(results: readonly SizeResult[]): Table[] {
  const notes = [
    `data: ${DIM}-d clustered mixture (as the index section), queries from the same mixture; filters: a tag carried by a random ~50% or ~10% of rows, passed as a TrackFilter`,
    `hnswlib: HnswVectorIndex behind labelIndexView (the filter is a predicate checked while hnswlib walks the graph), one thread, the point cache off; pgvector 0.8: PgVectorIndex (the filter in the same SQL, hnsw.iterative_scan=relaxed_order, max_scan_tuples 40000), one client or ${CLIENTS} concurrent clients over a pool; both M/m=${HNSW_DEFAULTS.m}, efConstruction=${HNSW_DEFAULTS.efConstruction}`,
    `queries/s: median of ${REPS} timed passes after an untimed one over the same queries; the machine was shared with other work, so compare ratios within the run, not absolute figures`,
  ];
  const sweep: Table = {
    title: 'Vector stores: recall@10 and queries/s per ef_search (hnswlib vs pgvector; unfiltered and filtered)',
    columns: ['vectors', 'filter', 'ef', 'hnswlib recall@10', 'hnswlib q/s', 'pgvector recall@10', 'pgvector q/s', `pgvector q/s, ${CLIENTS} clients`, 'pgvector / hnswlib q/s', 'pgvector plan'],
    rows: results.flatMap((r) =>
      r.hnsw.map((h) => {
        const p = r.pg.find((x) => x.ef === h.ef && x.filter === h.filter)!;
        const c = r.pgConcurrent.find((x) => x.ef === h.ef && x.filter === h.filter)!;
        return [
          r.size.toLocaleString('en-US'),
          h.filter,
          String(h.ef),
          h.recall.toFixed(3),
          formatNumber(h.qps, 0),
          p.recall.toFixed(3),
          formatNumber(p.qps, 0),
          formatNumber(c.qps, 0),
          formatNumber(p.qps / h.qps, 2),
          p.plan ?? '-',
        ];
      }),
    ),
    notes,
  };
  const build: Table = {
    title: 'Vector stores: build',
    columns: ['vectors', 'hnswlib build s', 'pgvector load s', 'pgvector HNSW build s'],
    rows: results.map((r) => [r.size.toLocaleString('en-US'), formatNumber(r.hnswBuildSeconds), formatNumber(r.pgLoadSeconds), formatNumber(r.pgBuildSeconds)]),
  };
  return [build, sweep];
}

export async function runStorageBench(sizes: readonly number[], url: string, quick: boolean, progress: (line: string) => void): Promise<SectionOutcome> {
  const results: SizeResult[] = [];
  for (const size of sizes) results.push(await benchSize(size, url, quick, progress));
  const largest = results[results.length - 1]!;
  const pgOp = operating(largest.pg, 'none', RECALL_TARGET);
  const hnswOp = operating(largest.hnsw, 'none', RECALL_TARGET);
  const share = pgOp && hnswOp ? pgOp.qps / hnswOp.qps : undefined;
  const filtered = (points: readonly Point[]) =>
    FILTERS.filter((f) => f.name !== 'none').map((f) => ({
      f: f.name,
      best: Math.max(...points.filter((p) => p.filter === f.name).map((p) => p.recall)),
      op: operating(points, f.name, FILTERED_TARGET),
    }));
  const hf = filtered(largest.hnsw);
  const pf = filtered(largest.pg);
  const scale = `at ${largest.size.toLocaleString('en-US')} vectors${largest.size < 1_000_000 ? ' (1M pending)' : ''}`;
  return {
    tables: tables(results),
    targets: [
      {
        section: 'storage',
        target: TARGETS[0]!,
        measured:
          pgOp && hnswOp
            ? `${scale}: pgvector ef_search=${pgOp.ef} recall@10 ${pgOp.recall.toFixed(3)} at ${formatNumber(pgOp.qps, 0)} q/s = ${formatNumber(share!, 2)}x hnswlib's ${formatNumber(hnswOp.qps, 0)} q/s (ef=${hnswOp.ef}); ${CLIENTS} clients: ${formatNumber(largest.pgConcurrent.find((p) => p.ef === pgOp.ef && p.filter === 'none')!.qps, 0)} q/s`
            : `${scale}: no ef reached recall@10 ${RECALL_TARGET} on ${pgOp ? 'hnswlib' : 'pgvector'}`,
        met: share !== undefined && share >= QPS_SHARE_TARGET,
      },
      {
        section: 'storage',
        target: TARGETS[1]!,
        measured: `${scale}: best filtered recall@10 hnswlib ${hf.map((x) => `${x.f} ${x.best.toFixed(3)}`).join(', ')}; pgvector ${pf.map((x) => `${x.f} ${x.best.toFixed(3)}`).join(', ')}`,
        met: [...hf, ...pf].every((x) => x.op !== undefined),
      },
    ],
    data: { results },
  };
}

export const storageSection: BenchSection = {
  id: 'storage',
  title: 'Vector stores: pgvector vs hnswlib, unfiltered and filtered',
  targetNames: TARGETS,
  run: (options: BenchOptions) => {
    const url = options.databaseUrl ?? process.env.CUECAST_DATABASE_URL;
    if (!url) throw new SectionSkipped('no PostgreSQL with pgvector: pass --database-url postgres://… (a scratch database) or set CUECAST_DATABASE_URL');
    return runStorageBench(options.indexSizes ?? (options.quick ? [10_000] : [100_000, 1_000_000]), url, options.quick, options.progress);
  },
};
