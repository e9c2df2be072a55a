/**
 * A hostile user and hostile file tags against the real bot on the local Discord stand-in: every
 * payload the bot sends must ping nobody, show user text and tags as plain text, and stay within
 * Discord's limits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelType, type APIEmbed, type APIMessage } from 'discord.js';
import type { RecommendRequest, RecommendResult } from '../../recommend/types.js';
import { BotHarness } from './support/harness.js';
import { attachmentOption, mp4Bytes, buttonClick, integerOption, modalSubmit, slashCommand, stringOption } from './support/fake-discord/payloads.js';
import { componentsOf } from './support/expect-discord.js';
import { SmallRecommender } from './support/small-services.js';
import { ifSet } from '../support/if-set.js';

const MENTIONS = '@everyone @here <@&123456789012345678> <@123456789012345678>';

/** The small recommender, with file tags and explanations an attacker wrote: mentions, Markdown, and far too long. */
class HostileTagsRecommender extends SmallRecommender {
  override async recommend(request: RecommendRequest): Promise<RecommendResult> {
    const result = await super.recommend(request);
    return {
      ...result,
      picks: result.picks.map((pick, i) => ({
        ...pick,
        title: `${MENTIONS} **PWNED ${i}** [click](https://evil.example) ${'T'.repeat(400)}`,
        artist: `${MENTIONS} __Artist__ ${'A'.repeat(300)}`,
        why: `${MENTIONS} ~~why~~ ${'W'.repeat(2000)}`,
      })),
      notes: [`${MENTIONS} ${'N'.repeat(3000)}`],
    };
  }
}

let h: BotHarness;
beforeAll(async () => {
  h = await BotHarness.start({ messageContent: true, services: { recommender: new HostileTagsRecommender() } });
}, 60_000);
afterAll(async () => {
  await ifSet(h)?.stop();
});

/** Every body the bot sent that creates or edits a message, in any of Discord's ways. */
function messagePayloads(): Record<string, unknown>[] {
  const payloads: Record<string, unknown>[] = [];
  for (const call of h.fake.calls) {
    if (!call.body || (call.method !== 'POST' && call.method !== 'PATCH')) continue;
    if (/\/interactions\/\d+\/[^/]+\/callback$/.test(call.path)) {
      const data = call.body.data as Record<string, unknown> | undefined;
      if (data && ('content' in data || 'embeds' in data || 'components' in data) && call.body.type !== 9) payloads.push(data);
    } else if (/\/channels\/\d+\/messages(\/\d+)?$/.test(call.path) || /\/webhooks\/\d+\/[^/]+(\/messages\/[^/]+)?$/.test(call.path) || /\/threads$/.test(call.path)) {
      if ('content' in call.body || 'embeds' in call.body || 'components' in call.body) payloads.push(call.body);
    }
  }
  return payloads;
}

function embedLength(embed: APIEmbed): number {
  return (
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.author?.name.length ?? 0) +
    (embed.footer?.text.length ?? 0) +
    (embed.fields ?? []).reduce((sum, f) => sum + f.name.length + f.value.length, 0)
  );
}

function checkWithinLimits(payload: Record<string, unknown>): void {
  if (typeof payload.content === 'string') expect(payload.content.length).toBeLessThanOrEqual(2000);
  const embeds = (payload.embeds ?? []) as APIEmbed[];
  expect(embeds.length).toBeLessThanOrEqual(10);
  expect(embeds.reduce((sum, e) => sum + embedLength(e), 0)).toBeLessThanOrEqual(6000);
  for (const embed of embeds) {
    expect(embed.title?.length ?? 0).toBeLessThanOrEqual(256);
    expect(embed.description?.length ?? 0).toBeLessThanOrEqual(4096);
    expect(embed.author?.name.length ?? 0).toBeLessThanOrEqual(256);
    expect(embed.footer?.text.length ?? 0).toBeLessThanOrEqual(2048);
    expect(embed.fields?.length ?? 0).toBeLessThanOrEqual(25);
    for (const f of embed.fields ?? []) {
      expect(f.name.length).toBeLessThanOrEqual(256);
      expect(f.value.length).toBeLessThanOrEqual(1024);
    }
  }
  for (const row of (payload.components ?? []) as { components: { label?: string; options?: { label: string; description?: string }[]; placeholder?: string }[] }[]) {
    for (const component of row.components) {
      expect(component.label?.length ?? 0).toBeLessThanOrEqual(80);
      expect(component.options?.length ?? 0).toBeLessThanOrEqual(25);
      for (const option of component.options ?? []) {
        expect(option.label.length).toBeLessThanOrEqual(100);
        expect(option.description?.length ?? 0).toBeLessThanOrEqual(100);
      }
    }
  }
}

