// Lint rules: typescript-eslint's recommended set, with the few rules this code base
// deliberately departs from switched off and the reason given beside each.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.stryker-tmp/**', 'reports/**', '.mapwatch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' },
    },
    rules: {
      // Unused arguments named with a leading underscore are interface conformance, not mistakes.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // Control characters in regexes are how NUL bytes and C0 junk in crawled pages are found.
      'no-control-regex': 'off',
    },
  },
  {
    // The review app's browser script (plain ES5-style JS, no build step).
    files: ['assets/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { window: 'readonly', document: 'readonly', HTMLElement: 'readonly', HTMLInputElement: 'readonly' },
    },
  },
  {
    // The launcher is CommonJS (bin/package.json), so the instant commands skip Node's ES module loader.
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Migrations run against whatever schema exists at that point in history, so they are
    // written against an untyped Kysely by design (Kysely's own migration docs do the same).
    files: ['migrations/**/*.ts', 'src/db/migrate.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
