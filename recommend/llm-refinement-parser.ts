import { z } from 'zod';
import { ModelError } from '../core/errors.js';
import type { Lift } from './refinement/state.js';
import { EMPTY_STATE } from './refinement/state.js';
import { parseRefinement, type ParsedRefinement } from './refinement/parse.js';
import type { TrackRef } from './refinement/pick-refs.js';
import type { TagVocabulary } from './refinement/vocabulary.js';
import type { RefinementState } from './types.js';

/**
 * An optional language-model parser for refinements: an OpenAI-compatible chat endpoint (the one the
 * describer uses) answers in the rule parser's state shape through a JSON schema (structured output).
 * The answer is validated with zod and cross-checked with the rule parser: a hard filter (include or
 * exclude a tag, vocals, a BPM range, excluding a pick) is kept only when the rule parser found it too;
 * what only the model found stays soft. Any failure (timeout, refusal, invalid JSON) falls back to the
 * rule parser, which stays the offline default.
 */
export interface LlmRefinementParserOptions {
  /** Base URL of an OpenAI-compatible API, e.g. `http://localhost:8000/v1`. */
  readonly baseUrl: string;
  readonly model: string;
  readonly apiKey?: string;
  /** Per request; refinements are interactive, so short. */
  readonly timeoutMs: number;
}

const DIRECTION_STRENGTH = z.number().min(0).max(3);
const positions = z.array(z.number().int().min(-1).max(50)).max(50);

/** What the model must answer; mirrors LLM_JSON_SCHEMA. */
const answerSchema = z.object({
  action: z.enum(['refine', 'undo', 'reset']),
  include_tags: z.array(z.string()).max(20),
  exclude_tags: z.array(z.string()).max(20),
  weights: z.array(z.object({ tag: z.string(), weight: z.number().min(-3).max(3) })).max(30),
  vocals: z.enum(['unchanged', 'on', 'off', 'female', 'male']),
  bpm_min: z.number().min(30).max(300).nullable(),
  bpm_max: z.number().min(30).max(300).nullable(),
  tempo: z.enum(['unchanged', 'faster', 'slower']),
  tempo_strength: DIRECTION_STRENGTH,
  energy: z.enum(['unchanged', 'higher', 'lower']),
  energy_strength: DIRECTION_STRENGTH,
  mood: z.enum(['unchanged', 'brighter', 'darker']),
  mood_strength: DIRECTION_STRENGTH,
  like_picks: positions,
  exclude_picks: positions,
  exclude_all_picks: z.boolean(),
  lift_tags: z.array(z.string()).max(20),
  lift_vocals: z.boolean(),
  lift_tempo: z.boolean(),
  text: z.string().max(1000),
  negative_text: z.string().max(1000),
});
export type LlmAnswer = z.infer<typeof answerSchema>;

/** The JSON schema sent as `response_format` (strict: every field required, nothing else allowed). */
export function llmJsonSchema(vocabulary: TagVocabulary): Record<string, unknown> {
  const tags = { type: 'array', items: { type: 'string', enum: vocabulary.entries.map((e) => e.tag) } };
  const direction = (values: string[]) => ({ type: 'string', enum: values });
  const strength = { type: 'number', minimum: 0, maximum: 3 };
  const picks = { type: 'array', items: { type: 'integer', minimum: -1, maximum: 50 } };
  const properties = {
    action: direction(['refine', 'undo', 'reset']),
    include_tags: tags,
    exclude_tags: tags,
    weights: {
      type: 'array',
      items: { type: 'object', properties: { tag: tags.items, weight: { type: 'number', minimum: -3, maximum: 3 } }, required: ['tag', 'weight'], additionalProperties: false },
    },
    vocals: direction(['unchanged', 'on', 'off', 'female', 'male']),
    bpm_min: { type: ['number', 'null'], minimum: 30, maximum: 300 },
    bpm_max: { type: ['number', 'null'], minimum: 30, maximum: 300 },
    tempo: direction(['unchanged', 'faster', 'slower']),
    tempo_strength: strength,
    energy: direction(['unchanged', 'higher', 'lower']),
    energy_strength: strength,
    mood: direction(['unchanged', 'brighter', 'darker']),
    mood_strength: strength,
    like_picks: picks,
    exclude_picks: picks,
    exclude_all_picks: { type: 'boolean' },
    lift_tags: tags,
    lift_vocals: { type: 'boolean' },
    lift_tempo: { type: 'boolean' },
    text: { type: 'string', maxLength: 1000 },
    negative_text: { type: 'string', maxLength: 1000 },
  };
  return { type: 'object', properties, required: Object.keys(properties), additionalProperties: false };
}

