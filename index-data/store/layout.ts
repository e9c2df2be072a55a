import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * On-disk layout of a catalog directory:
 *   CURRENT                 name of the published generation (replaced by atomic rename)
 *   generations/<name>/     catalog.sqlite + one <space>.hnsw per vector space, immutable once published
 *   work.sqlite             the indexer's per-track results and description cache (resume after a kill)
 *   index.lock              pid of the running indexer
 */
export const CURRENT_FILE = 'CURRENT';
export const GENERATIONS_DIR = 'generations';
export const CATALOG_DB = 'catalog.sqlite';
export const WORK_DB = 'work.sqlite';
export const LOCK_FILE = 'index.lock';
/** 2: per-segment loudness and silence, BPM reasons, damage, first-seen time, skipped files. */
export const FORMAT_VERSION = 2;

export function generationDir(catalogDir: string, name: string): string {
  return join(catalogDir, GENERATIONS_DIR, name);
}

export function indexFile(generation: string, space: string): string {
  return join(generation, `${space}.hnsw`);
}

/** Name of the published generation, or undefined when nothing was ever published. */
export function readCurrent(catalogDir: string): string | undefined {
  try {
    const name = readFileSync(join(catalogDir, CURRENT_FILE), 'utf8').trim();
    return name.length > 0 ? name : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Points CURRENT at `name`: write a temp file, fsync, rename over CURRENT, fsync the folder. */
export function switchCurrent(catalogDir: string, name: string): void {
  const tmp = join(catalogDir, `${CURRENT_FILE}.${process.pid}.tmp`);
  writeFileSync(tmp, `${name}\n`);
  fsyncPath(tmp);
  renameSync(tmp, join(catalogDir, CURRENT_FILE));
  fsyncPath(catalogDir);
}
