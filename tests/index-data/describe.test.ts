import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildAnalogyPrompt, PROMPT_VERSION, selectAnalogies } from '../../index-data/describe/analogy.js';
import type { ChatMessage, LlmBackend } from '../../index-data/describe/backend.js';
import { MemoryDescriptionCache } from '../../index-data/describe/cache.js';
import { cleanCompletion, Describer } from '../../index-data/describe/describer.js';
import { guardDescription } from '../../index-data/describe/guard.js';
import { OpenAiChatBackend } from '../../index-data/describe/openai.js';
import { tagsDescription, templateDescription } from '../../index-data/describe/template.js';
import type { ScoredTag, TagGroup } from '../../index-data/types.js';
import { musicCapsExamples, tagVocabulary, type MusicCapsExample } from '../../index-data/vocabulary/vocabulary.js';

const t = (group: TagGroup, tag: string, score = 0.8): ScoredTag => ({ group, tag, score });
const lofi: ScoredTag[] = [t('genre', 'hip hop'), t('mood', 'calm'), t('instrument', 'piano'), t('instrument', 'drums'), t('vocals', 'instrumental'), t('tempo', 'slow tempo')];
const example = (ytid: string, tags: string[]): MusicCapsExample => ({ ytid, tags, caption: `caption of ${ytid}` });

/** A scripted LLM: answers from the list in order, counting calls. */
class ScriptedLlm implements LlmBackend {
  readonly name = 'openai';
  readonly model = 'scripted';
  calls = 0;
  constructor(private readonly answers: readonly (string | Error)[]) {}
  async complete(_messages: readonly ChatMessage[]): Promise<string> {
    const answer = this.answers[Math.min(this.calls++, this.answers.length - 1)]!;
    if (answer instanceof Error) throw answer;
    return answer;
  }
}

describe('selectAnalogies', () => {
  const pool = [
    example('a', ['rock', 'electric guitar', 'male vocals']),
    example('b', ['hip hop', 'piano', 'calm', 'instrumental']),
    example('c', ['hip hop', 'piano', 'calm', 'instrumental', 'drums', 'slow tempo', 'sad']),
    example('d', ['hip hop', 'piano', 'sad', 'instrumental', 'drums', 'slow tempo', 'male vocals', 'rock', 'energetic']),
    example('e', ['jazz', 'saxophone']),
  ];

  it('given hand-made examples, picks the ones sharing most tags, fewer extras breaking ties', () => {
    const names = lofi.map((x) => x.tag);
    expect(selectAnalogies(names, pool, 3).map((e) => e.ytid)).toEqual(['c', 'd', 'b']);
  });

  it('never pads with examples that share nothing', () => {
    expect(selectAnalogies(['jazz'], pool, 3).map((e) => e.ytid)).toEqual(['e']);
  });

  it('builds a prompt with the nearest MusicCaps examples first and the target tags last', () => {
    const messages = buildAnalogyPrompt(lofi, musicCapsExamples(), 3);
    const user = messages.at(-1)!.content;
    expect(user.match(/^Tags:/gm)).toHaveLength(4);
    expect(user.trimEnd().endsWith(`Tags: ${lofi.map((x) => x.tag).join(', ')}\nDescription:`)).toBe(true);
    const shown = selectAnalogies(lofi.map((x) => x.tag), musicCapsExamples(), 3);
    for (const e of shown) expect(user).toContain(e.caption);
    expect(shown[0]!.tags.filter((x) => lofi.some((l) => l.tag === x)).length).toBeGreaterThanOrEqual(3);
  });
});

