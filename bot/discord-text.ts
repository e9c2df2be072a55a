import { escapeMarkdown, type APIEmbed, type MessageMentionOptions } from 'discord.js';

/**
 * The one mention policy of the bot, set as the client's default so every message, edit, follow-up,
 * interaction reply and thread post carries it: nothing pings (not @everyone/@here, roles, users, nor
 * the author of a replied-to message), whatever user text or file tags contain.
 */
export const ALLOWED_MENTIONS: MessageMentionOptions = { parse: [], users: [], roles: [], repliedUser: false };

/** Discord's limits on what a message may carry (https://discord.com/developers/docs/resources/message). */
export const DISCORD_LIMITS = {
  content: 2000,
  embedsTotal: 6000,
  title: 256,
  description: 4096,
  fieldName: 256,
  fieldValue: 1024,
  authorName: 256,
  footer: 2048,
  selectOptions: 25,
  optionLabel: 100,
  buttonLabel: 80,
} as const;

/** At most `max` characters, ending with an ellipsis when cut. */
export const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`);

/**
 * User text or a file tag as plain text: Markdown (including masked links, headings, lists) escaped,
 * mention syntax broken with a zero-width space so it reads as typed but is no mention, one line.
 */
export function plain(text: string): string {
  const oneLine = text.replace(/[\r\n\u2028\u2029]+/g, ' ');
  const escaped = escapeMarkdown(oneLine, { heading: true, bulletedList: true, numberedList: true, maskedLink: true });
  return escaped.replace(/@(everyone|here)/gi, '@\u200b$1').replace(/<(@[!&]?|#)(\d+)>/g, '<\u200b$1$2>');
}

/** Plain text clipped to `max` (clipped after escaping, never in the middle of an escape). */
export function plainClip(text: string, max: number): string {
  const escaped = plain(text);
  if (escaped.length <= max) return escaped;
  return `${escaped.slice(0, max - 1).replace(/\\+$/, '')}…`;
}

function embedLength(embed: APIEmbed): number {
  return (
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.author?.name.length ?? 0) +
    (embed.footer?.text.length ?? 0) +
    (embed.fields ?? []).reduce((sum, field) => sum + field.name.length + field.value.length, 0)
  );
}

/**
 * Embeds within the 6,000-character total of a message: each embed's own limits first, then the
 * longest descriptions are shortened (with an ellipsis) until the total fits.
 */
export function fitEmbeds(embeds: readonly APIEmbed[]): APIEmbed[] {
  const fitted = embeds.map((embed) => ({
    ...embed,
    ...(embed.title !== undefined ? { title: clip(embed.title, DISCORD_LIMITS.title) } : {}),
    ...(embed.description !== undefined ? { description: clip(embed.description, DISCORD_LIMITS.description) } : {}),
    ...(embed.author ? { author: { ...embed.author, name: clip(embed.author.name, DISCORD_LIMITS.authorName) } } : {}),
    ...(embed.footer ? { footer: { ...embed.footer, text: clip(embed.footer.text, DISCORD_LIMITS.footer) } } : {}),
    ...(embed.fields ? { fields: embed.fields.map((f) => ({ ...f, name: clip(f.name, DISCORD_LIMITS.fieldName), value: clip(f.value, DISCORD_LIMITS.fieldValue) })) } : {}),
  }));
  let excess = fitted.reduce((sum, embed) => sum + embedLength(embed), 0) - DISCORD_LIMITS.embedsTotal;
  while (excess > 0) {
    const longest = fitted.reduce((best, embed) => ((embed.description?.length ?? 0) > (best.description?.length ?? 0) ? embed : best));
    const length = longest.description?.length ?? 0;
    if (length <= 1) break; // nothing left to shorten (titles and fields are already within their own limits)
    const target = Math.max(1, length - Math.max(excess, Math.ceil(length / 4)));
    excess -= length - target;
    longest.description = clip(longest.description!, target);
  }
  return fitted;
}
