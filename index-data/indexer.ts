import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { CatalogError, isCuecastError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import type { AudioEncoder, TextEncoder } from '../model/types.js';
import type { DecodeDamage, LoudnessTrace } from '../core/media/index.js';
import { isProcessAlive } from '../core/pid.js';
import { estimateTempo, OnsetEnvelope } from './bpm.js';
import { ANALYSIS_VERSION, segmentLoudness, trackLoudness } from './loudness.js';
import { describeProtection, findProtection } from './drm.js';
import { openCatalog } from './catalog.js';
import type { PgCatalogLocation } from './storage/pg/catalog.js';
import { copyCatalogToPostgres, type CopyResult, type PgHnswBuild } from './storage/pg/publish.js';
import { tallyFallback, type FallbackTally } from './describe/backend.js';
import type { DescriptionCache } from './describe/cache.js';
import type { Describer } from './describe/describer.js';
import { publishGeneration, readFingerprint, trackId, type PublishedTrack } from './store/generation.js';
import { FORMAT_VERSION, LOCK_FILE, WORK_DB } from './store/layout.js';
import { WorkDb, type TrackRecord, type TrackVectors } from './store/work-db.js';
import { hashFile, scanMusic, type FoundFile } from './scan.js';
import { distinctWindows, planSegments } from './segments.js';
import { ClapTagger, selectTags } from './tagger.js';
import { UNKNOWN_ARTIST, type CatalogManifest, type SkippedFile, type TrackDamage } from './types.js';
import { meanNormalized } from './vectors.js';
import { tagVocabulary } from './vocabulary/vocabulary.js';

const log = logger('index-data.indexer');

/** What the indexer needs from core/media (see media-source.ts for the real one). */
export interface AudioSource {
  probe(path: string, signal?: AbortSignal): Promise<{ readonly duration?: number; readonly hasAudio: boolean }>;
  /** Mono float samples at `sampleRate` from `start` for up to `duration` seconds (fewer at the end). */
  decode(
    path: string,
    options: { sampleRate: number; start: number; duration: number; signal?: AbortSignal | undefined; onDamage?: ((damage: DecodeDamage) => void) | undefined },
  ): Promise<Float32Array>;
  /** EBU R128 momentary loudness over the whole track. */
  loudness(path: string, options: { signal?: AbortSignal | undefined; onDamage?: ((damage: DecodeDamage) => void) | undefined }): Promise<LoudnessTrace>;
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
  /** After hashing and probing: how many files need decoding and how much audio they hold (for an honest ETA). */
  | { readonly event: 'plan'; readonly files: number; readonly toProcess: number; readonly audioSeconds: number }
  | {
      readonly event: 'file';
      readonly status: FileStatus;
      readonly path: string;
      readonly done: number;
      readonly total: number;
      readonly trackId?: string;
      readonly reason?: string;
      readonly code?: string;
      /** Seconds of audio this file's processing decoded (0 when its work was reused or it was skipped early). */
      readonly audioSeconds?: number;
    }
  | { readonly event: 'publish'; readonly generation: string; readonly tracks: number; readonly segments: number }
  /** Progress of copying the published generation into PostgreSQL (with `database`). */
  | { readonly event: 'database'; readonly message: string }
  | { readonly event: 'done'; readonly summary: IndexSummary };

export type { SkippedFile } from './types.js';

export interface IndexSummary {
  readonly indexed: number;
  readonly unchanged: number;
  readonly skipped: readonly SkippedFile[];
  readonly tracks: number;
  /** Tracks of the previous catalog that are gone (deleted or changed files). */
  readonly removed: number;
  /** Tracks measured silent in every segment: catalogued, never recommended. */
  readonly silent: readonly string[];
  /** Tracks indexed from a damaged file (at least 90% decoded), with what happened. */
  readonly damaged: readonly { readonly path: string; readonly note: string }[];
  /** Tracks without a BPM, by reason (`silent`, `no-steady-beat`, `too-short`). */
  readonly withoutBpm: Readonly<Record<string, number>>;
  /** Seconds of audio decoded by this run, and how fast (audio seconds per wall-clock second). */
  readonly audioSeconds: number;
  /** Descriptions of this run that fell back to the template (LLM backends), with the reasons. */
  readonly descriptionFallbacks: FallbackTally;
  /** Generation published by this run; undefined when the catalog was already up to date. */
  readonly generation?: string;
  /** With `database`: what the PostgreSQL catalog now serves. */
  readonly database?: { readonly catalog: string; readonly generation: string; readonly status: CopyResult['status'] };
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
  /**
   * Publish into PostgreSQL too: the generation written in `catalogDir` (which keeps the indexer's
   * work files) is copied into the named catalog and made current there in one transaction.
   */
  readonly database?: { readonly location: PgCatalogLocation; readonly hnsw: PgHnswBuild };
}

/** Seconds of audio decoded at a time (bounds memory for long tracks). */
const DECODE_CHUNK_SECONDS = 120;
const ENCODE_BATCH = 8;
/** A file decoding to less than this share of its declared duration is treated as truncated. */
const TRUNCATED_FRACTION = 0.9;

/** A chunk that decodes this much less than asked means the audio really ended there (not damage skipped mid-file). */
const CHUNK_END_FRACTION = 0.9;

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
  const key = { ...stable, clapText: encoders.clapText.info.modelId, window: encoders.clapAudio.windowSeconds, rate: encoders.clapAudio.sampleRate, analysis: ANALYSIS_VERSION };
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
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isProcessAlive(pid)) throw new CatalogError('BUSY', `Another indexer (pid ${pid}) is updating the catalog at ${catalogDir}`, { pid });
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
    let audioSeconds = 0;
    let descriptionFallbacks: FallbackTally = { descriptions: 0, reasons: {} };
    const kept = new Map<string, { file: FoundFile; record: TrackRecord }>();
    /** Every content hash seen this run (work for any other content is pruned at the end). */
    const seenHashes = new Set<string>();

    // Hash every file first: which copy of a duplicated content keeps the track is decided before any
    // work, from where the catalog already had it (a copy added later never takes over), and the audio
    // still to decode is probed up front so progress can give an ETA in audio time, not file counts.
    const hashes = new Map<string, string>();
    const hashFailures = new Map<string, unknown>();
    await eachConcurrently(scan.files, options.jobs, async (file) => {
      try {
        let hash = work.cachedHash(file.path, file.size, file.mtimeMs);
        if (!hash) {
          hash = await hashFile(file.path, signal);
          work.rememberHash(file.path, file.size, file.mtimeMs, hash);
        }
        hashes.set(file.path, hash);
      } catch (error) {
        signal?.throwIfAborted();
        hashFailures.set(file.path, error);
      }
    });
    const ownerOfHash = new Map<string, string>();
    for (const file of scan.files) {
      const hash = hashes.get(file.path);
      if (hash === undefined) continue;
      seenHashes.add(hash);
      const history = work.history(hash);
      const current = ownerOfHash.get(hash);
      const preferred = (path: string): boolean => path === history?.lastPath || path === history?.firstPath;
      if (current === undefined || (preferred(file.path) && !preferred(current))) ownerOfHash.set(hash, file.path);
    }
    const probes = new Map<string, { readonly duration?: number; readonly hasAudio: boolean }>();
    const protections = new Map<string, Awaited<ReturnType<typeof findProtection>>>();
    const toProcess = scan.files.filter((f) => {
      const hash = hashes.get(f.path);
      return hash !== undefined && ownerOfHash.get(hash) === f.path && !work.failure(hash) && !work.record(hash) && f.size > 0;
    });
    await eachConcurrently(toProcess, options.jobs, async (file) => {
      try {
        // A DRM-protected file is found from its boxes and never handed to ffmpeg, not even to plan.
        const protection = protections.has(file.path) ? protections.get(file.path) : await findProtection(file.path);
        protections.set(file.path, protection);
        if (protection) return;
        probes.set(file.path, await options.audio.probe(file.path, signal));
      } catch {
        signal?.throwIfAborted(); // the file's own processing reports why
      }
    });
    const plannedSeconds = [...probes.values()].reduce((sum, p) => sum + (p.duration ?? 0), 0);
    emit({ event: 'plan', files: total, toProcess: toProcess.length, audioSeconds: Math.round(plannedSeconds * 10) / 10 });

    const processOne = async (file: FoundFile): Promise<void> => {
      let status: FileStatus = 'skipped';
      let skip: Skip | undefined;
      const hash = hashes.get(file.path);
      let decoded = 0;
      try {
        if (hash === undefined) throw hashFailures.get(file.path) ?? new Skip('unreadable', 'file cannot be read');
        const owner = ownerOfHash.get(hash)!;
        if (owner !== file.path) throw new Skip('duplicate', `same content as ${owner}`);
        const failed = work.failure(hash);
        if (failed) throw new Skip(failed.code, failed.reason);
        let record = work.record(hash);
        if (record && record.descriptionSetting !== describerSetting) record = await redescribe(record);
        if (record) {
          status = 'unchanged';
        } else {
          const result = await processFile(file, hash);
          record = result.record;
          decoded = result.decodedSeconds;
          status = 'indexed';
        }
        kept.set(hash, { file, record });
      } catch (error) {
        signal?.throwIfAborted();
        skip = skipFromError(error);
        log.info({ path: file.path, code: skip.code, reason: skip.message, ...(isCuecastError(error) && error.details ? { details: error.details } : {}) }, 'file skipped');
        if (hash && REMEMBERED_FAILURES.has(skip.code) && !work.failure(hash)) work.saveFailure(hash, skip.code, skip.message);
      }
      done++;
      audioSeconds += decoded;
      if (status === 'indexed') indexed++;
      else if (status === 'unchanged') unchanged++;
      else skipped.push({ path: file.path, reason: skip!.message, code: skip!.code });
      emit({
        event: 'file',
        status,
        path: file.path,
        done,
        total,
        audioSeconds: Math.round(decoded * 10) / 10,
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


    const processFile = async (file: FoundFile, hash: string): Promise<{ record: TrackRecord; decodedSeconds: number }> => {
      if (file.size === 0) throw new Skip('MEDIA_EMPTY', 'file is empty (0 bytes)');
      const protection = protections.has(file.path) ? protections.get(file.path) : await findProtection(file.path);
      if (protection) throw new Skip('drm-protected', describeProtection(protection));
      const info = probes.get(file.path) ?? (await options.audio.probe(file.path, signal));
      if (!info.hasAudio) throw new Skip('MEDIA_NO_AUDIO', 'no audio stream');
      if (info.duration === undefined) throw new Skip('MEDIA_UNREADABLE', 'audio stream has no readable duration (corrupt file)');
      const probed = info.duration;
      if (!(probed > 0)) throw new Skip('MEDIA_EMPTY', 'contains no audio samples (zero duration)');
      const limit = options.maxTrackSeconds ?? Infinity;
      if (probed > limit) throw new Skip('MEDIA_TOO_LONG', `longer than the limit (${formatSeconds(probed)} > ${formatSeconds(limit)})`);

      // The loudness pass is a separate ffmpeg read of the file: it runs while the windows decode and embed.
      const loudnessRun = new AbortController();
      const stopLoudness = (): void => loudnessRun.abort(signal?.reason);
      signal?.addEventListener('abort', stopLoudness, { once: true });
      const loudnessTrace = options.audio.loudness(file.path, { signal: loudnessRun.signal });
      loudnessTrace.catch(() => undefined); // awaited below; a skip before then stops it instead
      try {
        return await embedAndDescribe(file, hash, probed, loudnessTrace);
      } finally {
        signal?.removeEventListener('abort', stopLoudness);
        loudnessRun.abort();
      }
    };

    const embedAndDescribe = async (file: FoundFile, hash: string, probed: number, loudnessTrace: ReturnType<AudioSource['loudness']>): Promise<{ record: TrackRecord; decodedSeconds: number }> => {
      const rate = encoders.clapAudio.sampleRate;
      const windowSeconds = encoders.clapAudio.windowSeconds;
      const windowLength = Math.round(rate * windowSeconds);
      /** Samples a window may lack at the very end of a track (resampling rounding); zero-padded. */
      const slack = Math.round(rate * 1e-3);
      const spec = { segmentSeconds: options.segmentSeconds, hopSeconds: options.hopSeconds, windowSeconds };
      const wanted = distinctWindows(planSegments(probed, spec));
      const windowVectors = new Map<number, Float32Array>();
      const damages: DecodeDamage[] = [];
      const onDamage = (damage: DecodeDamage): void => {
        damages.push(damage);
      };
      const onsets = new OnsetEnvelope(rate);
      /** Each chunk's embedding, awaited one chunk later: the next chunk decodes while these windows embed. */
      const embeddings: Promise<void>[] = [];
      let decodedSeconds = 0;
      for (let chunkStart = 0; chunkStart < probed; chunkStart += DECODE_CHUNK_SECONDS) {
        const inChunk = wanted.filter((w) => w >= chunkStart && w < chunkStart + DECODE_CHUNK_SECONDS);
        const asked = Math.min(DECODE_CHUNK_SECONDS + windowSeconds, probed - chunkStart);
        const samples = await options.audio.decode(file.path, { sampleRate: rate, start: chunkStart, duration: DECODE_CHUNK_SECONDS + windowSeconds, signal, onDamage });
        decodedSeconds = Math.max(decodedSeconds, chunkStart + samples.length / rate);
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
        // All of the chunk's batches are queued at once, before the tempo analysis below (seconds of main-thread
        // work under load), so the pool has them while this thread is busy.
        const batches: Promise<void>[] = [];
        for (let i = 0; i < windows.length; i += ENCODE_BATCH) {
          batches.push(
            encoders.clapAudio.encodeWindows(windows.slice(i, i + ENCODE_BATCH), signal).then((out) => {
              out.forEach((v, j) => windowVectors.set(starts[i + j]!, v));
            }),
          );
        }
        const embedded = Promise.all(batches).then(() => undefined);
        embedded.catch(() => undefined); // awaited below; a failure must not count as unhandled meanwhile
        embeddings.push(embedded);
        // The tempo analysis sees each second once: chunks overlap by a window.
        onsets.push(samples.subarray(0, Math.min(samples.length, DECODE_CHUNK_SECONDS * rate)));
        // At most two chunks' windows in memory per track.
        if (embeddings.length >= 2) await embeddings[embeddings.length - 2];
        // Much less than asked: the audio ends here (truncation). A little less is damage skipped mid-file.
        if (samples.length < CHUNK_END_FRACTION * asked * rate && chunkStart + samples.length / rate < probed - 1) break;
      }
      await Promise.all(embeddings);
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
      const trace = await loudnessTrace;
      const segments = plans.map((p) => ({ index: p.index, start: p.start, end: p.end, ...segmentLoudness(trace, p.start, p.end) }));
      const silent = segments.every((s) => s.silent);
      const clapAudio = segmentWindows.map((ws) => meanNormalized(ws));
      const trackAudio = meanNormalized([...new Set(segmentWindows.flat())]);
      const tags = tagger.tag(trackAudio);
      const tempo = silent ? ({ reason: 'silent' } as const) : estimateTempo(onsets.snapshot());
      const meta = await options.metadata.read(file.path).catch((error: unknown) => {
        log.debug({ path: file.path, err: (error as Error).message }, 'metadata unreadable');
        return {} as Awaited<ReturnType<MetadataReader['read']>>;
      });
      const { description, clipText, selected } = await describeAndEmbed(tags);
      const vimlMusic = encoders.vimlMusic ? await encoders.vimlMusic.encodeSegments(segmentWindows, signal) : undefined;
      const damage = damageOf(damages, decodedSeconds, probed);
      if (damage) log.warn({ path: file.path, note: damage.note, stderr: damages.map((d) => d.stderr) }, 'damaged file indexed from what decodes');
      const record: TrackRecord = {
        contentHash: hash,
        title: meta.title?.trim() || titleFromFile(file.path),
        artist: artistName(meta.artist),
        ...(meta.album?.trim() ? { album: meta.album.trim() } : {}),
        durationSeconds: Math.round(duration * 1000) / 1000,
        fileGenres: [...(meta.genres ?? [])],
        ...('bpm' in tempo ? { bpm: tempo.bpm } : { bpmReason: tempo.reason }),
        loudnessLufs: Math.round(trackLoudness(trace) * 10) / 10,
        silent,
        ...(damage ? { damage } : {}),
        tags,
        selected,
        description: description.text,
        descriptionBackend: description.backend,
        descriptionModel: description.model,
        descriptionSetting: describerSetting,
        segments,
      };
      const vectors: TrackVectors = { clapAudio, clipText, ...(vimlMusic ? { vimlMusic } : {}) };
      work.saveTrack(record, vectors);
      return { record, decodedSeconds };
    };

    await eachConcurrently(scan.files, options.jobs, async (file) => {
      signal?.throwIfAborted();
      await processOne(file);
    });

    const chosen = [...kept.values()].sort((a, b) => (a.file.path < b.file.path ? -1 : 1));
    const publishedSkipped = skipped.sort((a, b) => (a.path < b.path ? -1 : 1));
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([workKey, chosen.map((c) => [c.record.contentHash, c.file.path, c.record.description]), publishedSkipped]))
      .digest('hex');
    let previousIds = new Set<string>();
    let previousFingerprint: string | undefined;
    try {
      const previous = openCatalog(catalogDir);
      previousIds = new Set([...previous.tracks()].map((t) => t.id));
      previousFingerprint = readFingerprint(catalogDir);
      await previous.close();
    } catch (error) {
      if (!isCuecastError(error)) throw error;
    }
    const histories = new Map(chosen.map((c) => [c.record.contentHash, work.noteSeen(c.record.contentHash, c.file.path)]));
    let generation: string | undefined;
    if (fingerprint !== previousFingerprint) {
      const tracks: PublishedTrack[] = chosen.map((c) => ({
        record: c.record,
        vectors: work.vectors(c.record.contentHash),
        root: c.file.root,
        absPath: c.file.path,
        firstSeen: histories.get(c.record.contentHash)!.firstSeen,
      }));
      const published = publishGeneration(catalogDir, manifest, tracks, fingerprint, publishedSkipped);
      generation = published.generation;
      emit({ event: 'publish', ...published });
    }
    work.prune(seenHashes, new Set(scan.files.map((f) => f.path)));
    // Also when nothing changed here: the database may be new, or a copy may have been interrupted.
    const copied = options.database
      ? await copyCatalogToPostgres(catalogDir, options.database.location, { hnsw: options.database.hnsw, progress: (message) => emit({ event: 'database', message }) })
      : undefined;
    const newIds = new Set(chosen.map((c) => trackId(c.record.contentHash)));
    const withoutBpm: Record<string, number> = {};
    for (const c of chosen) if (c.record.bpm === undefined) withoutBpm[c.record.bpmReason ?? 'unknown'] = (withoutBpm[c.record.bpmReason ?? 'unknown'] ?? 0) + 1;
    const summary: IndexSummary = {
      indexed,
      unchanged,
      skipped: publishedSkipped,
      tracks: chosen.length,
      removed: [...previousIds].filter((id) => !newIds.has(id)).length,
      silent: chosen.filter((c) => c.record.silent).map((c) => c.file.path),
      damaged: chosen.filter((c) => c.record.damage).map((c) => ({ path: c.file.path, note: c.record.damage!.note })),
      withoutBpm,
      audioSeconds: Math.round(audioSeconds * 10) / 10,
      descriptionFallbacks,
      ...(generation ? { generation } : {}),
      ...(copied ? { database: { catalog: copied.catalog, generation: copied.generation, status: copied.status } } : {}),
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

/** Runs `work` over `items`, `jobs` at a time, in order of start. */
async function eachConcurrently<T>(items: readonly T[], jobs: number | undefined, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const lanes = Math.min(Math.max(1, jobs ?? 1), queue.length);
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}

/**
 * What the catalog says about a file that decoded only in part (it passed the 90% rule): the decoded
 * span and a note for people. Undefined when ffmpeg reported no damage and the audio ran its length.
 */
function damageOf(damages: readonly DecodeDamage[], decodedSeconds: number, probedSeconds: number): TrackDamage | undefined {
  const short = probedSeconds - decodedSeconds > 2;
  if (damages.length === 0 && !short) return undefined;
  const decoded = Math.round(decodedSeconds * 100) / 100;
  const probed = Math.round(probedSeconds * 100) / 100;
  const note = damages.length > 0 ? `damaged data was skipped while decoding; ${decoded} of ${probed} s decoded` : `the audio ends early: ${decoded} of ${probed} s decode`;
  return { decodedSeconds: decoded, probedSeconds: probed, note };
}

/** Tag values people use for "no artist" are the unknown artist too. */
const NO_ARTIST = /^(unknown( artist)?|\[unknown\]|various|n\/?a|none|-+|\?+)$/i;

function artistName(tagged: string | undefined): string {
  const name = tagged?.trim() ?? '';
  return name === '' || NO_ARTIST.test(name) ? UNKNOWN_ARTIST : name;
}
