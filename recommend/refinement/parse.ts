import type { RefinementState } from '../types.js';
import { readBpm } from './bpm.js';
import { readClause } from './clause.js';
import { foldEffects } from './fold-effects.js';
import { LIFT_CUE, RESET_PHRASES, UNDO_PHRASES } from './lexicon.js';
import { emptyLiftReading, liftClause, liftOf, type LiftReading } from './lift-clause.js';
import { readPickRefs, type TrackRef } from './pick-refs.js';
import { emptyReading, type TurnReading } from './reading.js';
import { EMPTY_STATE, stripTerms, type Lift } from './state.js';
import { clauseTokens, frontPostfixNegation, normalize } from './tokens.js';
import type { TagVocabulary } from './vocabulary.js';

export interface ParsedRefinement {
  /** What this turn says, as a state to compose on top of the conversation (refs not yet resolved). */
  readonly delta: RefinementState;
  readonly refs: readonly TrackRef[];
  /** Words this turn negated; removed from earlier free text so no encoder sees them as wanted. */
  readonly negatedTerms: readonly string[];
  /** The turn asked to start over, or to take back the previous turn. */
  readonly action?: 'reset' | 'undo';
  /** Earlier exclusions this turn takes back ("drums are fine now"). */
  readonly lift?: Lift;
}

export interface ParseOptions {
  readonly vocabulary: TagVocabulary;
}

const NOTHING: ParsedRefinement = { delta: EMPTY_STATE, refs: [], negatedTerms: [] };

const CLAUSE_SPLIT = /[,;.!?|()]+|\b(?:but|though|although|however|whereas|yet)\b/;

/** "a banjo would be fun", "that'd be nice": approval of what was named, not a mood or a wish of its own. */
const APPROVAL =
  /\b(?:would|could|might|will|itd|thatd|thisd)\s+(?:be|sound|make\s+it)\s+(?:really\s+|so\s+|pretty\s+|very\s+|super\s+|kind\s+of\s+)?(?:fun|nice|cool|great|good|awesome|lovely|neat|perfect|ideal|interesting|better|amazing|sweet)\b/g;

/**
 * Parses one refinement turn ("no vocals, a bit faster, more like #2") into structured constraints.
 * Negated words ("no drums", "less piano", "too cheesy") become exclusions, down-weights or negative
 * text and are never kept as wanted text, so no encoder is asked to understand "no". Linear in the
 * input: a bounded number of regular-expression passes, then one left-to-right scan per clause with
 * hash look-ups (typos through a deletion index).
 */
export function parseRefinement(input: string, options: ParseOptions): ParsedRefinement {
  const { vocabulary } = options;
  const normalized = normalize(input);
  const action = actionOf(normalized);
  if (action) return { ...NOTHING, action };

  const reading = emptyReading();
  const refs: TrackRef[] = [];
  const lifts = emptyLiftReading();
  // Phrases read as a whole go first, each leaving a clause break behind.
  let s = readBpm(normalized, reading);
  s = rewriteIdioms(s);
  s = readPickRefs(s, refs);
  for (const clause of s.split(CLAUSE_SPLIT)) readClauseOrLift(clause, vocabulary, reading, lifts);
  return assemble(reading, refs, liftOf(lifts));
}

/** Whether a turn is "undo" or "start over" (for callers that keep their own list of turns). */
export function refinementAction(input: string): 'undo' | 'reset' | undefined {
  return actionOf(normalize(input));
}

function actionOf(normalized: string): 'undo' | 'reset' | undefined {
  const bare = normalized
    .replace(/[^a-z ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return RESET_PHRASES.has(bare) ? 'reset' : UNDO_PHRASES.has(bare) ? 'undo' : undefined;
}

/** Drops approval ("that'd be nice") and rewrites "nothing but X" as "only X", "anything but X" as "no X" (before "but" splits clauses). */
function rewriteIdioms(text: string): string {
  return text
    .replace(APPROVAL, ' ')
    .replace(/\bnothing\s+but\b/g, ' only ')
    .replace(/\b(?:anything|everything|something|whatever|all)\s+(?:else\s+)?(?:but|except(?:\s+for)?|other\s+than|apart\s+from|aside\s+from|save\s+for)\b/g, ' no ');
}

/** One clause: a lift ("drums are fine now") or constraints, after typos and a trailing negation ("bass no") are dealt with. */
function readClauseOrLift(clause: string, vocabulary: TagVocabulary, reading: TurnReading, lifts: LiftReading): void {
  const tokens = clauseTokens(clause, vocabulary, reading.notes);
  if (tokens.length === 0) return;
  if (LIFT_CUE.test(tokens.join(' '))) {
    liftClause(tokens, clause.trim(), vocabulary, lifts);
    return;
  }
  frontPostfixNegation(tokens, vocabulary);
  readClause(tokens, vocabulary, reading);
}

/** The turn's reading as a parsed refinement: effects folded into one state, negated words out of the wanted text. */
function assemble(reading: TurnReading, refs: readonly TrackRef[], lift: Lift | undefined): ParsedRefinement {
  // Effects fold in reading order, so within one turn a later phrase also wins ("fast, no, slow").
  const { delta: folded, conflicts } = foldEffects(reading.effects);
  // A word negated anywhere in the turn is never positive text, even where it appeared first ("calm, no calm").
  const negated = [...new Set(reading.negatedTerms)];
  const text = stripTerms(reading.texts.length ? [reading.texts.join(', ')] : [], negated);
  const negativeText = [...new Set(reading.negativeTexts)];
  const delta = { ...folded, text, ...(negativeText.length ? { negativeText } : {}), notes: [...reading.notes, ...conflicts] };
  return { delta, refs, negatedTerms: negated, ...(lift ? { lift } : {}) };
}
