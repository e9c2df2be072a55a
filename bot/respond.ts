import { ChannelType, MessageFlags, ThreadAutoArchiveDuration, type ChatInputCommandInteraction, type Message, type MessageContextMenuCommandInteraction, type RepliableInteraction } from 'discord.js';
import { CuecastError, MediaError } from '../core/errors.js';
import type { RequestContext } from './command.js';
import type { GuardResult } from './fairness.js';
import type { PicksView } from './music-flow.js';
import { picksMessage, threadIntro } from './render.js';
import { userMessage } from './user-messages.js';

/** Fails with a user-facing timeout when the request's deadline passes first. */
export async function beforeDeadline<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) throw timeoutError(signal);
  let onAbort: () => void = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(timeoutError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function timeoutError(signal: AbortSignal): CuecastError {
  return new MediaError('MEDIA_TIMEOUT', 'request deadline passed', {}, { cause: signal.reason });
}

/**
 * Runs `job` under the global concurrency limit. While it waits, the (deferred) reply shows its
 * place in the queue; queue notices are flushed before returning so a late one cannot overwrite the
 * answer. The slot is held until the job itself settles, even when the deadline answered first, so
 * abandoned work still counts against the limit until its abort has taken effect.
 */
export async function underLimit<T>(interaction: RepliableInteraction, ctx: RequestContext, signal: AbortSignal, job: () => Promise<T>): Promise<T> {
  let notices: Promise<unknown> = Promise.resolve();
  const onQueued = (position: number): void => {
    notices = notices.then(() =>
      interaction.editReply({ content: `⏳ Busy right now: you are **#${position}** in the queue.` }).catch((error: unknown) => ctx.log.warn({ err: error }, 'queue notice failed')),
    );
  };
  try {
    const release = await ctx.limiter.acquire(onQueued, signal).catch((error: unknown) => {
      throw signal.aborted ? timeoutError(signal) : error;
    });
    let work: Promise<T>;
    try {
      work = job();
    } catch (error) {
      release();
      throw error;
    }
    void work.then(release, release);
    return await beforeDeadline(work, signal);
  } finally {
    await notices;
  }
}

export function rateLimitError(guard: Extract<GuardResult, { ok: false }>): CuecastError {
  return new CuecastError('RATE_LIMITED', `${guard.identifier}: ${guard.remainingMs} ms left`, { remainingMs: guard.remainingMs, identifier: guard.identifier });
}

/** Refuses with RATE_LIMITED while the user's cooldown for new requests runs. */
export async function takeCooldown(ctx: RequestContext, userId: string): Promise<void> {
  const guard = await ctx.cooldown.take(userId);
  if (!guard.ok) throw rateLimitError(guard);
}

/** Refuses with RATE_LIMITED when the user has spent their actions (buttons, select, refinements). */
export async function takeAction(ctx: RequestContext, userId: string): Promise<void> {
  const guard = await ctx.actions.take(userId);
  if (!guard.ok) throw rateLimitError(guard);
}

/**
 * Shows fresh picks as the answer to a deferred command and opens a thread on it for the rest of the
 * conversation (where the channel allows threads).
 */
export async function publishPicks(interaction: ChatInputCommandInteraction | MessageContextMenuCommandInteraction, view: PicksView, ctx: RequestContext): Promise<void> {
  const reply = await interaction.editReply(picksMessage(view));
  const threadId = await openThread(reply, interaction, ctx);
  await ctx.flow.attach(view.conversation, { messageId: reply.id, ...(threadId ? { threadId } : {}) });
}

async function openThread(reply: Message, interaction: ChatInputCommandInteraction | MessageContextMenuCommandInteraction, ctx: RequestContext): Promise<string | undefined> {
  // An archived thread (or any channel) missing from the cache after a restart is read from Discord.
  const channel = interaction.channel ?? (await interaction.client.channels.fetch(interaction.channelId).catch(() => null));
  // Asked inside a thread: the conversation continues there.
  if (channel?.isThread()) return channel.id;
  if (!channel || (channel.type !== ChannelType.GuildText && channel.type !== ChannelType.GuildAnnouncement)) return undefined;
  try {
    const thread = await reply.startThread({ name: `🎵 music for ${interaction.user.username}`.slice(0, 100), autoArchiveDuration: ThreadAutoArchiveDuration.OneDay });
    await thread.send({ content: threadIntro(ctx.messageContent) });
    return thread.id;
  } catch (error) {
    // Missing permissions or thread limits: the buttons still work without a thread.
    ctx.log.warn({ err: error }, 'could not open a thread for the conversation');
    return undefined;
  }
}

/** Answers an interaction with the user-facing text of an error, whatever state it is in. */
export async function replyWithError(interaction: RepliableInteraction, error: unknown, ctx: Pick<RequestContext, 'requestId'>): Promise<void> {
  const content = `⚠️ ${userMessage(error, ctx.requestId)}`;
  if (interaction.deferred || interaction.replied) {
    // A deferred public reply cannot turn ephemeral: replace it with the explanation.
    await interaction.editReply({ content, embeds: [], components: [], files: [] });
  } else {
    await interaction.reply({ content, flags: MessageFlags.Ephemeral });
  }
}
