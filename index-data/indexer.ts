import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { Config } from '../core/config.js';
import { CatalogError, isCuecastError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import type { AudioEncoder, TextEncoder } from '../model/types.js';
import type { DecodeDamage, LoudnessTrace } from '../core/media/index.js';
import { isProcessAlive } from '../core/pid.js';
import { distinctWindows, planSegments, type SegmentPlan, type SegmentSpec } from '../features/segments.js';
import { estimateTempo } from './bpm.js';
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
import { scanMusic, type FoundFile } from './scan.js';
import { ClapTagger, selectTags } from './tagger.js';
import { UNKNOWN_ARTIST, type CatalogManifest, type SkippedFile, type TrackDamage } from './types.js';
import { eachConcurrently, planFiles, type FilePlan } from './file-plan.js';
import { embedLateWindows, embedTrackWindows, type EmbeddedWindows, type WindowJob } from './track-windows.js';
import { meanNormalized } from './vectors.js';
import { tagVocabulary } from './vocabulary/vocabulary.js';

const log = logger('index-data.indexer');

/** A decode of `duration` seconds from `start` (fewer at the end), mono at `sampleRate`. */
export interface DecodeOptions {
  readonly sampleRate: number;
  readonly start: number;
  readonly duration: number;
  readonly signal?: AbortSignal | undefined;
  readonly onDamage?: ((damage: DecodeDamage) => void) | undefined;
}

/** What the indexer needs from core/media (see media-source.ts for the real one). */
export interface AudioSource {
  probe(path: string, signal?: AbortSignal): Promise<{ readonly duration?: number; readonly hasAudio: boolean }>;
  /** Mono float samples at `sampleRate` from `start` for up to `duration` seconds (fewer at the end). */
  decode(path: string, options: DecodeOptions): Promise<Float32Array>;
  /**
   * The track's first chunk (`decode` from 0) and the EBU R128 momentary loudness over the whole track,
   * from one decode of the file.
   */
  decodeFirst(path: string, options: Omit<DecodeOptions, 'start'>): Promise<{ readonly samples: Float32Array; readonly loudness: LoudnessTrace }>;
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

/** The indexer's settings from config `catalog`: what every caller of indexMusic passes the same way. */
export function catalogIndexSettings(catalog: Config['catalog']): Pick<IndexOptions, 'segmentSeconds' | 'hopSeconds' | 'jobs' | 'maxTrackSeconds'> {
  return { segmentSeconds: catalog.segmentSeconds, hopSeconds: catalog.hopSeconds, jobs: catalog.jobs, maxTrackSeconds: catalog.maxTrackSeconds };
}

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
  // builtAt changes every run: undefined leaves it out of the JSON (the key text is what it was when builtAt was omitted).
  const key = { ...manifest, builtAt: undefined, clapText: encoders.clapText.info.modelId, window: encoders.clapAudio.windowSeconds, rate: encoders.clapAudio.sampleRate, analysis: ANALYSIS_VERSION };
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
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isProcessAlive(pid))
        throw new CatalogError('BUSY', `Another indexer (pid ${pid}) is updating the catalog at ${catalogDir}`, { pid });
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

/** A file kept in the catalog, and its track. */
interface KeptTrack {
  readonly file: FoundFile;
  readonly record: TrackRecord;
}

/** What one indexing run shares between its steps. */
interface IndexRun {
  readonly options: IndexOptions;
  readonly work: WorkDb;
  readonly emit: (event: IndexEvent) => void;
  readonly tagger: ClapTagger;
  readonly describer: Describer;
  /** A stored description made with another setting is written again. */
  readonly describerSetting: string;
  readonly skipped: SkippedFile[];
  /** The track of each content hash kept this run. */
  readonly kept: Map<string, KeptTrack>;
  readonly tally: { done: number; indexed: number; unchanged: number; audioSeconds: number; descriptionFallbacks: FallbackTally };
}

/** The catalog this run published (or found up to date). */
interface PublishOutcome {
  readonly chosen: readonly KeptTrack[];
  readonly skipped: readonly SkippedFile[];
  readonly previousIds: ReadonlySet<string>;
  readonly generation?: string;
}

/**
 * Indexes music folders into a catalog: scan, hash, reuse finished work, process new files (probe,
 * decode, CLAP windows, segments, tags, BPM, description, CLIP text), then publish a new generation
 * when anything changed. Returns the summary (also sent as the last event).
 */
export async function indexMusic(caller: IndexOptions): Promise<IndexSummary> {
  const started = Date.now();
  const runSignal = ownRunSignal(caller.signal, caller.jobs);
  const options: IndexOptions = { ...caller, signal: runSignal.signal };
  const { catalogDir, signal } = options;
  mkdirSync(catalogDir, { recursive: true });
  const release = acquireLock(catalogDir);
  const manifest = manifestFor(options.encoders, options);
  const workKey = workKeyOf(manifest, options.encoders);
  const work = new WorkDb(join(catalogDir, WORK_DB), workKey);
  try {
    const emit = options.onEvent ?? (() => undefined);
    const scan = await scanMusic(options.roots);
    emit({ event: 'scan', files: scan.files.length, problems: scan.problems.length });
    const run = await startRun(options, work, emit, scan.problems);
    const plan = await planFiles(scan.files, { work, audio: options.audio, jobs: options.jobs, signal, emit });
    await eachConcurrently(scan.files, options.jobs, async (file) => {
      signal?.throwIfAborted();
      await indexFile(run, plan, file);
    });
    const outcome = await publishCatalog(run, manifest, workKey);
    work.prune(plan.seenHashes, new Set(scan.files.map((f) => f.path)));
    // Also when nothing changed here: the database may be new, or a copy may have been interrupted.
    const copied = options.database
      ? await copyCatalogToPostgres(catalogDir, options.database.location, { hnsw: options.database.hnsw, progress: (message) => emit({ event: 'database', message }) })
      : undefined;
    const summary = summarize(run, outcome, copied, started);
    emit({ event: 'done', summary });
    return summary;
  } finally {
    work.close();
    release();
    runSignal.release();
  }
}

/** Abort listeners one track in flight may hold at once: a child's, and one per encode batch of two decode chunks. */
const LISTENERS_PER_JOB = 40;

/**
 * The run's own signal, aborted with the caller's (one listener on it). Each track in flight listens on
 * it many times at once (every encode batch of its chunks, each child), which is by design, so its
 * listener limit grows with the jobs instead of warning of a leak (MaxListenersExceededWarning).
 */
function ownRunSignal(outer: AbortSignal | undefined, jobs: number | undefined): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  setMaxListeners(LISTENERS_PER_JOB * Math.max(1, jobs ?? 1), controller.signal);
  const forward = (): void => controller.abort(outer!.reason);
  if (outer?.aborted) forward();
  else outer?.addEventListener('abort', forward, { once: true });
  return { signal: controller.signal, release: () => outer?.removeEventListener('abort', forward) };
}