function shownText(payload: Record<string, unknown>): string {
  const embeds = (payload.embeds ?? []) as APIEmbed[];
  return [
    typeof payload.content === 'string' ? payload.content : '',
    ...embeds.flatMap((e) => [e.title ?? '', e.description ?? '', e.author?.name ?? '', ...(e.fields ?? []).map((f) => f.value)]),
  ].join('\n');
}

describe('a hostile user and hostile tags', () => {
  it('every message, edit, follow-up, modal reply and thread post pings nobody, escapes Markdown and stays within Discord limits', async () => {
    const clip = h.fake.addAttachment('clip.mp4', mp4Bytes(2048), 'video/mp4');
    const prompt = `${MENTIONS} **bold** ${'p'.repeat(300)}`.slice(0, 450);
    const music = h.fake.sendInteraction(slashCommand(h.world, 'music', { options: [attachmentOption('clip', clip), stringOption('prompt', prompt), integerOption('count', 5)], attachments: [clip] }));
    const reply = await h.fake.waitFor(() => h.fake.original(music)?.embeds.length && h.fake.original(music), 'the picks', 20_000);
    const thread = (await h.fake.waitFor(() => h.fake.threads.get(reply.id), 'the thread')).id;
    await h.fake.waitFor(() => h.store.byThread(thread), 'the stored conversation');
    const key = componentsOf(reply)[0]![0]!.customId!.split(':')[2]!;

    // The Refine modal's answer, /refine's answer, a refinement typed in the thread.
    const before = h.fake.calls.length;
    h.fake.sendInteraction(modalSubmit(h.world, reply, `cc:refine-modal:${key}`, { text: `${MENTIONS} less drums` }));
    await h.fake.waitFor(() => h.fake.calls.slice(before).some((c) => c.method === 'PATCH' || c.path.endsWith('/callback')), 'the modal answer');
    const refineCall = h.fake.sendInteraction(slashCommand(h.world, 'refine', { options: [stringOption('text', `${MENTIONS} faster`)], channelId: thread, channelType: ChannelType.PublicThread }));
    await h.fake.waitFor(() => h.fake.original(refineCall)?.embeds.length, 'the /refine answer', 20_000);
    const typed = h.fake.sendUserMessage(thread, `${MENTIONS} darker`);
    await h.fake.waitFor(() => h.fake.channelMessages(thread).find((m: APIMessage) => m.author.bot && m.message_reference?.message_id === typed.id), 'the thread answer', 20_000);
    h.fake.sendInteraction(buttonClick(h.world, reply, `cc:next:${key}`));
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const payloads = messagePayloads();
    expect(payloads.length).toBeGreaterThanOrEqual(5);
    for (const payload of payloads) {
      const allowed = payload.allowed_mentions as { parse?: string[]; users?: string[]; roles?: string[]; replied_user?: boolean } | undefined;
      expect(allowed, JSON.stringify(payload).slice(0, 200)).toBeDefined();
      expect(allowed!.parse ?? []).toEqual([]);
      expect(allowed!.users ?? []).toEqual([]);
      expect(allowed!.roles ?? []).toEqual([]);
      checkWithinLimits(payload);
      const text = shownText(payload);
      // User text and tags are shown as text: Markdown and mention syntax escaped.
      expect(text).not.toMatch(/(?<!\\)\*\*PWNED|(?<!\\)__Artist|(?<!\\)~~why|(?<!\\)\*\*bold/);
      expect(text).not.toMatch(/(?<![\\\u200b])@everyone|(?<![\\\u200b])@here/);
    }
    const picks = payloads.find((p) => ((p.embeds ?? []) as APIEmbed[]).length === 5)!;
    // Five hostile picks would be about 8,000 characters of embeds: they were cut to Discord's 6,000.
    expect((picks.embeds as APIEmbed[]).reduce((sum, e) => sum + embedLength(e), 0)).toBeGreaterThan(5000);
    expect(((picks.embeds as APIEmbed[])[0]!.title ?? '').endsWith('…')).toBe(true);
  }, 60_000);
});
