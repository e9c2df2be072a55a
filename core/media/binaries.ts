import { MediaError } from '../errors.js';
import { logger } from '../logger.js';
import { runChild } from './process.js';

/** Where a binary came from, in resolution order. */
export type BinarySource = 'override' | 'ffmpeg-static' | '@ffmpeg-installer' | '@ffprobe-installer' | 'PATH';

export interface ResolvedBinary {
  readonly path: string;
  /** First line of `-version`, e.g. `ffmpeg version 5.1.6-0+deb12u1`. */
  readonly version: string;
  readonly source: BinarySource;
  /** Set when no release >= 5 runs and this older build decodes untrusted input anyway. */
  readonly outdated?: boolean;
}

export interface MediaBinaries {
  readonly ffmpeg: ResolvedBinary;
  /** Absent when no ffprobe runs: probing then parses `ffmpeg -i` output. */
  readonly ffprobe?: ResolvedBinary;
}

export interface BinaryOverrides {
  /** `FFMPEG_PATH` / config `media.ffmpegPath`: used as is, never silently replaced. */
  readonly ffmpegPath?: string | undefined;
  readonly ffprobePath?: string | undefined;
}

interface Candidate {
  readonly path: string;
  readonly source: BinarySource;
}

const VERSION_TIMEOUT_MS = 15_000;

const INSTALL_HINT =
  'Install ffmpeg (Debian/Ubuntu: `apt-get install ffmpeg`, macOS: `brew install ffmpeg`), or `npm install @ffmpeg-installer/ffmpeg`, ' + 'or set FFMPEG_PATH to an ffmpeg executable.';

