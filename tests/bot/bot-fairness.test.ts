/**
 * The whole bot against the local Discord stand-in, on small services, for what does not need real
 * media: cooldowns, the global queue, failures kept to one request, deadlines, expiry, the
 * no-MessageContent path, command registration, an empty catalog and missing models.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayIntentBits, InteractionResponseType, MessageFlags, type APIInteraction, type APIMessage } from 'discord.js';
import { ModelError } from '../../core/errors.js';
import { registerCommands } from '../../bot/register.js';
import { UnavailableServices } from '../../bot/unavailable.js';
import type { ClipAnalyser, ClipFeatures } from '../../bot/ports.js';
import { BotHarness, type HarnessOptions } from './support/harness.js';
import { FakeDiscord } from './support/fake-discord/server.js';
import { attachmentOption, mp4Bytes, buttonClick, selectChoice, slashCommand, stringOption } from './support/fake-discord/payloads.js';
import { componentsOf, looksInternal, picksShown } from './support/expect-discord.js';
import { SmallRecommender } from './support/small-services.js';
import { createFixtureEncoders } from '../support/models.js';

const FEATURES: ClipFeatures = { frameEmbeddings: [new Float32Array([0.5, 0.5, 0.5, 0.5])], durationSeconds: 3 };

/** An analyser whose calls wait until the test opens the gate (or fail as told). */
class GatedAnalyser implements ClipAnalyser {
  started = 0;
  private opened!: () => void;
  private gate = new Promise<void>((resolve) => (this.opened = resolve));
  constructor(private readonly failFor: Set<number> = new Set()) {}
  open(): void {
    this.opened();
  }
  async analyse(_video: Uint8Array, signal: AbortSignal): Promise<ClipFeatures> {
    const call = ++this.started;
    await Promise.race([this.gate, new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)))]);
    if (this.failFor.has(call)) throw new TypeError("Cannot read properties of undefined (reading 'frames')");
    return FEATURES;
  }
}

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function start(options: HarnessOptions): Promise<BotHarness> {
  h = await BotHarness.start(options);
  return h;
}

function sendMusic(harness: BotHarness, user = harness.world.user, channelId?: string): APIInteraction {
  const clip = harness.fake.addAttachment('clip.mp4', mp4Bytes(2048), 'video/mp4');
  return harness.fake.sendInteraction(slashCommand(harness.world, 'music', { user, ...(channelId ? { channelId } : {}), options: [attachmentOption('clip', clip)], attachments: [clip] }));
}

const final = (harness: BotHarness, i: APIInteraction): Promise<APIMessage> =>
  harness.fake.waitFor(() => {
    const m = harness.fake.original(i);
    return m && (m.embeds.length > 0 || m.content.startsWith('⚠️')) ? m : undefined;
  }, 'the answer');

