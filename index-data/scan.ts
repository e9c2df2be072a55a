import { createHash } from 'node:crypto';
import { createReadStream, type Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';

/** Extensions the indexer reads (matched case-insensitively). */
export const AUDIO_EXTENSIONS: ReadonlySet<string> = new Set(['.mp3', '.flac', '.wav', '.ogg', '.oga', '.opus', '.m4a', '.aac', '.aiff', '.aif', '.aifc']);

/** Companions of music (cover art, playlists, notes): skipped without a word. */
const IGNORED_EXTENSIONS: ReadonlySet<string> = new Set([
  '.jpg',
  '.jpeg',
  '.png',
  '.gif',
  '.webp',
  '.bmp',
  '.txt',
  '.nfo',
  '.cue',
  '.log',
  '.m3u',
  '.m3u8',
  '.pls',
  '.pdf',
  '.md',
  '.db',
  '.ini',
  '.json',
  '.xml',
  '.sfv',
  '.accurip',
  '.lrc',
]);

function unsupportedReason(extension: string): string {
  if (extension === '.m4p') return 'DRM-protected audio (.m4p) cannot be decoded';
  return `unsupported file type "${extension || '(none)'}"`;
}

export interface FoundFile {
  /** Absolute path. */
  readonly path: string;
  /** The root directory it was found under (absolute). */
  readonly root: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export interface ScanProblem {
  readonly path: string;
  readonly reason: string;
  readonly code: 'unreadable-folder' | 'unsupported' | 'missing-root' | 'unreadable-file';
}

export interface ScanResult {
  readonly files: FoundFile[];
  readonly problems: ScanProblem[];
}

/**
 * Recursively lists audio files under each root, following symlinked files and folders (libraries are
 * often folders of links into storage kept elsewhere). Every folder is entered once by its real path, so
 * a link back up the tree ends there; a file reached twice (a link and its target, two links, two
 * overlapping roots) is listed once, under the first path it was reached by. Folders that cannot be
 * read, broken links and files with other extensions are reported, not thrown. Hidden entries
 * (`.name`) are skipped silently.
 */
export async function scanMusic(roots: readonly string[]): Promise<ScanResult> {
  const files: FoundFile[] = [];
  const problems: ScanProblem[] = [];
  const seen = new Set<string>();
  /** Real paths of the files listed and of the folders entered. */
  const seenReal = new Set<string>();
  const visitedDirs = new Set<string>();
  for (const rawRoot of roots) {
    const root = resolve(rawRoot);
    const rootProblem = await checkRoot(root);
    if (rootProblem) {
      problems.push(rootProblem);
      continue;
    }
    const stack = [root];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      let real: string;
      let entries;
      try {
        real = await realpath(dir);
        if (visitedDirs.has(real)) continue;
        visitedDirs.add(real);
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        problems.push({ path: dir, reason: `folder cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, code: 'unreadable-folder' });
        continue;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const subdirs: string[] = [];
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue;
        const path = join(dir, entry.name);
        const kind = await kindOf(entry, path);
        if (typeof kind !== 'string') {
          problems.push(kind);
          continue;
        }
        if (kind === 'folder') {
          subdirs.push(path);
        } else if (kind === 'file') {
          const extension = extname(entry.name).toLowerCase();
          if (IGNORED_EXTENSIONS.has(extension)) continue;
          if (!AUDIO_EXTENSIONS.has(extension)) {
            problems.push({ path, reason: unsupportedReason(extension), code: 'unsupported' });
            continue;
          }
          if (seen.has(path)) continue;
          seen.add(path);
          try {
            const target = await realpath(path);
            if (seenReal.has(target)) continue;
            seenReal.add(target);
            const info = await stat(path);
            files.push({ path, root, size: info.size, mtimeMs: info.mtimeMs });
          } catch (error) {
            problems.push({ path, reason: `cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, code: 'unreadable-file' });
          }
        }
      }
      for (const sub of subdirs.reverse()) stack.push(sub); // popped in name order
    }
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, problems };
}

/** Why a root cannot be scanned, if it cannot. */
async function checkRoot(root: string): Promise<ScanProblem | undefined> {
  try {
    const info = await stat(root);
    return info.isDirectory() ? undefined : { path: root, reason: 'not a folder', code: 'missing-root' };
  } catch (error) {
    return { path: root, reason: `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, code: 'missing-root' };
  }
}

/** What a folder entry is, following a symbolic link to its target; a link that cannot be followed is a problem. */
async function kindOf(entry: Dirent, path: string): Promise<'folder' | 'file' | 'other' | ScanProblem> {
  if (!entry.isSymbolicLink()) return entry.isDirectory() ? 'folder' : entry.isFile() ? 'file' : 'other';
  try {
    const target = await stat(path);
    return target.isDirectory() ? 'folder' : target.isFile() ? 'file' : 'other';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ELOOP' ? 'link loops back on itself' : code === 'ENOENT' ? 'broken link (its target does not exist)' : `link cannot be followed (${code ?? (error as Error).message})`;
    return { path, reason, code: 'unreadable-file' };
  }
}

/** SHA-256 of a file's bytes (hex): the identity of a track across runs, renames and moves. */
export function hashFile(path: string, signal?: AbortSignal): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    const stream = createReadStream(path, signal ? { signal } : {});
    stream.on('data', (chunk) => hash.update(chunk));
    stream.on('error', reject);
    stream.on('end', () => resolvePromise(hash.digest('hex')));
  });
}
