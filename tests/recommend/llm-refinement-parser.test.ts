import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shippedVocabulary } from '../../recommend/catalog-vocabulary.js';
import { LlmRefinementParser, llmReader, type LlmAnswer } from '../../recommend/llm-refinement-parser.js';
import { applyParsed } from '../../recommend/refinement/apply.js';
import { EMPTY_STATE } from '../../recommend/refinement/state.js';

const vocabulary = shippedVocabulary();
const SHOWN = ['t1', 't2', 't3', 't4', 't5'];
const DRUMS = ['drums', 'electronic drums', 'percussion'];

/** An answer that says nothing; each test fills in what the "model" read. */
const nothing = (over: Partial<LlmAnswer>): LlmAnswer => ({
  action: 'refine',
  include_tags: [],
  exclude_tags: [],
  weights: [],
  vocals: 'unchanged',
  bpm_min: null,
  bpm_max: null,
  tempo: 'unchanged',
  tempo_strength: 1,
  energy: 'unchanged',
  energy_strength: 1,
  mood: 'unchanged',
  mood_strength: 1,
  like_picks: [],
  exclude_picks: [],
  exclude_all_picks: false,
  lift_tags: [],
  lift_vocals: false,
  lift_tempo: false,
  text: '',
  negative_text: '',
  ...over,
});

type Reply = { status?: number; content?: string; hang?: boolean };

/** A loopback OpenAI-compatible endpoint: checks every request, answers what the test queued. */
let server: Server;
let baseUrl: string;
const requests: { path: string; headers: IncomingMessage['headers']; body: Record<string, unknown> }[] = [];
let reply: Reply = {};
const hanging: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(raw) as Record<string, unknown> });
      if (reply.hang) {
        hanging.push(res);
        return;
      }
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: reply.content ?? '' } }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function reader(timeoutMs = 5000) {
  const failures: unknown[] = [];
  const parser = new LlmRefinementParser({ baseUrl, model: 'test-model', apiKey: 'sk-test', timeoutMs });
  return { read: llmReader(parser, (e) => failures.push(e)), failures };
}

async function turn(text: string, answer: Reply, timeoutMs?: number) {
  reply = answer;
  const r = reader(timeoutMs);
  const parsed = await r.read.read(text, vocabulary);
  return { state: applyParsed(EMPTY_STATE, parsed, SHOWN), failures: r.failures, request: requests.at(-1)! };
}

describe('language-model refinement parser against a loopback endpoint', () => {
  it('sends a chat completion with a strict JSON schema naming the vocabulary, the model, the key and the text', async () => {
    const { request } = await turn('no drums please', { content: JSON.stringify(nothing({ exclude_tags: ['drums'] })) });
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe('Bearer sk-test');
    expect(request.body.model).toBe('test-model');
    expect(request.body.temperature).toBe(0);
    const messages = request.body.messages as { role: string; content: string }[];
    expect(messages.at(-1)).toEqual({ role: 'user', content: 'no drums please' });
    const format = request.body.response_format as {
      type: string;
      json_schema: { strict: boolean; schema: { required: string[]; additionalProperties: boolean; properties: Record<string, { items?: { enum?: string[] } }> } };
    };
    expect(format.type).toBe('json_schema');
    expect(format.json_schema.strict).toBe(true);
    expect(format.json_schema.schema.additionalProperties).toBe(false);
    expect(format.json_schema.schema.required).toContain('negative_text');
    expect(format.json_schema.schema.properties.exclude_tags!.items!.enum).toEqual(expect.arrayContaining(['drums', 'piano', 'female vocals']));
  });

  it('given both readers exclude a tag, keeps the hard filter', async () => {
    const { state, failures } = await turn('no drums please', { content: JSON.stringify(nothing({ exclude_tags: ['drums', 'percussion', 'electronic drums'] })) });
    expect(failures).toEqual([]);
    expect([...state.excludeTags].sort()).toEqual(DRUMS);
  });

  it('given only the model excludes a tag, keeps it soft and says so', async () => {
    const { state } = await turn('could we maybe tone the piano situation down to nothing', { content: JSON.stringify(nothing({ exclude_tags: ['piano'] })) });
    expect(state.excludeTags).toEqual([]);
    expect(state.weights.piano).toBe(-1);
    expect(state.notes.join(' ')).toMatch(/language model also read 'no piano'.*soft/);
  });

  it('given only the rule parser found an exclusion, keeps it hard even when the model missed it', async () => {
    const { state } = await turn('no vocals', { content: JSON.stringify(nothing({})) });
    expect(state.vocals).toBe('off');
  });

  it('takes soft readings, strengths and negative text from the model', async () => {
    const { state } = await turn('hmm it is all a bit samey, make it zippier', {
      content: JSON.stringify(nothing({ tempo: 'faster', tempo_strength: 0.5, negative_text: 'samey', text: 'zippy' })),
    });
    expect(state.tempo).toBe('faster');
    expect(state.strength?.tempo).toBe(0.5);
    expect(state.negativeText).toEqual(['samey']);
    expect(state.text).toEqual(['zippy']);
  });

  it('resolves the picks the model names; a pick exclusion only the model found is ignored with a note', async () => {
    const { state } = await turn('the last one was the closest, the opener made me wince', { content: JSON.stringify(nothing({ like_picks: [-1], exclude_picks: [1] })) });
    expect(state.likeTrackIds).toEqual(['t5']);
    expect(state.excludeTrackIds).toEqual([]);
    expect(state.notes.join(' ')).toMatch(/not #1'.*ignored/);
  });

  it.each<[string, Reply]>([
    ['a server error', { status: 500, content: 'boom' }],
    ['an answer that is not JSON', { content: 'Sure! Here is your JSON: {' }],
    ['an answer outside the schema', { content: JSON.stringify({ ...nothing({}), vocals: 'loud' }) }],
    ['an answer missing fields', { content: JSON.stringify({ action: 'refine' }) }],
  ])('given %s, falls back to the rule parser with a note', async (_, answer) => {
    const { state, failures } = await turn('no drums, a bit faster', answer);
    expect(failures).toHaveLength(1);
    expect([...state.excludeTags].sort()).toEqual(DRUMS);
    expect(state.tempo).toBe('faster');
    expect(state.notes).toContain('the language-model parser was unavailable: used the rule parser');
  });

  it('given an endpoint that never answers, gives up at the timeout and uses the rule parser', async () => {
    const { state, failures } = await turn('no drums', { hang: true }, 200);
    expect(String(failures[0])).toMatch(/timed out after 200 ms/);
    expect([...state.excludeTags].sort()).toEqual(DRUMS);
  });

  it('given nothing listening, uses the rule parser', async () => {
    const parser = new LlmRefinementParser({ baseUrl: 'http://127.0.0.1:9/v1', model: 'm', timeoutMs: 2000 });
    const failures: unknown[] = [];
    const parsed = await llmReader(parser, (e) => failures.push(e)).read('slower', vocabulary);
    expect(parsed.delta.tempo).toBe('slower');
    expect(String(failures[0])).toMatch(/unreachable/);
  });

  it('given the model asks to undo, steps back', async () => {
    reply = { content: JSON.stringify(nothing({ vocals: 'off' })) };
    const r = reader();
    const first = applyParsed(EMPTY_STATE, await r.read.read('no vocals', vocabulary), SHOWN);
    expect(first.vocals).toBe('off');
    reply = { content: JSON.stringify(nothing({ action: 'undo' })) };
    const back = applyParsed(first, await r.read.read('let us go back to what we had', vocabulary), SHOWN);
    expect(back.vocals).toBeUndefined();
  });
});
