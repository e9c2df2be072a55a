import { describeBpmReason } from './bpm.js';
import { openCatalog } from './catalog.js';
import { TAG_GROUPS, type SkippedFile, type TrackDamage } from './types.js';

/** One catalogued track as `cuecast catalog tracks` shows it. */
export interface TrackListing {
  readonly id: string;
  readonly path: string;
  readonly title: string;
  readonly artist: string;
  readonly album: string | null;
  readonly durationSeconds: number;
  readonly bpm: number | null;
  /** Why `bpm` is null, for people; null when there is a BPM. */
  readonly bpmReason: string | null;
  readonly loudnessLufs: number | null;
  readonly silent: boolean;
  /** Segments measured silent, of `segments`. */
  readonly silentSegments: number;
  readonly segments: number;
  readonly damaged: TrackDamage | null;
  /** The tagger's best tag per group (genre, mood, instrument, vocals, tempo). */
  readonly topTags: readonly string[];
  readonly firstSeen: string | null;
}

export interface CatalogListing {
  readonly tracks: readonly TrackListing[];
  readonly skipped: readonly SkippedFile[];
}

/** Every track of the published catalog, by path, and the files that were skipped with their reasons. */
export function listCatalog(dir: string): CatalogListing {
  const catalog = openCatalog(dir);
  try {
    const tracks = [...catalog.tracks()].map((t): TrackListing => {
      const segments = catalog.segments(t.id);
      return {
        id: t.id,
        path: t.path,
        title: t.title,
        artist: t.artist,
        album: t.album ?? null,
        durationSeconds: t.durationSeconds,
        bpm: t.bpm ?? null,
        bpmReason: t.bpm === undefined ? describeBpmReason(t.bpmReason ?? 'not measured (catalog built before BPM reasons were stored)') : null,
        loudnessLufs: t.loudnessLufs ?? null,
        silent: t.silent === true,
        silentSegments: segments.filter((s) => s.silent).length,
        segments: segments.length,
        damaged: t.damage ?? null,
        topTags: TAG_GROUPS.flatMap((g) => t.tags.find((tag) => tag.group === g)?.tag ?? []),
        firstSeen: t.firstSeen ?? null,
      };
    });
    tracks.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { tracks, skipped: catalog.skipped() };
  } finally {
    // The file catalog's close releases nothing asynchronously (its database closed after loading).
    void catalog.close();
  }
}
