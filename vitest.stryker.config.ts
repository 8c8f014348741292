/**
 * The vitest config Stryker runs (see stryker.config.mjs and tools/mutate.mjs): only the
 * fast test files of one module group, on the embedded database only, so each mutant
 * is judged in seconds.
 */
import { defineConfig } from 'vitest/config';
// @ts-expect-error plain ESM module without types
import { GROUPS } from './tools/mutate-groups.mjs';

const group = (GROUPS as Record<string, { tests: string[] }>)[process.env.MAPWATCH_MUTATE_GROUP ?? ''];
if (!group) throw new Error(`MAPWATCH_MUTATE_GROUP must be one of: ${Object.keys(GROUPS).join(', ')}`);
process.env.MAPWATCH_TEST_BACKENDS ??= 'pglite';

export default defineConfig({
  test: {
    include: group.tests,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
