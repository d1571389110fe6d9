// Builds the customer portal into its three static files: app.js and app.css, bundled and minified
// by esbuild from portal/src, and index.html naming their versions (so browsers may cache the files
// for good). Runs in-process with esbuild's build API whenever the CDK app bundles the management
// function (lib/constructs/portal-bundling.ts); there is no other build step.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { buildSync } from 'esbuild';
import { assetVersion, PORTAL_FILE_NAMES, type PortalFile } from '../lambdas/api/portal-assets';
import { USER_AGENT } from '../lambdas/shared/version';

/** The page's template: `{{app.js}}` and `{{app.css}}` become the files' versions. */
const INDEX_TEMPLATE = join(__dirname, 'index.html');
const ENTRY = join(__dirname, 'src', 'main.ts');

/** Browsers of the last few years; esbuild lowers newer syntax to this. */
export const PORTAL_TARGETS = ['chrome109', 'edge109', 'firefox115', 'safari15.6'];

export interface BuiltPortal {
  readonly directory: string;
  /** Size of each file in bytes. */
  readonly bytes: Readonly<Record<PortalFile, number>>;
}

export function buildPortal(directory: string): BuiltPortal {
  const result = buildSync({
    entryPoints: { app: ENTRY },
    outdir: directory,
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: PORTAL_TARGETS,
    charset: 'utf8',
    // Licence banners of the bundled libraries stay, gathered at the end of the file.
    legalComments: 'eof',
    // A delivery's headers show the User-Agent the service sends.
    define: { __GEOREDIR_USER_AGENT__: JSON.stringify(USER_AGENT) },
    write: false,
    logLevel: 'silent',
  });
  const outputs = new Map(result.outputFiles.map((file) => [basename(file.path), Buffer.from(file.contents)]));
  const expected = PORTAL_FILE_NAMES.filter((file) => file !== 'index.html');
  const names = [...outputs.keys()].sort();
  if (names.join() !== [...expected].sort().join()) {
    // The function serves an allow-list; a file it does not know would be a broken page.
    throw new Error(`portal build: expected ${expected.join(', ')}, esbuild wrote ${names.join(', ')}`);
  }
  const index = readFileSync(INDEX_TEMPLATE, 'utf8').replace(/\{\{(app\.js|app\.css)\}\}/g, (_, file: string) => assetVersion(outputs.get(file)!));
  outputs.set('index.html', Buffer.from(index, 'utf8'));

  mkdirSync(directory, { recursive: true });
  const bytes = {} as Record<PortalFile, number>;
  for (const file of PORTAL_FILE_NAMES) {
    const content = outputs.get(file)!;
    writeFileSync(join(directory, file), content);
    bytes[file] = content.length;
  }
  return { directory, bytes };
}
