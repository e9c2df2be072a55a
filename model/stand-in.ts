/**
 * The stand-in models: tiny random-weight CLIP and CLAP exports (and ViML heads for them) that the
 * project builds itself (scripts/models/make_fixture_models.py). They let every command run end to end
 * where the real models cannot be had, and are announced wherever they are used, because their picks
 * mean nothing.
 *
 * Where they ship: in the repository and in the npm package (package.json "files") under
 * tests/fixtures/models and tests/fixtures/viml, found by walking up from this module, so a source
 * checkout (model/), a build (dist/model/) and an installed package all find them.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const STAND_IN_MODELS = join('tests', 'fixtures', 'models');
export const STAND_IN_HEADS = join('tests', 'fixtures', 'viml');

function findUpwards(relative: string, marker: string): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, relative);
    if (existsSync(join(candidate, marker))) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}

/** The models directory holding the stand-in clip/ and clap/, when installed. */
export function standInModelsDir(): string | undefined {
  const dir = findUpwards(STAND_IN_MODELS, join('clip', 'config.json'));
  return dir && existsSync(join(dir, 'clap', 'config.json')) ? dir : undefined;
}

/** Tiny ViML heads exported for the stand-in encoders. */
export function standInHeadsDir(): string | undefined {
  return findUpwards(STAND_IN_HEADS, 'manifest.json');
}

/** Model ids (`_name_or_path`) of the stand-ins: `cuecast/tiny-random-clip`, `cuecast/tiny-random-clap`. */
export const isStandInModelId = (modelId: string): boolean => /^cuecast\/tiny-random-/.test(modelId);

/** Why stand-ins are in use, for banners, logs, /readyz and JSON. */
export interface StandInNotice {
  /** Why the real models were not used. */
  readonly reason: string;
}

/** The banner every CLI command prints on stderr when it runs on the stand-ins. */
export function standInBanner(notice: StandInNotice): string {
  return [
    '!!! -------------------------------------------------------------------------------- !!!',
    '!!! STAND-IN MODELS: tiny random-weight encoders, not CLIP/CLAP. The pipeline runs     !!!',
    '!!! end to end, but the tags, descriptions, picks and scores are NOT meaningful.        !!!',
    '!!! -------------------------------------------------------------------------------- !!!',
    `(${notice.reason}; see docs/models.md to install the real models)`,
  ].join('\n');
}
