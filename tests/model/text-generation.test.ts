import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createTextGenerator, type TextGeneratorOptions, type WorkerTextGenerator } from '../../model/text-generation.js';
import { fixtureModelsDir } from '../support/models.js';
import { stringContaining } from '../support/matchers.js';

/** scripts/models/make_llm_fixture.py: a 2-layer random-weight GPT-2 with a MusicCaps BPE tokenizer. */
const LLM_DIR = fileURLToPath(new URL('../fixtures/models/llm', import.meta.url));
const LLM_ID = 'cuecast/tiny-random-gpt2';
const CONTEXT = 1024;
const PROMPT = 'Tags: ambient, calm, piano, instrumental\nDescription:';

const open: WorkerTextGenerator[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'cuecast-textgen-'));

async function generator(options: Partial<TextGeneratorOptions> = {}): Promise<WorkerTextGenerator> {
  const created = await createTextGenerator({ model: LLM_DIR, allowRemote: false, threads: 1, logLevel: 'silent', ...options });
  open.push(created);
  return created;
}

/**
 * Modules this thread has loaded through Node's CommonJS loader. transformers.js itself is ESM, but it
 * loads onnxruntime-node (and its native binding) through that loader, so any inference on this thread
 * would leave onnxruntime-node entries here.
 */
