import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Says which server legs (Postgres, Redis) were left out, or fails under MAPWATCH_REQUIRE_SERVERS=1.
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // 2-core machines: DB-backed files each start their own schema or PGlite.
    pool: 'forks',
    maxWorkers: 2,
  },
});
