import { readFile } from 'node:fs/promises';
import { ComponentType, type APIActionRowComponent, type APIComponentInMessageActionRow, type APIEmbed, type APIMessage } from 'discord.js';

/** The custom ids and labels of every component in a message, row by row. */
export function componentsOf(message: APIMessage): { type: ComponentType; customId?: string; label?: string }[][] {
  return (message.components ?? []).map((row) =>
    (row as APIActionRowComponent<APIComponentInMessageActionRow>).components.map((c) => ({
      type: c.type,
      ...('custom_id' in c && c.custom_id ? { customId: c.custom_id } : {}),
      ...('label' in c && c.label ? { label: c.label } : {}),
    })),
  );
}

export function field(embed: APIEmbed, name: string): string | undefined {
  return embed.fields?.find((f) => f.name === name)?.value;
}

/** Picks as the user sees them: title (without the rank), artist, BPM. */
export function picksShown(message: APIMessage): { title: string; artist: string; bpm: number | undefined; trackId: string }[] {
  return message.embeds.map((e) => ({
    title: (e.title ?? '').replace(/^#\d+ /, ''),
    artist: e.author?.name ?? '',
    bpm: field(e, 'BPM') && field(e, 'BPM') !== '—' ? Number(field(e, 'BPM')) : undefined,
    trackId: (e.footer?.text ?? '').replace(/^track /, ''),
  }));
}

export const bytesOf = async (path: string): Promise<Uint8Array> => new Uint8Array(await readFile(path));

/** Nothing a user reads may look like a stack trace or an internal error. */
export function looksInternal(text: string): boolean {
  return /\n\s+at |Error:|TypeError|undefined|\[object /.test(text);
}

export const componentTypes = ComponentType;
