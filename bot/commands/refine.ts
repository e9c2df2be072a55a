import { SlashCommandBuilder } from 'discord.js';
import { InputError } from '../../core/errors.js';
import type { Command } from '../command.js';
import { picksMessage } from '../render.js';
import { takeAction, underLimit } from '../respond.js';
import { openConversationThread } from '../threads.js';

/** `/refine text:` for servers that do not grant the MessageContent intent. */
export const refine = {
  kind: 'slash',
  data: new SlashCommandBuilder()
    .setName('refine')
    .setDescription('Change the picks in this music thread')
    .addStringOption((o) => o.setName('text').setDescription('e.g. "less drums, a bit faster" or "more like #2 but darker"').setRequired(true))
    .toJSON(),
  async execute(interaction, ctx) {
    const text = ctx.flow.checkText(interaction.options.getString('text', true));
    const conversation = await ctx.flow.conversationInThread(interaction.channelId);
    if (!conversation) throw new InputError('INPUT_INVALID', 'refine outside a music thread', { reason: 'not-in-conversation' });
    await takeAction(ctx, interaction.user.id);
    // The answer is posted in the thread: reopen it first when it was archived.
    await openConversationThread(interaction.client, interaction.channelId, ctx.log);
    await interaction.deferReply();
    const signal = AbortSignal.timeout(ctx.limits.requestTimeoutMs);
    const view = await underLimit(interaction, ctx, signal, () => ctx.flow.refine(conversation, text ?? '', signal));
    const reply = await interaction.editReply(picksMessage(view));
    await ctx.flow.attach(view.conversation, { messageId: reply.id });
  },
} satisfies Command;
