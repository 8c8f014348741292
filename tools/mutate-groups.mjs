// Module groups for `npm run mutate`: the core modules, and for each the fast test files
// that cover it. Stryker mutates one group at a time and runs only that group's tests
// (vitest.stryker.config.ts reads MAPWATCH_MUTATE_GROUP), so a run stays small enough
// for a shared 2-core machine.
export const GROUPS = {
  compare: {
    mutate: ['src/compare/**/*.ts', '!src/compare/schemas.ts'],
    // Pure tests only: the database-backed ones (compare-promo-from-db, notify-through-compare)
    // pay a database setup for every mutant, so they are left out for speed.
    tests: [
      'tests/compare-map-in-effect.test.ts',
      'tests/compare-promo-window.test.ts',
      'tests/compare-to-map.test.ts',
      'tests/compare-zoned-time.test.ts',
      'tests/compare-guards.test.ts',
      'tests/explain-price.test.ts',
      'tests/percent-below.test.ts',
      'tests/normalize.test.ts',
    ],
  },
  normalize: {
    mutate: ['src/normalize/**/*.ts'],
    tests: [
      'tests/normalize.test.ts',
      'tests/parse-price.test.ts',
      'tests/parse-price-locales.test.ts',
      'tests/parse-price-edges.test.ts',
      'tests/normalize-currency.test.ts',
      'tests/parse-price-rules.test.ts',
      // gtin.ts and similarity.ts (discovery's product keys) live in src/normalize too.
      'tests/normalize-identity.test.ts',
    ],
  },
  'pick-primary': {
    mutate: ['src/extract/pick-primary.ts'],
    tests: [
      'tests/extract-offers.test.ts',
      'tests/extract-pick-primary.test.ts',
      'tests/extract-precision.test.ts',
      'tests/extract-embedded.test.ts',
    ],
  },
  // The case decisions, drawn out of open-or-update-case.ts and violation-level.ts into pure
  // functions: which reads count, when a dismissal holds, what a read changes, when a case
  // resolves, a reseller's episode and level. The rest of src/cases/ is SQL and audit rows; its
  // tests (cases-*, notify-ladder) need a database per mutant, so they run in the normal suite.
  cases: {
    mutate: ['src/cases/decide-case-change.ts', 'src/cases/violation-episode.ts'],
    tests: ['tests/cases-decisions.test.ts'],
  },
  // The bundle check (`evidence verify FILE.zip`) and the manifest hashing, on bundles built in
  // memory. verify-chain.ts (`verify --db`) walks database rows; evidence-verify covers it in the
  // normal suite, too slowly to rerun for every mutant.
  evidence: {
    mutate: ['src/evidence/verify-bundle.ts', 'src/evidence/manifest.ts'],
    tests: ['tests/evidence-verify-bundle.test.ts', 'tests/evidence-verify-bundle-sealed.test.ts'],
  },
  'address-guard': {
    mutate: ['src/fetch/address-guard.ts', 'src/fetch/ip-ranges.ts'],
    tests: ['tests/fetch-address-guard.test.ts'],
  },
  // The decisions only: compute-site-health, update-site-health and is-suppressed are SQL
  // whose tests need a database per mutant (about 45 minutes for this group on a shared
  // machine), so they are covered by health-site/health-state in the normal suite instead.
  health: {
    mutate: ['src/health/judge-site-health.ts', 'src/health/site-health-state.ts', 'src/health/format-site-health.ts'],
    tests: ['tests/health-judge.test.ts', 'tests/health-format.test.ts'],
  },
  // The pipeline's decisions: which reads are judged, when two reads agree enough to accuse,
  // when a verdict needs a confirming read (recheck.ts lines 16-37) and how long to wait
  // (52-54). The rest of src/check/ drives fetches, the database and Chromium; its tests
  // (check-*, crawl-pipeline) take minutes per run, so they are not rerun for every mutant.
  check: {
    mutate: ['src/check/judge-read.ts', 'src/check/recheck.ts:16-37', 'src/check/recheck.ts:52-54'],
    tests: ['tests/check-recheck-rules.test.ts'],
  },
};
