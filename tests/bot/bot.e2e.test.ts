/**
 * The whole bot (real discord.js Client) against the local Discord stand-in, with the real services:
 * fixture CLIP/CLAP encoders, a catalog indexed from generated tracks, the Recommender, core/media.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelType, InteractionResponseType, MessageFlags, type APIInteraction, type APIMessage } from 'discord.js';
import { BotHarness } from './support/harness.js';
import { createRealServices, type RealServices } from './support/real-services.js';
import { attachmentOption, autocomplete, buttonClick, messageCommand, modalSubmit, selectChoice, slashCommand, stringOption, userMessage } from './support/fake-discord/payloads.js';
import { bytesOf, componentsOf, field, looksInternal, picksShown } from './support/expect-discord.js';
import { corruptCopy, makeAudio, makeImage, makeLongVideo, makeVideo } from '../support/media.js';
import { ifSet } from '../support/if-set.js';

let services: RealServices;
let h: BotHarness;
let clip: Uint8Array;

beforeAll(async () => {
  services = await createRealServices();
  h = await BotHarness.start({ messageContent: true, services });
  clip = await bytesOf(await makeVideo({ seconds: 6, width: 160, height: 120, fps: 10, scenes: ['navy', 'orange'] }));
}, 120_000);

afterAll(async () => {
  await ifSet(h)?.stop();
  await ifSet(services)?.dispose();
});

function sendMusic(options: { bytes?: Uint8Array; name?: string; contentType?: string; size?: number; prompt?: string; noAttachment?: boolean } = {}): APIInteraction {
  const attachment = options.noAttachment ? undefined : h.fake.addAttachment(options.name ?? 'clip.mp4', options.bytes ?? clip, options.contentType ?? 'video/mp4', options.size);
  return h.fake.sendInteraction(
    slashCommand(h.world, 'music', {
      options: [...(attachment ? [attachmentOption('clip', attachment)] : []), ...(options.prompt !== undefined ? [stringOption('prompt', options.prompt)] : [])],
      ...(attachment ? { attachments: [attachment] } : {}),
    }),
  );
}

/** The final state of a deferred reply: picks, or an explanation. */
function answered(interaction: APIInteraction): Promise<APIMessage> {
  return h.fake.waitFor(
    () => {
      const m = h.fake.original(interaction);
      return m && (m.embeds.length > 0 || m.content.startsWith('⚠️')) && m.edited_timestamp !== null ? m : undefined;
    },
    'the answer',
    30_000,
  );
}

