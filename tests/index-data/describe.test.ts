import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildAnalogyPrompt, PROMPT_VERSION, selectAnalogies } from '../../index-data/describe/analogy.js';
import { tallyFallback, type Description, type FallbackReason, type LlmBackend } from '../../index-data/describe/backend.js';
import { descriptionCacheKey, MemoryDescriptionCache } from '../../index-data/describe/cache.js';
import { cleanCompletion, Describer } from '../../index-data/describe/describer.js';
import { guardDescription, GUARD_VERSION } from '../../index-data/describe/guard.js';
import { OpenAiChatBackend } from '../../index-data/describe/openai.js';
import { tagsDescription, templateDescription } from '../../index-data/describe/template.js';
import { TAG_GROUPS, type ScoredTag, type TagGroup } from '../../index-data/types.js';
import { musicCapsExamples, tagVocabulary, type MusicCapsExample } from '../../index-data/vocabulary/vocabulary.js';
import { stringMatching } from '../support/matchers.js';

const t = (group: TagGroup, tag: string, score = 0.8): ScoredTag => ({ group, tag, score });
const lofi: ScoredTag[] = [t('genre', 'hip hop'), t('mood', 'calm'), t('instrument', 'piano'), t('instrument', 'drums'), t('vocals', 'instrumental'), t('tempo', 'slow tempo')];
const example = (ytid: string, tags: string[]): MusicCapsExample => ({ ytid, tags, caption: `caption of ${ytid}` });

/** A scripted LLM: answers from the list in order, counting calls. */
class ScriptedLlm implements LlmBackend {
  readonly name = 'openai';
  readonly model = 'scripted';
  calls = 0;
  constructor(private readonly answers: readonly (string | Error)[]) {}
  complete(): Promise<string> {
    const answer = this.answers[Math.min(this.calls++, this.answers.length - 1)]!;
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
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
    const shown = selectAnalogies(
      lofi.map((x) => x.tag),
      musicCapsExamples(),
      3,
    );
    for (const e of shown) expect(user).toContain(e.caption);
    expect(shown[0]!.tags.filter((x) => lofi.some((l) => l.tag === x)).length).toBeGreaterThanOrEqual(3);
  });
});