/** Runs `<path> -version`; returns its first line, or undefined when it does not run. */
export async function binaryVersion(path: string): Promise<string | undefined> {
  try {
    const { stdout, exit } = await runChild({ command: path, args: ['-version'], timeoutMs: VERSION_TIMEOUT_MS, maxStdoutBytes: 1 << 20 });
    if (exit.code !== 0) return undefined;
    return stdout.toString('utf8').split('\n')[0]?.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The path an installer package exports, or undefined when it (or its platform binary) is absent. */
async function packagePath(name: string): Promise<string | undefined> {
  try {
    const loaded: unknown = await import(name);
    const value = (loaded as { default?: unknown }).default ?? loaded;
    if (typeof value === 'string') return value; // ffmpeg-static exports the path itself (or null)
    if (typeof value === 'object' && value !== null && typeof (value as { path?: unknown }).path === 'string') {
      return (value as { path: string }).path;
    }
    return undefined;
  } catch {
    return undefined; // not installed (optional dependency) or its binary is missing (installers throw)
  }
}

/** Oldest release trusted with untrusted input: older ones (and the 2018 bundle) have known crashes. */
const CURRENT_MAJOR = 5;

/** `[major, minor, patch]` of a release's `-version` line; undefined for git snapshots (`N-47683-g…`) of unknown age. */
export function versionNumber(versionLine: string): [number, number, number] | undefined {
  const match = /version n?(\d+)\.(\d+)(?:\.(\d+))?/.exec(versionLine);
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

function compareVersions(a: readonly number[] | undefined, b: readonly number[] | undefined): number {
  if (!a || !b) return (a ? 1 : 0) - (b ? 1 : 0);
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/**
 * The newest runnable candidate. A release >= 5 is current; anything else (an old release, the 2018
 * @ffmpeg-installer snapshot) is used only when nothing current runs, and is flagged `outdated`.
 */
export function chooseDecoder(runnable: readonly ResolvedBinary[]): ResolvedBinary | undefined {
  if (runnable.length === 0) return undefined;
  const ranked = [...runnable].sort((a, b) => compareVersions(versionNumber(b.version), versionNumber(a.version)));
  const best = ranked[0]!;
  const current = (versionNumber(best.version)?.[0] ?? 0) >= CURRENT_MAJOR;
  return current ? best : { ...best, outdated: true };
}

async function runnableOf(candidates: readonly Candidate[]): Promise<ResolvedBinary[]> {
  const found = await Promise.all(candidates.map(async (candidate) => ({ ...candidate, version: await binaryVersion(candidate.path) })));
  return found.filter((binary): binary is ResolvedBinary => binary.version !== undefined);
}

async function resolveOverride(name: 'FFMPEG_PATH' | 'FFPROBE_PATH', path: string): Promise<ResolvedBinary> {
  const version = await binaryVersion(path);
  if (!version) {
    throw new MediaError('FFMPEG_MISSING', `${name} is set to "${path}", which does not run (\`${path} -version\` failed). ${INSTALL_HINT}`, {
      [name]: path,
    });
  }
  return { path, version, source: 'override' };
}

async function ffmpegCandidates(): Promise<Candidate[]> {
  const candidates: Candidate[] = [];
  const fromStatic = await packagePath('ffmpeg-static');
  if (fromStatic) candidates.push({ path: fromStatic, source: 'ffmpeg-static' });
  const fromInstaller = await packagePath('@ffmpeg-installer/ffmpeg');
  if (fromInstaller) candidates.push({ path: fromInstaller, source: '@ffmpeg-installer' });
  candidates.push({ path: 'ffmpeg', source: 'PATH' });
  return candidates;
}

async function ffprobeCandidates(): Promise<Candidate[]> {
  const candidates: Candidate[] = [];
  const fromInstaller = await packagePath('@ffprobe-installer/ffprobe');
  if (fromInstaller) candidates.push({ path: fromInstaller, source: '@ffprobe-installer' });
  candidates.push({ path: 'ffprobe', source: 'PATH' });
  return candidates;
}

/**
 * Finds ffmpeg and ffprobe: the overrides when given (an override that does not run is an error),
 * else the newest runnable ffmpeg among PATH and ffmpeg-static that is a release >= 5, else (with a
 * warning) whatever runs, the 2018 @ffmpeg-installer bundle last. ffprobe likewise, but never an
 * outdated one beside a current ffmpeg: probing then parses `ffmpeg -i` output instead.
 */
export async function findBinaries(overrides: BinaryOverrides = {}): Promise<MediaBinaries> {
  const ffmpeg = overrides.ffmpegPath ? await resolveOverride('FFMPEG_PATH', overrides.ffmpegPath) : chooseDecoder(await runnableOf(await ffmpegCandidates()));
  if (!ffmpeg) throw new MediaError('FFMPEG_MISSING', `No runnable ffmpeg was found. ${INSTALL_HINT}`);
  let ffprobe: ResolvedBinary | undefined;
  if (overrides.ffprobePath) {
    ffprobe = await resolveOverride('FFPROBE_PATH', overrides.ffprobePath);
  } else {
    const probe = chooseDecoder(await runnableOf(await ffprobeCandidates()));
    // The bundled 2018 ffprobe crashes on MPEG-TS (HLS): only as outdated as the ffmpeg beside it.
    ffprobe = probe && (!probe.outdated || ffmpeg.outdated === true) ? probe : undefined;
  }
  return ffprobe ? { ffmpeg, ffprobe } : { ffmpeg };
}

let configured: BinaryOverrides | undefined;
let resolved: Promise<MediaBinaries> | undefined;

/** Sets the overrides (from config) used by `mediaBinaries()`; clears the cached resolution. */
export function configureBinaries(overrides: BinaryOverrides): void {
  configured = overrides;
  resolved = undefined;
}

function overridesFromEnv(): BinaryOverrides {
  return { ffmpegPath: process.env.FFMPEG_PATH || undefined, ffprobePath: process.env.FFPROBE_PATH || undefined };
}

/** The binaries every media call uses: resolved once per process and logged once. */
export function mediaBinaries(): Promise<MediaBinaries> {
  resolved ??= findBinaries(configured ?? overridesFromEnv()).then(
    (binaries) => {
      logResolved(binaries);
      return binaries;
    },
    (error: unknown) => {
      resolved = undefined; // let a later call retry (e.g. after the user installs ffmpeg)
      throw error;
    },
  );
  return resolved;
}

function logResolved(binaries: MediaBinaries): void {
  const log = logger('media');
  const { ffmpeg, ffprobe } = binaries;
  if (ffmpeg.outdated) {
    log.warn(
      { ffmpeg: ffmpeg.path, ffmpegVersion: ffmpeg.version },
      `no ffmpeg release >= ${CURRENT_MAJOR} was found; decoding untrusted input with an outdated build. Install a current ffmpeg (apt-get install ffmpeg) or set FFMPEG_PATH`,
    );
  }
  log.info(
    { ffmpeg: ffmpeg.path, ffmpegSource: ffmpeg.source, ffmpegVersion: ffmpeg.version, ffprobe: ffprobe?.path, ffprobeSource: ffprobe?.source, ffprobeVersion: ffprobe?.version },
    ffprobe ? 'resolved ffmpeg and ffprobe' : 'resolved ffmpeg; no ffprobe runs, probing parses ffmpeg output',
  );
}
