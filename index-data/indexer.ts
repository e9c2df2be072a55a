import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { CatalogError, isCuecastError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import type { AudioEncoder, TextEncoder } from '../model/types.js';
import { estimateBpm } from './bpm.js';
import { describeProtection, findProtection } from './drm.js';
import { openCatalog } from './catalog.js';
import { tallyFallback, type FallbackTally } from './describe/backend.js';
import type { DescriptionCache } from './describe/cache.js';
import type { Describer } from './describe/describer.js';
import { publishGeneration, readFingerprint, trackId, type PublishedTrack } from './store/generation.js';
import { FORMAT_VERSION, LOCK_FILE, WORK_DB } from './store/layout.js';
import { WorkDb, type TrackRecord, type TrackVectors } from './store/work-db.js';
import { hashFile, scanMusic, type FoundFile } from './scan.js';
import { distinctWindows, planSegments } from './segments.js';
import { ClapTagger, selectTags } from './tagger.js';
import type { CatalogManifest, SkippedFile } from './types.js';
import { meanNormalized } from './vectors.js';
import { tagVocabulary } from './vocabulary/vocabulary.js';

const log = logger('index-data.indexer');

/** What the indexer needs from core/media (see media-source.ts for the real one). */
export interface AudioSource {
  probe(path: string, signal?: AbortSignal): Promise<{ readonly duration?: number; readonly hasAudio: boolean }>;
  /** Mono float samples at `sampleRate` from `start` for up to `duration` seconds (fewer at the end). */
  decode(path: string, options: { sampleRate: number; start: number; duration: number; signal?: AbortSignal | undefined }): Promise<Float32Array>;
}

/** File tags (title, artist, album, genre); missing fields fall back to the file name. */
export interface MetadataReader {
  read(path: string): Promise<{ title?: string; artist?: string; album?: string; genres?: readonly string[] }>;
}

/** ViML music head over a segment's CLAP window embeddings (present only with trained heads). */
export interface VimlMusicEncoder {
  readonly dim: number;
  readonly manifestHash: string;
  encodeSegments(segments: readonly (readonly Float32Array[])[], signal?: AbortSignal): Promise<Float32Array[]>;
}

export interface IndexEncoders {
  readonly clipText: TextEncoder;
  readonly clapText: TextEncoder;
  readonly clapAudio: AudioEncoder;
  readonly vimlMusic?: VimlMusicEncoder;
}

export type FileStatus = 'indexed' | 'unchanged' | 'skipped';

export type IndexEvent =
  | { readonly event: 'scan'; readonly files: number; readonly problems: number }
  | { readonly event: 'file'; readonly status: FileStatus; readonly path: string; readonly done: number; readonly total: number; readonly trackId?: string; readonly reason?: string; readonly code?: string }
  | { readonly event: 'publish'; readonly generation: string; readonly tracks: number; readonly segments: number }
  | { readonly event: 'done'; readonly summary: IndexSummary };

export type { SkippedFile } from './types.js';

export interface IndexSummary {
  readonly indexed: number;
  readonly unchanged: number;
  readonly skipped: readonly SkippedFile[];
  readonly tracks: number;
  /** Tracks of the previous catalog that are gone (deleted or changed files). */
  readonly removed: number;
  /** Descriptions of this run that fell back to the template (LLM backends), with the reasons. */
  readonly descriptionFallbacks: FallbackTally;
  /** Generation published by this run; undefined when the catalog was already up to date. */
  readonly generation?: string;
  readonly elapsedMs: number;
}

export interface IndexOptions {
  readonly roots: readonly string[];
  readonly catalogDir: string;
  readonly encoders: IndexEncoders;
  readonly audio: AudioSource;
  readonly metadata: MetadataReader;
  /** Builds the describer around the catalog's persistent description cache. */
  readonly describer: (cache: DescriptionCache) => Describer;
  readonly segmentSeconds: number;
  readonly hopSeconds: number;
  /** Files processed at once. */
  readonly jobs?: number;
  /** Longer files are refused from their probed duration, without decoding. */
  readonly maxTrackSeconds?: number;
  readonly onEvent?: (event: IndexEvent) => void;
  readonly signal?: AbortSignal;
}

/** Seconds of audio decoded at a time (bounds memory for long tracks). */
const DECODE_CHUNK_SECONDS = 120;
const ENCODE_BATCH = 8;
/** A file decoding to less than this share of its declared duration is treated as truncated. */
const TRUNCATED_FRACTION = 0.9;

/** Failures that depend only on a file's bytes: remembered per content hash, not retried on re-runs. */
const REMEMBERED_FAILURES: ReadonlySet<string> = new Set(['MEDIA_UNREADABLE', 'MEDIA_EMPTY', 'MEDIA_NO_AUDIO', 'drm-protected']);

/** A reason a file is skipped: expected outcomes, not failures of the run. */
class Skip extends Error {
  constructor(
    readonly code: string,
    reason: string,
  ) {
    super(reason);
  }
}

function manifestFor(encoders: IndexEncoders, options: IndexOptions): CatalogManifest {
  return {
    formatVersion: FORMAT_VERSION,
    clip: { modelId: encoders.clipText.info.modelId, dim: encoders.clipText.info.dim },
    clap: { modelId: encoders.clapAudio.info.modelId, dim: encoders.clapAudio.info.dim },
    ...(encoders.vimlMusic ? { viml: { dim: encoders.vimlMusic.dim, manifestHash: encoders.vimlMusic.manifestHash } } : {}),
    segmentSeconds: options.segmentSeconds,
    hopSeconds: options.hopSeconds,
    tagVocabularyVersion: tagVocabulary().version,
    builtAt: new Date().toISOString(),
  };
}

/** Work is reusable only under the same encoders, segment layout and vocabulary. */
function workKeyOf(manifest: CatalogManifest, encoders: IndexEncoders): string {
  const { builtAt: _builtAt, ...stable } = manifest;
  const key = { ...stable, clapText: encoders.clapText.info.modelId, window: encoders.clapAudio.windowSeconds, rate: encoders.clapAudio.sampleRate };
  return createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 24);
}