describe('fairness and load', () => {
  it('given a user repeating /music within the cooldown, replies ephemerally with the time left and does no work', async () => {
    const analyser = new GatedAnalyser();
    analyser.open();
    const b = await start({ cooldownMs: 30_000, services: { analyser } });
    await final(b, sendMusic(b));
    const spam = sendMusic(b);
    const callback = await b.fake.waitFor(() => b.fake.callbacks(spam)[0], 'the refusal');
    expect(callback.type).toBe(InteractionResponseType.ChannelMessageWithSource);
    expect(Number(callback.data?.flags) & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(callback.data?.content).toMatch(/Slow down a little: you can ask again in (29|30) s/);
    expect(analyser.started).toBe(1);
    // Someone else is not held back by that user's cooldown.
    expect((await final(b, sendMusic(b, b.world.otherUser))).embeds.length).toBeGreaterThan(0);
  });

  it('given more requests than the concurrency limit, shows the queue position and then answers each', async () => {
    const analyser = new GatedAnalyser();
    const b = await start({ maxConcurrent: 1, services: { analyser } });
    const first = sendMusic(b);
    await b.fake.waitFor(() => analyser.started === 1, 'the first analysis');
    const second = sendMusic(b, b.world.otherUser);
    const queued = await b.fake.waitFor(() => b.fake.original(second)?.content.includes('#1** in the queue') && b.fake.original(second), 'the queue notice');
    expect(queued.content).toBe('⏳ Busy right now: you are **#1** in the queue.');
    expect(analyser.started).toBe(1);
    analyser.open();
    expect((await final(b, first)).embeds.length).toBeGreaterThan(0);
    const answer = await b.fake.waitFor(() => b.fake.original(second)?.embeds.length && b.fake.original(second), 'the queued answer');
    expect(answer.content).not.toContain('queue');
    expect(analyser.started).toBe(2);
  });

  it('given one request failing unexpectedly, answers it politely with a request id and keeps serving the others', async () => {
    const analyser = new GatedAnalyser(new Set([1]));
    const b = await start({ services: { analyser } });
    const failing = sendMusic(b);
    await b.fake.waitFor(() => analyser.started === 1, 'the first analysis');
    const healthy = sendMusic(b, b.world.otherUser);
    analyser.open();
    const failed = await final(b, failing);
    expect(failed.content).toMatch(/^⚠️ Something went wrong on my side \(request `[0-9a-f]{8}`\)/);
    expect(looksInternal(failed.content)).toBe(false);
    expect((await final(b, healthy)).embeds.length).toBeGreaterThan(0);
  });

  it('given an analysis that never finishes, answers within the request deadline instead of hanging', async () => {
    const analyser = new GatedAnalyser();
    const b = await start({ services: { analyser }, limits: { requestTimeoutMs: 400 } });
    const started = Date.now();
    const reply = await final(b, sendMusic(b));
    expect(reply.content).toMatch(/took too long and I stopped/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe('per-user action rate', () => {
  // Two actions at once, then one every 10 s: far slower than the tests, so refusals are certain.
  const actionRate = { burst: 2, perMinute: 6 };
  const keyOf = (message: APIMessage): string => componentsOf(message)[0]![0]!.customId!.split(':')[2]!;

  /** Presses "Next picks" and waits until the picks message shows the new page. */
  async function pressNext(b: BotHarness, reply: APIMessage, user = b.world.user): Promise<APIInteraction> {
    const before = b.fake.messages.get(reply.id)!.edited_timestamp;
    const click = b.fake.sendInteraction(buttonClick(b.world, b.fake.messages.get(reply.id)!, `cc:next:${keyOf(reply)}`, user));
    await b.fake.waitFor(() => b.fake.messages.get(reply.id)!.edited_timestamp !== before, 'the next picks');
    return click;
  }

  async function refusal(b: BotHarness, interaction: APIInteraction): Promise<string> {
    const callback = await b.fake.waitFor(() => b.fake.callbacks(interaction)[0], 'the refusal');
    expect(callback.type).toBe(InteractionResponseType.ChannelMessageWithSource);
    expect(Number(callback.data?.flags) & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    return String(callback.data?.content);
  }

  it('given a user pressing buttons, the select and /refine faster than the rate, refuses the extra ones ephemerally with the wait, does no work, and leaves other users alone', async () => {
    const recommender = new SmallRecommender();
    const b = await start({ actionRate, services: { recommender } });
    const reply = await final(b, sendMusic(b));
    await pressNext(b, reply);
    await pressNext(b, reply);
    const asked = recommender.requests.length;

    const next = b.fake.sendInteraction(buttonClick(b.world, b.fake.messages.get(reply.id)!, `cc:next:${keyOf(reply)}`));
    expect(await refusal(b, next)).toMatch(/^⚠️ You are going a bit fast for me: please wait (9|10) s, then try again\./);
    const choose = b.fake.sendInteraction(selectChoice(b.world, b.fake.messages.get(reply.id)!, `cc:pick:${keyOf(reply)}`, ['0']));
    expect(await refusal(b, choose)).toMatch(/going a bit fast/);
    // Even the modal is refused: the refusal comes instead of it.
    const refine = b.fake.sendInteraction(buttonClick(b.world, b.fake.messages.get(reply.id)!, `cc:refine:${keyOf(reply)}`));
    expect(await refusal(b, refine)).toMatch(/going a bit fast/);
    const thread = await b.fake.waitFor(() => b.fake.threads.get(reply.id), 'the thread');
    const slash = b.fake.sendInteraction(slashCommand(b.world, 'refine', { channelId: thread.id, options: [stringOption('text', 'faster')] }));
    expect(await refusal(b, slash)).toMatch(/going a bit fast/);
    expect(recommender.requests.length).toBe(asked);
    expect((await b.store.get(keyOf(reply)))?.chosen).toBeUndefined();

    // The other user has their own allowance.
    const theirs = await final(b, sendMusic(b, b.world.otherUser));
    const press = await pressNext(b, theirs, b.world.otherUser);
    expect(b.fake.callbacks(press).map((c) => c.type)).toEqual([InteractionResponseType.DeferredMessageUpdate]);
  });

  it('given a user flooding their thread with refinements, answers those within the rate, reacts to the rest, explains once, and queues none of them', async () => {
    const recommender = new SmallRecommender();
    const b = await start({ actionRate, messageContent: true, services: { recommender } });
    const reply = await final(b, sendMusic(b));
    const thread = await b.fake.waitFor(() => b.fake.threads.get(reply.id), 'the thread');
    await b.fake.waitFor(() => b.store.byThread(thread.id), 'the stored conversation');
    const botReplyTo = (id: string) => b.fake.waitFor(() => b.fake.channelMessages(thread.id).find((m) => m.author.bot && m.message_reference?.message_id === id), 'the reply');

    for (const text of ['no drums', 'slower']) expect((await botReplyTo(b.fake.sendUserMessage(thread.id, text).id)).embeds.length).toBeGreaterThan(0);
    const asked = recommender.requests.length;
    const flood = ['faster', 'darker', 'no vocals'].map((text) => b.fake.sendUserMessage(thread.id, text));
    await b.fake.waitFor(() => b.fake.reactions.length === 3, 'a reaction on each refused message');
    expect(b.fake.reactions).toEqual(flood.map((m) => `${thread.id}/${m.id}/⏳`));
    const explanation = await botReplyTo(flood[0]!.id);
    expect(explanation.content).toMatch(/^⏳ You are going a bit fast for me: please wait (9|10) s/);
    expect(explanation.embeds).toEqual([]);
    await new Promise((r) => setTimeout(r, 200));
    const answers = b.fake.channelMessages(thread.id).filter((m) => m.author.bot && flood.some((f) => f.id === m.message_reference?.message_id));
    expect(answers).toHaveLength(1);
    expect(recommender.requests.length).toBe(asked);
    expect((await b.store.byThread(thread.id))?.history).toEqual(['no drums', 'slower']);

    // Another user's conversation is not held back.
    const theirs = await final(b, sendMusic(b, b.world.otherUser));
    const theirThread = await b.fake.waitFor(() => b.fake.threads.get(theirs.id), 'their thread');
    await b.fake.waitFor(() => b.store.byThread(theirThread.id), 'their stored conversation');
    const turn = b.fake.sendUserMessage(theirThread.id, 'no drums', b.world.otherUser);
    const answer = await b.fake.waitFor(() => b.fake.channelMessages(theirThread.id).find((m) => m.author.bot && m.message_reference?.message_id === turn.id), 'their answer');
    expect(answer.embeds.length).toBeGreaterThan(0);
  });
});

describe('conversations', () => {
  it('given a click on the picks of a conversation past its expiry, replies ephemerally that it expired', async () => {
    const b = await start({ ttlMs: 300 });
    const reply = await final(b, sendMusic(b));
    const key = componentsOf(reply)[0]![0]!.customId!.split(':')[2]!;
    await new Promise((r) => setTimeout(r, 450));
    const click = b.fake.sendInteraction(buttonClick(b.world, reply, `cc:next:${key}`));
    const callback = await b.fake.waitFor(() => b.fake.callbacks(click)[0], 'the reply');
    expect(Number(callback.data?.flags) & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(callback.data?.content).toMatch(/This conversation has expired\. Start a new one with `\/music`/);
    expect(await b.store.sweep()).toBe(1);
  });

  it('without the MessageContent intent, identifies without it, ignores thread messages, and /refine steers the picks', async () => {
    const b = await start({ messageContent: false });
    expect(b.fake.identifies.at(-1)!.intents & GatewayIntentBits.MessageContent).toBe(0);
    const reply = await final(b, sendMusic(b));
    const thread = await b.fake.waitFor(() => b.fake.threads.get(reply.id), 'the thread');
    const intro = await b.fake.waitFor(() => b.fake.channelMessages(thread.id).find((m) => m.author.bot), 'the intro');
    expect(intro.content).toContain('/refine text:');
    await b.fake.waitFor(() => b.store.byThread(thread.id), 'the stored conversation');

    const before = b.fake.channelMessages(thread.id).length;
    b.fake.sendUserMessage(thread.id, 'no drums');
    await new Promise((r) => setTimeout(r, 200));
    expect(b.fake.channelMessages(thread.id).length).toBe(before + 1); // only the user's own message

    const refine = b.fake.sendInteraction(slashCommand(b.world, 'refine', { channelId: thread.id, options: [stringOption('text', 'no drums')] }));
    const refined = await final(b, refine);
    expect(refined.content).toContain('no drums');
    const recommender = new SmallRecommender();
    const drums = new Set(recommender.tracks.filter((t) => t.tags.some((x) => x.tag === 'drums')).map((t) => t.id));
    expect(picksShown(refined).length).toBeGreaterThan(0);
    expect(picksShown(refined).filter((p) => drums.has(p.trackId))).toEqual([]);
    expect(picksShown(reply).some((p) => drums.has(p.trackId))).toBe(true);
  });

  it('given /refine outside a music thread, replies ephemerally how to start one', async () => {
    const b = await start({});
    const refine = b.fake.sendInteraction(slashCommand(b.world, 'refine', { options: [stringOption('text', 'faster')] }));
    const callback = await b.fake.waitFor(() => b.fake.callbacks(refine)[0], 'the reply');
    expect(Number(callback.data?.flags) & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(callback.data?.content).toMatch(/inside a music thread/);
  });
});

describe('steering failures', () => {
  it('given "Next picks" failing, keeps the picks message and tells the user alone, with the request id', async () => {
    class FailingNext extends SmallRecommender {
      override async recommend(...args: Parameters<SmallRecommender['recommend']>) {
        if ((args[0].excludeTrackIds ?? []).length > 0) throw new TypeError('index out of range');
        return super.recommend(...args);
      }
    }
    const b = await start({ services: { recommender: new FailingNext() } });
    const reply = await final(b, sendMusic(b));
    const key = componentsOf(reply)[0]![0]!.customId!.split(':')[2]!;
    const click = b.fake.sendInteraction(buttonClick(b.world, reply, `cc:next:${key}`));
    const followup = await b.fake.waitFor(() => b.fake.followups(click)[0], 'the explanation');
    expect(followup.flags! & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(followup.content).toMatch(/^⚠️ Something went wrong on my side \(request `[0-9a-f]{8}`\)/);
    expect(b.fake.messages.get(reply.id)!.embeds).toEqual(reply.embeds);
    expect(b.fake.callbacks(click).map((c) => c.type)).toEqual([InteractionResponseType.DeferredMessageUpdate]);
  });
});

describe('the catalog and the models', () => {
  it('given an empty catalog, says so and who can fix it', async () => {
    const b = await start({ services: { recommender: new SmallRecommender([]) } });
    expect((await final(b, sendMusic(b))).content).toMatch(/music catalog on this server is empty.*cuecast index/);
  });

  it('given missing models, the bot still connects and says the models are not installed', async () => {
    const failure = await createFixtureEncoders({ modelsDir: '/nonexistent/cuecast-models' }).then(
      async (encoders) => {
        await encoders.dispose();
        throw new Error('expected the encoders to refuse a missing models directory');
      },
      (error: unknown) => error as Error,
    );
    const unavailable = new UnavailableServices(failure);
    const b = await start({ services: { analyser: unavailable, recommender: unavailable, tracks: unavailable } });
    expect((await final(b, sendMusic(b))).content).toMatch(/models are not installed/);
  });

  it('maps a ModelError from any analyser to the same answer', async () => {
    const analyser: ClipAnalyser = { analyse: () => Promise.reject(new ModelError('MODEL_MISSING', 'clip model not found in /models')) };
    const b = await start({ services: { analyser } });
    expect((await final(b, sendMusic(b))).content).toMatch(/models are not installed/);
  });
});

describe('endpoints', () => {
  it('given a gateway URL override, connects there instead of the URL Discord advertises', async () => {
    const b = await start({ gatewayOverride: true });
    expect(b.fake.advertisedGatewayUrl).toContain(':9/');
    expect(b.fake.identifies).toHaveLength(1);
    expect(b.bot.client.isReady()).toBe(true);
  });
});

describe('cuecast bot register', () => {
  it('puts every command in the dev guild with one bulk overwrite', async () => {
    const fake = await FakeDiscord.start();
    try {
      const names = await registerCommands({ token: 't', applicationId: fake.world.applicationId, guildId: fake.world.guildId, apiBaseUrl: fake.apiUrl });
      expect(names).toEqual(['music', 'Find music', 'refine', 'similar']);
      const put = fake.calls.find((c) => c.method === 'PUT')!;
      expect(put.path).toBe(`/applications/${fake.world.applicationId}/guilds/${fake.world.guildId}/commands`);
      const body = put.body as unknown as { name: string; type?: number; options?: { name: string; type: number; required?: boolean; autocomplete?: boolean }[] }[];
      expect(body.find((c) => c.name === 'music')!.options!.map((o) => [o.name, o.type, o.required ?? false])).toEqual([
        ['clip', 11, true],
        ['prompt', 3, false],
        ['count', 4, false],
      ]);
      expect(body.find((c) => c.name === 'Find music')!.type).toBe(3);
      expect(body.find((c) => c.name === 'similar')!.options![0]!.autocomplete).toBe(true);
      await registerCommands({ token: 't', applicationId: fake.world.applicationId, apiBaseUrl: fake.apiUrl });
      expect(fake.calls.filter((c) => c.method === 'PUT').at(-1)!.path).toBe(`/applications/${fake.world.applicationId}/commands`);
    } finally {
      await fake.close();
    }
  });
});
