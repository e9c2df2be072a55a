/**
 * The refine flood of issue 14, measured (not a test: figures for docs/benchmarks.md). One producer
 * sends `refine` with 490-character typo-laden texts at 10x its event budget for 10 s, parsed by the
 * real refinement parser over a small tag vocabulary; another stream sends 2 frames/s; /healthz is
 * probed every 100 ms. Run: npx tsx tests/stream-server/support/refine-flood.ts [--budget-off]
 */
import { applyRefinement } from '../../../recommend/refinement/apply.js';
import { TagVocabulary } from '../../../recommend/refinement/vocabulary.js';
import type { RefinementState } from '../../../recommend/types.js';
import { SMALL_TRACKS } from '../../bot/support/small-services.js';
import { jpegOf } from './color-encoder.js';
import { EMPTY_STATE } from './catalog-picks.js';
import { OTHER_STREAM_ID, OTHER_STREAM_TOKEN, closeClients, producer, request, startTestServer, waitFor } from './server.js';

const budgetOff = process.argv.includes('--budget-off');
const budget = 20;
const server = await startTestServer({ limits: budgetOff ? { eventBudgetPerSecond: 1e6, eventBudgetBurst: 1e6 } : { eventBudgetPerSecond: budget, eventBudgetBurst: 40 } });
const vocabulary = TagVocabulary.fromTracks(SMALL_TRACKS);
// As serve does at start-up (Recommender.warmRefinementParser): the word lists load before the flood.
applyRefinement(EMPTY_STATE, 'a bit fastr, no vocals, not so boring', { vocabulary, shown: [] });
let parseMs = 0;
server.picks.refine = (state: RefinementState | undefined, text: string) => {
  const started = performance.now();
  const next = applyRefinement(state ?? EMPTY_STATE, text, { vocabulary, shown: [] });
  parseMs = Math.max(parseMs, performance.now() - started);
  return next;
};
const attacker = producer(server.url);
const victim = producer(server.url, { streamId: OTHER_STREAM_ID, token: OTHER_STREAM_TOKEN });
await Promise.all([waitFor(attacker, 'connect'), waitFor(victim, 'connect')]);
const jpeg = await jpegOf([230, 20, 10]);
const text = (i: number) => `les drumz moar pianno slowr ambiant ${i} vocls no gitar `.repeat(10).slice(0, 490);
const floodMs = 10_000;
const refinesPerSecond = (10 * budget) / 5; // 10x the budget at 5 units a refinement
const started = Date.now();
let refused = 0;
let sent = 0;
const floods: Promise<void>[] = [];
const flood = setInterval(() => {
  sent += 1;
  floods.push(
    request(attacker, 'refine', text(sent))
      .then((ack) => {
        if ('error' in ack && ack.error.code === 'RATE_LIMITED') refused += 1;
      })
      .catch(() => {}),
  );
}, 1000 / refinesPerSecond);
const healthz: number[] = [];
const probe = setInterval(() => {
  const t = performance.now();
  void fetch(`${server.url}/healthz`).then(
    () => healthz.push(performance.now() - t),
    () => {},
  );
}, 100);
const frames: Promise<boolean>[] = [];
while (Date.now() - started < floodMs) {
  frames.push(
    request<{ status: string }>(victim, 'frame', { image: jpeg, capturedAt: Date.now() })
      .then((ack) => 'data' in ack && ack.data.status === 'encoded')
      .catch(() => false),
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
}
clearInterval(flood);
clearInterval(probe);
const encoded = (await Promise.all(frames)).filter(Boolean).length;
await Promise.all(floods);
healthz.sort((a, b) => a - b);
const q = (p: number) => healthz[Math.min(healthz.length - 1, Math.floor(p * healthz.length))]!;
console.log(
  JSON.stringify({
    budgetOff,
    refinesSent: sent,
    refused,
    victimFrames: frames.length,
    victimEncoded: encoded,
    encodedPct: (100 * encoded) / frames.length,
    healthzProbes: healthz.length,
    healthzP50Ms: q(0.5),
    healthzP99Ms: q(0.99),
    maxParseMs: parseMs,
  }),
);
closeClients();
await server.close();
process.exit(0);
