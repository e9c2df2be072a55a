/**
 * Conversation threads that Discord archived, that fell out of discord.js's cache (a restart, a cache
 * sweep), or that the bot can no longer post in: the real bot against the local stand-in, which keeps
 * archived threads out of GUILD_CREATE, refuses new content in them (50083) and models the unarchive
 * PATCH with its permission rules.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InteractionResponseType, MessageFlags, type APIInteraction, type APIMessage, type ThreadChannel } from 'discord.js';
import { BotHarness } from './support/harness.js';
import { attachmentOption, mp4Bytes, buttonClick, selectChoice, slashCommand, stringOption } from './support/fake-discord/payloads.js';
import { componentsOf, looksInternal, picksShown } from './support/expect-discord.js';

let h: BotHarness | undefined;
afterEach(async () => {
  const unknownRoutes = [...(h?.fake.unknownRoutes ?? [])];
  await h?.stop();
  h = undefined;
  // Every REST call the bot made is one the stand-in models.
  expect(unknownRoutes).toEqual([]);
});

const keyOf = (message: APIMessage): string => componentsOf(message)[0]![0]!.customId!.split(':')[2]!;

/** /music, then one refinement written in the thread: the answer is a picks message inside the thread. */
async function conversationWithPicksInThread(b: BotHarness): Promise<{ thread: string; picks: APIMessage }> {
  const clip = b.fake.addAttachment('clip.mp4', mp4Bytes(2048), 'video/mp4');
  const music = b.fake.sendInteraction(slashCommand(b.world, 'music', { options: [attachmentOption('clip', clip)], attachments: [clip] }));
  const reply = await b.fake.waitFor(() => b.fake.original(music)?.embeds.length && b.fake.original(music), 'the picks');
  const thread = (await b.fake.waitFor(() => b.fake.threads.get(reply.id), 'the thread')).id;
  await b.fake.waitFor(() => b.store.byThread(thread), 'the stored conversation');
  const picks = await answerTo(b, thread, b.fake.sendUserMessage(thread, 'no drums'));
  expect(picks.embeds.length).toBeGreaterThan(0);
  return { thread, picks };
}

function answerTo(b: BotHarness, thread: string, message: APIMessage): Promise<APIMessage> {
  return b.fake.waitFor(() => b.fake.channelMessages(thread).find((m) => m.author.bot && m.message_reference?.message_id === message.id), 'the answer in the thread');
}

const cachedThread = (b: BotHarness, id: string): ThreadChannel | undefined => {
  const channel = b.bot.client.channels.cache.get(id);
  return channel?.isThread() ? channel : undefined;
};

/** Waits for the bot to have heard that the thread was archived. */
const heardArchived = (b: BotHarness, id: string): Promise<true> => b.fake.waitFor(() => cachedThread(b, id)?.archived === true, 'the bot to see the thread archived');