const SYSTEM_PROMPT = `You turn one refinement of a music search into JSON. The user has seen a numbered list of picks
and now says how to change them. Rules:
- include_tags / exclude_tags: hard filters, only for "only X" / "no X", "anything but X", "without X".
- weights: soft preferences, +1 "more X", -1 "less X" or a complaint "too much X"; 0.5 for "a bit", 2 for "way / much".
- tempo, energy, mood: directions ("faster", "calmer" = energy lower, "darker"); strength 1, 0.5 "a bit", 2 "way".
  A complaint "too fast" means slower.
- like_picks / exclude_picks: positions in the list (1 = first, -1 = last); exclude_all_picks for "none of these".
- lift_*: the user takes back an earlier exclusion ("drums are fine now"); never add it as a preference.
- text: what the music should sound like in plain words (no negations); negative_text: what it should move away from.
- action: "undo" to take back the last change, "reset" to start over, else "refine".
Use only the tags listed in the schema. Leave fields empty, "unchanged" or null when the user said nothing about them.`;

/** Parses with the model; throws ModelError when the endpoint fails or answers something invalid. */
export class LlmRefinementParser {
  readonly #options: LlmRefinementParserOptions;
  readonly #url: string;

  constructor(options: LlmRefinementParserOptions) {
    this.#options = options;
    this.#url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  }

  async answer(text: string, vocabulary: TagVocabulary, signal?: AbortSignal): Promise<LlmAnswer> {
    const { model, apiKey, timeoutMs } = this.#options;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    const body = JSON.stringify({
      model,
      messages: [
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'user', content: text },
      ],
      temperature: 0,
      max_tokens: 600,
      n: 1,
      stream: false,
      response_format: { type: 'json_schema', json_schema: { name: 'refinement', strict: true, schema: llmJsonSchema(vocabulary) } },
    });
    const deadline = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await fetch(this.#url, { method: 'POST', headers, body, signal: signal ? AbortSignal.any([signal, deadline]) : deadline });
    } catch (error) {
      signal?.throwIfAborted();
      const reason = deadline.aborted ? `timed out after ${timeoutMs} ms` : `unreachable: ${(error as Error).message}`;
      throw new ModelError('MODEL_FAILED', `refinement parser endpoint ${this.#url} ${reason}`, { url: this.#url }, { cause: error });
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new ModelError('MODEL_FAILED', `refinement parser endpoint ${this.#url} answered ${response.status}`, { url: this.#url, status: response.status });
    }
    const json = (await response.json().catch(() => undefined)) as { choices?: { message?: { content?: unknown; refusal?: unknown } }[] } | undefined;
    const content = json?.choices?.[0]?.message?.content;
    if (typeof content !== 'string') throw new ModelError('MODEL_FAILED', `refinement parser endpoint ${this.#url} returned no message content`, { url: this.#url });
    let raw: unknown;
    try {
      raw = JSON.parse(content);
    } catch {
      throw new ModelError('MODEL_FAILED', 'refinement parser answer is not JSON', { url: this.#url });
    }
    const parsed = answerSchema.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      throw new ModelError('MODEL_FAILED', `refinement parser answer does not fit the schema: ${issues.join('; ')}`, { url: this.#url });
    }
    return parsed.data;
  }
}

/**
 * The turn as the model read it, cross-checked with the rule parser's reading of the same text: hard
 * filters only where the rule parser has them; soft preferences, directions and text from the model
 * (the rule parser's where the model said nothing); notes say what the model alone found.
 */
export function crossCheck(answer: LlmAnswer, rules: ParsedRefinement, vocabulary: TagVocabulary): ParsedRefinement {
  if (answer.action === 'undo' || answer.action === 'reset') return { ...rules, action: answer.action };
  const r = rules.delta;
  const notes = [...r.notes];
  const softened: string[] = [];
  const weights = softenedWeights(answer, r, vocabulary, softened);
  if (!r.bpm && (answer.bpm_min !== null || answer.bpm_max !== null)) softened.push('a BPM range');
  if (softened.length) notes.push(`the language model also read ${softened.map((s) => `'${s}'`).join(', ')}: kept as a soft preference, since the rule parser did not find it`);
  const refs = crossCheckedRefs(answer, rules.refs, notes);
  const { tempo, energy, mood, strength } = modelDirections(answer, r);
  const text = answer.text.trim() ? [answer.text.trim()] : [...r.text];
  const negativeText = answer.negative_text.trim() ? [answer.negative_text.trim()] : [...(r.negativeText ?? [])];
  const delta: RefinementState = {
    ...EMPTY_STATE,
    includeTags: [...r.includeTags],
    excludeTags: [...r.excludeTags],
    weights,
    ...(r.vocals ? { vocals: r.vocals } : {}),
    ...(r.bpm ? { bpm: r.bpm } : {}),
    ...(tempo ? { tempo } : {}),
    ...(energy ? { energy } : {}),
    ...(mood ? { mood } : {}),
    ...(Object.keys(strength).length ? { strength } : {}),
    text,
    ...(negativeText.length ? { negativeText } : {}),
    notes,
    sources: { ...r.sources },
  };
  const lift = mergedLift(answer, rules.lift, vocabulary);
  const negated = [
    ...rules.negatedTerms,
    ...Object.entries(weights)
      .filter(([, w]) => w < 0)
      .map(([t]) => t),
  ];
  return { delta, refs, negatedTerms: [...new Set(negated)], ...(lift ? { lift } : {}) };
}

const knownTags = (tags: readonly string[], vocabulary: TagVocabulary): string[] => [...new Set(tags.filter((t) => vocabulary.groupOf(t) !== undefined))];

/**
 * The rule parser's weights with the model's on top; a hard filter only the model found (a tag
 * included or excluded, vocals) becomes a weight instead, named in `softened`.
 */
function softenedWeights(answer: LlmAnswer, r: RefinementState, vocabulary: TagVocabulary, softened: string[]): Record<string, number> {
  const weights: Record<string, number> = { ...r.weights };
  for (const { tag, weight } of answer.weights) if (vocabulary.groupOf(tag) !== undefined && weight !== 0) weights[tag] = weight;
  for (const tag of knownTags(answer.exclude_tags, vocabulary)) {
    if (r.excludeTags.includes(tag)) continue;
    weights[tag] = Math.min(weights[tag] ?? -1, -1);
    softened.push(`no ${tag}`);
  }
  for (const tag of knownTags(answer.include_tags, vocabulary)) {
    if (r.includeTags.includes(tag)) continue;
    weights[tag] = Math.max(weights[tag] ?? 1, 1);
    softened.push(`only ${tag}`);
  }
  // A tag the rule parser filters on needs no weight.
  const filtered = new Set([...r.excludeTags, ...r.includeTags]);
  const soft = Object.fromEntries(Object.entries(weights).filter(([tag]) => !filtered.has(tag)));
  if (answer.vocals !== 'unchanged' && answer.vocals !== r.vocals) {
    softened.push(`vocals ${answer.vocals}`);
    if (answer.vocals === 'off') for (const t of vocabulary.tagsInGroup('vocals').filter((t) => !/instrumental/.test(t))) soft[t] = Math.min(soft[t] ?? -1, -1);
  }
  return soft;
}

/** Tempo, energy and mood with their strengths: the model's where it named one, else the rule parser's. */
function modelDirections(answer: LlmAnswer, r: RefinementState): Pick<RefinementState, 'tempo' | 'energy' | 'mood'> & { strength: Record<string, number> } {
  const pick = <T extends string>(model: T, rule: T | undefined): T | undefined => (model !== 'unchanged' ? model : rule);
  const strength: Record<string, number> = {};
  const setStrength = (field: 'tempo' | 'energy' | 'mood', model: string, value: number): void => {
    const s = model !== 'unchanged' ? value : r.strength?.[field];
    if (s !== undefined && s > 0 && s !== 1) strength[field] = Math.min(3, s);
  };
  setStrength('tempo', answer.tempo, answer.tempo_strength);
  setStrength('energy', answer.energy, answer.energy_strength);
  setStrength('mood', answer.mood, answer.mood_strength);
  const tempo = pick(answer.tempo, r.tempo) as RefinementState['tempo'];
  const energy = pick(answer.energy, r.energy) as RefinementState['energy'];
  const mood = pick(answer.mood, r.mood) as RefinementState['mood'];
  return { ...(tempo ? { tempo } : {}), ...(energy ? { energy } : {}), ...(mood ? { mood } : {}), strength };
}

/** Picks: likes from either reader; exclusions (a hard filter) only where the rule parser has them, the model's others noted. */
function crossCheckedRefs(answer: LlmAnswer, ruleRefs: readonly TrackRef[], notes: string[]): TrackRef[] {
  const refs: TrackRef[] = [...ruleRefs];
  for (const p of answer.like_picks) if (p !== 0 && !refs.some((x) => x.kind === 'like' && x.position === p)) refs.push({ kind: 'like', position: p, phrase: `#${p === -1 ? 'last' : p}` });
  const ruleExcluded = new Set(ruleRefs.filter((x) => x.kind === 'exclude').map((x) => x.position));
  const modelOnly = [...answer.exclude_picks.filter((p) => !ruleExcluded.has(p)), ...(answer.exclude_all_picks && !ruleExcluded.has('all') ? ['all'] : [])];
  if (modelOnly.length) notes.push(`the language model also read 'not ${modelOnly.map((p) => (p === 'all' ? 'these' : `#${p}`)).join(', ')}': ignored, since the rule parser did not find it`);
  return refs;
}

/** The rule parser's lift with the tags, vocals and tempo the model lifted added. */
function mergedLift(answer: LlmAnswer, rules: Lift | undefined, vocabulary: TagVocabulary): Lift | undefined {
  const liftTags = knownTags(answer.lift_tags, vocabulary);
  if (!rules && !liftTags.length && !answer.lift_vocals && !answer.lift_tempo) return undefined;
  return {
    tags: [...new Set([...(rules?.tags ?? []), ...liftTags])],
    vocals: (rules?.vocals ?? false) || answer.lift_vocals,
    tempo: (rules?.tempo ?? false) || answer.lift_tempo,
    energy: rules?.energy ?? false,
    mood: rules?.mood ?? false,
    terms: rules?.terms ?? [],
    phrase: rules?.phrase ?? 'lifted by the language model',
  };
}

/** Something that reads a refinement turn; the recommender uses the rule parser when none is given. */
export interface RefinementReader {
  read(text: string, vocabulary: TagVocabulary, signal?: AbortSignal): Promise<ParsedRefinement>;
}

/** The model's reading, cross-checked; the rule parser's (with a note) when the model fails. */
export function llmReader(parser: LlmRefinementParser, onFallback: (error: unknown) => void = () => undefined): RefinementReader {
  return {
    async read(text, vocabulary, signal) {
      const rules = parseRefinement(text, { vocabulary });
      try {
        return crossCheck(await parser.answer(text, vocabulary, signal), rules, vocabulary);
      } catch (error) {
        signal?.throwIfAborted();
        onFallback(error);
        return { ...rules, delta: { ...rules.delta, notes: [...rules.delta.notes, 'the language-model parser was unavailable: used the rule parser'] } };
      }
    },
  };
}