/** One indexer per catalog at a time; a lock left by a killed indexer (dead pid) is taken over. */
function acquireLock(catalogDir: string): () => void {
  const file = join(catalogDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(file, 'utf8').trim());
      let alive = false;
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
        try {
          process.kill(pid, 0);
          alive = true;
        } catch {
          alive = false;
        }
      }
      if (alive) throw new CatalogError('BUSY', `Another indexer (pid ${pid}) is updating the catalog at ${catalogDir}`, { pid });
      rmSync(file, { force: true });
    }
  }
  throw new CatalogError('BUSY', `Could not lock the catalog at ${catalogDir}`);
}

function skipFromError(error: unknown): Skip {
  if (error instanceof Skip) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new Skip('vanished', 'file disappeared during the run');
  if (code === 'EACCES' || code === 'EPERM') return new Skip('unreadable', `file cannot be read (${code})`);
  if (code === 'EISDIR') return new Skip('unreadable', 'not a regular file');
  if (isCuecastError(error)) {
    if (error.code === 'MEDIA_NOT_FOUND') return new Skip('vanished', 'file disappeared during the run');
    return new Skip(error.code, error.message);
  }
  throw error;
}

function titleFromFile(path: string): string {
  return basename(path, extname(path)).replace(/[_]+/g, ' ').trim() || basename(path);
}

/**
 * Indexes music folders into a catalog: scan, hash, reuse finished work, process new files (probe,
 * decode, CLAP windows, segments, tags, BPM, description, CLIP text), then publish a new generation
 * when anything changed. Returns the summary (also sent as the last event).
 */
