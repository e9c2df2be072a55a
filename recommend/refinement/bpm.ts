import type { TurnReading } from './reading.js';

export const BPM_LIMITS = { min: 30, max: 300 } as const;
/** "around 120 BPM" accepts this fraction either side. */
export const BPM_TOLERANCE = 0.08;

const NUM = String.raw`(\d{2,3}(?:\.\d+)?)`;
const UNIT = String.raw`\s*(?:bpm|b\.p\.m\.?|beats\s+(?:per|a)\s+min(?:ute)?)\b`;
type BpmKind = 'range' | 'min' | 'max' | 'around';
const BPM_PATTERNS: readonly (readonly [BpmKind, RegExp])[] = [
  ['range', String.raw`(?:(?:bpm|tempo)\s+(?:of\s+|between\s+|from\s+)?|between\s+|from\s+)?${NUM}\s*(?:-|to|and)\s*${NUM}${UNIT}`],
  ['range', String.raw`(?:bpm|tempo)\s+(?:of\s+|between\s+|from\s+)?${NUM}\s*(?:-|to|and)\s*${NUM}\b`],
  ['min', String.raw`(?:no|not)\s+(?:less|slower|lower)\s+than\s*${NUM}${UNIT}`],
  ['max', String.raw`(?:no|not)\s+(?:more|faster|higher|quicker)\s+than\s*${NUM}${UNIT}`],
  ['max', String.raw`${NUM}${UNIT}\s+(?:or\s+(?:less|slower|lower|under|below)|max(?:imum)?|tops|at\s+most)\b`],
  ['min', String.raw`${NUM}${UNIT}\s+(?:or\s+(?:more|faster|higher|above|over)|min(?:imum)?|and\s+up|at\s+least)\b`],
  ['min', String.raw`${NUM}\s*\+${UNIT}`],
  ['max', String.raw`(?:under|below|beneath|less\s+than|slower\s+than|lower\s+than|at\s+most|max(?:imum)?(?:\s+of)?|up\s+to|<=?|sub|tops)\s*${NUM}${UNIT}`],
  ['min', String.raw`(?:over|above|more\s+than|faster\s+than|higher\s+than|quicker\s+than|at\s+least|min(?:imum)?(?:\s+of)?|>=?|beyond)\s*${NUM}${UNIT}`],
  ['around', String.raw`(?:(?:around|about|approximately|approx\.?|roughly|near|close\s+to|circa|~|at)\s*)?${NUM}${UNIT}`],
  ['around', String.raw`(?:bpm|tempo)\s+(?:of\s+|around\s+|about\s+|near\s+)?${NUM}\b`],
].map(([kind, source]) => [kind as BpmKind, new RegExp(source!, 'g')] as const);

/** The range a BPM phrase asks for. */
function bpmRange(kind: BpmKind, x: number, y: number | undefined): { min?: number; max?: number } {
  if (kind === 'range') return { min: Math.min(x, y!), max: Math.max(x, y!) };
  if (kind === 'min') return { min: x };
  if (kind === 'max') return { max: x };
  return { min: Math.round(x * (1 - BPM_TOLERANCE)), max: Math.round(x * (1 + BPM_TOLERANCE)) };
}

/**
 * Reads "over 100 bpm", "90-110 BPM", "around 120 beats per minute" into BPM effects (a value out of
 * BPM_LIMITS is noted and ignored); returns the text with each phrase replaced by a clause break.
 */
export function readBpm(text: string, reading: TurnReading): string {
  let s = text;
  for (const [kind, pattern] of /bpm|b\.p\.m|beats|tempo/.test(s) ? BPM_PATTERNS : []) {
    s = s.replace(pattern, (match: string, a: string, b?: string) => {
      const phrase = match.trim();
      const x = Number(a);
      const y = kind === 'range' ? Number(b) : undefined;
      const values = y === undefined ? [x] : [x, y];
      if (values.some((v) => v < BPM_LIMITS.min || v > BPM_LIMITS.max)) {
        reading.notes.push(`ignored '${phrase}': a tempo must be between ${BPM_LIMITS.min} and ${BPM_LIMITS.max} BPM`);
        return ' ; ';
      }
      reading.effects.push({ bpm: bpmRange(kind, x, y), sources: { bpm: phrase } });
      return ' ; ';
    });
  }
  return s;
}
