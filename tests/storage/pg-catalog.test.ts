import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../index-data/catalog.js';
import { openPgCatalog } from '../../index-data/storage/pg/catalog.js';
import { pgCatalogLocation } from '../../index-data/storage/pg/location.js';
import { createPgPool } from '../../index-data/storage/pg/pool.js';
import { MIGRATIONS_TABLE, PGVECTOR_INSTALL_HINT } from '../../index-data/storage/pg/migrate.js';
import { copyCatalogToPostgres } from '../../index-data/storage/pg/publish.js';
import { publishGeneration, type PublishedTrack } from '../../index-data/store/generation.js';
import { FORMAT_VERSION } from '../../index-data/store/layout.js';
import type { TrackRecord } from '../../index-data/store/work-db.js';
import { trackMatches, type TrackFilter } from '../../index-data/track-filter.js';
import type { Catalog, CatalogManifest, ScoredTag } from '../../index-data/types.js';
import { ExactVectorIndex } from '../../index-data/vector-index.js';
import { normalize } from '../../index-data/vectors.js';
import { installWithoutPgvector, postgresTestsEnabled, startPostgres, type PostgresServer } from '../support/postgres.js';
import { stringContaining, stringMatching } from '../support/matchers.js';
import { ifSet } from '../support/if-set.js';

const DIM = 16;
const manifest: CatalogManifest = {
  formatVersion: FORMAT_VERSION,
  clip: { modelId: 'clip-test', dim: DIM },
  clap: { modelId: 'clap-test', dim: DIM },
  segmentSeconds: 30,
  hopSeconds: 15,
  tagVocabularyVersion: 'v-test',
  builtAt: '2026-01-01T00:00:00.000Z',
};
const HNSW = { m: 16, efConstruction: 64 };

function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

function vector(next: () => number): Float32Array {
  return normalize(Float32Array.from({ length: DIM }, () => next() - 0.5));
}

const GENRES = ['jazz', 'rock', 'ambient', 'hip hop'];
const VOCALS = ['instrumental', 'female vocals', 'male vocals'];

/** `count` tracks of 3 segments with random vectors and tags spread so each filter keeps some. */
function tracks(count: number, seed = 1): PublishedTrack[] {
  const next = random(seed);
  return Array.from({ length: count }, (_, n) => {
    const tags: ScoredTag[] = [
      { group: 'genre', tag: GENRES[n % GENRES.length]!, score: 0.8 },
      { group: 'genre', tag: GENRES[(n + 1) % GENRES.length]!, score: 0.1 },
      { group: 'vocals', tag: VOCALS[n % VOCALS.length]!, score: 0.9 },
      { group: 'mood', tag: n % 5 === 0 ? 'it\'s "quoted", {odd}' : 'calm', score: 0.7 },
    ];
    const record: TrackRecord = {
      contentHash: `${seed}-${n}`.padStart(16, '0').padEnd(64, 'f'),
      title: `Track ${n}`,
      artist: `Artist ${n % 7}`,
      durationSeconds: 60,
      fileGenres: n % 11 === 0 ? ['Synthwave'] : [],
      ...(n % 9 === 0 ? { bpmReason: 'no-steady-beat' } : { bpm: 60 + (n % 120) }),
      loudnessLufs: -14 - (n % 10),
      ...(n % 13 === 0 ? { damage: { decodedSeconds: 55, probedSeconds: 60, note: 'the last 5 s do not decode' } } : {}),
      tags,
      selected: tags,
      description: `track ${n}`,
      descriptionBackend: 'template',
      descriptionModel: 'template',
      descriptionSetting: 'template',
      segments: [0, 1, 2].map((i) => ({ index: i, start: 15 * i, end: 15 * i + 30, loudnessLufs: -20 + i, silent: n % 17 === 0 && i === 2 })),
    };
    return { record, root: '/music', absPath: `/music/${n}.flac`, firstSeen: '2026-02-03T04:05:06.000Z', vectors: { clapAudio: [vector(next), vector(next), vector(next)], clipText: vector(next) } };
  });
}

