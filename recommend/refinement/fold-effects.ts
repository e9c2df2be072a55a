import type { RefinementState } from '../types.js';
import { composeStates } from './compose.js';
import type { Effect } from './reading.js';
import { EMPTY_STATE, MAX_WEIGHT } from './state.js';

const FIELDS = ['vocals', 'tempo', 'energy', 'mood', 'bpm'] as const;
type Field = (typeof FIELDS)[number];

const keysOf = (e: Effect): string[] => [...FIELDS.filter((f) => e[f] !== undefined), ...[...(e.includeTags ?? []), ...(e.excludeTags ?? []), ...Object.keys(e.weights ?? {})].map((t) => `tag:${t}`)];

/**
 * Folds one turn's effects in reading order. An effect that touches nothing set before merges in place;
 * one that does goes through composeStates, so conflicts resolve (and are noted) as between turns.
 */
export function foldEffects(effects: readonly Effect[]): { delta: RefinementState; conflicts: string[] } {
  const acc = {
    includeTags: [] as string[],
    excludeTags: [] as string[],
    weights: {} as Record<string, number>,
    sources: {} as Record<string, string>,
    strength: {} as Record<string, number>,
  };
  const fields = new Map<Field, unknown>();
  const touched = new Set<string>();
  const conflicts: string[] = [];
  const current = (): RefinementState => ({
    ...EMPTY_STATE,
    ...(Object.fromEntries(fields) as Partial<RefinementState>),
    includeTags: acc.includeTags,
    excludeTags: acc.excludeTags,
    weights: acc.weights,
    sources: acc.sources,
    ...(Object.keys(acc.strength).length ? { strength: acc.strength } : {}),
  });
  const load = (state: RefinementState): void => {
    acc.includeTags = [...state.includeTags];
    acc.excludeTags = [...state.excludeTags];
    acc.weights = { ...state.weights };
    acc.sources = { ...state.sources };
    acc.strength = { ...state.strength };
    for (const f of FIELDS) {
      if (state[f] === undefined) fields.delete(f);
      else fields.set(f, state[f]);
    }
    touched.clear();
    for (const k of keysOf({ ...state, includeTags: [...state.includeTags] })) touched.add(k);
  };
  for (const effect of effects) {
    const keys = keysOf(effect);
    if (keys.some((k) => touched.has(k))) {
      const composed = composeStates(current(), { ...EMPTY_STATE, ...effect }, { negatedTerms: [] });
      conflicts.push(...composed.notes);
      load(composed);
      continue;
    }
    for (const k of keys) touched.add(k);
    acc.includeTags.push(...(effect.includeTags ?? []));
    acc.excludeTags.push(...(effect.excludeTags ?? []));
    for (const [t, w] of Object.entries(effect.weights ?? {})) acc.weights[t] = Math.max(-MAX_WEIGHT, Math.min(MAX_WEIGHT, w));
    for (const f of FIELDS) if (effect[f] !== undefined) fields.set(f, effect[f]);
    for (const [f, v] of Object.entries(effect.strength ?? {})) if (v !== 1) acc.strength[f] = v;
    Object.assign(acc.sources, effect.sources);
  }
  return { delta: current(), conflicts };
}
