import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // 2-core machines: DB-backed files each start their own schema or PGlite.
    pool: 'forks',
    maxWorkers: 2,
  },
});
