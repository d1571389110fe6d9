// When the local run reuses cdk.out and when it synthesizes again.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { templateIsFresh } from '../../../local/synth';

describe('templateIsFresh', () => {
  let root: string;
  const at = (path: string, seconds: number) => utimesSync(join(root, path), seconds, seconds);

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'synth-fresh-'));
    for (const dir of ['bin', 'lib', 'lambdas/api', 'portal/src', 'cdk.out']) mkdirSync(join(root, dir), { recursive: true });
    for (const file of ['bin/app.ts', 'lib/stack.ts', 'lambdas/api/handler.ts', 'portal/src/main.ts', 'cdk.json', 'cdk.out/Stack.template.json']) {
      writeFileSync(join(root, file), '{}');
    }
    for (const path of ['bin/app.ts', 'bin', 'lib/stack.ts', 'lib', 'lambdas/api/handler.ts', 'lambdas/api', 'lambdas', 'portal/src/main.ts', 'portal/src', 'portal', 'cdk.json']) {
      at(path, 1_000);
    }
    at('cdk.out/Stack.template.json', 2_000);
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('reuses a template newer than every source', () => {
    expect(templateIsFresh(root, join(root, 'cdk.out/Stack.template.json'))).toBe(true);
  });

  it('re-synthesizes when a nested handler, the CDK code or cdk.json changed, or there is no template', () => {
    at('lambdas/api/handler.ts', 3_000);
    expect(templateIsFresh(root, join(root, 'cdk.out/Stack.template.json'))).toBe(false);
    at('lambdas/api/handler.ts', 1_000);
    at('cdk.json', 3_000);
    expect(templateIsFresh(root, join(root, 'cdk.out/Stack.template.json'))).toBe(false);
    expect(templateIsFresh(root, join(root, 'cdk.out/Missing.template.json'))).toBe(false);
  });

  it("re-synthesizes when the portal's sources changed (the synth builds them into the API's asset)", () => {
    at('portal/src/main.ts', 3_000);
    expect(templateIsFresh(root, join(root, 'cdk.out/Stack.template.json'))).toBe(false);
  });
});