/** The single ephemeral reply of an interaction refused before deferral. */
async function ephemeral(interaction: APIInteraction): Promise<string> {
  const callback = await h.fake.waitFor(() => h.fake.callbacks(interaction)[0], 'a reply');
  expect(callback.type).toBe(InteractionResponseType.ChannelMessageWithSource);
  expect(Number(callback.data?.flags) & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
  const content = String(callback.data?.content);
  expect(looksInternal(content)).toBe(false);
  return content;
}

const keyOf = (message: APIMessage): string => componentsOf(message)[0]![0]!.customId!.split(':')[2]!;

function botReplyTo(channelId: string, userMessageId: string): Promise<APIMessage> {
  return h.fake.waitFor(() => h.fake.channelMessages(channelId).find((m) => m.author.bot && m.message_reference?.message_id === userMessageId), 'the bot reply in the thread', 30_000);
}

describe('the bot against a local Discord', () => {
  it('given a clip and a prompt, /music defers at once, downloads, and answers with an embed per pick, the controls and a thread', async () => {
    const interaction = sendMusic({ prompt: 'calm ambient' });
    const reply = await answered(interaction);
    const callbacks = h.fake.callbacks(interaction);
    expect(callbacks.map((c) => c.type)).toEqual([InteractionResponseType.DeferredChannelMessageWithSource]);
    // The deferral went out before the attachment download.
    const order = h.fake.calls.map((c) => c.path);
    const deferAt = order.findIndex((p) => p.includes(`/interactions/${interaction.id}/`));
    const downloadAt = order.findIndex((p, i) => i > deferAt && p.startsWith('/cdn/attachments/'));
    expect(deferAt).toBeGreaterThanOrEqual(0);
    expect(downloadAt).toBeGreaterThan(deferAt);

    expect(reply.content).toContain('calm ambient');
    expect(reply.embeds).toHaveLength(3);
    for (const [i, embed] of reply.embeds.entries()) {
      expect(embed.title).toMatch(new RegExp(`^#${i + 1} \\S`));
      expect(embed.author?.name).toBeTruthy();
      expect(embed.description).toMatch(/BPM|\w+/);
      expect(field(embed, 'Tags')).toBeTruthy();
      expect(field(embed, 'BPM')).toMatch(/^\d+$/);
      expect(field(embed, 'Use')).toMatch(/^\d+:\d\d–\d+:\d\d$/);
    }
    const titles = picksShown(reply).map((p) => p.title);
    expect(new Set(titles).size).toBe(3);
    expect(titles.every((t) => services.tracks.search(t, 1).length === 1)).toBe(true);

    const rows = componentsOf(reply);
    const key = keyOf(reply);
    expect(rows[0]).toEqual([{ type: 3, customId: `cc:pick:${key}` }]);
    expect(rows[1]!.map((c) => c.label)).toEqual(['More like #1', 'More like #2', 'More like #3']);
    expect(rows[2]!.map((c) => c.label)).toEqual(['Refine…', 'Next picks']);
    expect(rows.flat().every((c) => (c.customId ?? '').length <= 100)).toBe(true);

    const thread = await h.fake.waitFor(() => h.fake.threads.get(reply.id), 'the thread');
    expect(thread.name).toContain('music for editor');
    const intro = await h.fake.waitFor(() => h.fake.channelMessages(thread.id).find((m) => m.author.bot), 'the thread intro');
    expect(intro.content).toContain('Tell me here');
  });

  it('done: a clip with a prompt, then two refinements written in the thread, gives picks that follow them', async () => {
    const first = await answered(sendMusic({ prompt: 'something energetic' }));
    const thread = await h.fake.waitFor(() => h.fake.threads.get(first.id), 'the thread');
    await h.fake.waitFor(() => h.store.byThread(thread.id), 'the conversation to be stored');

    const turn1 = h.fake.sendUserMessage(thread.id, 'slower please, under 100 bpm');
    const second = await botReplyTo(thread.id, turn1.id);
    const picks2 = picksShown(second);
    expect(picks2.length).toBeGreaterThan(0);
    expect(picks2.every((p) => p.bpm !== undefined && p.bpm <= 100)).toBe(true);
    expect(second.content).toContain('slower please, under 100 bpm');

    const turn2 = h.fake.sendUserMessage(thread.id, `<@${h.world.bot.id}> not #1`);
    const third = await botReplyTo(thread.id, turn2.id);
    const picks3 = picksShown(third);
    expect(picks3.length).toBeGreaterThan(0);
    expect(picks3.map((p) => p.trackId)).not.toContain(picks2[0]!.trackId);
    expect(picks3.every((p) => p.bpm !== undefined && p.bpm <= 100)).toBe(true);
    expect(third.content).toContain('not #1');
    // The state persisted: the conversation remembers both turns.
    expect((await h.store.byThread(thread.id))?.history).toEqual(['slower please, under 100 bpm', 'not #1']);
  });

  it('ignores small talk and other people in the thread', async () => {
    const reply = await answered(sendMusic());
    const thread = await h.fake.waitFor(() => h.fake.threads.get(reply.id), 'the thread');
    await h.fake.waitFor(() => h.fake.channelMessages(thread.id).some((m) => m.author.bot), 'the thread intro');
    await h.fake.waitFor(() => h.store.byThread(thread.id), 'the conversation to be stored');
    const before = h.fake.calls.length;
    h.fake.sendUserMessage(thread.id, 'under 90 bpm', h.world.otherUser);
    h.fake.sendUserMessage(thread.id, '// nice one');
    await new Promise((r) => setTimeout(r, 300));
    expect(h.fake.calls.slice(before).filter((c) => c.method === 'POST' && c.path === `/channels/${thread.id}/messages`)).toEqual([]);
  });

  it('the Refine… button opens a modal at once; submitting it edits the picks in place', async () => {
    const reply = await answered(sendMusic());
    const key = keyOf(reply);
    const click = h.fake.sendInteraction(buttonClick(h.world, reply, `cc:refine:${key}`));
    const callback = await h.fake.waitFor(() => h.fake.callbacks(click)[0], 'the modal');
    expect(callback.type).toBe(InteractionResponseType.Modal);
    expect(callback.data?.custom_id).toBe(`cc:refine-modal:${key}`);

    const submit = h.fake.sendInteraction(modalSubmit(h.world, h.fake.messages.get(reply.id)!, `cc:refine-modal:${key}`, { text: 'over 140 bpm' }));
    const edited = await h.fake.waitFor(() => {
      const m = h.fake.messages.get(reply.id)!;
      return m.content.includes('over 140 bpm') ? m : undefined;
    }, 'the picks to change');
    expect(h.fake.callbacks(submit)[0]?.type).toBe(InteractionResponseType.DeferredMessageUpdate);
    expect(picksShown(edited).every((p) => p.bpm! >= 140 * 0.9)).toBe(true);
  });

  it('"More like #2" keeps the conversation going and "Next picks" shows tracks not seen yet', async () => {
    const reply = await answered(sendMusic({ prompt: 'calm' }));
    const key = keyOf(reply);
    const firstIds = picksShown(reply).map((p) => p.trackId);
    h.fake.sendInteraction(buttonClick(h.world, reply, `cc:next:${key}`));
    const next = await h.fake.waitFor(() => {
      const m = h.fake.messages.get(reply.id)!;
      return m.edited_timestamp !== reply.edited_timestamp && m.embeds.length > 0 && picksShown(m)[0]!.trackId !== firstIds[0] ? m : undefined;
    }, 'the next picks');
    expect(
      picksShown(next)
        .map((p) => p.trackId)
        .filter((id) => firstIds.includes(id)),
    ).toEqual([]);

    h.fake.sendInteraction(buttonClick(h.world, next, `cc:more:${key}:1`));
    const more = await h.fake.waitFor(() => (h.fake.messages.get(reply.id)!.content.includes('more like #2') ? h.fake.messages.get(reply.id) : undefined), 'more like #2');
    expect(more.embeds.length).toBeGreaterThan(0);
    expect((await h.store.get(key))?.state.likeTrackIds).toEqual([picksShown(next)[1]!.trackId]);
  });

  it('choosing a pick posts the segment to use with a preview cut within the upload limit', async () => {
    const reply = await answered(sendMusic());
    const key = keyOf(reply);
    const choice = h.fake.sendInteraction(selectChoice(h.world, reply, `cc:pick:${key}`, ['1']));
    const chosen = await h.fake.waitFor(() => (h.fake.original(choice)?.content.includes('chose') ? h.fake.original(choice) : undefined), 'the choice');
    expect(h.fake.callbacks(choice)[0]?.type).toBe(InteractionResponseType.DeferredChannelMessageWithSource);
    const pick = picksShown(reply)[1]!;
    expect(chosen.content).toContain(`**${pick.title}**`);
    expect(chosen.content).toMatch(/use \d+:\d\d–\d+:\d\d/);
    const upload = h.fake.calls.find((c) => c.files.length > 0 && c.path.includes(choice.token));
    expect(upload?.files[0]?.name).toMatch(/^preview-.*\.ogg$/);
    expect(upload!.files[0]!.size).toBeGreaterThan(1000);
    expect(upload!.files[0]!.size).toBeLessThanOrEqual(choice.attachment_size_limit);
    expect((await h.store.get(key))?.chosen).toBe(pick.trackId);
  });

  it('/similar autocompletes titles from the catalog and answers with picks like the chosen track', async () => {
    const ac = h.fake.sendInteraction(autocomplete(h.world, 'similar', 'track', 'nig'));
    const callback = await h.fake.waitFor(() => h.fake.callbacks(ac)[0], 'the choices');
    expect(callback.type).toBe(InteractionResponseType.ApplicationCommandAutocompleteResult);
    const choices = callback.data?.choices as { name: string; value: string }[];
    expect(choices.map((c) => c.name)).toEqual(['Night Drive — Velvet Circuit']);

    const similar = h.fake.sendInteraction(slashCommand(h.world, 'similar', { options: [stringOption('track', choices[0]!.value)] }));
    const reply = await answered(similar);
    expect(reply.embeds.length).toBeGreaterThan(0);
    expect(picksShown(reply).map((p) => p.title)).not.toContain(undefined);
  });

  it('"Find music" on a message that holds a video answers like /music', async () => {
    const attachment = h.fake.addAttachment('holiday.webm', clip, 'video/mp4');
    const target = userMessage(h.world, h.world.channelId, 'look at this', h.world.user, [attachment]);
    const interaction = h.fake.sendInteraction(messageCommand(h.world, 'Find music', target));
    const reply = await answered(interaction);
    expect(reply.embeds.length).toBeGreaterThan(0);
  });

  it('given /music inside a music thread, the new conversation takes the thread over', async () => {
    const first = await answered(sendMusic({ prompt: 'calm' }));
    const thread = await h.fake.waitFor(() => h.fake.threads.get(first.id), 'the thread');
    const oldKey = keyOf(first);
    await h.fake.waitFor(async () => (await h.store.byThread(thread.id))?.key === oldKey, 'the first conversation in the thread');
    const attachment = h.fake.addAttachment('clip.mp4', clip, 'video/mp4');
    const second = await answered(
      h.fake.sendInteraction(
        slashCommand(h.world, 'music', { channelId: thread.id, channelType: ChannelType.PublicThread, options: [attachmentOption('clip', attachment)], attachments: [attachment] }),
      ),
    );
    expect(h.fake.threads.has(second.id)).toBe(false); // no thread inside a thread
    await h.fake.waitFor(async () => (await h.store.byThread(thread.id))?.key === keyOf(second), 'the new conversation to own the thread');
    expect((await h.store.get(oldKey))?.threadId).toBeUndefined(); // still usable from its buttons, no longer the thread's
  });

  it('after a restart, the buttons and the thread of an earlier conversation still work', async () => {
    const reply = await answered(sendMusic({ prompt: 'calm' }));
    const key = keyOf(reply);
    const thread = await h.fake.waitFor(() => h.fake.threads.get(reply.id), 'the thread');
    await h.fake.waitFor(() => h.store.byThread(thread.id), 'the conversation to be stored');
    await h.disconnect();
    await h.connect();

    h.fake.sendInteraction(buttonClick(h.world, reply, `cc:next:${key}`));
    await h.fake.waitFor(() => h.fake.messages.get(reply.id)!.edited_timestamp !== reply.edited_timestamp, 'the picks to change after the restart');
    const turn = h.fake.sendUserMessage(thread.id, 'under 100 bpm');
    const answer = await botReplyTo(thread.id, turn.id);
    expect(picksShown(answer).every((p) => p.bpm! <= 100)).toBe(true);
  });

  describe('bad input gets a specific, friendly answer', () => {
    it('given no attachment, replies ephemerally asking for a video', async () => {
      expect(await ephemeral(sendMusic({ noAttachment: true }))).toMatch(/attach a video clip/);
    });

    it('given an image, replies ephemerally that it is an image', async () => {
      const interaction = sendMusic({ bytes: await bytesOf(await makeImage()), name: 'still.png', contentType: 'image/png' });
      expect(await ephemeral(interaction)).toMatch(/image, not a video/);
    });

    it('given an audio file, replies ephemerally that music is picked for a video', async () => {
      const interaction = sendMusic({ bytes: await bytesOf(await makeAudio('mp3', 2)), name: 'song.mp3', contentType: 'audio/mpeg' });
      expect(await ephemeral(interaction)).toMatch(/audio file/);
    });

    it('given a clip over the upload limit, refuses before downloading it', async () => {
      const before = h.fake.calls.filter((c) => c.path.startsWith('/cdn/')).length;
      const interaction = sendMusic({ size: 50 * 1024 * 1024 });
      expect(await ephemeral(interaction)).toMatch(/too large \(50 MB; the limit here is 10 MB\)/);
      expect(h.fake.calls.filter((c) => c.path.startsWith('/cdn/')).length).toBe(before);
    });

    it('given a prompt over the limit, replies ephemerally with the limit', async () => {
      // maxTextChars (500 by default) is the one text limit for the bot, the server and the CLI.
      expect(await ephemeral(sendMusic({ prompt: 'lo-fi '.repeat(100) }))).toMatch(/prompt is too long \(\d+ characters; the limit is 500\)/);
    });

    it('given a corrupt video, explains it could not be read', async () => {
      const good = await makeVideo({ seconds: 4, width: 160, height: 120 });
      const reply = await answered(sendMusic({ bytes: await bytesOf(await corruptCopy(good, 64 * 1024)) }));
      expect(reply.content).toMatch(/could not read that video|no video stream/);
      expect(reply.embeds).toEqual([]);
      expect(looksInternal(reply.content)).toBe(false);
    });

    it('given random bytes named .mp4, explains it could not be read', async () => {
      const reply = await answered(sendMusic({ bytes: new Uint8Array(4096).map((_, i) => (i * 7919) % 251) }));
      expect(reply.content).toMatch(/could not read that video|no video stream/);
    });

    it('given a 3-hour video, says it is too long without decoding it', async () => {
      const started = Date.now();
      const reply = await answered(sendMusic({ bytes: await bytesOf(await makeLongVideo()) }));
      expect(reply.content).toMatch(/too long \(180 min; I take clips up to 15 min\)/);
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    it('given an expired attachment URL (404 from the CDN), asks to upload again', async () => {
      const attachment = h.fake.addAttachment('clip.mp4', clip, 'video/mp4');
      h.fake.expireAttachment(attachment);
      const reply = await answered(h.fake.sendInteraction(slashCommand(h.world, 'music', { options: [attachmentOption('clip', attachment)], attachments: [attachment] })));
      expect(reply.content).toMatch(/link to that attachment has expired/);
    });

    it('given a click on a component of an unknown conversation or an old format, replies ephemerally', async () => {
      const reply = await answered(sendMusic());
      expect(await ephemeral(h.fake.sendInteraction(buttonClick(h.world, reply, 'cc:next:gone1234')))).toMatch(/conversation has expired/);
      expect(await ephemeral(h.fake.sendInteraction(buttonClick(h.world, reply, 'v0-next-button')))).toMatch(/expired/);
    });

    it("given a click on someone else's picks, replies ephemerally and changes nothing", async () => {
      const reply = await answered(sendMusic());
      const content = await ephemeral(h.fake.sendInteraction(buttonClick(h.world, reply, `cc:next:${keyOf(reply)}`, h.world.otherUser)));
      expect(content).toMatch(/belong to someone else/);
      expect(h.fake.messages.get(reply.id)!.edited_timestamp).toBe(reply.edited_timestamp);
    });

    it('given "Find music" on a message without a video, replies ephemerally', async () => {
      const target = userMessage(h.world, h.world.channelId, 'no clip here');
      expect(await ephemeral(h.fake.sendInteraction(messageCommand(h.world, 'Find music', target)))).toMatch(/has no video attached/);
    });

    it('given /similar with a track that is not in the catalog, replies ephemerally', async () => {
      expect(await ephemeral(h.fake.sendInteraction(slashCommand(h.world, 'similar', { options: [stringOption('track', 'no-such-track')] })))).toMatch(/could not find that track/);
    });
  });

  it('calls only REST routes the stand-in knows', () => {
    expect(h.fake.unknownRoutes).toEqual([]);
  });
});
