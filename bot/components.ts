import { AttachmentBuilder, MessageFlags, type ButtonInteraction, type ModalSubmitInteraction, type StringSelectMenuInteraction } from 'discord.js';
import { CuecastError } from '../core/errors.js';
import type { RequestContext } from './command.js';
import type { Conversation } from './conversation-store.js';
import { parseCustomId, type ParsedCustomId } from './custom-id.js';
import type { PicksView } from './music-flow.js';
import { picksMessage, REFINE_INPUT_ID, refineModal } from './render.js';
import { takeAction, underLimit } from './respond.js';
import { isConversationThread, openConversationThread } from './threads.js';
import { userMessage } from './user-messages.js';
import { plainClip } from './discord-text.js';

type ComponentInteraction = ButtonInteraction | StringSelectMenuInteraction | ModalSubmitInteraction;

const clock = (s: number): string => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

/** Buttons, the pick select and the refine modal of a picks message. */
export async function handleComponent(interaction: ComponentInteraction, ctx: RequestContext): Promise<void> {
  const id = parseCustomId(interaction.customId);
  if (!id) throw new CuecastError('EXPIRED', `unknown custom id ${interaction.customId}`);
  // A modal submit was paid for by the press that opened it.
  if (!interaction.isModalSubmit()) await takeAction(ctx, interaction.user.id);
  const conversation = await ctx.flow.conversation(id.key);
  if (conversation.userId !== interaction.user.id) {
    await interaction.reply({ content: 'These picks belong to someone else. Start your own with `/music`.', flags: MessageFlags.Ephemeral });
    return;
  }
  if (id.action === 'refine' && interaction.isButton()) {
    // Discord requires the modal as the immediate response: nothing slow before this.
    await interaction.showModal(refineModal(conversation.key, ctx.limits.maxPromptChars));
    return;
  }
  // Picks shown in the thread: the answer goes there, so the thread must be open (fetched, unarchived).
  if (isConversationThread(interaction.channelId, conversation, interaction.client)) await openConversationThread(interaction.client, interaction.channelId!, ctx.log);
  if (id.action === 'pick' && interaction.isStringSelectMenu()) return choose(interaction, conversation, ctx);
  return steer(interaction, id, conversation, ctx);
}

async function steer(interaction: ComponentInteraction, id: ParsedCustomId, conversation: Conversation, ctx: RequestContext): Promise<void> {
  const text = interaction.isModalSubmit() ? ctx.flow.checkText(interaction.fields.getTextInputValue(REFINE_INPUT_ID)) : undefined;
  // Edit the picks message in place when the interaction came from it; otherwise answer anew.
  if (interaction.isModalSubmit() && !interaction.isFromMessage()) await interaction.deferReply();
  else await interaction.deferUpdate();
  const signal = AbortSignal.timeout(ctx.limits.requestTimeoutMs);
  let view: PicksView;
  try {
    view = await underLimit(interaction, ctx, signal, () => {
      if (id.action === 'more') return ctx.flow.moreLike(conversation, id.index ?? 0, signal);
      if (id.action === 'next') return ctx.flow.next(conversation, signal);
      if (id.action === 'refine-modal') return ctx.flow.refine(conversation, text ?? '', signal);
      throw new CuecastError('EXPIRED', `action ${id.action} does not fit this control`);
    });
  } catch (error) {
    if (interaction.isModalSubmit() && !interaction.isFromMessage()) throw error;
    // The picks message stays as it was; the explanation goes to the user alone.
    ctx.log.warn({ err: error, action: id.action }, 'steering the picks failed');
    await interaction.followUp({ content: `⚠️ ${userMessage(error, ctx.requestId)}`, flags: MessageFlags.Ephemeral });
    return;
  }
  const message = await interaction.editReply(picksMessage(view));
  await ctx.flow.attach(view.conversation, { messageId: message.id });
}

async function choose(interaction: StringSelectMenuInteraction, conversation: Conversation, ctx: RequestContext): Promise<void> {
  const { pick } = await ctx.flow.choose(conversation, Number(interaction.values[0] ?? 0));
  await interaction.deferReply();
  const content = `🎧 <@${interaction.user.id}> chose **${plainClip(pick.title, 200)}** by ${plainClip(pick.artist, 200)}: use ${clock(pick.segmentStart)}–${clock(pick.segmentEnd)}.`;
  const files: AttachmentBuilder[] = [];
  if (ctx.preview) {
    const length = Math.min(ctx.limits.previewSeconds, Math.max(1, pick.segmentEnd - pick.segmentStart));
    try {
      const preview = await ctx.preview.cut(pick.trackId, pick.segmentStart, length, interaction.attachmentSizeLimit || 8 * 1024 * 1024, AbortSignal.timeout(60_000));
      if (preview) files.push(new AttachmentBuilder(Buffer.from(preview.bytes), { name: preview.name }));
    } catch (error) {
      // A preview is a nicety: the choice stands without it.
      ctx.log.warn({ err: error, trackId: pick.trackId }, 'preview failed');
    }
  }
  await interaction.editReply({ content, files });
}
