import type { TextEncoder } from '../model/types.js';
import type { Catalog, Track } from './types.js';

export interface TextSearchEncoders {
  readonly clapText: TextEncoder;
  readonly clipText: TextEncoder;
}

export interface TextSearchHit {
  readonly track: Track;
  readonly score: number;
  /** cos(CLAP text(query), best segment's clap-audio). */
  readonly audioScore: number;
  /** cos(CLIP text(query), CLIP text(description)). */
  readonly descriptionScore: number;
  /** Start of the best-matching segment, seconds. */
  readonly segmentStart: number;
}

export interface TextSearchOptions {
  readonly k?: number;
  /** Weight of the description (CLIP text) score; the audio score gets 1 - this. */
  readonly descriptionWeight?: number;
}

/**
 * Text-only search over a catalog, for quick checks (`cuecast search`): the zero-shot score of
 * DESIGN §2 without video, i.e. a weighted sum of CLAP text vs segment audio (best segment per track)
 * and CLIP text vs the track's description.
 */
export async function searchCatalogByText(catalog: Catalog, encoders: TextSearchEncoders, text: string, options: TextSearchOptions = {}): Promise<TextSearchHit[]> {
  const k = options.k ?? 10;
  const w = options.descriptionWeight ?? 0.5;
  const [[clapQuery], [clipQuery]] = await Promise.all([encoders.clapText.encodeTexts([text]), encoders.clipText.encodeTexts([text])]);
  const audioIndex = catalog.index('clap-audio');
  const textIndex = catalog.index('clip-text');
  const pool = Math.max(k * 4, 50);
  const [audioHits, textHits] = await Promise.all([
    audioIndex ? audioIndex.search(clapQuery!, Math.min(pool * 3, audioIndex.size || 1)) : [],
    textIndex ? textIndex.search(clipQuery!, Math.min(pool, textIndex.size || 1)) : [],
  ]);
  const audioBest = new Map<string, { score: number; start: number }>();
  for (const hit of audioHits) {
    const segment = catalog.segmentByLabel(hit.label);
    if (!segment) continue;
    const best = audioBest.get(segment.trackId);
    if (!best || hit.score > best.score) audioBest.set(segment.trackId, { score: hit.score, start: segment.start });
  }
  const descriptionScores = new Map<string, number>();
  for (const hit of textHits) {
    const track = catalog.trackByLabel(hit.label);
    if (track) descriptionScores.set(track.id, hit.score);
  }
  const ids = [...new Set([...audioBest.keys(), ...descriptionScores.keys()])].filter((id) => catalog.track(id) !== undefined);
  // Scores the ANN search did not reach, computed exactly from vectors read in one batch per space.
  const missingAudio = ids.filter((id) => !audioBest.has(id));
  const missingText = ids.filter((id) => !descriptionScores.has(id));
  const segmentsOf = missingAudio.map((id) => catalog.segments(id));
  const [segmentVectors, textVectors] = await Promise.all([
    audioIndex ? audioIndex.vectors(segmentsOf.flat().map((s) => s.label)) : [],
    textIndex ? textIndex.vectors(missingText.map((id) => catalog.trackLabel(id)!)) : [],
  ]);
  let offset = 0;
  missingAudio.forEach((id, i) => {
    let best = { score: 0, start: 0 };
    segmentsOf[i]!.forEach((segment, j) => {
      const v = segmentVectors[offset + j];
      const score = v ? cosine(v, clapQuery!) : 0;
      if (j === 0 || score > best.score) best = { score, start: segment.start };
    });
    offset += segmentsOf[i]!.length;
    audioBest.set(id, best);
  });
  missingText.forEach((id, i) => {
    const v = textVectors[i];
    descriptionScores.set(id, v ? cosine(v, clipQuery!) : 0);
  });
  const hits: TextSearchHit[] = ids.map((id) => {
    const audio = audioBest.get(id)!;
    const description = descriptionScores.get(id)!;
    return { track: catalog.track(id)!, score: (1 - w) * audio.score + w * description, audioScore: audio.score, descriptionScore: description, segmentStart: audio.start };
  });
  return hits.sort((a, b) => b.score - a.score || a.track.id.localeCompare(b.track.id)).slice(0, k);
}

function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
