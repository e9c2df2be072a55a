import { openCatalog } from './catalog.js';
import { readCurrent } from './store/layout.js';
import { describeCatalogStore, pgSettings, type CatalogStoreConfig } from './storage/open.js';
import { currentPgGeneration, openPgCatalog } from './storage/pg/catalog.js';
import { pgCatalogLocation } from './storage/pg/location.js';
import { TAG_GROUPS, type Catalog, type CatalogManifest, type TagGroup, type VectorSpace } from './types.js';

export interface CatalogStats {
  readonly dir: string;
  readonly generation: string;
  readonly manifest: CatalogManifest;
  readonly tracks: number;
  readonly segments: number;
  readonly totalSeconds: number;
  readonly withBpm: number;
  readonly indexes: Partial<Record<VectorSpace, number>>;
  /** Most frequent top tag per group (the tagger's best tag of each track). */
  readonly topTags: Record<TagGroup, { tag: string; count: number }[]>;
}

/** Stats of the configured catalog: the PostgreSQL one with `database.url`, else the catalog folder. */
export async function catalogStats(config: CatalogStoreConfig): Promise<CatalogStats> {
  if (!config.database.url) return catalogStatsOf(openCatalog(config.catalogDir), config.catalogDir, readCurrent(config.catalogDir)!);
  const location = pgCatalogLocation(pgSettings(config));
  try {
    const catalog = await openPgCatalog(location);
    const generation = (await currentPgGeneration(location.pool, location.name))?.id ?? '?';
    return await catalogStatsOf(catalog, `${describeCatalogStore(config)} at ${location.where}`, generation);
  } finally {
    await location.pool.end();
  }
}

async function catalogStatsOf(catalog: Catalog, dir: string, generation: string): Promise<CatalogStats> {
  try {
    let segments = 0;
    let totalSeconds = 0;
    let withBpm = 0;
    const counts = Object.fromEntries(TAG_GROUPS.map((g) => [g, new Map<string, number>()])) as Record<TagGroup, Map<string, number>>;
    for (const track of catalog.tracks()) {
      segments += catalog.segments(track.id).length;
      totalSeconds += track.durationSeconds;
      if (track.bpm !== undefined) withBpm++;
      for (const group of TAG_GROUPS) {
        const best = track.tags.find((t) => t.group === group);
        if (best) counts[group].set(best.tag, (counts[group].get(best.tag) ?? 0) + 1);
      }
    }
    const indexes: Partial<Record<VectorSpace, number>> = {};
    for (const space of ['clap-audio', 'clip-text', 'viml-music'] as const) {
      const index = catalog.index(space);
      if (index) indexes[space] = index.size;
    }
    const topTags = Object.fromEntries(
      TAG_GROUPS.map((g) => [
        g,
        [...counts[g]]
          .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
          .slice(0, 5)
          .map(([tag, count]) => ({ tag, count })),
      ]),
    ) as CatalogStats['topTags'];
    return { dir, generation, manifest: catalog.manifest, tracks: catalog.trackCount(), segments, totalSeconds, withBpm, indexes, topTags };
  } finally {
    await catalog.close();
  }
}
