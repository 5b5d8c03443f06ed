// @ts-check
// Lint finds what the type checker does not: likely bugs, never style (no formatting rules).
// The base is @eslint/js and typescript-eslint's recommended sets; on top, three type-aware rules
// for the mistakes an event-driven server makes with promises. `npm run lint`; CI allows no warnings.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'coverage/', 'test-artifacts/', 'node_modules/'] },
  {
    files: ['**/*.ts', '**/*.js'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: {
      parserOptions: {
        // Each file is checked with the tsconfig that builds it (ui/src: ui/tsconfig.json).
        projectService: { allowDefaultProject: ['eslint.config.js', 'ui/vite.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // A promise nobody awaits or catches loses its error, and an unhandled rejection ends the
      // process; one handed to a callback that ignores its result is never awaited. `void` marks
      // the deliberate cases.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // `await` on something that is not a promise is a misunderstanding of the API it calls.
      '@typescript-eslint/await-thenable': 'error',
      // A leading underscore marks a parameter a signature requires, or a field left out on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // `let` declared first because a closure defined before the assignment reads it.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Tests read JSON bodies of any shape; `any` there is the point, not a hole in the types.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
