// eslint.config.mjs keeps the product apart from the tooling: a file of lambdas/, lib/ or bin/
// that imports from local/, bench/, chaos/ or cli/ fails `npm run lint`; tooling may import the product.
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
] as const;

const ALLOWED = [
  ['lambdas/api/boundary-probe.ts', "import { newAccountId } from '../domain/ids';\nexport const probe = newAccountId;\n"],
  ['local/boundary-probe.ts', "import { newAccountId } from '../lambdas/domain/ids';\nexport const probe = newAccountId;\n"],
  ['cli/boundary-probe.ts', "import { readLocalOutputs } from '../local/outputs';\nexport const probe = readLocalOutputs;\n"],
] as const;

describe('the product/tooling boundary (eslint.config.mjs)', () => {
  let results: LintMessage[][];

  beforeAll(async () => {
    results = await lintAll([...PRODUCT_IMPORTING_TOOLING, ...ALLOWED]);
  }, 60_000);

  it.each(PRODUCT_IMPORTING_TOOLING.map(([path], index) => [path, index] as const))('fails %s importing tooling', (_path, index) => {
    const messages = restricted(results[index]!);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.message).toContain('must not import tooling from local/, bench/, chaos/ or cli/');
  });

  it.each(ALLOWED.map(([path], index) => [path, PRODUCT_IMPORTING_TOOLING.length + index] as const))('lets %s import what it does', (_path, index) => {
    expect(results[index]!).toEqual([]);
  });
});