async function startRun(options: IndexOptions, work: WorkDb, emit: IndexRun['emit'], problems: readonly SkippedFile[]): Promise<IndexRun> {
  const tagger = await ClapTagger.create(options.encoders.clapText, tagVocabulary(), options.signal);
  const describer = options.describer(work);
  return {
    options,
    work,
    emit,
    tagger,
    describer,
    describerSetting: `${describer.mode}/${describer.model}/${describer.promptVersion}`,
    skipped: problems.map((p) => ({ path: p.path, reason: p.reason, code: p.code })),
    kept: new Map(),
    tally: { done: 0, indexed: 0, unchanged: 0, audioSeconds: 0, descriptionFallbacks: { descriptions: 0, reasons: {} } },
  };
}

/** One file: kept unchanged, re-described, indexed, or skipped with a reason; counted and reported. */
async function indexFile(run: IndexRun, plan: FilePlan, file: FoundFile): Promise<void> {
  const { work, tally } = run;
  let status: FileStatus = 'skipped';
  let skip: Skip | undefined;
  const hash = plan.hashes.get(file.path);
  let decoded = 0;
  try {
    if (hash === undefined) throw plan.hashFailures.get(file.path) ?? new Skip('unreadable', 'file cannot be read');
    const owner = plan.ownerOfHash.get(hash)!;
    if (owner !== file.path) throw new Skip('duplicate', `same content as ${owner}`);
    const failed = work.failure(hash);
    if (failed) throw new Skip(failed.code, failed.reason);
    let record = work.record(hash);
    if (record && record.descriptionSetting !== run.describerSetting) record = await redescribe(run, record);
    if (record) {
      status = 'unchanged';
    } else {
      const result = await processFile(run, plan, file, hash);
      record = result.record;
      decoded = result.decodedSeconds;
      status = 'indexed';
    }
    run.kept.set(hash, { file, record });
  } catch (error) {
    run.options.signal?.throwIfAborted();
    skip = skipFromError(error);
    log.info({ path: file.path, code: skip.code, reason: skip.message, ...(isCuecastError(error) ? { details: error.details } : {}) }, 'file skipped');
    if (hash && REMEMBERED_FAILURES.has(skip.code) && !work.failure(hash)) work.saveFailure(hash, skip.code, skip.message);
  }
  tally.done++;
  tally.audioSeconds += decoded;
  if (status === 'indexed') tally.indexed++;
  else if (status === 'unchanged') tally.unchanged++;
  else run.skipped.push({ path: file.path, reason: skip!.message, code: skip!.code });
  run.emit({
    event: 'file',
    status,
    path: file.path,
    done: tally.done,
    total: plan.total,
    audioSeconds: Math.round(decoded * 10) / 10,
    ...(hash && status !== 'skipped' ? { trackId: trackId(hash) } : {}),
    ...(skip ? { reason: skip.message, code: skip.code } : {}),
  });
}

