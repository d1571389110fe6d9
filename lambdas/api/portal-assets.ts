// The customer portal's static files as the management function serves them. esbuild builds them
// at synth time (portal/build.ts) and the bundling copies them next to the handler's bundle
// (lib/constructs/portal-bundling.ts); they are never imported, so the handler's bundle keeps its
// size and cold start, and the files are read once, on the first portal request.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The folder next to the handler's bundle that holds the files. */
export const PORTAL_DIRECTORY = 'portal';

/** Every file the portal has, with its content type: the allow-list; nothing else is ever read. */
export const PORTAL_FILES = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
} as const;
export type PortalFile = keyof typeof PORTAL_FILES;
export const PORTAL_FILE_NAMES = Object.keys(PORTAL_FILES) as PortalFile[];

export interface PortalAsset {
  readonly contentType: string;
  readonly body: Buffer;
  readonly gzipped: Buffer;
  /** What the page appends as `?v=`: a request naming the current version may be cached for good. */
  readonly version: string;
}

/** The file, or undefined when this build carries no portal (the API run from source, in tests). */
export type PortalAssets = (file: PortalFile) => Promise<PortalAsset | undefined>;

/** The first 16 hex digits of the content's SHA-256; the build writes it into index.html. */
export function assetVersion(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex').slice(0, 16);
}

export function portalAssetsFrom(directory: string): PortalAssets {
  let loading: Promise<ReadonlyMap<PortalFile, PortalAsset> | undefined> | undefined;
  return async (file) => {
    loading ??= loadAll(directory).catch((error: unknown) => {
      loading = undefined; // a passing read error must not stick for the instance's lifetime
      throw error;
    });
    return (await loading)?.get(file);
  };
}

async function loadAll(directory: string): Promise<ReadonlyMap<PortalFile, PortalAsset> | undefined> {
  const assets = new Map<PortalFile, PortalAsset>();
  for (const file of PORTAL_FILE_NAMES) {
    let body: Buffer;
    try {
      body = await readFile(join(directory, file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    assets.set(file, { contentType: PORTAL_FILES[file], body, gzipped: gzipSync(body, { level: 9 }), version: assetVersion(body) });
  }
  return assets;
}
