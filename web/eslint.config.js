// @ts-check
// ESLint for the frontend, its e2e tests and its config files: ESLint's and typescript-eslint's
// recommended rules, with type information (the rules that catch unawaited promises, `any`
// leaking out of JSON and the like). Formatting is Prettier's job (`npm run format`).
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  // Generated (scripts/openapi.sh), built, test output, and static files served as they are.
  globalIgnores(['src/openapi.gen.ts', 'dist/', 'test-results/', 'public/']),
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // The app's project, and the e2e one (which also holds the two *.config.ts files).
        project: ['./tsconfig.json', './e2e/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    // Playwright's `response.json()` is `any` and the tests' expect() calls are the check of
    // its shape, so typing every body the API returns would add casts and catch nothing.
    files: ['e2e/**'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  // This file is plain JavaScript in no tsconfig: lint it without type information.
  { files: ['**/*.js'], extends: [tseslint.configs.disableTypeChecked] },
);
