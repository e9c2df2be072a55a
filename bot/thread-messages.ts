import type { Message } from 'discord.js';
import type { RequestContext } from './command.js';
import { refinementFromMessage } from './message-parsing.js';
import { picksMessage } from './render.js';
import { beforeDeadline } from './respond.js';
import { userMessage } from './user-messages.js';

/**
 * With the MessageContent intent, what the conversation's owner writes in its thread refines the
 * picks; the answer is a new picks message in the thread. Returns false when the message is not one
 * for us (other channels, other people, bots, small talk).
 */
export async function handleThreadMessage(message: Message, ctx: RequestContext): Promise<boolean> {
  if (message.author.bot || !message.channel.isThread()) return false;
  const conversation = ctx.flow.conversationInThread(message.channelId);
  if (!conversation || conversation.userId !== message.author.id) return false;
  const text = refinementFromMessage(message.content, message.client.user.id);
  if (!text) return false;
  try {
    await message.channel.sendTyping().catch(() => {});
    const signal = AbortSignal.timeout(ctx.limits.requestTimeoutMs);
    const view = await beforeDeadline(ctx.limiter.run(() => ctx.flow.refine(conversation, text, signal), undefined, signal), signal);
    const reply = await message.reply({ ...picksMessage(view), allowedMentions: { repliedUser: false } });
    ctx.flow.attach(view.conversation, { messageId: reply.id });
  } catch (error) {
    ctx.log.warn({ err: error }, 'thread refinement failed');
    await message.reply({ content: `⚠️ ${userMessage(error, ctx.requestId)}`, allowedMentions: { repliedUser: false } });
  }
  return true;
}
