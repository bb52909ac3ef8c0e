// Lint gate for the whole TypeScript tree (make test runs it first, with the formatter and the type check).
// typescript-eslint's recommended rules without type information: type-aware rules would run the compiler
// a second time (tsc already does), for little the strict compiler options do not already catch.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      '.data/',
      '.run/',
      'coverage/',
      'infra/',
      'query-api/src/workbench/assets/vendor/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // The workbench's scripts run in the browser; everything else runs on Node.
  { files: ['query-api/src/workbench/assets/**/*.js'], languageOptions: { globals: globals.browser } },
  { files: ['**/*.ts', '*.js', 'scripts/**/*.js'], languageOptions: { globals: globals.node } },
  {
    rules: {
      // `_`-prefixed parameters are deliberate (a callback's shape), not forgotten.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
);
