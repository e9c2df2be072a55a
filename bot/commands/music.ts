import { SlashCommandBuilder } from 'discord.js';
import type { Command } from '../command.js';
import { answerClip } from './clip-request.js';

export const music = {
  kind: 'slash',
  data: new SlashCommandBuilder()
    .setName('music')
    .setDescription('Find music from the catalog for a video clip')
    .addAttachmentOption((o) => o.setName('clip').setDescription('The video clip').setRequired(true))
    .addStringOption((o) => o.setName('prompt').setDescription('What the music should be like, e.g. "dreamy lo-fi, no vocals"'))
    .addIntegerOption((o) => o.setName('count').setDescription('How many picks (1-5)').setMinValue(1).setMaxValue(5))
    .toJSON(),
  async execute(interaction, ctx) {
    await answerClip(interaction, { attachment: interaction.options.getAttachment('clip'), prompt: interaction.options.getString('prompt'), count: interaction.options.getInteger('count') }, ctx);
  },
} satisfies Command;
