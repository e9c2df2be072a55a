/**
 * Prints the phrasebook's accuracy per category as the Markdown table in docs/recommend.md:
 * `npx tsx tests/recommend/phrasebook/report.ts [--failures tuning]`.
 */
import { HELD_OUT } from './held-out.js';
import { accuracyByCategory, ruleApply, score, shippedVocabulary } from './score.js';
import { TUNING } from './tuning.js';

const apply = ruleApply(shippedVocabulary());
const tuning = score(TUNING, apply);
const args = process.argv.slice(2);
if (args[0] === '--failures') {
  // Only the tuning part: the held-out part's failures are not looked at while tuning.
  if (args[1] !== 'tuning') throw new Error('only the tuning part may be listed: --failures tuning');
  for (const o of tuning.filter((x) => !x.ok)) console.log(`${o.phrasing.category}: ${JSON.stringify(o.phrasing.say)}\n  want ${JSON.stringify(o.want)}\n  got  ${JSON.stringify(o.got)}`);
} else {
  const held = score(HELD_OUT, apply);
  const t = accuracyByCategory(tuning);
  const h = accuracyByCategory(held);
  const pct = (p: number, n: number): string => (n ? `${((100 * p) / n).toFixed(0)}%` : '-');
  console.log('| category | tuning | held out | all |\n|---|---|---|---|');
  t.forEach((row, i) => {
    const hr = h[i]!;
    console.log(`| ${row.category} | ${row.passed}/${row.total} | ${hr.passed}/${hr.total} | ${pct(row.passed + hr.passed, row.total + hr.total)} |`);
  });
  const sum = (rows: typeof t): [number, number] => [rows.reduce((a, r) => a + r.passed, 0), rows.reduce((a, r) => a + r.total, 0)];
  const [tp, tn] = sum(t);
  const [hp, hn] = sum(h);
  console.log(`| **overall** | ${tp}/${tn} (${pct(tp, tn)}) | ${hp}/${hn} (${pct(hp, hn)}) | ${tp + hp}/${tn + hn} (${pct(tp + hp, tn + hn)}) |`);
}
