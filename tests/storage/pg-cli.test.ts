import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../index-data/catalog.js';
import { openPgCatalog } from '../../index-data/storage/pg/catalog.js';
import { pgCatalogLocation } from '../../index-data/storage/pg/location.js';
import { recommendJsonSchema } from '../../recommend/conversation.js';
import { pulses, sine, writeTrack } from '../index-data/media-fixtures.js';
import { fixtureCliEnv, runCuecast } from '../support/cli.js';
import { makeVideo } from '../support/media.js';
import { postgresTestsEnabled, startPostgres, type PostgresServer } from '../support/postgres.js';
import { stringMatching } from '../support/matchers.js';
import { ifSet } from '../support/if-set.js';

// The real CLI on the fixture models against a real PostgreSQL: `cuecast index` with
// CUECAST_DATABASE_URL publishes into the database, `recommend` and `catalog stats` answer from it,
// and `catalog migrate` copies a catalog folder into another named catalog.
describe.skipIf(!postgresTestsEnabled())('cuecast with CUECAST_DATABASE_URL', () => {
  const work = mkdtempSync(join(tmpdir(), 'cuecast-pg-cli-'));
  const music = join(work, 'music');
  const catalogDir = join(work, 'catalog');
  let server: PostgresServer;
  let url: string;
  let clip: string;
  const cli = (args: readonly string[], extra: Record<string, string> = {}) => runCuecast(args, fixtureCliEnv(join(work, 'data'), { CUECAST_DATABASE_URL: url, ...extra }));

  beforeAll(async () => {
    server = await startPostgres();
    url = await server.createDatabase('cli');
    mkdirSync(music, { recursive: true });
    for (let i = 0; i < 4; i++) writeTrack(music, { file: `t${i}.wav`, source: i % 2 === 0 ? sine(220 + 60 * i, 20) : pulses(90 + 20 * i, 20) });
    clip = await makeVideo({ seconds: 3 });
  }, 60_000);

  afterAll(async () => {
    await ifSet(server)?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('indexes into PostgreSQL, then recommend and catalog stats answer from the database', async () => {
    const indexed = await cli(['index', music, '--catalog', catalogDir, '--jobs', '1']);
    expect(indexed.stderr).toMatch(/postgres: generation \d+ is now the current "default"/);
    expect(indexed.stderr).toMatch(/PostgreSQL catalog "default": generation \d+ published/);
    expect(indexed.code).toBe(0);

    const location = pgCatalogLocation({ url, catalogName: 'default' });
    try {
      const remote = await openPgCatalog(location);
      const local = openCatalog(catalogDir);
      expect([...remote.tracks()]).toEqual([...local.tracks()]);
      expect(remote.index('clap-audio')!.size).toBe(local.index('clap-audio')!.size);
    } finally {
      await location.pool.end();
    }

    // The catalog folder is gone for the readers: they must be reading the database.
    const elsewhere = join(work, 'no-catalog-here');
    const ask = ['recommend', clip, '--prompt', 'calm', '--refine', 'not #1', '--k', '3', '--same-artist', '--json'];
    const recommended = await cli([...ask, '--catalog', elsewhere]);
    expect(recommended.stderr).not.toMatch(/^error/m);
    expect(recommended.code).toBe(0);
    const json = recommendJsonSchema.parse(JSON.parse(recommended.stdout));
    expect(json.picks).toHaveLength(3);
    // The same question to the catalog folder gets the same picks.
    const embedded = await cli([...ask, '--catalog', catalogDir], { CUECAST_DATABASE_URL: '' });
    expect(embedded.code).toBe(0);
    const fromFolder = recommendJsonSchema.parse(JSON.parse(embedded.stdout));
    expect(json.picks.map((p) => [p.trackId, p.segmentStart])).toEqual(fromFolder.picks.map((p) => [p.trackId, p.segmentStart]));
    json.picks.forEach((p, i) => expect(p.score).toBeCloseTo(fromFolder.picks[i]!.score, 3));

    const stats = await cli(['catalog', 'stats', '--catalog', elsewhere, '--json']);
    expect(stats.code).toBe(0);
    expect(JSON.parse(stats.stdout)).toMatchObject({ tracks: 4, dir: stringMatching(/^PostgreSQL catalog "default" at postgres:\/\//) });

    const again = await cli(['index', music, '--catalog', catalogDir, '--jobs', '1']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/PostgreSQL catalog "default": already serves this content/);
  }, 400_000);

  it('catalog migrate copies a catalog folder into a named catalog, verified; a missing catalog name answers CATALOG_MISSING', async () => {
    const migrated = await runCuecast(['catalog', 'migrate', '--to', url, '--catalog', catalogDir, '--catalog-name', 'guild-7', '--json'], fixtureCliEnv(join(work, 'data')));
    expect(migrated.code).toBe(0);
    expect(JSON.parse(migrated.stdout)).toMatchObject({ catalog: 'guild-7', status: 'copied', tracks: 4 });
    const stats = await cli(['catalog', 'stats', '--catalog-name', 'guild-7', '--json']);
    expect(JSON.parse(stats.stdout)).toMatchObject({ tracks: 4 });

    const missing = await cli(['recommend', clip, '--catalog-name', 'nobody', '--prompt', 'calm']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error CATALOG_MISSING: No catalog "nobody" at postgres:\/\//);
  }, 300_000);
});
