import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  EmbedBuilder,
  LabelBuilder,
  ModalBuilder,
  StringSelectMenuBuilder,
  TextInputBuilder,
  TextInputStyle,
  type MessageActionRowComponentBuilder,
} from 'discord.js';
import type { Pick } from '../recommend/types.js';
import type { Conversation } from './conversation-store.js';
import { customId } from './custom-id.js';
import type { PicksView } from './music-flow.js';
import { clip, fitEmbeds, plain, plainClip } from './discord-text.js';

const clock = (seconds: number): string => `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;

export function pickEmbed(pick: Pick, rank: number): EmbedBuilder {
  const tags = pick.tags.slice(0, 6).map((t) => t.tag);
  return new EmbedBuilder()
    .setTitle(clip(`#${rank} ${plain(pick.title)}`, 256))
    .setAuthor({ name: pick.artist ? plainClip(pick.artist, 256) : 'unknown artist' })
    .setDescription(pick.why ? plainClip(pick.why, 1024) : 'A close match for the clip.')
    .setColor(0x5865f2)
    .addFields(
      { name: 'Tags', value: tags.length > 0 ? plainClip(tags.join(', '), 1024) : '—', inline: false },
      { name: 'BPM', value: pick.bpm ? String(Math.round(pick.bpm)) : '—', inline: true },
      { name: 'Use', value: `${clock(pick.segmentStart)}–${clock(pick.segmentEnd)}`, inline: true },
      { name: 'Score', value: pick.score.toFixed(2), inline: true },
    )
    .setFooter({ text: `track ${plainClip(pick.trackId, 64)}` });
}

function summary(conversation: Conversation): string {
  const parts: string[] = [];
  if (conversation.prompt) parts.push(`Prompt: *${plainClip(conversation.prompt, 200)}*`);
  if (conversation.history.length > 0)
    parts.push(
      `Refined: ${conversation.history
        .slice(-10)
        .map((h) => `*${plainClip(h, 80)}*`)
        .join(' → ')}`,
    );
  return parts.join('\n');
}

/** The message body for a set of picks: an embed per pick plus the controls to steer them. */
export function picksMessage(view: PicksView): { content: string; embeds: EmbedBuilder[]; components: ActionRowBuilder<MessageActionRowComponentBuilder>[] } {
  const { conversation, result } = view;
  const notes = result.notes
    .slice(0, 5)
    .map((n) => `> ${plainClip(n, 300)}`)
    .join('\n');
  if (result.picks.length === 0) {
    const content = clip([summary(conversation), notes, 'No track fits all of that. Try loosening a constraint, or **Refine…** differently.'].filter(Boolean).join('\n'), 2000);
    return { content, embeds: [], components: [controlsRow(conversation.key)] };
  }
  const header = `🎵 **${result.picks.length} pick${result.picks.length === 1 ? '' : 's'}** ${result.mode === 'zero-shot' ? '(zero-shot)' : ''}`.trim();
  const content = clip([header, summary(conversation), notes].filter(Boolean).join('\n'), 2000);
  const picks = result.picks.slice(0, 10);
  const embeds = fitEmbeds(picks.map((p, i) => pickEmbed(p, i + 1).toJSON())).map((json) => new EmbedBuilder(json));
  const select = new StringSelectMenuBuilder()
    .setCustomId(customId('pick', conversation.key))
    .setPlaceholder('Choose a track')
    .addOptions(
      picks
        .slice(0, 25)
        .map((p, i) => ({ label: clip(`#${i + 1} ${p.title.replace(/\s+/g, ' ')}`, 100), description: clip(p.artist.replace(/\s+/g, ' ') || 'unknown artist', 100), value: String(i) })),
    );
  const more = new ActionRowBuilder<MessageActionRowComponentBuilder>().addComponents(
    result.picks.slice(0, 5).map((_, i) =>
      new ButtonBuilder()
        .setCustomId(customId('more', conversation.key, i))
        .setLabel(`More like #${i + 1}`)
        .setStyle(ButtonStyle.Secondary),
    ),
  );
  return { content, embeds, components: [new ActionRowBuilder<MessageActionRowComponentBuilder>().addComponents(select), more, controlsRow(conversation.key)] };
}

function controlsRow(key: string): ActionRowBuilder<MessageActionRowComponentBuilder> {
  return new ActionRowBuilder<MessageActionRowComponentBuilder>().addComponents(
    new ButtonBuilder().setCustomId(customId('refine', key)).setLabel('Refine…').setStyle(ButtonStyle.Primary),
    new ButtonBuilder().setCustomId(customId('next', key)).setLabel('Next picks').setStyle(ButtonStyle.Secondary),
  );
}

export const REFINE_INPUT_ID = 'text';

export function refineModal(key: string, maxLength: number): ModalBuilder {
  return new ModalBuilder()
    .setCustomId(customId('refine-modal', key))
    .setTitle('Refine the picks')
    .addLabelComponents(
      new LabelBuilder()
        .setLabel('How should the music change?')
        .setTextInputComponent(
          new TextInputBuilder()
            .setCustomId(REFINE_INPUT_ID)
            .setPlaceholder('less drums, a bit faster, more like #2 but darker')
            .setStyle(TextInputStyle.Paragraph)
            .setRequired(true)
            .setMaxLength(Math.min(4000, maxLength)),
        ),
    );
}

export function threadIntro(messageContent: boolean): string {
  return messageContent
    ? 'Tell me here how to change the picks ("less drums, a bit faster", "more like #2 but darker"), or use **Refine…**.'
    : 'Use **Refine…** on the picks or `/refine text:` in this thread to change them ("less drums, a bit faster").';
}
