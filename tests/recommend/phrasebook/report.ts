/**
 * Prints the phrasebook's accuracy per category as the Markdown table in docs/recommend.md:
 * `npx tsx tests/recommend/phrasebook/report.ts [--failures tuning]`.
 */
import { HELD_OUT } from './held-out.js';
import { HELD_OUT_2 } from './held-out-2.js';
import { accuracyByCategory, ruleApply, score, shippedVocabulary, type CategoryAccuracy } from './score.js';
import { TUNING } from './tuning.js';

const apply = ruleApply(shippedVocabulary());
const tuning = score(TUNING, apply);
const args = process.argv.slice(2);
if (args[0] === '--failures') {
  // Only the tuning part: the held-out parts' failures are not looked at while tuning.
  if (args[1] !== 'tuning') throw new Error('only the tuning part may be listed: --failures tuning');
  for (const o of tuning.filter((x) => !x.ok)) console.log(`${o.phrasing.category}: ${JSON.stringify(o.phrasing.say)}\n  want ${JSON.stringify(o.want)}\n  got  ${JSON.stringify(o.got)}`);
} else {
  const parts = [accuracyByCategory(tuning), accuracyByCategory(score(HELD_OUT, apply)), accuracyByCategory(score(HELD_OUT_2, apply))];
  const pct = (p: number, n: number): string => (n ? `${((100 * p) / n).toFixed(1)}%` : '-');
  const cell = (r: { passed: number; total: number }): string => `${r.passed}/${r.total}`;
  console.log('| category | tuning | held out 1 | held out 2 | all |\n|---|---|---|---|---|');
  parts[0]!.forEach((row, i) => {
    const rows = parts.map((p) => p[i]!);
    const passed = rows.reduce((a, r) => a + r.passed, 0);
    const total = rows.reduce((a, r) => a + r.total, 0);
    console.log(`| ${row.category} | ${rows.map(cell).join(' | ')} | ${pct(passed, total)} |`);
  });
  const sum = (rows: readonly CategoryAccuracy[]) => ({ passed: rows.reduce((a, r) => a + r.passed, 0), total: rows.reduce((a, r) => a + r.total, 0) });
  const sums = parts.map(sum);
  const all = { passed: sums.reduce((a, s) => a + s.passed, 0), total: sums.reduce((a, s) => a + s.total, 0) };
  console.log(`| **overall** | ${[...sums, all].map((s) => `${cell(s)} (${pct(s.passed, s.total)})`).join(' | ')} |`);
}