describe('guardDescription', () => {
  const vocab = tagVocabulary();

  it('accepts a description naming only tagged things, and negated untagged ones', () => {
    expect(guardDescription('A calm hip hop beat with soft piano and drums, no vocals and no saxophone.', lofi, vocab)).toEqual({ ok: true, reasons: [], violations: [] });
  });

  it('given an instrument the tags do not have, rejects it and names it', () => {
    const verdict = guardDescription('A calm hip hop beat led by a saxophone.', lofi, vocab);
    expect(verdict).toMatchObject({ ok: false, reasons: ['contradiction'] });
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

const LONG = [
  'This is a calm hip hop instrumental built on a slow tempo. A soft piano plays warm, jazzy chords over a relaxed beat, while the drums keep a steady,',
  'laid-back groove with a gentle kick and crisp snare. The mood is mellow and reflective, like a quiet evening at home after a long day. As the track goes on,',
  'the piano adds small melodic variations and the drums drop out for a bar before returning with a light shuffle. There is plenty of space in the mix, so every',
  'note of the piano rings out clearly. The bass is deep but never heavy, and it follows the chords closely. Near the end, the melody slows down even more and the',
  'beat fades away, leaving only a few soft piano notes. It would suit studying, reading or winding down late at night, and it never becomes busy or loud.',
  'Overall it is a simple, honest piece that rewards quiet listening.',
].join(' ');

describe('guardDescription on text that does not read as a description', () => {
  const vocab = tagVocabulary();

  it.each([
    ['off-topic', 'We walked to the station and then took a bus home.'],
    ['repetition', 'A calm hip hop beat with piano piano piano and soft drums.'],
    ['repetition', 'A calm beat and the the the piano and drums go on.'],
    ['non-words', 'A calm hip hop vrelk with plimbo tarsk and grobbly zint, quemf.'],
    ['non-words', 'calm l\u0017 featu start melody> is\ufffd other shak hats inastpen\ufffd rela melodyich sp\ufffdle floor drums.'],
    ['prompt-echo', 'Tags: hip hop, calm, piano. A calm hip hop beat with piano.'],
    ['prompt-echo', 'hip hop, calm, piano, drums, instrumental, slow tempo'],
    ['prompt-echo', 'Follow the pattern of the examples: a calm hip hop beat with piano.'],
    ['truncated', 'A calm hip hop beat with soft piano and gentle dru'],
    ['truncated', 'A calm hip hop beat with soft piano and the'],
    ['truncated', 'A calm hip hop beat with soft piano (and'],
    ['too-short', 'Calm piano.'],
    ['too-long', LONG],
  ])('given %s text, rejects it with that reason alone: %s', (reason, text) => {
    const verdict = guardDescription(text, lofi, vocab);
    expect(verdict).toMatchObject({ ok: false, reasons: [reason] });
    expect(verdict.violations).toEqual([expect.stringMatching(new RegExp(`^${reason}: .+`))]);
  });

  it('says what it found: the share of non-words, the repeated phrase, the word it stopped on', () => {
    expect(guardDescription('A calm hip hop vrelk with plimbo tarsk and grobbly zint, quemf.', lofi, vocab).violations[0]).toMatch(/6 of 12 words \(50%\).*"vrelk"/);
    expect(guardDescription('A calm hip hop beat, a calm hip hop beat, a calm hip hop beat with piano.', lofi, vocab).violations[0]).toMatch(/repeats "a calm hip hop beat"/);
    expect(guardDescription('A calm hip hop beat with soft piano and gentle dru', lofi, vocab).violations[0]).toMatch(/mid-word \("dru"\)/);
  });

  it('accepts fluent descriptions of the tags, with or without a final full stop', () => {
    for (const text of [
      'A slow, calm hip hop instrumental with mellow piano chords and laid-back drums.',
      'Soft piano over a slow hip hop beat: calm, warm and unhurried.',
      'A calm hip hop beat, slow tempo, with soft piano and drums',
      'Mellow piano and gentle drums.',
      LONG.slice(0, LONG.indexOf('Overall') - 1),
    ]) {
      expect(guardDescription(text, lofi, vocab)).toEqual({ ok: true, reasons: [], violations: [] });
    }
  });

  // The lexicon is built from the MusicCaps captions that are NOT examples, so the examples are held out.
  it('accepts held-out MusicCaps human captions with their own tags on every check but the contradiction check (false rejections <= 1%)', () => {
    const examples = musicCapsExamples();
    const byTag = new Map(TAG_GROUPS.flatMap((g) => vocab.groups[g].map((e) => [e.tag, g] as const)));
    let rejected = 0;
    let contradicted = 0;
    for (const e of examples) {
      const verdict = guardDescription(
        e.caption,
        e.tags.map((tag) => t(byTag.get(tag)!, tag)),
        vocab,
      );
      if (verdict.reasons.some((r) => r !== 'contradiction')) rejected++;
      if (verdict.reasons.includes('contradiction')) contradicted++;
    }
    expect(examples.length).toBe(600);
    expect(rejected / examples.length).toBeLessThanOrEqual(0.01);
    // Human captions name more than their aspect lists (a "steady drumming" on a clip tagged without drums):
    // measured 189 of 600 (31.5%); that check judges the text against the tags, as it must for generated text.
    expect(contradicted / examples.length).toBeLessThan(0.35);
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
    expect(first).toMatchObject({
      text: 'A calm, slow hip hop beat with piano and drums.',
      backend: 'openai',
      model: 'scripted',
      promptVersion: `${PROMPT_VERSION}/guard-${GUARD_VERSION}`,
      cached: false,
    });
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

  it('given contradictions or failures on every attempt, falls back to the template, naming both reasons', async () => {
    const llm = new ScriptedLlm([new Error('down'), 'A jazz saxophone solo over soft piano.']);
    const result = await new Describer({ ...base, mode: 'openai', llm, retries: 1 }).describe({ tags: lofi });
    expect(result).toMatchObject({ backend: 'template', fellBack: true, fallbackReasons: ['backend-failed', 'contradiction'], text: templateDescription(lofi) });
    expect(llm.calls).toBe(2);
  });

  it('given gibberish on every attempt, falls back to the template with each reason, and caches nothing', async () => {
    const cache = new MemoryDescriptionCache();
    const llm = new ScriptedLlm(['A calm calm calm calm hip hop beat with piano.', 'Tags: hip hop, calm, piano', 'Calm piano.']);
    const result = await new Describer({ ...base, mode: 'openai', llm, retries: 2, cache }).describe({ tags: lofi });
    expect(result).toMatchObject({ backend: 'template', fellBack: true, fallbackReasons: ['repetition', 'prompt-echo', 'too-short'] });
    expect(llm.calls).toBe(3);
    expect(
      cache.get(
        descriptionCacheKey(
          lofi.map((x) => x.tag),
          'openai',
          'scripted',
          PROMPT_VERSION,
        ),
      ),
    ).toBeUndefined();
  });

  it('given an empty completion, rejects it as containing no words', async () => {
    const result = await new Describer({ ...base, mode: 'openai', llm: new ScriptedLlm(['  \n ']), retries: 0 }).describe({ tags: lofi });
    expect(result).toMatchObject({ fellBack: true, fallbackReasons: ['non-words', 'too-short', 'off-topic'] });
  });

  it('given a cached text an older guard accepted, checks it again and describes anew', async () => {
    const cache = new MemoryDescriptionCache();
    const key = descriptionCacheKey(
      lofi.map((x) => x.tag),
      'openai',
      'scripted',
      PROMPT_VERSION,
    );
    cache.set(key, 'hip hop, calm, piano, drums, instrumental, slow tempo');
    const llm = new ScriptedLlm(['A slow, calm hip hop instrumental with mellow piano chords and laid-back drums.']);
    const result = await new Describer({ ...base, mode: 'openai', llm, cache }).describe({ tags: lofi });
    expect(result).toMatchObject({ cached: false, fellBack: false, text: 'A slow, calm hip hop instrumental with mellow piano chords and laid-back drums.' });
    expect(cache.get(key)).toBe(result.text);
    expect(llm.calls).toBe(1);
  });

  it('tallies fallbacks per reason, counting descriptions that did not fall back as nothing', () => {
    const made = (fellBack: boolean, fallbackReasons?: FallbackReason[]): Description => ({
      text: 'x',
      backend: 'template',
      model: 'template',
      promptVersion: 'template-1',
      cached: false,
      fellBack,
      ...(fallbackReasons ? { fallbackReasons } : {}),
    });
    const tally = [made(true, ['non-words', 'truncated']), made(false), made(true, ['non-words'])].reduce(tallyFallback, { descriptions: 0, reasons: {} });
    expect(tally).toEqual({ descriptions: 2, reasons: { 'non-words': 2, truncated: 1 } });
  });

  it('cleans completions that run on into another example', () => {
    expect(cleanCompletion(' Description: A soft tune.\n\nTags: rock\nDescription: x')).toBe('A soft tune.');
  });
});

describe('OpenAiChatBackend against a loopback server', () => {
  let server: Server | undefined;
  afterEach(
    () =>
      new Promise<void>((r) => {
        if (!server) {
          r();
          return;
        }
        server.close(() => r());
        server.closeAllConnections();
      }),
  );

  async function serve(handler: (req: IncomingMessage, body: string) => { status: number; json?: unknown; delayMs?: number; never?: boolean }): Promise<string> {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const answer = handler(req, body);
        if (answer.never) return; // hold the request open until the client gives up (or the server closes)
        setTimeout(() => {
          res.writeHead(answer.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(answer.json ?? { error: { message: 'nope' } }));
        }, answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`;
  }

  it('posts a well-formed chat completion request with the key and returns the message', async () => {
    const seen: { url?: string; auth?: string; type?: string; body?: Record<string, unknown> } = {};
    const baseUrl = await serve((req, body) => {
      Object.assign(seen, { url: req.url, auth: req.headers.authorization, type: req.headers['content-type'], body: JSON.parse(body) as Record<string, unknown> });
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
    await expect(backend.complete([{ role: 'user', content: 'hi' }])).rejects.toMatchObject({ code: 'MODEL_FAILED', message: stringMatching(/401/) });
    expect(calls).toBe(1);
  });

  it('given a server slower than the timeout, fails with MODEL_FAILED after the retries', async () => {
    // The server never answers, so every attempt times out however loaded the machine is; the error
    // of the last attempt says how many there were (a server-side count would miss an attempt that
    // timed out before its request arrived).
    const baseUrl = await serve(() => ({ status: 200, never: true }));
    const backend = new OpenAiChatBackend({ baseUrl, model: 'm', timeoutMs: 200, retries: 1, backoffMs: 1 });
    const error = await backend.complete([{ role: 'user', content: 'hi' }]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MODEL_FAILED', message: stringMatching(/timed out after 200 ms/), details: { attempt: 1 } });
  });
});

describe('local backend', () => {
  it('continues the analogy prompt as plain text with the generator and returns its text', async () => {
    const prompts: string[] = [];
    const { LocalLlmBackend } = await import('../../index-data/describe/local.js');
    const backend = new LocalLlmBackend({
      model: 'tiny-gen',
      generate: (p) => {
        prompts.push(p);
        return Promise.resolve(' A calm piano piece.\n\nTags: x');
      },
      dispose: () => Promise.resolve(),
    });
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
