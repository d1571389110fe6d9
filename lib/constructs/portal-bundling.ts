// Puts the customer portal's files next to the management function's bundle. esbuild builds them
// in-process (portal/build.ts), once per synth and only when the stack is bundled, and the
// function's afterBundling hook copies them into its asset as portal/, where the handler reads
// them on the first /portal request. They are not imported, so the handler's bundle is unchanged.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import type { ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { PORTAL_DIRECTORY, PORTAL_FILE_NAMES } from '../../lambdas/api/portal-assets';
import { buildPortal } from '../../portal/build';

let builtDirectory: string | undefined;

/** The built files, in a temporary folder removed when the process ends; built on the first call. */
export function builtPortal(): string {
  if (builtDirectory === undefined) {
    const directory = mkdtempSync(join(tmpdir(), 'georedir-portal-'));
    process.once('exit', () => rmSync(directory, { recursive: true, force: true }));
    buildPortal(directory);
    builtDirectory = directory;
  }
  return builtDirectory;
}

/**
 * Command hooks for the management function's bundling. The hooks are also asked for the Docker
 * form of the command when the function is defined; the build runs only for a stack that is bundled
 * (`cdk synth --exclusively` and the infra tests' skip leave it out).
 */
export function portalCommandHooks(scope: Construct): ICommandHooks {
  const source = Stack.of(scope).bundlingRequired ? builtPortal() : undefined;
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir, outputDir) => {
      if (source === undefined) return [];
      const target = join(outputDir, PORTAL_DIRECTORY);
      return [`mkdir -p ${shellQuote(target)}`, `cp ${PORTAL_FILE_NAMES.map((file) => shellQuote(join(source, file))).join(' ')} ${shellQuote(target)}`];
    },
  };
}

/** One POSIX shell word, whatever the path holds. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