const FILTERS: readonly [string, TrackFilter][] = [
  ['none', {}],
  ['only jazz (about 1/4)', { includeTags: ['jazz'] }],
  ['no rock, no vocals', { excludeTags: ['rock'], vocals: 'off' }],
  ['with vocals, 90-150 BPM', { vocals: 'on', bpm: { min: 90, max: 150 } }],
  ['female vocals, a tag with quotes and braces', { vocals: 'female', includeTags: ['it\'s "quoted", {odd}'] }],
  ['file genre synthwave, some ids out', { includeTags: ['synthwave'], excludeTrackIds: [] }],
];

/** The exact filtered answer over the embedded catalog's stored vectors. */
async function exactTop(catalog: Catalog, space: 'clap-audio' | 'clip-text', query: Float32Array, k: number, filter: TrackFilter): Promise<number[]> {
  const labels = space === 'clip-text' ? [...catalog.tracks()].map((t) => catalog.trackLabel(t.id)!) : [...catalog.tracks()].flatMap((t) => catalog.segments(t.id).map((s) => s.label));
  const vectors = await catalog.index(space)!.vectors(labels);
  const exact = ExactVectorIndex.from(
    DIM,
    labels.map((l, i) => [l, vectors[i]!] as const),
  );
  const trackOf = (label: number) => (space === 'clip-text' ? catalog.trackByLabel(label) : catalog.track(catalog.segmentByLabel(label)!.trackId));
  return exact.search(query, k, (label) => trackMatches(trackOf(label)!, filter)).map((h) => h.label);
}

