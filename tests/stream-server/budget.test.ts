import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { serverOptions } from '../../cli/commands/serve.js';
import type { RefinementState } from '../../recommend/types.js';
import type { SessionSummary } from '../../stream-server/events.js';
import { jpegOf } from './support/color-encoder.js';
import { OTHER_STREAM_ID, OTHER_STREAM_TOKEN, STREAM_ID, closeClients, errorCode, producer, request, startTestServer, waitFor, type TestServer } from './support/server.js';
import { stringMatching } from '../support/matchers.js';

let server: TestServer | undefined;
afterEach(async () => {
  closeClients();
  await server?.close();
  server = undefined;
});

const RED = [230, 20, 10] as const;
const typo = (i: number) => `les drumz moar pianno ${i} `.repeat(20).slice(0, 490);

describe('every producer event draws on a per-connection budget weighted by its cost', () => {
  it('refinements beyond the budget are refused with RATE_LIMITED before they are parsed; other connections keep theirs', async () => {
    server = await startTestServer({ limits: { eventBudgetPerSecond: 1, eventBudgetBurst: 20 } });
    let parsed = 0;
    const refine = server.picks.refine.bind(server.picks);
    server.picks.refine = (state: RefinementState | undefined, text: string) => {
      parsed += 1;
      return refine(state, text);
    };
    const cam = producer(server.url);
    const acks = await Promise.all(Array.from({ length: 30 }, (_, i) => request<SessionSummary>(cam, 'refine', typo(i))));
    const limited = acks.filter((a) => errorCode(a) === 'RATE_LIMITED').length;
    // A refinement costs 5 units: a burst of 20 admits 4 (plus what trickles in meanwhile).
    expect(acks.length - limited).toBeLessThanOrEqual(5);
    expect(parsed).toBe(acks.length - limited);
    expect(acks.find((a) => errorCode(a) === 'RATE_LIMITED')).toMatchObject({ error: { message: stringMatching(/budget/) } });
    // Unknown events and prompts draw on the same budget.
    expect(errorCode(await request(cam, 'prompt', 'calm'))).toBe('RATE_LIMITED');
    const other = producer(server.url, { streamId: OTHER_STREAM_ID, token: OTHER_STREAM_TOKEN });
    expect(await request(other, 'prompt', 'calm')).toMatchObject({ data: { prompt: 'calm' } });
    expect(await request(other, 'frame', { image: await jpegOf(RED), capturedAt: Date.now() })).toMatchObject({ data: { status: 'encoded' } });
  });

  it('under a refine flood at 10x the budget, another stream keeps every frame encoded and the flood is parsed only within its budget', async () => {
    server = await startTestServer({ limits: { eventBudgetPerSecond: 10, eventBudgetBurst: 10 } });
    let parsed = 0;
    const refine = server.picks.refine.bind(server.picks);
    server.picks.refine = (state: RefinementState | undefined, text: string) => {
      parsed += 1;
      return refine(state, text);
    };
    const attacker = producer(server.url);
    const victim = producer(server.url, { streamId: OTHER_STREAM_ID, token: OTHER_STREAM_TOKEN });
    await Promise.all([waitFor(attacker, 'connect'), waitFor(victim, 'connect')]);
    const jpeg = await jpegOf(RED);
    const started = Date.now();
    const floodMs = 2000;
    // 10 refinements/s x 5 units = 50 units/s against a budget of 10/s (5x) -- doubled: 20/s = 10x.
    const flood = (async () => {
      const acks: Promise<unknown>[] = [];
      while (Date.now() - started < floodMs) {
        acks.push(request(attacker, 'refine', typo(acks.length)));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return Promise.all(acks);
    })();
    const frames: Promise<unknown>[] = [];
    while (Date.now() - started < floodMs) {
      frames.push(request(victim, 'frame', { image: jpeg, capturedAt: Date.now() }));
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const victimAcks = await Promise.all(frames);
    const floodAcks = await flood;
    const elapsed = (Date.now() - started) / 1000;
    expect(victimAcks.filter((a) => errorCode(a as never) !== undefined)).toEqual([]);
    expect(floodAcks.filter((a) => errorCode(a as never) === 'RATE_LIMITED').length).toBeGreaterThan(floodAcks.length / 2);
    // Burst 10 (2 refinements) + 10 units/s (2 per second) over the flood.
    expect(parsed).toBeLessThanOrEqual(2 + Math.ceil(2 * elapsed) + 1);
  });

  it('refuses a producer connection beyond the per-stream cap', async () => {
    server = await startTestServer({ limits: { maxProducersPerStream: 2 } });
    const first = producer(server.url);
    const second = producer(server.url);
    await Promise.all([waitFor(first, 'connect'), waitFor(second, 'connect')]);
    const third = producer(server.url);
    const refused = await waitFor<{ data?: { code: string } }>(third, 'connect_error');
    expect(refused.data?.code).toBe('RATE_LIMITED');
    first.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const fourth = producer(server.url);
    await waitFor(fourth, 'connect');
  });
});

describe('the refinement state is bounded at the stream edge', () => {
  it('after many refinements the session keeps the last N distinct turns, and the state text is bounded and deduplicated', async () => {
    server = await startTestServer({ limits: { eventBudgetPerSecond: 10_000, eventBudgetBurst: 100_000 } });
    const cam = producer(server.url);
    for (let i = 0; i < 60; i++) await request(cam, 'refine', i % 2 === 0 ? 'more drums' : `layer ${i} `.repeat(40));
    const summary = server.app.sessions.get(STREAM_ID)!.summary();
    expect(summary.refinements.length).toBeLessThanOrEqual(20);
    expect(summary.refinements.filter((t) => t === 'more drums').length).toBe(1);
    const state = (server.app.sessions.get(STREAM_ID) as unknown as { state: RefinementState }).state;
    expect(state.text.length).toBeLessThanOrEqual(20);
    expect(new Set(state.text).size).toBe(state.text.length);
    expect(JSON.stringify(state).length).toBeLessThan(20 * 500 + 4000);
  });
});

describe('one text limit from config', () => {
  it('CUECAST_MAX_TEXT_CHARS sets the limit the stream server enforces', () => {
    const config = loadConfig({ env: { CUECAST_MAX_TEXT_CHARS: '123', CUECAST_STREAM_TOKENS: 'alpha:alpha-producer-token' } });
    expect(config.maxTextChars).toBe(123);
    expect(serverOptions(config, { allowFileUrls: false }).limits.maxPromptChars).toBe(123);
    expect(loadConfig({ env: {} }).maxTextChars).toBe(500);
  });

  it('CUECAST_INGEST_ALLOW_CIDRS reaches the server, and a bad entry is a config error', () => {
    const config = loadConfig({ env: { CUECAST_INGEST_ALLOW_CIDRS: '10.0.5.0/24, fd00::/8', CUECAST_STREAM_TOKENS: 'alpha:alpha-producer-token' } });
    expect(serverOptions(config, { allowFileUrls: false }).ingestAllowCidrs).toEqual(['10.0.5.0/24', 'fd00::/8']);
    expect(() => loadConfig({ env: { CUECAST_INGEST_ALLOW_CIDRS: '10.0.0.0/33' } })).toThrow(/CUECAST_INGEST_ALLOW_CIDRS/);
  });
});
