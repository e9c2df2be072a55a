/** The bot's services without Discord: state, fairness, ids, message parsing, the flow, downloads, messages. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, CuecastError, type CuecastError as CuecastErrorType } from '../../core/errors.js';
import { checkAttachment, downloadAttachment } from '../../bot/attachment.js';
import { SqliteConversationStore } from '../../bot/conversation-store.js';
import { customId, parseCustomId } from '../../bot/custom-id.js';
import { ActionRateLimit, ConcurrencyLimiter, Cooldown } from '../../bot/fairness.js';
import { refinementFromMessage } from '../../bot/message-parsing.js';
import { MusicFlow } from '../../bot/music-flow.js';
import { conversation } from '../support/conversation.js';
import { userMessage } from '../../bot/user-messages.js';
import { SmallRecommender } from './support/small-services.js';

const dirs: string[] = [];
const tempFile = (name: string): string => {
  const dir = mkdtempSync(join(tmpdir(), 'cuecast-bot-unit-'));
  dirs.push(dir);
  return join(dir, name);
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function rejection(promise: Promise<unknown> | (() => unknown)): Promise<CuecastErrorType> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    return error as CuecastErrorType;
  }
  throw new Error('expected a rejection');
}

describe('SqliteConversationStore', () => {
  it('round-trips a conversation, frame embeddings bit for bit, with a compact key', async () => {
    const store = new SqliteConversationStore(tempFile('c.sqlite'), 60_000);
    const saved = await store.create(conversation({ threadId: 'th1' }));
    expect(saved.key).toMatch(/^[\w-]{8}$/);
    const loaded = (await store.get(saved.key))!;
    expect(loaded.frameEmbeddings).toEqual(conversation().frameEmbeddings);
    expect(loaded.state).toEqual(conversation().state);
    expect(loaded.shown).toEqual(conversation().shown);
    expect((await store.byThread('th1'))?.key).toBe(saved.key);
    await store.close();
  });

  it('keeps conversations across a restart (a new store on the same file)', async () => {
    const file = tempFile('c.sqlite');
    const first = new SqliteConversationStore(file, 60_000);
    const { key } = await first.create(conversation({ threadId: 'th9' }));
    await first.close();
    const second = new SqliteConversationStore(file, 60_000);
    expect((await second.get(key))?.prompt).toBe('dreamy lo-fi');
    expect((await second.byThread('th9'))?.key).toBe(key);
    await second.close();
  });

  it('given a conversation untouched past its TTL, no longer returns it; saving refreshes the TTL; sweep deletes the expired', async () => {
    let now = 1_000_000;
    const store = new SqliteConversationStore(tempFile('c.sqlite'), 1_000, () => now);
    const a = await store.create(conversation({ threadId: 'a' }));
    const b = await store.create(conversation({ threadId: 'b' }));
    now += 800;
    await store.save((await store.get(b.key))!);
    now += 400;
    expect(await store.get(a.key)).toBeUndefined();
    expect(await store.byThread('a')).toBeUndefined();
    expect(await store.get(b.key)).toBeDefined();
    expect(await store.sweep()).toBe(1);
    await store.close();
  });
});

describe('Cooldown', () => {
  it('refuses a second use within the window with the remaining time, without extending it', async () => {
    let now = 0;
    const cooldown = new Cooldown(10_000, () => now);
    expect(await cooldown.take('u')).toEqual({ ok: true });
    now = 4_000;
    expect(await cooldown.take('u')).toEqual({ ok: false, identifier: 'cooldown', remainingMs: 6_000, repeated: false });
    expect(await cooldown.take('other')).toEqual({ ok: true });
    now = 10_000;
    expect(await cooldown.take('u')).toEqual({ ok: true });
  });
});

describe('ActionRateLimit', () => {
  it('lets a burst through, then refills one action per interval; refusals spend nothing and say whether they repeat', async () => {
    let now = 0;
    const limit = new ActionRateLimit({ burst: 3, perMinute: 6 }, () => now); // a token every 10 s
    expect(await Promise.all([limit.take('u'), limit.take('u'), limit.take('u')])).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(await limit.take('u')).toEqual({ ok: false, identifier: 'actions', remainingMs: 10_000, repeated: false });
    now = 4_000;
    expect(await limit.take('u')).toEqual({ ok: false, identifier: 'actions', remainingMs: 6_000, repeated: true });
    expect(await limit.take('other')).toEqual({ ok: true });
    now = 10_000;
    expect(await limit.take('u')).toEqual({ ok: true });
    // A new flood after an allowed action is explained again.
    expect(await limit.take('u')).toMatchObject({ ok: false, repeated: false });
    now = 1_000_000;
    expect((await Promise.all([limit.take('u'), limit.take('u'), limit.take('u'), limit.take('u')])).map((r) => r.ok)).toEqual([true, true, true, false]);
  });

  it('refuses a rate that could never allow anything', () => {
    expect(() => new ActionRateLimit({ burst: 0, perMinute: 6 })).toThrow(RangeError);
    expect(() => new ActionRateLimit({ burst: 2, perMinute: 0 })).toThrow(RangeError);
  });
});

describe('ConcurrencyLimiter', () => {
  it('runs at most `limit` jobs, tells waiters their place as it changes, and frees a place on abort', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const release1 = await limiter.acquire();
    const positions: Record<string, number[]> = { b: [], c: [], d: [] };
    const b = limiter.acquire((p) => positions.b!.push(p));
    const abort = new AbortController();
    const c = limiter.acquire((p) => positions.c!.push(p), abort.signal);
    const d = limiter.acquire((p) => positions.d!.push(p));
    expect(limiter.queued).toBe(3);
    abort.abort(new Error('user left'));
    await expect(c).rejects.toThrow('user left');
    expect(positions.d).toEqual([3, 2]);
    release1();
    const release2 = await b;
    expect(positions.d).toEqual([3, 2, 1]);
    expect(limiter.active).toBe(1);
    release2();
    release2(); // a second call is harmless
    (await d)();
    expect(limiter.active).toBe(0);
    expect(positions.b).toEqual([1]);
  });
});

describe('custom ids', () => {
  it('carry only the action, the compact key and an index, and parse back', () => {
    const id = customId('more', 'Ab3_-x9Z', 2);
    expect(id).toBe('cc:more:Ab3_-x9Z:2');
    expect(parseCustomId(id)).toEqual({ action: 'more', key: 'Ab3_-x9Z', index: 2 });
    expect(parseCustomId(customId('next', 'k'))).toEqual({ action: 'next', key: 'k' });
  });

  it.each(['', 'cc', 'cc:drop:k', 'xx:more:k', 'cc:more:k:-1', 'cc:more:k:1:2', 'cc:more:k y', 'cc:more::1'])('rejects %j', (id) => {
    expect(parseCustomId(id)).toBeUndefined();
  });
});

describe('refinementFromMessage', () => {
  it.each([
    ['less drums, a bit faster', 'less drums, a bit faster'],
    ['<@42> more like #2 but darker', 'more like #2 but darker'],
    ['<@!42>   no   vocals <:cool:123>', 'no vocals'],
    ['<@42>', undefined],
    ['   ', undefined],
    ['// nice one', undefined],
    ['(brb)', undefined],
    ['👍👍', undefined],
  ])('reads %j as %j', (content, expected) => {
    expect(refinementFromMessage(content, '42')).toBe(expected);
  });
});

describe('MusicFlow', () => {
  const flowWith = (): { flow: MusicFlow; store: SqliteConversationStore; recommender: SmallRecommender } => {
    const store = new SqliteConversationStore(tempFile('flow.sqlite'), 60_000);
    const recommender = new SmallRecommender();
    return { flow: new MusicFlow(recommender, store, { maxPromptChars: 50, defaultCount: 3, maxCount: 5 }), store, recommender };
  };
  const features = { frameEmbeddings: [new Float32Array([1, 0, 0, 0])], durationSeconds: 4 };

  it('starts a conversation with picks, then refinements, "more like", "next" and a choice change it as asked', async () => {
    const { flow, recommender } = flowWith();
    const start = await flow.start({ userId: 'u', channelId: 'c', features, prompt: 'lo-fi', count: 3 });
    expect(start.result.picks).toHaveLength(3);
    expect(start.conversation.shown.map((p) => p.trackId)).toEqual(start.result.picks.map((p) => p.trackId));
    const drums = new Set(recommender.tracks.filter((t) => t.tags.some((x) => x.tag === 'drums')).map((t) => t.id));

    const refined = await flow.refine(await flow.conversation(start.conversation.key), 'no drums');
    expect(refined.result.picks.length).toBeGreaterThan(0);
    expect(refined.result.picks.filter((p) => drums.has(p.trackId))).toEqual([]);
    expect(refined.conversation.history).toEqual(['no drums']);
    expect(recommender.requests.at(-1)?.prompt).toBe('lo-fi');
    expect(recommender.requests.at(-1)?.frameEmbeddings).toEqual(features.frameEmbeddings);

    const next = await flow.next(refined.conversation);
    const seen = new Set([...start.conversation.seen, ...refined.conversation.shown.map((p) => p.trackId)]);
    expect(next.result.picks.filter((p) => refined.conversation.shown.some((s) => s.trackId === p.trackId))).toEqual([]);
    expect(new Set(next.conversation.seen)).toEqual(new Set([...seen, ...next.result.picks.map((p) => p.trackId)]));

    if (next.result.picks.length > 0) {
      const liked = next.conversation.shown[0]!.trackId;
      const more = await flow.moreLike(next.conversation, 0);
      expect(more.conversation.state.likeTrackIds).toContain(liked);
      expect(more.conversation.history.at(-1)).toBe('more like #1');
    }
    const current = await flow.conversation(start.conversation.key);
    const { pick } = await flow.choose(current, 0);
    expect((await flow.conversation(start.conversation.key)).chosen).toBe(pick.trackId);
  });

  it('after a turn that empties the list, "#2" still means the picks shown before; "undo" and "start over" step back', async () => {
    const { flow } = flowWith();
    const start = await flow.start({ userId: 'u', channelId: 'c', features, prompt: 'lo-fi', count: 3 });
    const key = start.conversation.key;
    const emptied = await flow.refine(await flow.conversation(key), 'over 290 bpm');
    expect(emptied.result.picks).toEqual([]);
    expect(emptied.conversation.shown).toEqual(start.conversation.shown);

    const liked = await flow.refine(await flow.conversation(key), 'more like #2');
    expect(liked.conversation.state.likeTrackIds).toEqual([start.result.picks[1]!.trackId]);
    expect(liked.conversation.state.notes.join(' ')).not.toMatch(/no picks/);

    const back = await flow.refine(await flow.conversation(key), 'undo');
    expect(back.conversation.state.likeTrackIds).toEqual([]);
    expect(back.conversation.state.bpm).toEqual({ min: 290 });
    const before = await flow.refine(await flow.conversation(key), 'undo');
    expect(before.conversation.state.bpm).toBeUndefined();
    expect(before.result.picks.length).toBeGreaterThan(0);

    await flow.refine(await flow.conversation(key), 'no drums');
    const cleared = await flow.refine(await flow.conversation(key), 'start over');
    expect(cleared.conversation.state.excludeTags).toEqual([]);
    const restored = await flow.refine(await flow.conversation(key), 'undo');
    expect(restored.conversation.state.excludeTags.length).toBeGreaterThan(0);
  });

  it('given a prompt over the limit, refuses with PROMPT_TOO_LONG and the numbers', async () => {
    const { flow } = flowWith();
    const error = await rejection(flow.start({ userId: 'u', channelId: 'c', features, prompt: 'x'.repeat(51) }));
    expect(error.code).toBe('PROMPT_TOO_LONG');
    expect(error.details).toEqual({ length: 51, max: 50 });
  });

  it('given an unknown or expired key, fails with EXPIRED; given an index not on screen, with INPUT_INVALID', async () => {
    const { flow } = flowWith();
    expect((await rejection(() => flow.conversation('nope'))).code).toBe('EXPIRED');
    const { conversation } = await flow.start({ userId: 'u', channelId: 'c', features, count: 2 });
    expect((await rejection(flow.moreLike(conversation, 4))).code).toBe('INPUT_INVALID');
    expect((await rejection(flow.refine(conversation, '   '))).code).toBe('INPUT_INVALID');
  });

  it('given two refinements at once on the same (stale) conversation, applies both, in order', async () => {
    const { flow } = flowWith();
    const { conversation } = await flow.start({ userId: 'u', channelId: 'c', features });
    const [first, second] = await Promise.all([flow.refine(conversation, 'no drums'), flow.refine(conversation, 'under 100 bpm')]);
    expect(first.conversation.history).toEqual(['no drums']);
    expect(second.conversation.history).toEqual(['no drums', 'under 100 bpm']);
    expect(second.conversation.state.excludeTags).toContain('drums');
    expect(second.conversation.state.bpm?.max).toBe(100);
    expect((await flow.conversation(conversation.key)).history).toEqual(['no drums', 'under 100 bpm']);
  });

  it('attaching the thread keeps changes made meanwhile (no stale overwrite)', async () => {
    const { flow } = flowWith();
    const { conversation } = await flow.start({ userId: 'u', channelId: 'c', features });
    await flow.choose(conversation, 1);
    await flow.attach(conversation, { messageId: 'm', threadId: 't' });
    const stored = (await flow.conversationInThread('t'))!;
    expect(stored.chosen).toBe(conversation.shown[1]!.trackId);
    expect(stored.messageId).toBe('m');
  });
});

describe('userMessage', () => {
  it.each(ERROR_CODES)('gives %s a friendly line without internals', (code) => {
    const text = userMessage(new CuecastError(code, 'internal detail /srv/x.ts:12', {}), 'req12345');
    expect(text.length).toBeGreaterThan(20);
    expect(text).not.toContain('internal detail');
    expect(text).not.toMatch(/\n\s+at /);
  });

  it('gives unknown failures the request id, never their message', () => {
    const text = userMessage(new TypeError('Cannot read properties of undefined'), 'abcd1234');
    expect(text).toContain('`abcd1234`');
    expect(text).not.toContain('Cannot read');
  });
});

describe('attachments', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/gone') return void res.writeHead(404).end();
      if (req.url === '/big-declared') return void res.writeHead(200, { 'content-length': String(5_000) }).end(Buffer.alloc(5_000));
      if (req.url === '/big-chunked') {
        res.writeHead(200);
        res.write(Buffer.alloc(3_000));
        res.end(Buffer.alloc(3_000));
        return;
      }
      if (req.url === '/stall') return void res.writeHead(200).write(Buffer.alloc(10));
      if (req.url === '/empty') return void res.writeHead(200, { 'content-length': '0' }).end();
      res.writeHead(200).end(Buffer.from('ok video'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const ref = (path: string) => ({ url: `${base}${path}`, name: 'clip.mp4', size: 10, contentType: 'video/mp4' });
  const limits = { maxBytes: 4_096, timeoutMs: 500 };

  it('checks presence, type (by content type, else extension) and size before downloading', async () => {
    expect((await rejection(() => checkAttachment(undefined, 100))).details).toEqual({ reason: 'no-attachment' });
    expect((await rejection(() => checkAttachment({ ...ref('/'), contentType: 'image/png' }, 100))).code).toBe('MEDIA_NO_VIDEO');
    expect((await rejection(() => checkAttachment({ ...ref('/'), contentType: 'audio/mpeg; codecs=mp3' }, 100))).details).toMatchObject({ contentType: 'audio/mpeg' });
    expect(checkAttachment({ ...ref('/'), contentType: null, name: 'clip.MOV' }, 100).name).toBe('clip.MOV');
    expect((await rejection(() => checkAttachment({ ...ref('/'), contentType: null, name: 'notes.txt' }, 100))).code).toBe('MEDIA_NO_VIDEO');
    expect((await rejection(() => checkAttachment({ ...ref('/'), size: 101 }, 100))).details).toEqual({ size: 101, maxBytes: 100 });
  });

  it('downloads the bytes', async () => {
    expect(Buffer.from(await downloadAttachment(ref('/ok'), limits)).toString()).toBe('ok video');
  });

  it.each([
    ['/gone', 'MEDIA_UNREACHABLE', { status: 404, expired: true }],
    ['/big-declared', 'MEDIA_TOO_LARGE', { size: 5_000, maxBytes: 4_096 }],
    ['/big-chunked', 'MEDIA_TOO_LARGE', { maxBytes: 4_096 }],
    ['/stall', 'MEDIA_TIMEOUT', {}],
    ['/empty', 'MEDIA_EMPTY', {}],
  ])('given %s, fails with %s', async (path, code, details) => {
    const error = await rejection(downloadAttachment(ref(path), limits));
    expect(error.code).toBe(code);
    expect(error.details).toMatchObject(details);
  });
});
