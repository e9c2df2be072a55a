import { MediaError } from '../core/errors.js';
import { cutSegment } from '../core/media/index.js';
import type { FrameEncoder } from '../model/types.js';
import { clipEmbeddings } from '../recommend/clip-features.js';
import type { CatalogTracks } from '../recommend/types.js';
import type { ClipAnalyser, ClipFeatures, PreviewCutter, TrackDirectory, TrackSummary } from './ports.js';

export interface FrameSampling {
  readonly fps: number;
  readonly maxFrames: number;
  /** Longer clips are refused with MEDIA_TOO_LONG before any decoding. */
  readonly maxClipSeconds: number;
  readonly timeoutMs: number;
}

/**
 * Frames of the clip sampled with core/media (evenly over the whole clip when it is longer than the
 * window), encoded with the CLIP image encoder (in its worker pool).
 */
export class MediaClipAnalyser implements ClipAnalyser {
  constructor(
    private readonly encoder: FrameEncoder,
    private readonly sampling: FrameSampling,
  ) {}

  async analyse(video: Uint8Array, signal: AbortSignal): Promise<ClipFeatures> {
    const { embeddings, times } = await clipEmbeddings(video, this.encoder, {
      fps: this.sampling.fps,
      maxFrames: this.sampling.maxFrames,
      signal,
      timeoutMs: this.sampling.timeoutMs,
      maxDurationSeconds: this.sampling.maxClipSeconds,
      noFramesCode: 'MEDIA_EMPTY',
    });
    return { frameEmbeddings: embeddings, durationSeconds: times[times.length - 1]! };
  }
}

/** Title / artist look-ups over a catalog, for autocomplete. */
export class CatalogTrackDirectory implements TrackDirectory {
  private readonly all: TrackSummary[];

  constructor(catalog: Pick<CatalogTracks, 'tracks'>) {
    this.all = [...catalog.tracks()].map((t) => ({ id: t.id, title: t.title, artist: t.artist }));
    this.all.sort((a, b) => a.title.localeCompare(b.title));
  }

  search(query: string, limit: number): TrackSummary[] {
    const q = query.trim().toLowerCase();
    if (!q) return this.all.slice(0, limit);
    const starts = this.all.filter((t) => t.title.toLowerCase().startsWith(q));
    const contains = this.all.filter((t) => !t.title.toLowerCase().startsWith(q) && `${t.title} ${t.artist}`.toLowerCase().includes(q));
    return [...starts, ...contains].slice(0, limit);
  }

  track(id: string): TrackSummary | undefined {
    return this.all.find((t) => t.id === id);
  }

  size(): number {
    return this.all.length;
  }
}

/** Cuts the chosen segment of a track to an Ogg/Opus excerpt within the upload limit. */
export class CatalogPreviewCutter implements PreviewCutter {
  constructor(
    private readonly catalog: Pick<CatalogTracks, 'audioPath'>,
    private readonly timeoutMs: number,
  ) {}

  async cut(trackId: string, start: number, durationSeconds: number, maxBytes: number, signal: AbortSignal): Promise<{ name: string; bytes: Uint8Array } | undefined> {
    const path = this.catalog.audioPath(trackId);
    if (!path) return undefined;
    let segment;
    try {
      segment = await cutSegment(path, { start, duration: durationSeconds, format: 'ogg', maxBytes, signal, timeoutMs: this.timeoutMs });
    } catch (error) {
      // Over the upload limit: the choice is answered without a preview.
      if (error instanceof MediaError && error.code === 'MEDIA_TOO_LARGE') return undefined;
      throw error;
    }
    if (segment.data.byteLength > maxBytes) return undefined;
    return { name: `preview-${trackId.replace(/[^\w-]/g, '').slice(0, 40) || 'track'}.ogg`, bytes: segment.data };
  }
}