async function ephemeralReply(b: BotHarness, interaction: APIInteraction): Promise<string> {
  const callback = await b.fake.waitFor(() => b.fake.callbacks(interaction)[0], 'the reply');
  expect(callback.type).toBe(InteractionResponseType.ChannelMessageWithSource);
  expect(Number(callback.data?.flags) & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
  const content = String(callback.data?.content);
  expect(looksInternal(content)).toBe(false);
  return content;
}

const unarchives = (b: BotHarness, thread: string) => b.fake.calls.filter((c) => c.method === 'PATCH' && c.path === `/channels/${thread}` && c.body?.archived === false);

describe('archived conversation threads', () => {
  it('given the thread archived, "More like #1" on picks inside it reopens the thread and edits the picks there', async () => {
    const b = (h = await BotHarness.start({ messageContent: true }));
    const { thread, picks } = await conversationWithPicksInThread(b);
    b.fake.archiveThread(thread);
    await heardArchived(b, thread);

    const click = b.fake.sendInteraction(buttonClick(b.world, picks, `cc:more:${keyOf(picks)}:0`));
    const edited = await b.fake.waitFor(() => {
      const m = b.fake.messages.get(picks.id)!;
      return m.content.includes('more like #1') && m.embeds.length > 0 ? m : undefined;
    }, 'the picks in the thread to change');
    expect(edited.channel_id).toBe(thread);
    expect((await b.store.get(keyOf(picks)))?.state.likeTrackIds).toEqual([picksShown(picks)[0]!.trackId]);
    expect(unarchives(b, thread)).toHaveLength(1);
    expect(b.fake.isArchived(thread)).toBe(false);
    expect(b.fake.callbacks(click).map((c) => c.type)).toEqual([InteractionResponseType.DeferredMessageUpdate]);
    expect(b.fake.followups(click)).toEqual([]);
  });

  it('after a restart, choosing a pick in an archived thread missing from the cache fetches the thread, reopens it and answers in it', async () => {
    const b = (h = await BotHarness.start({ messageContent: true }));
    const { thread, picks } = await conversationWithPicksInThread(b);
    b.fake.archiveThread(thread);
    await heardArchived(b, thread);
    await b.disconnect();
    await b.connect();
    expect(b.bot.client.channels.cache.has(thread)).toBe(false); // GUILD_CREATE lists active threads only

    const fetchesBefore = b.fake.calls.filter((c) => c.method === 'GET' && c.path === `/channels/${thread}`).length;
    const choice = b.fake.sendInteraction(selectChoice(b.world, picks, `cc:pick:${keyOf(picks)}`, ['0']));
    const chosen = await b.fake.waitFor(() => (b.fake.original(choice)?.content.includes('chose') ? b.fake.original(choice) : undefined), 'the choice');
    expect(chosen.channel_id).toBe(thread);
    expect(chosen.content).toContain(`**${picksShown(picks)[0]!.title}**`);
    expect(b.fake.calls.filter((c) => c.method === 'GET' && c.path === `/channels/${thread}`).length).toBe(fetchesBefore + 1);
    expect(unarchives(b, thread)).toHaveLength(1);
    // The thread was reopened before the answer was posted in it.
    const order = b.fake.calls.map((c) => `${c.method} ${c.path}`);
    expect(order.indexOf(`PATCH /channels/${thread}`)).toBeLessThan(order.findIndex((p) => p.includes(`/interactions/${choice.id}/`)));
  });

  it('after a restart, a refinement written in a thread archived meanwhile is answered in the thread', async () => {
    const b = (h = await BotHarness.start({ messageContent: true }));
    const { thread } = await conversationWithPicksInThread(b);
    b.fake.archiveThread(thread);
    await heardArchived(b, thread);
    await b.disconnect();
    await b.connect();
    expect(b.bot.client.channels.cache.has(thread)).toBe(false);

    // Writing in the thread reopens it (Discord tells the guild first); the bot answers there.
    const answer = await answerTo(b, thread, b.fake.sendUserMessage(thread, 'under 100 bpm'));
    expect(picksShown(answer).every((p) => p.bpm !== undefined && p.bpm <= 100)).toBe(true);
    expect((await b.store.byThread(thread))?.history).toEqual(['no drums', 'under 100 bpm']);
  });

  it('given the thread dropped from the cache, a refinement written in it fetches the thread and is answered', async () => {
    const b = (h = await BotHarness.start({ messageContent: true }));
    const { thread } = await conversationWithPicksInThread(b);
    // As discord.js's thread sweeper or a cache limit would.
    b.bot.client.channels.cache.delete(thread);

    const answer = await answerTo(b, thread, b.fake.sendUserMessage(thread, 'under 100 bpm'));
    expect(answer.embeds.length).toBeGreaterThan(0);
    expect(b.fake.calls.some((c) => c.method === 'GET' && c.path === `/channels/${thread}`)).toBe(true);
  });

  it('without the MessageContent intent, /refine in a thread archived before a restart reopens it and answers there', async () => {
    const b = (h = await BotHarness.start({ messageContent: false }));
    const clip = b.fake.addAttachment('clip.mp4', mp4Bytes(2048), 'video/mp4');
    const music = b.fake.sendInteraction(slashCommand(b.world, 'music', { options: [attachmentOption('clip', clip)], attachments: [clip] }));
    const reply = await b.fake.waitFor(() => b.fake.original(music)?.embeds.length && b.fake.original(music), 'the picks');
    const thread = (await b.fake.waitFor(() => b.fake.threads.get(reply.id), 'the thread')).id;
    await b.fake.waitFor(() => b.store.byThread(thread), 'the stored conversation');
    b.fake.archiveThread(thread);
    await heardArchived(b, thread);
    await b.disconnect();
    await b.connect();

    const refine = b.fake.sendInteraction(slashCommand(b.world, 'refine', { channelId: thread, options: [stringOption('text', 'under 100 bpm')] }));
    const answer = await b.fake.waitFor(() => (b.fake.original(refine)?.embeds.length ? b.fake.original(refine) : undefined), 'the refined picks');
    expect(answer.channel_id).toBe(thread);
    expect(picksShown(answer).every((p) => p.bpm !== undefined && p.bpm <= 100)).toBe(true);
    expect(unarchives(b, thread)).toHaveLength(1);
  });
});

describe('threads the bot cannot post in', () => {
  it('given the thread locked by a moderator, a press on picks inside it says only a moderator can reopen it, and changes nothing', async () => {
    const b = (h = await BotHarness.start({ messageContent: true }));
    const { thread, picks } = await conversationWithPicksInThread(b);
    b.fake.archiveThread(thread, { locked: true });
    await heardArchived(b, thread);

    const content = await ephemeralReply(b, b.fake.sendInteraction(buttonClick(b.world, picks, `cc:next:${keyOf(picks)}`)));
    expect(content).toMatch(/^⚠️ The thread of this music conversation is locked, and only a moderator can reopen it/);
    expect(unarchives(b, thread)).toEqual([]);
    expect(b.fake.messages.get(picks.id)!.edited_timestamp).toBe(picks.edited_timestamp);
  });

  it('given the bot lacking Send Messages in Threads there, a press on picks inside it names the missing permission', async () => {
    const b = (h = await BotHarness.start({ messageContent: true }));
    const { thread, picks } = await conversationWithPicksInThread(b);
    b.fake.closedToBot.add(thread);
    b.fake.archiveThread(thread);
    await heardArchived(b, thread);

    const content = await ephemeralReply(b, b.fake.sendInteraction(buttonClick(b.world, picks, `cc:next:${keyOf(picks)}`)));
    expect(content).toMatch(/not allowed to post in the thread.*\*\*Send Messages in Threads\*\*/);
    expect(unarchives(b, thread)).toHaveLength(1); // tried, and Discord said no
    expect(b.fake.isArchived(thread)).toBe(true);
  });

  it('given the thread deleted while the bot was away, a press on picks that were in it says the thread is gone', async () => {
    const b = (h = await BotHarness.start({ messageContent: true }));
    const { thread, picks } = await conversationWithPicksInThread(b);
    await b.disconnect();
    b.fake.deleteThread(thread, { notify: false });
    await b.connect();

    const content = await ephemeralReply(b, b.fake.sendInteraction(buttonClick(b.world, picks, `cc:next:${keyOf(picks)}`)));
    expect(content).toMatch(/^⚠️ The thread of this music conversation was deleted.*`\/music`/);
  });
});
