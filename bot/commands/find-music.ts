import { ApplicationCommandType, ContextMenuCommandBuilder } from 'discord.js';
import { InputError } from '../../core/errors.js';
import type { Command } from '../command.js';
import { answerClip } from './clip-request.js';

const isVideo = (a: { contentType: string | null; name: string }): boolean => a.contentType?.startsWith('video/') ?? /\.(mp4|m4v|mov|webm|mkv)$/i.test(a.name);

export const findMusic = {
  kind: 'message',
  data: new ContextMenuCommandBuilder().setName('Find music').setType(ApplicationCommandType.Message).toJSON(),
  async execute(interaction, ctx) {
    const attachments = [...interaction.targetMessage.attachments.values()];
    if (attachments.length === 0) throw new InputError('INPUT_INVALID', 'target message has no attachment', { reason: 'no-video-in-message' });
    // The first video wins; with none, the first file gets the specific "not a video" answer.
    const attachment = attachments.find(isVideo) ?? attachments[0];
    await answerClip(interaction, { attachment }, ctx);
  },
} satisfies Command;
