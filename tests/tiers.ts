/**
 * The test tiers (see tests/README.md). `npm run test:unit` runs UNIT_TESTS: in-process logic with no
 * child process, no model weights, no media made with ffmpeg and no external service, under 30 s in all.
 * Everything else is the integration tier; `npm test` runs both. tests/architecture/tiers.test.ts
 * checks that these files exist and import none of the heavy parts.
 */
export const UNIT_TESTS: readonly string[] = [
  'tests/architecture/function-size.test.ts',
  'tests/architecture/layering.test.ts',
  'tests/architecture/planted.test.ts',
  'tests/architecture/tiers.test.ts',
  'tests/bench/stats.test.ts',
  'tests/bench/stream-stats.test.ts',
  'tests/bench/timed.test.ts',
  'tests/core/address-policy.test.ts',
  'tests/core/config.test.ts',
  'tests/core/errors.test.ts',
  'tests/features/music-windows.test.ts',
  'tests/index-data/bpm.test.ts',
  'tests/index-data/describe.test.ts',
  'tests/index-data/progress.test.ts',
  'tests/index-data/scan-segments.test.ts',
  'tests/index-data/vector-index.test.ts',
  'tests/recommend/conversation.test.ts',
  'tests/recommend/llm-refinement-parser.test.ts',
  'tests/recommend/parse.test.ts',
  'tests/recommend/phrasebook.test.ts',
  'tests/recommend/recommender.test.ts',
  'tests/recommend/refinement-effects.test.ts',
  'tests/recommend/silence-and-artists.test.ts',
  'tests/recommend/state.test.ts',
  'tests/recommend/text-embedding-cache.test.ts',
  'tests/security/secrets.test.ts',
  'tests/stream-server/budget.test.ts',
  'tests/stream-server/encode-queue.test.ts',
  'tests/stream-server/http-headers.test.ts',
  'tests/stream-server/hysteresis.test.ts',
  'tests/stream-server/readyz-dtypes.test.ts',
  'tests/stream-server/refinement-turns.test.ts',
  'tests/stream-server/units.test.ts',
  'tests/stream-server/update-policy.test.ts',
];
