import { defineConfig } from 'vitest/config';
import { UNIT_TESTS } from './tests/tiers.js';

export default defineConfig({
  test: {
    // 2-core CI: a few files at once, each owning its worker threads and child processes.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // `vitest run` runs both tiers; `vitest run --project unit` the fast one (tests/README.md).
    projects: [
      { extends: true, test: { name: 'unit', include: [...UNIT_TESTS] } },
      { extends: true, test: { name: 'integration', include: ['tests/**/*.test.ts'], exclude: [...UNIT_TESTS] } },
    ],
  },
});
