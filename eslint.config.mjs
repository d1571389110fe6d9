// One linter for the whole repository: typescript-eslint's recommended rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // The public guide's receiver snippets, verbatim: we test them as customers run them.
    ignores: ['node_modules/', 'cdk.out/', '.cache/', '.local/', 'coverage/', 'test/e2e/receivers/*.js'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // The product (what `cdk deploy` ships) stands alone: tooling may import the product, never the
    // other way round. local/ is the emulation, bench/ and chaos/ measure, cli/ is for operators.
    files: ['lambdas/**', 'lib/**', 'bin/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(local|bench|chaos|cli)(/|$)',
              message: 'the product (lambdas/, lib/, bin/) must not import tooling from local/, bench/, chaos/ or cli/',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