type Description = Awaited<ReturnType<Describer['describe']>>;

/** A description from the selected tags, and its CLIP text embedding. */
async function describeAndEmbed(run: IndexRun, tags: TrackRecord['tags']): Promise<{ description: Description; clipText: Float32Array; selected: TrackRecord['selected'] }> {
  const { signal, encoders } = run.options;
  const selected = selectTags(tags);
  const description = await run.describer.describe({ tags: selected }, signal);
  run.tally.descriptionFallbacks = tallyFallback(run.tally.descriptionFallbacks, description);
  const [clipText] = await encoders.clipText.encodeTexts([description.text], signal);
  return { description, clipText: clipText!, selected };
}

/** A stored track described again under the current describer setting (its audio work is kept). */
async function redescribe(run: IndexRun, record: TrackRecord): Promise<TrackRecord> {
  const old = run.work.vectors(record.contentHash);
  const { description, clipText, selected } = await describeAndEmbed(run, record.tags);
  const updated: TrackRecord = {
    ...record,
    selected,
    description: description.text,
    descriptionBackend: description.backend,
    descriptionModel: description.model,
    descriptionSetting: run.describerSetting,
  };
  run.work.saveTrack(updated, { ...old, clipText });
  return updated;
}

/** A new file: checked, then embedded, measured and described. */
async function processFile(run: IndexRun, plan: FilePlan, file: FoundFile, hash: string): Promise<{ record: TrackRecord; decodedSeconds: number }> {
  const probed = await playableDuration(run, plan, file);
  return embedAndDescribe(run, file, hash, probed);
}

/** The probed duration of a file that can be indexed; a Skip says why one cannot. */
async function playableDuration(run: IndexRun, plan: FilePlan, file: FoundFile): Promise<number> {
  if (file.size === 0) throw new Skip('MEDIA_EMPTY', 'file is empty (0 bytes)');
  const protection = plan.protections.has(file.path) ? plan.protections.get(file.path) : await findProtection(file.path);
  if (protection) throw new Skip('drm-protected', describeProtection(protection));
  const info = plan.probes.get(file.path) ?? (await run.options.audio.probe(file.path, run.options.signal));
  if (!info.hasAudio) throw new Skip('MEDIA_NO_AUDIO', 'no audio stream');
  if (info.duration === undefined) throw new Skip('MEDIA_UNREADABLE', 'audio stream has no readable duration (corrupt file)');
  const probed = info.duration;
  if (!(probed > 0)) throw new Skip('MEDIA_EMPTY', 'contains no audio samples (zero duration)');
  const limit = run.options.maxTrackSeconds ?? Infinity;
  if (probed > limit) throw new Skip('MEDIA_TOO_LONG', `longer than the limit (${formatSeconds(probed)} > ${formatSeconds(limit)})`);
  return probed;
}

