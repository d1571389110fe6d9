// eslint.config.mjs keeps the product apart from the tooling: a file of lambdas/, lib/, bin/ or
// portal/ that imports from local/, bench/, chaos/ or cli/ fails `npm run lint`; tooling may import
// the product. The portal's browser code also stands alone and never builds HTML or code from strings.
// The delivery path (lambdas/delivery/) declares its ports and imports no adapter.
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const repositoryRoot = join(__dirname, '..', '..');

interface LintMessage {
  ruleId: string | null;
  message: string;
}

// ESLint loads eslint.config.mjs with import(), which jest's module system cannot run: lint in one
// plain Node process, each source as if it were the file at its path (which need not exist).
const LINT_SCRIPT = `
const { ESLint } = require('eslint');
const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const eslint = new ESLint({ cwd: process.cwd() });
Promise.all(cases.map(([filePath, source]) => eslint.lintText(source, { filePath }).then(([report]) => report.messages)))
  .then((results) => process.stdout.write(JSON.stringify(results)));
`;

function lintAll(cases: ReadonlyArray<readonly [path: string, source: string]>): Promise<LintMessage[][]> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['-e', LINT_SCRIPT], { cwd: repositoryRoot, env: { ...process.env, NODE_OPTIONS: '' } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`eslint failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as LintMessage[][]);
    });
    child.stdin!.end(JSON.stringify(cases));
  });
}

const restricted = (messages: LintMessage[]) => messages.filter((message) => message.ruleId === 'no-restricted-imports');

const PRODUCT_IMPORTING_TOOLING = [
  ['lambdas/api/boundary-probe.ts', "import { readLocalOutputs } from '../../local/outputs';\nexport const probe = readLocalOutputs;\n"],
  ['lambdas/domain/boundary-probe.ts', "import type { LocalOutputs } from '../../local/outputs';\nexport type Probe = LocalOutputs;\n"],
  ['lib/boundary-probe.ts', "export { startLocalRun } from '../local/local-run';\n"],
  ['bin/boundary-probe.ts', "import { createAccount } from '../cli/admin';\nexport const probe = createAccount;\n"],
  ['lib/constructs/boundary-probe.ts', "import * as prices from '../../bench/prices';\nexport const probe = prices;\n"],
  ['lambdas/boundary-probe.ts', "import * as chaos from '../chaos/faults';\nexport const probe = chaos;\n"],
  ['portal/boundary-probe.ts', "import { readLocalOutputs } from '../local/outputs';\nexport const probe = readLocalOutputs;\n"],
  ['lambdas/delivery/boundary-probe.ts', "import { readLocalOutputs } from '../../local/outputs';\nexport const probe = readLocalOutputs;\n"],
] as const;

const DELIVERY_IMPORTING_ADAPTERS = [
  ['lambdas/delivery/boundary-probe.ts', "import { createHttpSender } from '../adapters/http-sender';\nexport const probe = createHttpSender;\n"],
  ['lambdas/delivery/boundary-probe.ts', "import type { RetryScheduler } from '../adapters/retry-scheduler';\nexport type Probe = RetryScheduler;\n"],
  ['lambdas/delivery/nested/boundary-probe.ts', "export { DynamoDbDeliveryStore } from '../../adapters/dynamodb-delivery-store';\n"],
] as const;

const ALLOWED = [
  ['lambdas/api/boundary-probe.ts', "import { newAccountId } from '../domain/ids';\nexport const probe = newAccountId;\n"],
  ['local/boundary-probe.ts', "import { newAccountId } from '../lambdas/domain/ids';\nexport const probe = newAccountId;\n"],
  ['cli/boundary-probe.ts', "import { readLocalOutputs } from '../local/outputs';\nexport const probe = readLocalOutputs;\n"],
  ['portal/src/views/boundary-probe.ts', "import { html } from '../components/ui';\nimport { render } from 'preact';\nexport const probe = [html, render];\n"],
  ['lambdas/delivery/boundary-probe.ts', "import { isRetryMessage } from './ports';\nimport { newAccountId } from '../domain/ids';\nexport const probe = [isRetryMessage, newAccountId];\n"],
  ['lambdas/adapters/boundary-probe.ts', "import type { HttpSender } from '../delivery/ports';\nexport type Probe = HttpSender;\n"],
  ['lambdas/dispatcher/boundary-probe.ts', "import { createHttpSender } from '../adapters/http-sender';\nexport const probe = createHttpSender;\n"],
] as const;

/** Browser code that would break the page's isolation or its CSP: each fails with the rule named. */
const PORTAL_BROWSER_CODE = [
  ['portal/src/boundary-probe.ts', "import { readFileSync } from 'node:fs';\nexport const probe = readFileSync;\n", 'no-restricted-imports', 'no Node built-ins'],
  ['portal/src/views/boundary-probe.ts', "import { ENV } from '../../../lambdas/shared/config';\nexport const probe = ENV;\n", 'no-restricted-imports', 'no imports from the server'],
  ['portal/src/boundary-probe.ts', "export function probe(element: HTMLElement, text: string) {\n  element.innerHTML = text;\n}\n", 'no-restricted-syntax', 'never through innerHTML'],
  ['portal/src/boundary-probe.ts', "declare const html: (s: TemplateStringsArray, ...v: unknown[]) => unknown;\nexport const probe = (text: string) => html`<div dangerouslySetInnerHTML=${{ __html: text }} />`;\n", 'no-restricted-syntax', 'no dangerouslySetInnerHTML'],
  ['portal/src/boundary-probe.ts', "declare const html: (s: TemplateStringsArray, ...v: unknown[]) => unknown;\nexport const probe = html`<div style=\"color: red\">x</div>`;\n", 'no-restricted-syntax', 'no inline style attributes'],
  ['portal/src/boundary-probe.ts', "export const probe = (code: string) => new Function(code);\n", 'no-new-func', ''],
] as const;

