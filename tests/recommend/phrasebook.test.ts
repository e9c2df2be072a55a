import { describe, expect, it } from 'vitest';
import { HELD_OUT } from './phrasebook/held-out.js';
import { accuracyByCategory, ruleApply, score, shippedVocabulary } from './phrasebook/score.js';
import { TUNING } from './phrasebook/tuning.js';
import { CATEGORIES } from './phrasebook/types.js';

const apply = ruleApply(shippedVocabulary());
const all = [...TUNING, ...HELD_OUT];

describe('the refinement phrasebook (docs/recommend.md, *How well refinements are understood*)', () => {
  it('has at least 300 phrasings in every category, none repeated', () => {
    expect(all.length).toBeGreaterThanOrEqual(300);
    expect(new Set(all.map((p) => `${p.before?.join('|') ?? ''}>${p.say}`)).size).toBe(all.length);
    for (const category of CATEGORIES) expect(all.filter((p) => p.category === category).length, category).toBeGreaterThanOrEqual(15);
  });

  it('is read as expected at least 95% of the time overall and in every category', () => {
    const outcomes = score(all, apply);
    const passed = outcomes.filter((o) => o.ok).length;
    expect(passed / outcomes.length).toBeGreaterThanOrEqual(0.95);
    for (const row of accuracyByCategory(outcomes)) expect(row.passed / row.total, row.category).toBeGreaterThanOrEqual(0.95);
  });

  it('the held-out part, reported on its own, also reaches 95%', () => {
    const outcomes = score(HELD_OUT, apply);
    expect(outcomes.filter((o) => o.ok).length / outcomes.length).toBeGreaterThanOrEqual(0.95);
  });

  it('would notice a wrong reading (the comparison is strict)', () => {
    const [wrong] = score([{ category: 'negation', say: 'anything but piano', expect: { weights: { piano: 1 }, text: 'piano' } }], apply);
    expect(wrong!.ok).toBe(false);
    const [strength] = score([{ category: 'tempo', say: 'a bit faster', expect: { tempo: 'faster' } }], apply);
    expect(strength!.ok).toBe(false);
  });
});
