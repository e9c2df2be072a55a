import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { buildAnalogyPrompt, PROMPT_VERSION } from '../../index-data/describe/analogy.js';
import type { LlmBackend } from '../../index-data/describe/backend.js';
import { descriptionCacheKey, MemoryDescriptionCache } from '../../index-data/describe/cache.js';
import { cleanCompletion, Describer } from '../../index-data/describe/describer.js';
import { createLlmBackend } from '../../index-data/describe/from-config.js';
import { guardDescription } from '../../index-data/describe/guard.js';
import { LocalLlmBackend } from '../../index-data/describe/local.js';
import { templateDescription } from '../../index-data/describe/template.js';
import type { ScoredTag, TagGroup } from '../../index-data/types.js';
import { musicCapsExamples, tagVocabulary } from '../../index-data/vocabulary/vocabulary.js';
import { createTextGenerator, type WorkerTextGenerator } from '../../model/text-generation.js';
import { fixtureConfig } from '../support/models.js';
import { arrayContaining, stringContaining } from '../support/matchers.js';

/** The random-weight GPT-2 fixture (scripts/models/make_llm_fixture.py): fluent-looking gibberish. */
const LLM_DIR = fileURLToPath(new URL('../fixtures/models/llm', import.meta.url));

const t = (group: TagGroup, tag: string, score = 0.8): ScoredTag => ({ group, tag, score });
const ambient: ScoredTag[] = [t('genre', 'ambient'), t('mood', 'calm'), t('instrument', 'piano'), t('vocals', 'instrumental'), t('tempo', 'slow tempo')];

const open: { dispose(): Promise<void> }[] = [];

async function fixtureGenerator(): Promise<WorkerTextGenerator> {
  const generator = await createTextGenerator({ model: LLM_DIR, allowRemote: false, threads: 1, logLevel: 'silent' });
  open.push(generator);
  return generator;
}

function localDescriber(llm: LlmBackend, cache = new MemoryDescriptionCache()): Describer {
  return new Describer({ mode: 'local', llm, vocabulary: tagVocabulary(), examples: musicCapsExamples(), cache });
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.dispose()));
});

describe('local description backend on a real (random-weight) causal LM', () => {
  it("given the fixture's gibberish, the guard rejects it twice as non-words and the template text is used, with the reasons", async () => {
    const generator = await fixtureGenerator();
    const backend = new LocalLlmBackend(generator);
    // The premise: what the fixture writes for this prompt is gibberish (token fragments, undecodable bytes).
    const raw = cleanCompletion(await backend.complete(buildAnalogyPrompt(ambient, musicCapsExamples())));
    expect(raw.length).toBeGreaterThan(0);
    const verdict = guardDescription(raw, ambient, tagVocabulary());
    expect(verdict.reasons).toContain('non-words');

    const cache = new MemoryDescriptionCache();
    const result = await localDescriber(backend, cache).describe({ tags: ambient });
    expect(result).toEqual({
      backend: 'template',
      model: 'template',
      promptVersion: 'template-1',
      text: templateDescription(ambient),
      fellBack: true,
      fallbackReasons: verdict.reasons,
      cached: false,
    });
    // One premise call, then the first attempt and its one retry, all generated in the worker.
    expect(generator.stats()).toMatchObject({ requests: 3, completed: 3, generatedTokens: 3 * 120 });
    expect(
      cache.get(
        descriptionCacheKey(
          ambient.map((x) => x.tag),
          'local',
          LLM_DIR,
          PROMPT_VERSION,
        ),
      ),
    ).toBeUndefined();
  });

  it('given an abort while the model generates, the description rejects with the reason and the worker keeps serving', async () => {
    const generator = await fixtureGenerator();
    const describer = localDescriber(new LocalLlmBackend(generator));
    const controller = new AbortController();
    const pending = describer.describe({ tags: ambient }, controller.signal);
    controller.abort(new Error('indexer stopped'));
    await expect(pending).rejects.toThrow('indexer stopped');
    expect(generator.stats().cancelled).toBe(1);
    expect(await generator.generate('Tags: jazz\nDescription:', { maxNewTokens: 4 })).not.toBe('');
  });
});

describe('local backend from config', () => {
  it('given llm.backend local and llm.model a model folder, describes through the worker-backed backend', async () => {
    const llm = await createLlmBackend(fixtureConfig({ 'llm.backend': 'local', 'llm.model': LLM_DIR }));
    expect(llm).toBeInstanceOf(LocalLlmBackend);
    open.push(llm as LocalLlmBackend);
    expect(llm).toMatchObject({ name: 'local', model: LLM_DIR });
    const result = await localDescriber(llm!).describe({ tags: ambient });
    expect(result).toMatchObject({ backend: 'template', fellBack: true, fallbackReasons: arrayContaining(['non-words']), text: templateDescription(ambient) });
  });

  it('given a hub id that was never downloaded and downloads off, fails with MODEL_MISSING naming the id and the fix', async () => {
    const config = fixtureConfig({ 'llm.backend': 'local', 'llm.model': 'someone/absent-llm' });
    const error = await createLlmBackend(config).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MODEL_MISSING', details: { model: 'someone/absent-llm' } });
    expect((error as Error).message).toMatch(/someone\/absent-llm.*CUECAST_ALLOW_REMOTE_MODELS=true.*CUECAST_LLM_MODEL/);
  });

  it('given llm.backend local without llm.model, fails with INPUT_INVALID naming the setting', async () => {
    await expect(createLlmBackend(fixtureConfig({ 'llm.backend': 'local' }))).rejects.toMatchObject({ code: 'INPUT_INVALID', message: stringContaining('CUECAST_LLM_MODEL') });
  });
});
