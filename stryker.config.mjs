// StrykerJS on mapwatch's core modules. Run it through `npm run mutate` (tools/mutate.mjs),
// which mutates one module group at a time; this file holds what every group shares.
import { GROUPS } from './tools/mutate-groups.mjs';

const group = GROUPS[process.env.MAPWATCH_MUTATE_GROUP ?? ''];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts', related: false },
  mutate: group ? group.mutate : Object.values(GROUPS).flatMap((g) => g.mutate),
  coverageAnalysis: 'perTest',
  // A 2-core machine shared with other heavy jobs: one test process unless asked for more.
  concurrency: Number(process.env.MAPWATCH_MUTATE_CONCURRENCY ?? 1),
  timeoutMS: 20_000,
  ignoreStatic: true,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: `reports/mutation/${process.env.MAPWATCH_MUTATE_GROUP ?? 'all'}.json` },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  // Another run's sandbox (a parallel group run) is never copied: its files vanish mid-copy.
  ignorePatterns: ['dist', 'coverage', 'reports', '.mapwatch', 'bench', '.stryker-tmp*', '.scratch'],
};
