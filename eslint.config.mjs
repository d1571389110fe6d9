// One linter for the whole repository: typescript-eslint's recommended rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The product's pattern (see its block below), named so a narrower block can repeat it. */
const PRODUCT_NOT_TOOLING = {
  regex: '^(\\.\\./)+(local|bench|chaos|cli)(/|$)',
  message: 'the product (lambdas/, lib/, bin/, portal/) must not import tooling from local/, bench/, chaos/ or cli/',
};

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
    files: ['lambdas/**', 'lib/**', 'bin/**', 'portal/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [PRODUCT_NOT_TOOLING] }],
    },
  },
  {
    // The delivery path declares its ports (delivery/ports.ts, delivery/delivery-store.ts) and the
    // adapters implement them: it depends on no adapter, so it runs on fakes in unit tests. A later
    // block's options replace an earlier one's, so the product's own pattern is repeated here.
    files: ['lambdas/delivery/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            PRODUCT_NOT_TOOLING,
            {
              regex: '^(\\.\\./)+adapters(/|$)',
              message: 'lambdas/delivery/ declares the ports its adapters implement: it must not import from lambdas/adapters/',
            },
          ],
        },
      ],
    },
  },
  {
    // The portal's browser code runs in a page whose CSP allows no inline code: it stands alone
    // (no Node built-ins, nothing of the server's code) and never turns strings into HTML or code.
    files: ['portal/src/**'],
    languageOptions: {
      globals: { window: 'readonly', document: 'readonly', navigator: 'readonly', location: 'readonly', history: 'readonly', fetch: 'readonly' },
    },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^node:', message: 'portal/src is browser code: no Node built-ins' },
            {
              regex: '^\\.{1,2}/(\\.\\./)*(lambdas|lib|bin|local|bench|chaos|cli|test)(/|$)',
              message: 'portal/src is bundled for the browser on its own: no imports from the server, tooling or tests',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[property.name=/^(innerHTML|outerHTML)$/]", message: 'render with Preact (text is escaped), never through innerHTML' },
        { selector: "CallExpression[callee.property.name='insertAdjacentHTML']", message: 'render with Preact (text is escaped), never through insertAdjacentHTML' },
        { selector: "CallExpression[callee.object.name='document'][callee.property.name=/^write(ln)?$/]", message: 'no document.write' },
        { selector: 'TemplateElement[value.raw=/dangerouslySetInnerHTML/]', message: 'no dangerouslySetInnerHTML: render text, Preact escapes it' },
        { selector: 'TemplateElement[value.raw=/\\sstyle=/]', message: 'no inline style attributes: the CSP forbids them; add a class to styles.css' },
      ],
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
