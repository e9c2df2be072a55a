/**
 * Refinement parsing cost (issues #14 and #17): one refinement of the maximum length, full of typos,
 * negations, analogies and unknown words, parsed and composed onto a long conversation's state on the
 * main thread, as the stream server does for every `refine` event. Target: at most 1 ms per refinement.
 */
import { shippedVocabulary } from '../recommend/catalog-vocabulary.js';
import { DEFAULT_RECOMMENDER_OPTIONS } from '../recommend/recommender.js';
import { applyRefinement } from '../recommend/refinement/apply.js';
import { parseRefinement } from '../recommend/refinement/parse.js';
import { EMPTY_STATE } from '../recommend/refinement/state.js';
import type { RefinementState } from '../recommend/types.js';
import type { BenchSection } from './context.js';

const TARGET_MS = 1;

const CLAUSES = [
  'no vocls',
  'a bit fastr please',
  'anything but piano',
  'too cheesy',
  'more like #2',
  'the drums are way too busy',
  'something youd hear in a coffee shop',
  'less drms and much more strings',
  'not the last one',
  'around 120 bpm',
  'like a 90s video game but darker',
  'withuot guitars',
  'qwertyuiop zxcv',
  'bring back the saxophone',
  'other than rock',
  'elecric bass is fine now',
  'slwoer and calmr',
  'twangy synthwave with a touch of lofi',
  'none of these',
  'way too loud',
];

/** Clauses joined until the text is exactly `length` characters. */
export function longRefinement(length: number, offset = 0): string {
  let text = '';
  for (let i = offset; text.length < length; i++) text += `${text ? ', ' : ''}${CLAUSES[i % CLAUSES.length]}`;
  return text.slice(0, length);
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export const refineSection: BenchSection = {
  id: 'refine',
  title: 'Refinement parsing (main thread)',
  targetNames: [`parse a refinement of the maximum length (${DEFAULT_RECOMMENDER_OPTIONS.maxPromptChars} characters) in <= ${TARGET_MS} ms`],
  run(options) {
    const vocabulary = shippedVocabulary();
    const length = DEFAULT_RECOMMENDER_OPTIONS.maxPromptChars;
    const texts = Array.from({ length: CLAUSES.length }, (_, i) => longRefinement(length, i));
    const shown = ['t1', 't2', 't3', 't4', 't5'];

    const coldStart = performance.now();
    parseRefinement(texts[0]!, { vocabulary });
    const coldMs = performance.now() - coldStart;

    const iterations = options.quick ? 300 : 3000;
    const parseMs: number[] = [];
    const applyMs: number[] = [];
    /** CPU time of this thread per call: on a shared machine wall time mostly measures the other processes. */
    const cpuMs: number[] = [];
    let state: RefinementState = EMPTY_STATE;
    for (let i = 0; i < 50; i++) state = applyRefinement(state, texts[i % texts.length]!, { vocabulary, shown });
    for (let i = 0; i < iterations; i++) {
      const text = texts[i % texts.length]!;
      let t = performance.now();
      parseRefinement(text, { vocabulary });
      parseMs.push(performance.now() - t);
      t = performance.now();
      const cpu = process.cpuUsage();
      state = applyRefinement(state, text, { vocabulary, shown });
      const used = process.cpuUsage(cpu);
      applyMs.push(performance.now() - t);
      cpuMs.push((used.user + used.system) / 1000);
    }
    cpuMs.sort((a, b) => a - b);
    parseMs.sort((a, b) => a - b);
    applyMs.sort((a, b) => a - b);
    const fmt = (x: number) => x.toFixed(3);
    const row = (name: string, xs: readonly number[]) => [name, fmt(quantile(xs, 0.5)), fmt(quantile(xs, 0.9)), fmt(quantile(xs, 0.99)), fmt(xs.at(-1)!)];
    const stateBytes = JSON.stringify(state).length;
    const p50 = quantile(cpuMs, 0.5);
    return {
      tables: [
        {
          title: `Refinement of ${length} characters (20 clauses with typos, negations, analogies, picks, nonsense), ${iterations} calls (ms per call)`,
          columns: ['step', 'p50', 'p90', 'p99', 'max'],
          rows: [row('parse (wall)', parseMs), row('parse + compose onto the state (wall)', applyMs), row('parse + compose onto the state (CPU of the thread)', cpuMs)],
          notes: [
            `first call in the process (loads the 64k-word list and builds the typo index): ${coldMs.toFixed(1)} ms`,
            `state after ${iterations + 50} refinements: ${stateBytes} bytes of JSON (bounded: last turns only, text deduplicated)`,
          ],
        },
      ],
      targets: [
        {
          section: 'refine',
          target: refineSection.targetNames[0]!,
          measured: `CPU p50 ${fmt(p50)} ms, p99 ${fmt(quantile(cpuMs, 0.99))} ms (wall p50 ${fmt(quantile(applyMs, 0.5))} ms)`,
          met: p50 <= TARGET_MS,
        },
      ],
      data: {
        length,
        iterations,
        coldMs,
        parseMs: { p50: quantile(parseMs, 0.5), p99: quantile(parseMs, 0.99) },
        applyMs: { p50: quantile(applyMs, 0.5), p99: quantile(applyMs, 0.99) },
        cpuMs: { p50, p99: quantile(cpuMs, 0.99) },
        stateBytes,
      },
    };
  },
};
