import { SlashCommandBuilder } from 'discord.js';
import { InputError } from '../../core/errors.js';
import type { Command } from '../command.js';
import { publishPicks, takeCooldown, underLimit } from '../respond.js';

export const similar = {
  kind: 'slash',
  data: new SlashCommandBuilder()
    .setName('similar')
    .setDescription('Find tracks like one from the catalog')
    .addStringOption((o) => o.setName('track').setDescription('Start typing a title or artist').setRequired(true).setAutocomplete(true))
    .addStringOption((o) => o.setName('prompt').setDescription('How they should differ, e.g. "but calmer"'))
    .addIntegerOption((o) => o.setName('count').setDescription('How many picks (1-5)').setMinValue(1).setMaxValue(5))
    .toJSON(),
  async autocomplete(interaction, ctx) {
    const query = interaction.options.getFocused();
    const choices = ctx.tracks.search(query, 25).map((t) => ({ name: `${t.title} — ${t.artist}`.slice(0, 100), value: t.id.slice(0, 100) }));
    await interaction.respond(choices);
  },
  async execute(interaction, ctx) {
    const prompt = ctx.flow.checkText(interaction.options.getString('prompt'));
    const trackId = interaction.options.getString('track', true);
    if (ctx.tracks.size() === 0) throw new InputError('CATALOG_EMPTY', 'catalog has no tracks');
    if (!ctx.tracks.track(trackId)) throw new InputError('INPUT_INVALID', `unknown track ${trackId}`, { reason: 'unknown-track' });
    await takeCooldown(ctx, interaction.user.id);
    await interaction.deferReply();
    const signal = AbortSignal.timeout(ctx.limits.requestTimeoutMs);
    const view = await underLimit(interaction, ctx, signal, () =>
      ctx.flow.start(
        {
          userId: interaction.user.id,
          channelId: interaction.channelId,
          likeTrackIds: [trackId],
          ...(prompt ? { prompt } : {}),
          ...(interaction.options.getInteger('count') ? { count: interaction.options.getInteger('count')! } : {}),
        },
        signal,
      ),
    );
    await publishPicks(interaction, view, ctx);
  },
} satisfies Command;
