import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'test/output/**',
      'test/fixtures/**',
      'samples/**',
      'bench/data/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // DuckDB's classes come from one copy, the build's bundle (src/store/duckdb.ts): a value
    // imported from the package is another copy's, and `instanceof` between the two fails.
    files: ['src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@duckdb/node-api',
              message: "take DuckDB's classes from src/store/duckdb.ts (types may be imported)",
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
