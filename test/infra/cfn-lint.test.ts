// AWS's CloudFormation linter on the synthesized template (IAM statements, conditions, properties
// the CDK's own checks do not look at): no finding beyond W3005, the DependsOn CDK always writes
// beside a GetAtt of the same role. Runs where `cfn-lint` is installed (pip install cfn-lint);
// elsewhere it says it was skipped.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cdkOut, STACK_NAME } from './synthesized';

/** CDK's role DependsOn next to the function's GetAtt of it: harmless, and CDK writes it. */
const CDK_USUAL = new Set(['W3005']);

const installed = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).status === 0;

interface Finding {
  readonly Rule: { readonly Id: string };
  readonly Message: string;
  readonly Location: { readonly Path: readonly (string | number)[] };
}

(installed ? test : test.skip)('cfn-lint finds nothing in the template beyond CDK\'s usual W3005', () => {
  const template = join(cdkOut, `${STACK_NAME}.template.json`);
  let output: string;
  try {
    output = execFileSync('cfn-lint', ['--format', 'json', template], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    // cfn-lint exits non-zero whenever it finds anything, warnings included: its report is still on stdout.
    output = String((error as { stdout?: unknown }).stdout ?? '');
  }
  const findings = JSON.parse(output) as Finding[];
  const unexpected = findings.filter((finding) => !CDK_USUAL.has(finding.Rule.Id));
  expect(unexpected.map((finding) => `${finding.Rule.Id} ${finding.Location.Path.join('/')}: ${finding.Message}`)).toEqual([]);
}, 300_000);