/** The track's segments with their CLAP windows: planned from the probed duration, embedded, then re-planned on the duration that really decodes. */
async function embedAndDescribe(run: IndexRun, file: FoundFile, hash: string, probed: number): Promise<{ record: TrackRecord; decodedSeconds: number }> {
  const { options } = run;
  const { clapAudio } = options.encoders;
  const spec: SegmentSpec = { segmentSeconds: options.segmentSeconds, hopSeconds: options.hopSeconds, windowSeconds: clapAudio.windowSeconds };
  const job: WindowJob = { source: options.audio, encoder: clapAudio, path: file.path, signal: options.signal };
  const embedded = await embedTrackWindows(job, probed, distinctWindows(planSegments(probed, spec)));
  const { decodedSeconds } = embedded;
  if (decodedSeconds <= 0) throw new Skip('MEDIA_UNREADABLE', 'decoded no audio (corrupt or truncated file)');
  // Container durations of VBR files are estimates, so only a large shortfall counts as truncation.
  if (decodedSeconds < TRUNCATED_FRACTION * probed && probed - decodedSeconds > 2) {
    throw new Skip('MEDIA_UNREADABLE', `truncated: only ${formatSeconds(decodedSeconds)} of ${formatSeconds(probed)} decode`);
  }
  const duration = Math.min(probed, decodedSeconds);
  const plans = planSegments(duration, spec);
  // The last segment ends where the audio really ends; when that differs from the container's duration
  // (VBR estimates, encoder padding) its windows moved off the planned ones, so decode and embed them now.
  const missing = distinctWindows(plans).filter((w) => !embedded.vectors.has(w) && w + spec.windowSeconds <= decodedSeconds + 1e-3);
  await embedLateWindows(job, missing, embedded.vectors);
  const segmentWindows = plans.map((p) =>
    p.windowStarts.map((w) => {
      const v = embedded.vectors.get(w);
      if (!v) throw new Skip('MEDIA_UNREADABLE', `audio ends early at ${formatSeconds(decodedSeconds)} (truncated file)`);
      return v;
    }),
  );
  const record = await trackRecord(run, file, hash, { plans, segmentWindows, trace: embedded.loudness, embedded, probed, duration });
  return { record, decodedSeconds };
}

/** What trackRecord builds a track from: its segments, their windows' embeddings, and the audio analyses. */
interface TrackAudio {
  readonly plans: readonly SegmentPlan[];
  readonly segmentWindows: readonly Float32Array[][];
  readonly trace: LoudnessTrace;
  readonly embedded: EmbeddedWindows;
  readonly probed: number;
  readonly duration: number;
}

/** Tags, tempo, loudness, metadata, description and vectors of a new track, saved to the work database. */
async function trackRecord(run: IndexRun, file: FoundFile, hash: string, audio: TrackAudio): Promise<TrackRecord> {
  const { encoders, signal } = run.options;
  const { plans, segmentWindows, trace, embedded } = audio;
  const segments = plans.map((p) => ({ index: p.index, start: p.start, end: p.end, ...segmentLoudness(trace, p.start, p.end) }));
  const silent = segments.every((s) => s.silent);
  const clapAudio = segmentWindows.map((ws) => meanNormalized(ws));
  const tags = run.tagger.tag(meanNormalized([...new Set(segmentWindows.flat())]));
  const tempo = silent ? ({ reason: 'silent' } as const) : estimateTempo(embedded.onsets.snapshot());
  const meta = await readMetadata(run.options.metadata, file.path);
  const { description, clipText, selected } = await describeAndEmbed(run, tags);
  const vimlMusic = encoders.vimlMusic ? await encoders.vimlMusic.encodeSegments(segmentWindows, signal) : undefined;
  const damage = damageOf(embedded.damages, embedded.decodedSeconds, audio.probed);
  if (damage) log.warn({ path: file.path, note: damage.note, stderr: embedded.damages.map((d) => d.stderr) }, 'damaged file indexed from what decodes');
  const record: TrackRecord = {
    contentHash: hash,
    title: meta.title?.trim() || titleFromFile(file.path),
    artist: artistName(meta.artist),
    ...(meta.album?.trim() ? { album: meta.album.trim() } : {}),
    durationSeconds: Math.round(audio.duration * 1000) / 1000,
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
    descriptionSetting: run.describerSetting,
    segments,
  };
  const vectors: TrackVectors = { clapAudio, clipText, ...(vimlMusic ? { vimlMusic } : {}) };
  run.work.saveTrack(record, vectors);
  return record;
}