function loadedHere(fragment: string): string[] {
  return Object.keys(createRequire(import.meta.url).cache).filter((path) => path.includes(fragment));
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.dispose()));
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('text generation in a worker thread', () => {
  it('given the fixture causal LM, generates in a worker thread and the main thread never loads onnxruntime', async () => {
    const gen = await generator();
    const result = await gen.continue(PROMPT, { maxNewTokens: 6 });
    expect(result.newTokens).toBe(6);
    expect(result.text.length).toBeGreaterThan(0);
    const stats = gen.stats();
    expect(stats).toMatchObject({ modelId: LLM_ID, requests: 1, completed: 1, failed: 0, generatedTokens: 6 });
    expect(stats.workerThreadId).toBeGreaterThan(0);
    expect(stats.workerThreadId).not.toBe(threadId);
    expect(loadedHere('onnxruntime-node')).toEqual([]);
  });

  it('decodes greedily: the same prompt gives the same text, in this worker and in a fresh one', async () => {
    const first = await generator();
    const a = await first.generate(PROMPT, { maxNewTokens: 12 });
    const b = await first.generate(PROMPT, { maxNewTokens: 12 });
    const second = await generator();
    const c = await second.generate(PROMPT, { maxNewTokens: 12 });
    expect(a.length).toBeGreaterThan(0);
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(await first.generate(`${PROMPT} A`, { maxNewTokens: 12 })).not.toBe(a);
  });

  it('stops at maxNewTokens, and a shorter run is a prefix of a longer one (the KV cache carries the context)', async () => {
    const gen = await generator();
    const short = await gen.continue(PROMPT, { maxNewTokens: 3 });
    const long = await gen.continue(PROMPT, { maxNewTokens: 20 });
    expect(short).toMatchObject({ newTokens: 3, stop: 'length', droppedTokens: 0 });
    expect(long).toMatchObject({ newTokens: 20, stop: 'length' });
    expect(long.promptTokens).toBe(short.promptTokens);
    expect(long.text.startsWith(short.text)).toBe(true);
    expect(gen.stats().generatedTokens).toBe(23);
  });

  it('given a prompt longer than the context, drops its oldest tokens so prompt and new tokens fit', async () => {
    const gen = await generator();
    const long = `${'Tags: rock, drums, electric guitar\nDescription: A loud rock song with drums.\n\n'.repeat(80)}${PROMPT}`;
    const result = await gen.continue(long, { maxNewTokens: 10 });
    expect(result.droppedTokens).toBeGreaterThan(0);
    expect(result.promptTokens + 10).toBe(CONTEXT);
    expect(result.newTokens).toBe(10);
    await expect(gen.continue(PROMPT, { maxNewTokens: CONTEXT })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(gen.continue(PROMPT, { maxNewTokens: 0 })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(gen.continue('')).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });

  it('runs queued prompts one at a time, each caller getting its own continuation', async () => {
    const gen = await generator();
    const prompts = ['Tags: jazz, saxophone\nDescription:', 'Tags: metal, aggressive\nDescription:', PROMPT];
    const together = await Promise.all(prompts.map((p) => gen.generate(p, { maxNewTokens: 8 })));
    const alone = [];
    for (const p of prompts) alone.push(await gen.generate(p, { maxNewTokens: 8 }));
    expect(together).toEqual(alone);
    expect(gen.stats()).toMatchObject({ requests: 6, completed: 6, queued: 0, busy: false });
  });

  it('given an abort, drops a queued prompt before it runs and stops a running one; the worker keeps serving', async () => {
    const gen = await generator();
    const running = new AbortController();
    const queued = new AbortController();
    const first = gen.continue(PROMPT, { maxNewTokens: 900, signal: running.signal });
    const second = gen.continue(PROMPT, { maxNewTokens: 900, signal: queued.signal });
    queued.abort(new Error('not needed any more'));
    await expect(second).rejects.toThrow('not needed any more');
    running.abort(new Error('user left'));
    await expect(first).rejects.toThrow('user left');
    const after = await gen.continue(PROMPT, { maxNewTokens: 4 });
    expect(after.newTokens).toBe(4);
    const stats = gen.stats();
    expect(stats).toMatchObject({ cancelled: 2, completed: 1, failed: 0 });
    // The running prompt stopped long before its 900 tokens (the queued one never ran).
    expect(stats.generatedTokens).toBeLessThan(4 + 900);
    await expect(gen.continue(PROMPT, { signal: AbortSignal.abort(new Error('already gone')) })).rejects.toThrow('already gone');
  });

  it('on dispose, rejects queued prompts with SHUTTING_DOWN and refuses new ones', async () => {
    const gen = await generator();
    const pending = [gen.continue(PROMPT, { maxNewTokens: 500 }), gen.continue(PROMPT, { maxNewTokens: 500 })];
    const rejected = pending.map((p) => expect(p).rejects.toMatchObject({ code: 'SHUTTING_DOWN' }));
    await gen.dispose();
    await Promise.all(rejected);
    await expect(gen.generate(PROMPT)).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
  });
});

describe('where the model comes from', () => {
  it('given a model directory that does not exist, fails with MODEL_MISSING naming it and the setting to fix', async () => {
    const missing = join(scratch, 'no-such-model');
    const error = await createTextGenerator({ model: missing, allowRemote: false }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MODEL_MISSING' });
    expect((error as Error).message).toContain(missing);
    expect((error as Error).message).toContain('CUECAST_LLM_MODEL');
  });

  it('given a hub id that is not downloaded and downloads off, fails with MODEL_MISSING naming the id, the cache and the fix', async () => {
    const cacheDir = join(scratch, 'empty-hub');
    const error = await createTextGenerator({ model: 'someone/tiny-llm', cacheDir, allowRemote: false }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MODEL_MISSING', details: { model: 'someone/tiny-llm' } });
    expect((error as Error).message).toMatch(/"someone\/tiny-llm".*empty-hub.*CUECAST_ALLOW_REMOTE_MODELS=true/);
  });

  it('given a hub id already in the download cache, loads it with downloads off', async () => {
    const cacheDir = join(scratch, 'hub');
    mkdirSync(join(cacheDir, 'cuecast'), { recursive: true });
    cpSync(LLM_DIR, join(cacheDir, LLM_ID), { recursive: true });
    const fromCache = await generator({ model: LLM_ID, cacheDir });
    const fromDir = await generator();
    expect(fromCache.loaded?.modelId).toBe(LLM_ID);
    expect(await fromCache.generate(PROMPT, { maxNewTokens: 5 })).toBe(await fromDir.generate(PROMPT, { maxNewTokens: 5 }));
  });

  it('given q8 and a directory without onnx/model_quantized.onnx, fails with MODEL_MISSING naming the file', async () => {
    const error = await createTextGenerator({ model: LLM_DIR, dtype: 'q8', allowRemote: false, logLevel: 'silent' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MODEL_MISSING' });
    expect((error as Error).message).toContain('onnx/model_quantized.onnx');
  });

  it('given a model that is not a causal LM (the CLIP fixture), fails with MODEL_INVALID', async () => {
    const error = await createTextGenerator({ model: join(fixtureModelsDir, 'clip'), allowRemote: false, logLevel: 'silent' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MODEL_INVALID' });
    expect((error as Error).message).toContain('clip');
  });
});

describe('worker lifecycle (stand-in worker, no model)', () => {
  const standIn = new URL('./text-generation-stand-in-worker.ts', import.meta.url);

  it('given a worker that dies mid-prompt, fails that prompt with MODEL_FAILED, then starts a new worker for the queued ones', async () => {
    const gen = await generator({ workerModule: standIn });
    const firstThread = gen.loaded!.threadId;
    const crashed = gen.generate('crash');
    const queued = gen.generate('after the crash');
    await expect(crashed).rejects.toMatchObject({ code: 'MODEL_FAILED', message: stringContaining('exit code 3') });
    expect(await queued).toBe('AFTER THE CRASH');
    expect(gen.loaded!.threadId).not.toBe(firstThread);
    await expect(gen.generate('throw')).rejects.toMatchObject({ code: 'MODEL_FAILED', message: stringContaining('blew up') });
    expect(await gen.generate('still serving')).toBe('STILL SERVING');
    expect(gen.stats()).toMatchObject({ workerRestarts: 2, failed: 2, completed: 2 });
  });

  it('given a worker that never reports ready, fails start-up with MODEL_FAILED within the start timeout', async () => {
    const error = await createTextGenerator({ model: 'silent', workerModule: standIn, startTimeoutMs: 1500 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MODEL_FAILED', message: stringContaining('within 1500 ms') });
  });
});