describe('guardDescription', () => {
  const vocab = tagVocabulary();

  it('accepts a description naming only tagged things, and negated untagged ones', () => {
    expect(guardDescription('A calm hip hop beat with soft piano and drums, no vocals and no saxophone.', lofi, vocab)).toEqual({ ok: true, violations: [] });
  });

  it('given an instrument the tags do not have, rejects it and names it', () => {
    const verdict = guardDescription('A calm hip hop beat led by a saxophone.', lofi, vocab);
    expect(verdict.ok).toBe(false);
    expect(verdict.violations.join()).toMatch(/saxophone/);
  });

  it('given vocals on an instrumental track, rejects it', () => {
    expect(guardDescription('A mellow piano tune where a female singer hums along.', lofi, vocab).ok).toBe(false);
    expect(guardDescription('Piano and drums; the voice is soft.', lofi, vocab).ok).toBe(false);
  });

  it('given the wrong singer or a contradicting genre, rejects it', () => {
    const sung: ScoredTag[] = [t('genre', 'rock'), t('instrument', 'electric guitar'), t('vocals', 'female vocals')];
    expect(guardDescription('A rock song with electric guitar and a female vocalist.', sung, vocab).ok).toBe(true);
    expect(guardDescription('A rock song with electric guitar and a male singer.', sung, vocab).ok).toBe(false);
    expect(guardDescription('A jazz tune with electric guitar and a female vocalist.', sung, vocab).ok).toBe(false);
  });

  it('allows close relatives of tagged instruments (percussion for drums)', () => {
    expect(guardDescription('Hip hop with piano and light percussion.', lofi, vocab).ok).toBe(true);
  });
});

describe('tags and template modes', () => {
  it('writes the tags as a plain list', () => {
    expect(tagsDescription(lofi)).toBe('hip hop, calm, piano, drums, instrumental, slow tempo');
  });

  it('writes a deterministic sentence that passes its own guard', () => {
    const text = templateDescription(lofi);
    expect(text).toBe('A slow tempo, calm hip hop track featuring piano and drums, instrumental with no vocals.');
    expect(guardDescription(text, lofi, tagVocabulary()).ok).toBe(true);
  });
});

describe('Describer with an LLM', () => {
  const base = { vocabulary: tagVocabulary(), examples: musicCapsExamples() };

  it('returns a guarded completion and serves the second request from the cache', async () => {
    const llm = new ScriptedLlm(['Description: "A calm, slow hip hop beat with piano and drums."']);
    const describer = new Describer({ ...base, mode: 'openai', llm, cache: new MemoryDescriptionCache() });
    const first = await describer.describe({ tags: lofi });
    expect(first).toMatchObject({ text: 'A calm, slow hip hop beat with piano and drums.', backend: 'openai', model: 'scripted', promptVersion: PROMPT_VERSION, cached: false });
    const second = await describer.describe({ tags: [...lofi].reverse() });
    expect(second).toMatchObject({ text: first.text, cached: true });
    expect(llm.calls).toBe(1);
  });

  it('given a contradicting completion, retries, and accepts the retry', async () => {
    const llm = new ScriptedLlm(['A hip hop beat with a male rapper.', 'A calm hip hop instrumental on piano.']);
    const result = await new Describer({ ...base, mode: 'openai', llm }).describe({ tags: lofi });
    expect(result).toMatchObject({ text: 'A calm hip hop instrumental on piano.', fellBack: false });
    expect(llm.calls).toBe(2);
  });

  it('given contradictions or failures on every attempt, falls back to the template', async () => {
    const llm = new ScriptedLlm([new Error('down'), 'Jazz saxophone solo.']);
    const result = await new Describer({ ...base, mode: 'openai', llm, retries: 1 }).describe({ tags: lofi });
    expect(result).toMatchObject({ backend: 'template', fellBack: true, text: templateDescription(lofi) });
    expect(llm.calls).toBe(2);
  });

  it('cleans completions that run on into another example', () => {
    expect(cleanCompletion(' Description: A soft tune.\n\nTags: rock\nDescription: x')).toBe('A soft tune.');
  });
});

