/** What a user wrote in a music thread, reduced to a refinement, or undefined when it is not one. */
export function refinementFromMessage(content: string, botUserId: string): string | undefined {
  const text = content
    .replaceAll(new RegExp(`<@!?${botUserId}>`, 'g'), ' ')
    // Other mentions, custom emoji and channel links carry no musical meaning.
    .replaceAll(/<(?:@[!&]?|#|a?:\w+:)\d+>/g, ' ')
    .replaceAll(/\s+/g, ' ')
    .trim();
  if (text.length === 0) return undefined;
  // Asides addressed to other people in the thread ("// nice one") are not refinements.
  if (text.startsWith('//') || text.startsWith('(')) return undefined;
  if (!/[\p{L}\p{N}#]/u.test(text)) return undefined;
  return text;
}