export async function indexMusic(options: IndexOptions): Promise<IndexSummary> {
  const started = Date.now();
  const { encoders, catalogDir, signal } = options;
  const emit = options.onEvent ?? (() => undefined);
  mkdirSync(catalogDir, { recursive: true });
  const release = acquireLock(catalogDir);
  const manifest = manifestFor(encoders, options);
  const workKey = workKeyOf(manifest, encoders);
  const work = new WorkDb(join(catalogDir, WORK_DB), workKey);
  try {
    const scan = await scanMusic(options.roots);
    emit({ event: 'scan', files: scan.files.length, problems: scan.problems.length });
    const skipped: SkippedFile[] = scan.problems.map((p) => ({ path: p.path, reason: p.reason, code: p.code }));
    const tagger = await ClapTagger.create(encoders.clapText, tagVocabulary(), signal);
    const describer = options.describer(work);
    const describerSetting = `${describer.mode}/${describer.model}/${describer.promptVersion}`;

    const total = scan.files.length;
    let done = 0;
    let indexed = 0;
    let unchanged = 0;
    let descriptionFallbacks: FallbackTally = { descriptions: 0, reasons: {} };
    const kept = new Map<string, { file: FoundFile; record: TrackRecord }>();
    const ownerOfHash = new Map<string, string>();
    /** Every content hash seen this run (work for any other content is pruned at the end). */
    const seenHashes = new Set<string>();

    const processOne = async (file: FoundFile): Promise<void> => {
      let status: FileStatus = 'skipped';
      let skip: Skip | undefined;
      let hash: string | undefined;
      try {
        hash = work.cachedHash(file.path, file.size, file.mtimeMs);
        if (!hash) {
          hash = await hashFile(file.path, signal);
          work.rememberHash(file.path, file.size, file.mtimeMs, hash);
        }
        seenHashes.add(hash);
        const owner = ownerOfHash.get(hash);
        if (owner !== undefined) throw new Skip('duplicate', `same content as ${owner}`);
        ownerOfHash.set(hash, file.path);
        const failed = work.failure(hash);
        if (failed) throw new Skip(failed.code, failed.reason);
        let record = work.record(hash);
        if (record && record.descriptionSetting !== describerSetting) record = await redescribe(record);
        if (record) {
          status = 'unchanged';
        } else {
          record = await processFile(file, hash);
          status = 'indexed';
        }
        kept.set(hash, { file, record });
      } catch (error) {
        signal?.throwIfAborted();
        skip = skipFromError(error);
        if (hash && REMEMBERED_FAILURES.has(skip.code) && !work.failure(hash)) work.saveFailure(hash, skip.code, skip.message);
        if (hash && skip.code !== 'duplicate' && ownerOfHash.get(hash) === file.path) ownerOfHash.delete(hash);
      }
      done++;
      if (status === 'indexed') indexed++;
      else if (status === 'unchanged') unchanged++;
      else skipped.push({ path: file.path, reason: skip!.message, code: skip!.code });
      emit({
        event: 'file',
        status,
        path: file.path,
        done,
        total,
        ...(hash && status !== 'skipped' ? { trackId: trackId(hash) } : {}),
        ...(skip ? { reason: skip.message, code: skip.code } : {}),
      });
    };

    const describeAndEmbed = async (tags: TrackRecord['tags']): Promise<{ description: Awaited<ReturnType<Describer['describe']>>; clipText: Float32Array; selected: TrackRecord['selected'] }> => {
      const selected = selectTags(tags);
      const description = await describer.describe({ tags: selected }, signal);
      descriptionFallbacks = tallyFallback(descriptionFallbacks, description);
      const [clipText] = await encoders.clipText.encodeTexts([description.text], signal);
      return { description, clipText: clipText!, selected };
    };

    const redescribe = async (record: TrackRecord): Promise<TrackRecord> => {
      const old = work.vectors(record.contentHash);
      const { description, clipText, selected } = await describeAndEmbed(record.tags);
      const updated: TrackRecord = { ...record, selected, description: description.text, descriptionBackend: description.backend, descriptionModel: description.model, descriptionSetting: describerSetting };
      work.saveTrack(updated, { ...old, clipText });
      return updated;
    };

    const processFile = async (file: FoundFile, hash: string): Promise<TrackRecord> => {
      if (file.size === 0) throw new Skip('MEDIA_EMPTY', 'file is empty (0 bytes)');
      const protection = await findProtection(file.path);
      if (protection) throw new Skip('drm-protected', describeProtection(protection));
      const info = await options.audio.probe(file.path, signal);
      if (!info.hasAudio) throw new Skip('MEDIA_NO_AUDIO', 'no audio stream');
      if (info.duration === undefined) throw new Skip('MEDIA_UNREADABLE', 'audio stream has no readable duration (corrupt file)');
      const probed = info.duration;
      if (!(probed > 0)) throw new Skip('MEDIA_EMPTY', 'contains no audio samples (zero duration)');
      const limit = options.maxTrackSeconds ?? Infinity;
      if (probed > limit) throw new Skip('MEDIA_TOO_LONG', `longer than the limit (${formatSeconds(probed)} > ${formatSeconds(limit)})`);

      const rate = encoders.clapAudio.sampleRate;
      const windowSeconds = encoders.clapAudio.windowSeconds;
      const windowLength = Math.round(rate * windowSeconds);
      /** Samples a window may lack at the very end of a track (resampling rounding); zero-padded. */
      const slack = Math.round(rate * 1e-3);
      const spec = { segmentSeconds: options.segmentSeconds, hopSeconds: options.hopSeconds, windowSeconds };
      const wanted = distinctWindows(planSegments(probed, spec));
      const windowVectors = new Map<number, Float32Array>();
      let decodedSeconds = 0;
      let bpmSamples: Float32Array | undefined;
      const middle = probed / 2;
      for (let chunkStart = 0; chunkStart < probed; chunkStart += DECODE_CHUNK_SECONDS) {
        const inChunk = wanted.filter((w) => w >= chunkStart && w < chunkStart + DECODE_CHUNK_SECONDS);
        const needBpm = !bpmSamples && middle < chunkStart + DECODE_CHUNK_SECONDS;
        if (inChunk.length === 0 && !needBpm) continue;
        const samples = await options.audio.decode(file.path, { sampleRate: rate, start: chunkStart, duration: DECODE_CHUNK_SECONDS + windowSeconds, signal });
        decodedSeconds = Math.max(decodedSeconds, chunkStart + samples.length / rate);
        if (needBpm) bpmSamples = samples;
        const windows: Float32Array[] = [];
        const starts: number[] = [];
        for (const w of inChunk) {
          const offset = Math.round((w - chunkStart) * rate);
          const available = samples.length - offset;
          // A window must be fully decoded, except the only window of a track shorter than one window.
          if (available < windowLength - slack && !(w === 0 && available > 0)) continue;
          const window = new Float32Array(windowLength);
          window.set(samples.subarray(offset, offset + windowLength));
          windows.push(window);
          starts.push(w);
        }
        for (let i = 0; i < windows.length; i += ENCODE_BATCH) {
          const out = await encoders.clapAudio.encodeWindows(windows.slice(i, i + ENCODE_BATCH), signal);
          out.forEach((v, j) => windowVectors.set(starts[i + j]!, v));
        }
        if (samples.length < Math.round((DECODE_CHUNK_SECONDS + windowSeconds) * rate) && chunkStart + samples.length / rate < probed - 1) break;
      }
      if (decodedSeconds <= 0) throw new Skip('MEDIA_UNREADABLE', 'decoded no audio (corrupt or truncated file)');
      // Container durations of VBR files are estimates, so only a large shortfall counts as truncation.
      if (decodedSeconds < TRUNCATED_FRACTION * probed && probed - decodedSeconds > 2) {
        throw new Skip('MEDIA_UNREADABLE', `truncated: only ${formatSeconds(decodedSeconds)} of ${formatSeconds(probed)} decode`);
      }
      const duration = Math.min(probed, decodedSeconds);
      const plans = planSegments(duration, spec);
      // The last segment ends where the audio really ends; when that differs from the container's duration
      // (VBR estimates, encoder padding) its windows moved off the planned ones, so decode and embed them now.
      const missing = distinctWindows(plans).filter((w) => !windowVectors.has(w) && w + windowSeconds <= decodedSeconds + 1e-3);
      const late: Float32Array[] = [];
      for (const w of missing) {
        const samples = await options.audio.decode(file.path, { sampleRate: rate, start: w, duration: windowSeconds, signal });
        if (samples.length < windowLength - slack) break;
        const window = new Float32Array(windowLength);
        window.set(samples.subarray(0, windowLength));
        late.push(window);
      }
      for (let i = 0; i < late.length; i += ENCODE_BATCH) {
        const out = await encoders.clapAudio.encodeWindows(late.slice(i, i + ENCODE_BATCH), signal);
        out.forEach((v, j) => windowVectors.set(missing[i + j]!, v));
      }
      const segmentWindows = plans.map((p) =>
        p.windowStarts.map((w) => {
          const v = windowVectors.get(w);
          if (!v) throw new Skip('MEDIA_UNREADABLE', `audio ends early at ${formatSeconds(decodedSeconds)} (truncated file)`);
          return v;
        }),
      );
      const clapAudio = segmentWindows.map((ws) => meanNormalized(ws));
      const trackAudio = meanNormalized([...new Set(segmentWindows.flat())]);
      const tags = tagger.tag(trackAudio);
      const bpm = bpmSamples ? estimateBpm(bpmSamples, rate) : undefined;
      const meta = await options.metadata.read(file.path).catch((error: unknown) => {
        log.debug({ path: file.path, err: (error as Error).message }, 'metadata unreadable');
        return {} as Awaited<ReturnType<MetadataReader['read']>>;
      });
      const { description, clipText, selected } = await describeAndEmbed(tags);
      const vimlMusic = encoders.vimlMusic ? await encoders.vimlMusic.encodeSegments(segmentWindows, signal) : undefined;
      const record: TrackRecord = {
        contentHash: hash,
        title: meta.title?.trim() || titleFromFile(file.path),
        artist: meta.artist?.trim() || 'Unknown artist',
        ...(meta.album?.trim() ? { album: meta.album.trim() } : {}),
        durationSeconds: Math.round(duration * 1000) / 1000,
        fileGenres: [...(meta.genres ?? [])],
        ...(bpm && bpm.confidence >= 1.5 ? { bpm: bpm.bpm } : {}),
        tags,
        selected,
        description: description.text,
        descriptionBackend: description.backend,
        descriptionModel: description.model,
        descriptionSetting: describerSetting,
        segments: plans.map((p) => ({ index: p.index, start: p.start, end: p.end })),
      };
      const vectors: TrackVectors = { clapAudio, clipText, ...(vimlMusic ? { vimlMusic } : {}) };
      work.saveTrack(record, vectors);
      return record;
    };

    const queue = [...scan.files];
    const jobs = Math.max(1, options.jobs ?? 1);
    await Promise.all(
      Array.from({ length: Math.min(jobs, queue.length) }, async () => {
        for (let file = queue.shift(); file; file = queue.shift()) {
          signal?.throwIfAborted();
          await processOne(file);
        }
      }),
    );

    const chosen = [...kept.values()].sort((a, b) => (a.file.path < b.file.path ? -1 : 1));
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([workKey, chosen.map((c) => [c.record.contentHash, c.file.path, c.record.description])]))
      .digest('hex');
    let previousIds = new Set<string>();
    let previousFingerprint: string | undefined;
    try {
      const previous = openCatalog(catalogDir);
      previousIds = new Set([...previous.tracks()].map((t) => t.id));
      previousFingerprint = readFingerprint(catalogDir);
      previous.close();
    } catch (error) {
      if (!isCuecastError(error)) throw error;
    }
    let generation: string | undefined;
    if (fingerprint !== previousFingerprint) {
      const tracks: PublishedTrack[] = chosen.map((c) => ({ record: c.record, vectors: work.vectors(c.record.contentHash), root: c.file.root, absPath: c.file.path }));
      const published = publishGeneration(catalogDir, manifest, tracks, fingerprint);
      generation = published.generation;
      emit({ event: 'publish', ...published });
    }
    work.prune(seenHashes, new Set(scan.files.map((f) => f.path)));
    const newIds = new Set(chosen.map((c) => trackId(c.record.contentHash)));
    const summary: IndexSummary = {
      indexed,
      unchanged,
      skipped: skipped.sort((a, b) => (a.path < b.path ? -1 : 1)),
      tracks: chosen.length,
      removed: [...previousIds].filter((id) => !newIds.has(id)).length,
      descriptionFallbacks,
      ...(generation ? { generation } : {}),
      elapsedMs: Date.now() - started,
    };
    emit({ event: 'done', summary });
    return summary;
  } finally {
    work.close();
    release();
  }
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '∞';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round(seconds % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}