describe('OpenAiChatBackend against a loopback server', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => {
    if (!server) return r();
    server.close(() => r());
    server.closeAllConnections();
  }));

  async function serve(handler: (req: IncomingMessage, body: string) => { status: number; json?: unknown; delayMs?: number }): Promise<string> {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const answer = handler(req, body);
        setTimeout(() => {
          res.writeHead(answer.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(answer.json ?? { error: { message: 'nope' } }));
        }, answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/v1/`;
  }

  it('posts a well-formed chat completion request with the key and returns the message', async () => {
    const seen: { url?: string; auth?: string; type?: string; body?: Record<string, unknown> } = {};
    const baseUrl = await serve((req, body) => {
      Object.assign(seen, { url: req.url, auth: req.headers.authorization, type: req.headers['content-type'], body: JSON.parse(body) });
      return { status: 200, json: { choices: [{ index: 0, message: { role: 'assistant', content: ' A calm beat. ' } }] } };
    });
    const backend = new OpenAiChatBackend({ baseUrl, model: 'qwen-test', apiKey: 'sk-test' });
    const messages = buildAnalogyPrompt(lofi, musicCapsExamples(), 2);
    expect(await backend.complete(messages)).toBe('A calm beat.');
    expect(seen.url).toBe('/v1/chat/completions');
    expect(seen.auth).toBe('Bearer sk-test');
    expect(seen.type).toBe('application/json');
    expect(seen.body).toMatchObject({ model: 'qwen-test', messages, stream: false });
    expect(typeof seen.body!.max_tokens).toBe('number');
  });

  it('retries a 503 and then succeeds', async () => {
    let calls = 0;
    const baseUrl = await serve(() => (++calls < 2 ? { status: 503 } : { status: 200, json: { choices: [{ message: { content: 'ok' } }] } }));
    const backend = new OpenAiChatBackend({ baseUrl, model: 'm', backoffMs: 1 });
    expect(await backend.complete([{ role: 'user', content: 'hi' }])).toBe('ok');
    expect(calls).toBe(2);
  });

  it('given a 401, fails at once with MODEL_FAILED naming the status', async () => {
    let calls = 0;
    const baseUrl = await serve(() => (calls++, { status: 401 }));
    const backend = new OpenAiChatBackend({ baseUrl, model: 'm', backoffMs: 1 });
    await expect(backend.complete([{ role: 'user', content: 'hi' }])).rejects.toMatchObject({ code: 'MODEL_FAILED', message: expect.stringMatching(/401/) });
    expect(calls).toBe(1);
  });

  it('given a server slower than the timeout, fails with MODEL_FAILED after the retries', async () => {
    let calls = 0;
    const baseUrl = await serve(() => (calls++, { status: 200, delayMs: 300, json: { choices: [{ message: { content: 'late' } }] } }));
    const backend = new OpenAiChatBackend({ baseUrl, model: 'm', timeoutMs: 50, retries: 1, backoffMs: 1 });
    await expect(backend.complete([{ role: 'user', content: 'hi' }])).rejects.toMatchObject({ code: 'MODEL_FAILED', message: expect.stringMatching(/timed out/) });
    expect(calls).toBe(2);
  });
});

describe('local backend', () => {
  it('continues the analogy prompt as plain text with the generator and returns its text', async () => {
    const prompts: string[] = [];
    const { LocalLlmBackend } = await import('../../index-data/describe/local.js');
    const backend = new LocalLlmBackend({ model: 'tiny-gen', generate: async (p) => (prompts.push(p), ' A calm piano piece.\n\nTags: x'), dispose: async () => undefined });
    const describer = new Describer({ mode: 'local', llm: backend, vocabulary: tagVocabulary(), examples: musicCapsExamples() });
    const result = await describer.describe({ tags: [t('genre', 'classical'), t('instrument', 'piano'), t('vocals', 'instrumental')] });
    expect(result).toMatchObject({ text: 'A calm piano piece.', backend: 'local', model: 'tiny-gen' });
    expect(prompts[0]).toMatch(/Tags: classical, piano, instrumental\nDescription: $/);
  });

  it('given a model that is not on disk and downloads off, fails with MODEL_MISSING', async () => {
    const { createTextGenerator } = await import('../../model/text-generation.js');
    await expect(createTextGenerator({ model: '/nonexistent/text-model', allowRemote: false })).rejects.toMatchObject({ code: 'MODEL_MISSING' });
  }, 30_000);
});