/** File tags; none when they cannot be read (the title falls back to the file name). */
function readMetadata(metadata: MetadataReader, path: string): ReturnType<MetadataReader['read']> {
  return metadata.read(path).catch((error: unknown) => {
    log.debug({ path, err: (error as Error).message }, 'metadata unreadable');
    return {};
  });
}

/** Publishes a new generation when the kept tracks or skipped files changed since the published one. */
async function publishCatalog(run: IndexRun, manifest: CatalogManifest, workKey: string): Promise<PublishOutcome> {
  const { work, options } = run;
  const chosen = [...run.kept.values()].sort((a, b) => (a.file.path < b.file.path ? -1 : 1));
  const skipped = run.skipped.sort((a, b) => (a.path < b.path ? -1 : 1));
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([workKey, chosen.map((c) => [c.record.contentHash, c.file.path, c.record.description]), skipped]))
    .digest('hex');
  const previous = await previousCatalog(options.catalogDir);
  const histories = new Map(chosen.map((c) => [c.record.contentHash, work.noteSeen(c.record.contentHash, c.file.path)]));
  if (fingerprint === previous.fingerprint) return { chosen, skipped, previousIds: previous.ids };
  const tracks: PublishedTrack[] = chosen.map((c) => ({
    record: c.record,
    vectors: work.vectors(c.record.contentHash),
    root: c.file.root,
    absPath: c.file.path,
    firstSeen: histories.get(c.record.contentHash)!.firstSeen,
  }));
  const published = publishGeneration(options.catalogDir, manifest, tracks, fingerprint, skipped);
  run.emit({ event: 'publish', ...published });
  return { chosen, skipped, previousIds: previous.ids, generation: published.generation };
}

/** Track ids and fingerprint of the published catalog (none when there is no readable one). */
async function previousCatalog(catalogDir: string): Promise<{ ids: Set<string>; fingerprint?: string | undefined }> {
  try {
    const previous = openCatalog(catalogDir);
    const ids = new Set([...previous.tracks()].map((t) => t.id));
    const fingerprint = readFingerprint(catalogDir);
    await previous.close();
    return { ids, fingerprint };
  } catch (error) {
    if (!isCuecastError(error)) throw error;
    return { ids: new Set() };
  }
}

function summarize(run: IndexRun, outcome: PublishOutcome, copied: CopyResult | undefined, started: number): IndexSummary {
  const { chosen } = outcome;
  const { tally } = run;
  const newIds = new Set(chosen.map((c) => trackId(c.record.contentHash)));
  const withoutBpm: Record<string, number> = {};
  for (const c of chosen) if (c.record.bpm === undefined) withoutBpm[c.record.bpmReason ?? 'unknown'] = (withoutBpm[c.record.bpmReason ?? 'unknown'] ?? 0) + 1;
  return {
    indexed: tally.indexed,
    unchanged: tally.unchanged,
    skipped: outcome.skipped,
    tracks: chosen.length,
    removed: [...outcome.previousIds].filter((id) => !newIds.has(id)).length,
    silent: chosen.filter((c) => c.record.silent).map((c) => c.file.path),
    damaged: chosen.filter((c) => c.record.damage).map((c) => ({ path: c.file.path, note: c.record.damage!.note })),
    withoutBpm,
    audioSeconds: Math.round(tally.audioSeconds * 10) / 10,
    descriptionFallbacks: tally.descriptionFallbacks,
    ...(outcome.generation ? { generation: outcome.generation } : {}),
    ...(copied ? { database: { catalog: copied.catalog, generation: copied.generation, status: copied.status } } : {}),
    elapsedMs: Date.now() - started,
  };
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '∞';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round(seconds % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
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
