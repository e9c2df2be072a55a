import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (the directory of cuecast's package.json), from source or from dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'cuecast') return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find the cuecast package root from the benchmark');
}

/** Where scripts/models/make_full_clip.py writes the full-size random-weight CLIP ViT-B/32 graphs. */
export const defaultFullClipDir = (): string => join(packageRoot(), '.cache', 'models', 'clip-vit-b32-random');

/** Where scripts/models/make_full_clap.py writes the full-size random-weight CLAP HTSAT-unfused graphs. */
export const defaultFullClapDir = (): string => join(packageRoot(), '.cache', 'models', 'clap-htsat-unfused-random');

/** The tiny CLAP fixture: the encoder pool needs a CLAP model to describe even when only CLIP is timed. */
export const fixtureClapDir = (): string => join(packageRoot(), 'tests', 'fixtures', 'models', 'clap');
