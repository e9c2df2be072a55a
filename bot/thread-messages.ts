import type { Message, MessageCreateOptions } from 'discord.js';
import type { RequestContext } from './command.js';
import { refinementFromMessage } from './message-parsing.js';
import { picksMessage } from './render.js';
import { beforeDeadline, rateLimitError } from './respond.js';
import { openConversationThread, postInConversationThread } from './threads.js';
import { userMessage } from './user-messages.js';

/** Reaction on each refinement refused by the rate limit (the explanation is written once). */
export const RATE_LIMITED_REACTION = '⏳';

/**
 * With the MessageContent intent, what the conversation's owner writes in its thread refines the
 * picks; the answer is a new picks message in the thread. Returns false when the message is not one
 * for us (other channels, other people, bots, small talk).
 *
 * The conversation is found by the channel id alone, so a thread missing from discord.js's cache
 * (archived, then a restart) still counts; the thread itself is fetched and reopened before replying.
 */
export async function handleThreadMessage(message: Message, ctx: RequestContext): Promise<boolean> {
  if (message.author.bot) return false;
  const conversation = await ctx.flow.conversationInThread(message.channelId);
  if (!conversation || conversation.userId !== message.author.id) return false;
  const text = refinementFromMessage(message.content, message.client.user.id);
  if (!text) return false;
  const threadId = message.channelId;
  const reply = (options: MessageCreateOptions) =>
    postInConversationThread(message.client, threadId, ctx.log, (thread) => thread.send({ ...options, reply: { messageReference: message.id, failIfNotExists: false } }));

  const guard = await ctx.actions.take(message.author.id);
  if (!guard.ok) {
    // Not queued. One explanation per flood; later messages only get the reaction.
    ctx.log.info({ remainingMs: guard.remainingMs, repeated: guard.repeated }, 'thread refinement refused by the rate limit');
    await message.react(RATE_LIMITED_REACTION).catch((error: unknown) => ctx.log.warn({ err: error }, 'could not react to a refused refinement'));
    if (!guard.repeated)
      await reply({ content: `⏳ ${userMessage(rateLimitError(guard), ctx.requestId)}` }).catch((error: unknown) => ctx.log.warn({ err: error }, 'could not explain the rate limit'));
    return true;
  }

  try {
    const signal = AbortSignal.timeout(ctx.limits.requestTimeoutMs);
    // A thread we cannot post in is worth knowing before the slow part.
    const thread = await openConversationThread(message.client, threadId, ctx.log);
    await thread.sendTyping().catch(() => {});
    const view = await beforeDeadline(
      ctx.limiter.run(() => ctx.flow.refine(conversation, text, signal), undefined, signal),
      signal,
    );
    const answer = await reply(picksMessage(view));
    await ctx.flow.attach(view.conversation, { messageId: answer.id });
  } catch (error) {
    ctx.log.warn({ err: error }, 'thread refinement failed');
    // When the thread itself is the problem (deleted, locked), this may not arrive either: then it is logged.
    await reply({ content: `⚠️ ${userMessage(error, ctx.requestId)}` }).catch((replyError: unknown) =>
      ctx.log.warn({ err: replyError, reason: (error as { details?: { reason?: unknown } }).details?.reason }, 'could not tell the user why the refinement failed'),
    );
  }
  return true;
}
