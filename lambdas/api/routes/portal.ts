// The customer portal: a static page and its two files, public (the page authenticates its own
// API calls with the token from its link). They are files, not API operations, so the OpenAPI
// document leaves them out.
import * as z from '../../shared/zod';
import { type ApiResponse, notFound } from '../errors';
import { type PortalAssets, type PortalFile } from '../portal-assets';
import { portalSecurityHeaders } from '../portal-headers';
import { defineFileRoute, type Route } from '../router';

const TAG = 'Portal';
/** `?v=` names the file's version (index.html asks for it so); other parameters are ignored. */
const AssetQuery = z.object({ v: z.optional(z.string().check(z.maxLength(64))) });

export interface PortalRouteOptions {
  /** Undefined or answering undefined: this build has no portal, every route answers 404. */
  readonly assets: PortalAssets | undefined;
  /** The frame-ancestors sources, already checked (portal-headers.ts parseFrameAncestors). */
  readonly frameAncestors: string;
}

export function portalRoutes(options: PortalRouteOptions): Route[] {
  const serve = async (file: PortalFile, headers: Readonly<Record<string, string>>, version: string | undefined): Promise<ApiResponse> => {
    const asset = await options.assets?.(file);
    if (!asset) throw notFound('The portal is not part of this build');
    // The page is tiny and names the current files' versions: never reuse an old one. A file asked
    // for by its current version never changes; any other request revalidates.
    const cacheControl = file === 'index.html' ? 'no-store' : version === asset.version ? 'public, max-age=31536000, immutable' : 'no-cache';
    const gzip = /\bgzip\b/i.test(headers['accept-encoding'] ?? '');
    return {
      statusCode: 200,
      headers: {
        'content-type': asset.contentType,
        'cache-control': cacheControl,
        vary: 'accept-encoding',
        ...(gzip ? { 'content-encoding': 'gzip' } : {}),
        ...portalSecurityHeaders(options.frameAncestors),
      },
      body: (gzip ? asset.gzipped : asset.body).toString('base64'),
      isBase64Encoded: true,
    };
  };
  return [
    defineFileRoute({
      path: '/portal',
      operationId: 'portalPage',
      summary: 'The customer portal page (open it from a portal link: /portal#token=...)',
      tag: TAG,
      query: AssetQuery,
      handle: async ({ headers }) => serve('index.html', headers, undefined),
    }),
    ...(['app.js', 'app.css'] as const).map((file) =>
      defineFileRoute({
        path: `/portal/${file}`,
        operationId: `portal_${file.replace('.', '_')}`,
        summary: `The portal's ${file}`,
        tag: TAG,
        query: AssetQuery,
        handle: async ({ headers, query }) => serve(file, headers, query.v),
      }),
    ),
  ];
}
