/**
 * The indexer's first step: what is known of the scanned files before any is processed. Every file is
 * hashed (the hash remembered by path, size and mtime), the file that keeps each duplicated content
 * is chosen, and the files to process are checked for DRM and probed, so progress can give an ETA in
 * audio time.
 */
import { findProtection } from './drm.js';
import type { AudioSource, IndexEvent } from './indexer.js';
import { hashFile, type FoundFile } from './scan.js';
import type { WorkDb } from './store/work-db.js';

/** What planning needs from the run. */
export interface PlanContext {
  readonly work: WorkDb;
  readonly audio: AudioSource;
  /** Files handled at once. */
  readonly jobs: number | undefined;
  readonly signal: AbortSignal | undefined;
  readonly emit: (event: IndexEvent) => void;
}

export type ProbedAudio = Awaited<ReturnType<AudioSource['probe']>>;
export type Protection = Awaited<ReturnType<typeof findProtection>>;

/** What is known of the scanned files before any is processed. */
export interface FilePlan {
  readonly total: number;
  readonly hashes: ReadonlyMap<string, string>;
  /** Why a file could not be hashed (it is skipped with this reason). */
  readonly hashFailures: ReadonlyMap<string, Error>;
  /** The one file that keeps the track of each content hash (duplicates are skipped). */
  readonly ownerOfHash: ReadonlyMap<string, string>;
  /** Every content hash seen this run (work for any other content is pruned at the end). */
  readonly seenHashes: ReadonlySet<string>;
  readonly probes: ReadonlyMap<string, ProbedAudio>;
  readonly protections: Map<string, Protection>;
}

/**
 * Hashes every file first: which copy of a duplicated content keeps the track is decided before any
 * work, from where the catalog already had it (a copy added later never takes over), and the audio
 * still to decode is probed up front so progress can give an ETA in audio time, not file counts.
 */
export async function planFiles(files: readonly FoundFile[], run: PlanContext): Promise<FilePlan> {
  const { hashes, hashFailures } = await hashFiles(files, run);
  const { ownerOfHash, seenHashes } = ownersOf(run.work, files, hashes);
  const toProcess = files.filter((f) => {
    const hash = hashes.get(f.path);
    return hash !== undefined && ownerOfHash.get(hash) === f.path && !run.work.failure(hash) && !run.work.record(hash) && f.size > 0;
  });
  const { probes, protections } = await probeFiles(toProcess, run);
  const plannedSeconds = [...probes.values()].reduce((sum, p) => sum + (p.duration ?? 0), 0);
  run.emit({ event: 'plan', files: files.length, toProcess: toProcess.length, audioSeconds: Math.round(plannedSeconds * 10) / 10 });
  return { total: files.length, hashes, hashFailures, ownerOfHash, seenHashes, probes, protections };
}

/** Content hashes (remembered by path, size and mtime), and why a file could not be hashed. */
async function hashFiles(files: readonly FoundFile[], run: PlanContext): Promise<{ hashes: Map<string, string>; hashFailures: Map<string, Error> }> {
  const { work, signal } = run;
  const hashes = new Map<string, string>();
  const hashFailures = new Map<string, Error>();
  await eachConcurrently(files, run.jobs, async (file) => {
    try {
      let hash = work.cachedHash(file.path, file.size, file.mtimeMs);
      if (!hash) {
        hash = await hashFile(file.path, signal);
        work.rememberHash(file.path, file.size, file.mtimeMs, hash);
      }
      hashes.set(file.path, hash);
    } catch (error) {
      signal?.throwIfAborted();
      hashFailures.set(file.path, error instanceof Error ? error : new Error(String(error)));
    }
  });
  return { hashes, hashFailures };
}

/** The file that keeps each content hash: the first found, unless another copy is where the catalog last (or first) had it. */
function ownersOf(work: WorkDb, files: readonly FoundFile[], hashes: ReadonlyMap<string, string>): { ownerOfHash: Map<string, string>; seenHashes: Set<string> } {
  const ownerOfHash = new Map<string, string>();
  const seenHashes = new Set<string>();
  for (const file of files) {
    const hash = hashes.get(file.path);
    if (hash === undefined) continue;
    seenHashes.add(hash);
    const history = work.history(hash);
    const current = ownerOfHash.get(hash);
    const preferred = (path: string): boolean => path === history?.lastPath || path === history?.firstPath;
    if (current === undefined || (preferred(file.path) && !preferred(current))) ownerOfHash.set(hash, file.path);
  }
  return { ownerOfHash, seenHashes };
}

/** DRM checks and probes of the files to process; a file that fails here reports why when it is processed. */
async function probeFiles(files: readonly FoundFile[], run: PlanContext): Promise<{ probes: Map<string, ProbedAudio>; protections: Map<string, Protection> }> {
  const { audio, signal } = run;
  const probes = new Map<string, ProbedAudio>();
  const protections = new Map<string, Protection>();
  await eachConcurrently(files, run.jobs, async (file) => {
    try {
      // A DRM-protected file is found from its boxes and never handed to ffmpeg, not even to plan.
      const protection = protections.has(file.path) ? protections.get(file.path) : await findProtection(file.path);
      protections.set(file.path, protection);
      if (protection) return;
      probes.set(file.path, await audio.probe(file.path, signal));
    } catch {
      signal?.throwIfAborted(); // the file's own processing reports why
    }
  });
  return { probes, protections };
}

/** Runs `work` over `items`, `jobs` at a time, in order of start. */
export async function eachConcurrently<T>(items: readonly T[], jobs: number | undefined, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const lanes = Math.min(Math.max(1, jobs ?? 1), queue.length);
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}
