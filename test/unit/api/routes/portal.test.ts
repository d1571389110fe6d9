// The portal's routes through the whole app (route table, app, error mapping), with its files given.
import { gunzipSync, gzipSync } from 'node:zlib';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createManagementApi } from '../../../../lambdas/api/app';
import { assetVersion, type PortalAsset, type PortalAssets, PORTAL_FILES } from '../../../../lambdas/api/portal-assets';
import { testApiDependencies } from '../../../support/api-dependencies';

const FILES: Record<string, string> = { 'index.html': '<!doctype html><title>portal</title>', 'app.js': 'console.log(1)', 'app.css': 'body{}' };
const asset = (file: keyof typeof PORTAL_FILES): PortalAsset => {
  const body = Buffer.from(FILES[file]!);
  return { contentType: PORTAL_FILES[file], body, gzipped: gzipSync(body), version: assetVersion(body) };
};

function app(options: { assets?: PortalAssets; frameAncestors?: string } = {}) {
  return createManagementApi(
    testApiDependencies({
      ...(options.frameAncestors ? { config: { portalFrameAncestors: options.frameAncestors } } : {}),
      ...(options.assets ? { portalAssets: options.assets } : {}),
    }),
  );
}

const request = (path: string, headers: Record<string, string> = {}, method = 'GET') => {
  const [rawPath = '', rawQueryString = ''] = path.split('?');
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers,
    ...(rawQueryString ? { queryStringParameters: Object.fromEntries(new URLSearchParams(rawQueryString)) } : {}),
    requestContext: { http: { method, path: rawPath }, requestId: 'test' },
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
};

const bodyOf = (answer: APIGatewayProxyStructuredResultV2) => {
  const raw = Buffer.from(answer.body ?? '', answer.isBase64Encoded ? 'base64' : 'utf8');
  return (answer.headers?.['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
};

describe('portal routes', () => {
  const handler = app({ assets: async (file) => asset(file) });

  it('serve the page with the strict CSP, no Referer, nosniff and no caching', async () => {
    const answer = await handler(request('/portal'));
    expect(answer.statusCode).toBe(200);
    expect(bodyOf(answer)).toBe(FILES['index.html']);
    expect(answer.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': expect.stringMatching(/^default-src 'none'; script-src 'self'; style-src 'self'; .*frame-ancestors 'none'$/),
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
    });
  });

  it('serve the files gzipped to browsers that accept it, plain otherwise', async () => {
    const zipped = await handler(request('/portal/app.js', { 'accept-encoding': 'gzip, deflate, br' }));
    expect(zipped.headers).toMatchObject({ 'content-encoding': 'gzip', vary: 'accept-encoding', 'content-type': 'text/javascript; charset=utf-8' });
    expect(bodyOf(zipped)).toBe(FILES['app.js']);
    const plain = await handler(request('/portal/app.css'));
    expect(plain.headers?.['content-encoding']).toBeUndefined();
    expect(bodyOf(plain)).toBe(FILES['app.css']);
  });

  it("cache a file for good only when asked for by its current version (the page's ?v=)", async () => {
    const version = assetVersion(FILES['app.js']!);
    expect((await handler(request(`/portal/app.js?v=${version}`))).headers?.['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await handler(request('/portal/app.js?v=0000000000000000'))).headers?.['cache-control']).toBe('no-cache');
    expect((await handler(request('/portal/app.js'))).headers?.['cache-control']).toBe('no-cache');
  });

  it('serve nothing beyond the allow-list, and only GET', async () => {
    for (const path of ['/portal/index.html', '/portal/secret.txt', '/portal/..%2Fhandler.js', '/portal/app.js/x', '/portal/app.js.map']) {
      expect({ path, status: (await handler(request(path))).statusCode }).toEqual({ path, status: 404 });
    }
    expect((await handler(request('/portal', {}, 'POST'))).statusCode).toBe(405);
  });

  it('name the configured framers', async () => {
    const embeddable = app({ assets: async (file) => asset(file), frameAncestors: 'https://dashboard.georedir.com' });
    const answer = await embeddable(request('/portal'));
    expect(answer.headers?.['content-security-policy']).toMatch(/frame-ancestors https:\/\/dashboard\.georedir\.com$/);
    expect(answer.headers?.['x-frame-options']).toBeUndefined();
  });

  it('answer 404 when the build has no portal (the API run from its sources)', async () => {
    const answer = await app()(request('/portal'));
    expect(answer.statusCode).toBe(404);
    expect(JSON.parse(answer.body ?? '')).toEqual({ error: { code: 'not_found', message: 'The portal is not part of this build' } });
  });

  it('stay out of the OpenAPI document', async () => {
    const answer = await handler(request('/v1/openapi.json'));
    const document = JSON.parse(answer.body ?? '') as { paths: Record<string, unknown>; tags: { name: string }[] };
    expect(Object.keys(document.paths).filter((path) => path.startsWith('/portal'))).toEqual([]);
    expect(document.tags.map((tag) => tag.name)).not.toContain('Portal');
  });
});
