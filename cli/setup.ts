import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../core/config.js';
import { InputError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import { openCatalog, type ExpectedEncoders } from '../index-data/catalog.js';
import { openConfiguredCatalog } from '../index-data/storage/open.js';
import type { Catalog } from '../index-data/types.js';
import { vimlManifestHash } from '../index-data/viml-music.js';
import { createEncoders, loadVimlHeads, type Encoders } from '../model/index.js';
import { catalogVocabulary } from '../recommend/catalog-vocabulary.js';
import { LlmRefinementParser, llmReader, type RefinementReader } from '../recommend/llm-refinement-parser.js';
import { Recommender, type VimlQueryEncoder } from '../recommend/recommender.js';
import { vimlQueryEncoder } from '../recommend/viml-adapter.js';

export { configWithFlags, type LocationFlags } from './config-flags.js';

/** Opens a catalog, refusing one built with other CLIP/CLAP models than `encoders` (CATALOG_MISMATCH). */
export function openCatalogFor(dir: string, encoders: Encoders): Catalog {
  return openCatalog(dir, { expect: expectedBy(encoders) });
}

/** Opens the configured catalog (PostgreSQL when CUECAST_DATABASE_URL is set, else the folder) for `encoders`. */
export function openConfiguredCatalogFor(config: Config, encoders: Encoders): Promise<Catalog> {
  return openConfiguredCatalog(config, { expect: expectedBy(encoders) });
}

function expectedBy(encoders: Encoders): ExpectedEncoders {
  return { clip: encoders.clipText.info, clap: encoders.clapAudio.info };
}

/** Starts the encoders, opens the config's catalog for them and runs `work`; both are closed however it ends. */
export async function withEncodersAndCatalog<T>(config: Config, work: (encoders: Encoders, catalog: Catalog) => Promise<T>): Promise<T> {
  const encoders = await createEncoders(config);
  try {
    const catalog = await openConfiguredCatalogFor(config, encoders);
    try {
      return await work(encoders, catalog);
    } finally {
      await catalog.close();
    }
  } finally {
    await encoders.dispose();
  }
}

/** Trained heads from `dir`, or from `<models>/viml` when present; undefined means zero-shot. */
export async function loadQueryHeads(encoders: Encoders, config: Config, dir?: string): Promise<(VimlQueryEncoder & { readonly dir: string }) | undefined> {
  // On stand-ins that replaced unreachable real models, the heads made for the stand-ins.
  const location = dir ?? encoders.standIn?.headsDir ?? join(config.modelsDir, 'viml');
  if (dir === undefined && !existsSync(join(location, 'manifest.json'))) return undefined;
  const heads = await loadVimlHeads(encoders, config, { dir: location });
  return { ...vimlQueryEncoder(heads, vimlManifestHash(heads.manifest)), dir: heads.dir };
}

/**
 * The Recommender every serving command uses: the catalog's tag vocabulary, and the trained ViML
 * heads of `headsDir` or `<models>/viml` when there are any (viml mode where the catalog holds their
 * music vectors, zero-shot otherwise).
 */
export async function createRecommender(config: Config, encoders: Encoders, catalog: Catalog, headsDir?: string): Promise<Recommender> {
  const viml = await loadQueryHeads(encoders, config, headsDir);
  const reader = refinementReader(config);
  return new Recommender({
    catalog,
    clipText: encoders.clipText,
    clapText: encoders.clapText,
    vocabulary: catalogVocabulary(catalog),
    options: { maxPromptChars: config.maxTextChars },
    ...(viml ? { viml } : {}),
    ...(reader ? { reader } : {}),
  });
}

/** The language-model refinement parser when `llm.refinementParser` is `openai`; undefined for the rule parser. */
export function refinementReader(config: Config): RefinementReader | undefined {
  const { refinementParser, baseUrl, model, apiKey, refinementTimeoutMs } = config.llm;
  if (refinementParser !== 'openai') return undefined;
  const missing = [!baseUrl && 'CUECAST_LLM_BASE_URL (llm.baseUrl)', !model && 'CUECAST_LLM_MODEL (llm.model)'].filter(Boolean);
  if (missing.length > 0) throw new InputError('INPUT_INVALID', `The openai refinement parser needs ${missing.join(' and ')}`);
  const log = logger('recommend.refinement');
  const parser = new LlmRefinementParser({ baseUrl: baseUrl!, model: model!, ...(apiKey ? { apiKey } : {}), timeoutMs: refinementTimeoutMs });
  return llmReader(parser, (error) => log.warn({ err: error }, 'language-model refinement parser failed; used the rule parser'));
}
