// The portal's files reach the management function's asset through its bundling hooks: built once,
// only for a stack that is bundled, and copied with commands that survive any path.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { PORTAL_DIRECTORY, PORTAL_FILE_NAMES } from '../../../lambdas/api/portal-assets';
import { builtPortal, portalCommandHooks } from '../../../lib/constructs/portal-bundling';

const stackIn = (context: Record<string, unknown>) => new Stack(new App({ context }), 'Portal');

test('a bundled stack copies the three built files into the asset folder, whatever its path holds', () => {
  const hooks = portalCommandHooks(stackIn({}));
  expect(hooks.beforeBundling('/in', '/out')).toEqual([]);
  expect(hooks.beforeInstall('/in', '/out')).toEqual([]);
  const outputDir = join(mkdtempSync(join(tmpdir(), 'portal-hooks-')), "asset with 'quote' and space");
  mkdirSync(outputDir);
  try {
    for (const command of hooks.afterBundling('/in', outputDir)) execFileSync('bash', ['-c', command]);
    expect(readdirSync(join(outputDir, PORTAL_DIRECTORY)).sort()).toEqual([...PORTAL_FILE_NAMES].sort());
    for (const file of PORTAL_FILE_NAMES) {
      expect(readFileSync(join(outputDir, PORTAL_DIRECTORY, file))).toEqual(readFileSync(join(builtPortal(), file)));
    }
  } finally {
    rmSync(join(outputDir, '..'), { recursive: true, force: true });
  }
});

test('the portal is built once per process', () => {
  expect(builtPortal()).toBe(builtPortal());
  expect(existsSync(join(builtPortal(), 'index.html'))).toBe(true);
});

test('a stack left out of bundling (cdk synth --exclusively, skipped in tests) copies nothing', () => {
  const hooks = portalCommandHooks(stackIn({ 'aws:cdk:bundling-stacks': [] }));
  expect(hooks.afterBundling('/in', '/asset-output')).toEqual([]);
});
