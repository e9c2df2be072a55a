/**
 * Component custom ids carry only an action, the conversation's compact key and a small index
 * (`cc:more:Xk3f9aB1:2`); everything else lives in the conversation store.
 */
export const ACTIONS = ['pick', 'more', 'next', 'refine', 'refine-modal'] as const;
export type Action = (typeof ACTIONS)[number];

export interface ParsedCustomId {
  readonly action: Action;
  readonly key: string;
  readonly index?: number;
}

const PREFIX = 'cc';

export function customId(action: Action, key: string, index?: number): string {
  return index === undefined ? `${PREFIX}:${action}:${key}` : `${PREFIX}:${action}:${key}:${index}`;
}

/** Undefined for ids that are not ours or are malformed (old versions, other bots' components). */
export function parseCustomId(id: string): ParsedCustomId | undefined {
  const [prefix, action, key, index, ...rest] = id.split(':');
  if (prefix !== PREFIX || rest.length > 0 || !key || !/^[\w-]{1,32}$/.test(key)) return undefined;
  if (!(ACTIONS as readonly string[]).includes(action ?? '')) return undefined;
  if (index === undefined) return { action: action as Action, key };
  if (!/^\d{1,2}$/.test(index)) return undefined;
  return { action: action as Action, key, index: Number(index) };
}