describe.skipIf(!postgresTestsEnabled())('catalogs in PostgreSQL + pgvector', () => {
  let server: PostgresServer;
  let url: string;
  const dirs: string[] = [];
  const pools: pg.Pool[] = [];
  const tempDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'cuecast-pg-catalog-'));
    dirs.push(d);
    return d;
  };
  const location = (name = 'default', extra: { efSearch?: number } = {}) => {
    const l = pgCatalogLocation({ url, catalogName: name, ...extra });
    pools.push(l.pool);
    return l;
  };
  const embedded = (count: number, seed: number): string => {
    const dir = tempDir();
    publishGeneration(dir, manifest, tracks(count, seed), `fingerprint-${seed}-${count}`, [{ path: '/music/broken.mp3', code: 'MEDIA_UNREADABLE', reason: 'not audio' }]);
    return dir;
  };

  beforeAll(async () => {
    server = await startPostgres();
    url = await server.createDatabase('catalogs');
  }, 60_000);

  afterAll(async () => {
    for (const pool of pools) await pool.end().catch(() => undefined);
    await ifSet(server)?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('copies an embedded catalog and answers with the same tracks, segments, vectors and filtered neighbours', async () => {
    const dir = embedded(400, 1);
    const target = location();
    const result = await copyCatalogToPostgres(dir, target, { hnsw: HNSW });
    expect(result).toMatchObject({ status: 'copied', tracks: 400, segments: 1200, vectors: { 'clip-text': 400, 'clap-audio': 1200 } });
    expect(result.sampled).toBeGreaterThan(100);

    const local = openCatalog(dir);
    const remote = await openPgCatalog(target, { expect: { clip: manifest.clip, clap: manifest.clap } });
    expect(remote.manifest).toEqual(local.manifest);
    expect([...remote.tracks()]).toEqual([...local.tracks()]);
    expect([...remote.tracks()].filter((t) => t.damage && t.bpmReason && t.firstSeen && t.loudnessLufs !== undefined).length).toBeGreaterThan(0);
    expect(remote.skipped()).toEqual([{ path: '/music/broken.mp3', code: 'MEDIA_UNREADABLE', reason: 'not audio' }]);
    const some = [...local.tracks()][37]!;
    expect(remote.segments(some.id)).toEqual(local.segments(some.id));
    expect(remote.audioPath(some.id)).toBe('/music/37.flac');
    const labels = local.segments(some.id).map((s) => s.label);
    const [stored, read] = [await remote.index('clap-audio')!.vectors([...labels, 99_999]), await local.index('clap-audio')!.vectors(labels)];
    expect(stored.at(-1)).toBeUndefined();
    // hnswlib hands back its own normalised copy; PostgreSQL holds the vectors the indexer stored.
    read.forEach((v, i) => v!.forEach((x, j) => expect(stored[i]![j]).toBeCloseTo(x, 6)));

    const next = random(99);
    for (const [name, filter] of FILTERS) {
      let found = 0;
      let wanted = 0;
      for (let q = 0; q < 10; q++) {
        const query = vector(next);
        for (const space of ['clap-audio', 'clip-text'] as const) {
          const truth = await exactTop(local, space, query, 10, filter);
          const hits = await remote.index(space)!.search(query, 10, filter);
          const trackOf = (label: number) => (space === 'clip-text' ? remote.trackByLabel(label)! : remote.track(remote.segmentByLabel(label)!.trackId)!);
          expect(
            hits.every((h) => trackMatches(trackOf(h.label), filter)),
            name,
          ).toBe(true);
          expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));
          found += hits.filter((h) => truth.includes(h.label)).length;
          wanted += truth.length;
        }
      }
      expect(found / wanted, `recall@10 with filter ${name}`).toBeGreaterThanOrEqual(0.95);
    }
    await remote.close();
    await local.close();
  });

  it('keeps recall when a filter keeps about 10% of 3,000 segments: the HNSW index scan goes on iteratively', async () => {
    const dir = embedded(1000, 2);
    const target = location('iterative', { efSearch: 20 });
    await copyCatalogToPostgres(dir, target, { hnsw: HNSW });
    const local = openCatalog(dir);
    const remote = await openPgCatalog(target);
    const table = (await target.pool.query<{ spaces: { 'clap-audio': { table: string } } }>("SELECT spaces FROM cuecast_generations WHERE catalog = 'iterative'")).rows[0]!.spaces['clap-audio'].table;
    const client = await target.pool.connect();
    try {
      // Small tables are cheaper to scan; make the planner use the index as it would on a big one.
      await client.query('SET enable_seqscan = off');
      const plan = (
        await client.query(`EXPLAIN SELECT label FROM "${table}" WHERE present_tags @> '{jazz}' AND vocals = 'female' ORDER BY embedding <=> $1::vector LIMIT 10`, [
          `[${Array(DIM).fill(0.25).join(',')}]`,
        ])
      ).rows;
      expect(JSON.stringify(plan)).toMatch(/Index Scan using .*_hnsw/);
    } finally {
      await client.query('RESET enable_seqscan');
      client.release();
    }
    // jazz and female vocals: every 12th track (n % 4 == 0 and n % 3 == 1): about 8%.
    const filter: TrackFilter = { includeTags: ['jazz'], vocals: 'female' };
    const next = random(5);
    let found = 0;
    let wanted = 0;
    for (let q = 0; q < 20; q++) {
      const query = vector(next);
      const truth = await exactTop(local, 'clap-audio', query, 10, filter);
      const hits = await remote.index('clap-audio')!.search(query, 10, filter);
      expect(hits).toHaveLength(10);
      found += hits.filter((h) => truth.includes(h.label)).length;
      wanted += truth.length;
    }
    expect(found / wanted).toBeGreaterThanOrEqual(0.95);
    await remote.close();
    await local.close();
  });

  it('publishes a new generation atomically: a reader opened before keeps answering, new readers see the new one, older ones are removed', async () => {
    const target = location('atomic');
    await copyCatalogToPostgres(embedded(30, 3), target, { hnsw: HNSW });
    const first = await openPgCatalog(target);
    expect(first.trackCount()).toBe(30);
    await copyCatalogToPostgres(embedded(40, 4), target, { hnsw: HNSW });
    const second = await openPgCatalog(target);
    expect(second.trackCount()).toBe(40);
    // The previous generation stays for readers that opened it.
    expect(await first.index('clap-audio')!.search(vector(random(1)), 3)).toHaveLength(3);
    await copyCatalogToPostgres(embedded(50, 5), target, { hnsw: HNSW });
    expect((await openPgCatalog(target)).trackCount()).toBe(50);
    expect(await second.index('clap-audio')!.search(vector(random(1)), 3)).toHaveLength(3);
    // The one before the previous is gone, and its reader is told so.
    await expect(first.index('clap-audio')!.search(vector(random(1)), 3)).rejects.toMatchObject({ code: 'CATALOG_MISSING', message: stringMatching(/replaced and removed/) });
    const { rows } = await target.pool.query<{ n: string }>("SELECT count(*) AS n FROM cuecast_generations WHERE catalog = 'atomic'");
    expect(Number(rows[0]!.n)).toBe(2);

    // Copying the same content again publishes nothing.
    const again = await copyCatalogToPostgres(embedded(50, 5), target, { hnsw: HNSW });
    expect(again.status).toBe('unchanged');
  });

  it('a reader never sees a mix while a generation is written: every open during a copy sees one whole generation', async () => {
    const target = location('mix');
    await copyCatalogToPostgres(embedded(60, 6), target, { hnsw: HNSW });
    const seen = new Set<number>();
    const copying = { done: false }; // an object: the loop must not narrow a flag the copy's callback sets
    const copy = copyCatalogToPostgres(embedded(90, 7), target, { hnsw: HNSW, batch: 10 }).finally(() => (copying.done = true));
    while (!copying.done) {
      const reader = await openPgCatalog(target);
      const segments = [...reader.tracks()].reduce((n, t) => n + reader.segments(t.id).length, 0);
      expect([60, 90]).toContain(reader.trackCount());
      expect(segments).toBe(reader.trackCount() * 3);
      expect(reader.index('clap-audio')!.size).toBe(segments);
      seen.add(reader.trackCount());
    }
    await copy;
    expect((await openPgCatalog(target)).trackCount()).toBe(90);
    expect(seen.has(60)).toBe(true);
  });

  it('holds several named catalogs in one database, each with its own current generation', async () => {
    const a = location('guild-a');
    const b = location('guild-b');
    await copyCatalogToPostgres(embedded(12, 8), a, { hnsw: HNSW });
    await copyCatalogToPostgres(embedded(20, 9), b, { hnsw: HNSW });
    expect((await openPgCatalog(a)).trackCount()).toBe(12);
    expect((await openPgCatalog(b)).trackCount()).toBe(20);
    await expect(openPgCatalog(location('nobody'))).rejects.toMatchObject({ code: 'CATALOG_MISSING', message: stringMatching(/No catalog "nobody" at postgres:\/\/.*cuecast catalog migrate/) });
  });

  it('given a copy killed midway, the next run resumes the same generation and publishes it verified', async () => {
    const dir = embedded(300, 10);
    const target = location('resume');
    let lines = 0;
    const killed = copyCatalogToPostgres(dir, target, {
      hnsw: HNSW,
      batch: 50,
      progress: (line) => {
        if (line.startsWith('clap-audio vectors') && ++lines === 1) throw new Error('killed');
      },
    });
    await expect(killed).rejects.toThrow('killed');
    await expect(openPgCatalog(target)).rejects.toMatchObject({ code: 'CATALOG_MISSING' });
    const { rows } = await target.pool.query<{ state: string }>("SELECT state FROM cuecast_generations WHERE catalog = 'resume'");
    expect(rows.map((r) => r.state)).toEqual(['building']);

    const resumed = await copyCatalogToPostgres(dir, target, { hnsw: HNSW, batch: 50 });
    expect(resumed).toMatchObject({ status: 'resumed', tracks: 300, segments: 900 });
    const remote = await openPgCatalog(target);
    expect(remote.trackCount()).toBe(300);
    expect(remote.index('clap-audio')!.size).toBe(900);
  });

  it('reads through a read-only connection, as on a streaming replica, once the schema is current', async () => {
    const pool = createPgPool({ url, settings: { default_transaction_read_only: 'on', 'hnsw.iterative_scan': 'relaxed_order' } });
    pools.push(pool);
    const readOnly = await openPgCatalog({ pool, name: 'default', where: 'replica' });
    expect(readOnly.trackCount()).toBe(400);
    expect(await readOnly.index('clap-audio')!.search(vector(random(3)), 5, { vocals: 'off' })).toHaveLength(5);
    await expect(pool.query('CREATE TABLE nope (x int)')).rejects.toThrow(/read-only transaction/);
  });

  it('refuses a catalog built with other encoders, naming both', async () => {
    const target = location('default');
    await expect(openPgCatalog(target, { expect: { clip: { modelId: 'other-clip', dim: 512 } } })).rejects.toMatchObject({
      code: 'CATALOG_MISMATCH',
      message: stringMatching(/clip-test.*other-clip/),
    });
  });

  it('migrates the schema once, with node-pg-migrate, whatever the number of processes opening it', async () => {
    const fresh = await server.createDatabase('fresh');
    const locations = [0, 1, 2].map(() => {
      const l = pgCatalogLocation({ url: fresh, catalogName: 'default' });
      pools.push(l.pool);
      return l;
    });
    const opened = await Promise.allSettled(locations.map((l) => openPgCatalog(l)));
    expect(opened.map((o) => o.status === 'rejected' && (o.reason as { code?: string }).code)).toEqual(['CATALOG_MISSING', 'CATALOG_MISSING', 'CATALOG_MISSING']);
    const { rows } = await locations[0]!.pool.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY run_on`);
    expect(rows.map((r) => r.name)).toEqual(['1733260000000_catalogs', '1733270000000_skipped-files']);
  });

  it('given a server that does not answer, fails with DATABASE_UNAVAILABLE naming the URL without its password', async () => {
    const port = server.port;
    const dead = pgCatalogLocation({ url: `postgres://someone:secret@127.0.0.1:${port + 1}/x`, catalogName: 'default', connectTimeoutMs: 2000 });
    pools.push(dead.pool);
    const failure = openPgCatalog(dead);
    await expect(failure).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    await expect(failure).rejects.toThrow('postgres://***:***@127.0.0.1');
    await expect(failure).rejects.not.toThrow(/secret/);
  });

  it('given a server without pgvector, refuses with PGVECTOR_MISSING and says how to install it', async () => {
    const install = installWithoutPgvector();
    const bare = await startPostgres({ binDir: install.binDir });
    try {
      const l = pgCatalogLocation({ url: await bare.createDatabase('plain'), catalogName: 'default' });
      pools.push(l.pool);
      const failure = openPgCatalog(l);
      await expect(failure).rejects.toMatchObject({ code: 'PGVECTOR_MISSING', message: stringContaining('has no pgvector extension') });
      await expect(failure).rejects.toThrow(PGVECTOR_INSTALL_HINT);
      await expect(copyCatalogToPostgres(embedded(3, 11), l, { hnsw: HNSW })).rejects.toMatchObject({ code: 'PGVECTOR_MISSING' });
      // Nothing was half-created.
      const { rows } = await l.pool.query("SELECT tablename FROM pg_tables WHERE tablename LIKE 'cuecast%'");
      expect(rows).toEqual([]);
    } finally {
      await bare.stop();
      install.remove();
    }
  }, 60_000);
});