describe('the product/tooling boundary (eslint.config.mjs)', () => {
  let results: LintMessage[][];

  beforeAll(async () => {
    results = await lintAll([
      ...PRODUCT_IMPORTING_TOOLING,
      ...ALLOWED,
      ...PORTAL_BROWSER_CODE.map(([path, source]) => [path, source] as const),
      ...DELIVERY_IMPORTING_ADAPTERS,
    ]);
  }, 60_000);

  it.each(PRODUCT_IMPORTING_TOOLING.map(([path], index) => [path, index] as const))('fails %s importing tooling', (_path, index) => {
    const messages = restricted(results[index]!);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.message).toContain('must not import tooling from local/, bench/, chaos/ or cli/');
  });

  it.each(ALLOWED.map(([path], index) => [path, PRODUCT_IMPORTING_TOOLING.length + index] as const))('lets %s import what it does', (_path, index) => {
    expect(results[index]!).toEqual([]);
  });

  it.each(PORTAL_BROWSER_CODE.map(([, , rule, message], index) => [rule, message, PRODUCT_IMPORTING_TOOLING.length + ALLOWED.length + index] as const))(
    'fails portal browser code with %s (%s)',
    (rule, message, index) => {
      const found = results[index]!.filter((entry) => entry.ruleId === rule);
      expect(found).toHaveLength(1);
      expect(found[0]!.message).toContain(message);
    },
  );

  it.each(DELIVERY_IMPORTING_ADAPTERS.map(([path], index) => [path, PRODUCT_IMPORTING_TOOLING.length + ALLOWED.length + PORTAL_BROWSER_CODE.length + index] as const))(
    'fails %s importing an adapter',
    (_path, index) => {
      const messages = restricted(results[index]!);
      expect(messages).toHaveLength(1);
      expect(messages[0]!.message).toContain('lambdas/delivery/ declares the ports its adapters implement: it must not import from lambdas/adapters/');
    },
  );
});
