// Lint: typescript-eslint's type-checked recommended rules over the packages, the integration
// tests, the examples and the scripts. Formatting is Prettier's (`npm run format`), so no
// stylistic rules here.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // cli-syntax-error.ts is deliberately not valid TypeScript (the CLI's syntax error test).
    ignores: ['**/dist/**', '**/node_modules/**', 'log/**', '.spindle/**', 'bench-data/**', 'integration/fixtures/cli-syntax-error.ts'],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Gateway methods and ports are async by contract even when an implementation has nothing to
      // await: a synchronous throw then still reaches the caller as a rejected promise.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Job bundles import the user API, and slot workers must not load gRPC: the user API takes the
    // runtime's in-process entry only.
    files: ['packages/datastream/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: '@spindle/runtime', message: "Import '@spindle/runtime/in-process': slot workers must not load gRPC." }] },
      ],
    },
  },
  {
    // Tests read JSON answers of REST and of processes: untyped by nature.
    files: ['**/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    // Job files (examples, test fixtures) are bundled by the CLI and belong to no tsconfig project.
    files: ['examples/**/*.ts', 'integration/fixtures/**/*.ts', 'scripts/**/*.ts'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['**/*.{js,mjs}'],
    languageOptions: { globals: globals.node },
  },
  {
    // The dashboard's modules run in the browser.
    files: ['packages/rest/web/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
);
