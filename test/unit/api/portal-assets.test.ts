import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { assetVersion, PORTAL_FILE_NAMES, PORTAL_FILES, portalAssetsFrom } from '../../../lambdas/api/portal-assets';

describe('portalAssetsFrom', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'portal-assets-'));
    for (const file of PORTAL_FILE_NAMES) writeFileSync(join(directory, file), `content of ${file}`);
    writeFileSync(join(directory, 'secret.txt'), 'not served');
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('serves the allow-listed files with their type, version and gzipped form', async () => {
    const assets = portalAssetsFrom(directory);
    const script = await assets('app.js');
    expect(script?.contentType).toBe('text/javascript; charset=utf-8');
    expect(script?.body.toString()).toBe('content of app.js');
    expect(gunzipSync(script!.gzipped).toString()).toBe('content of app.js');
    expect(script?.version).toBe(assetVersion('content of app.js'));
    expect(script?.version).toMatch(/^[0-9a-f]{16}$/);
    expect(Object.keys(PORTAL_FILES).sort()).toEqual(['app.css', 'app.js', 'index.html']);
  });

  it('reads the files once, on the first request, and keeps them', async () => {
    const assets = portalAssetsFrom(directory);
    await assets('index.html');
    unlinkSync(join(directory, 'app.css'));
    expect((await assets('app.css'))?.body.toString()).toBe('content of app.css');
  });

  it('answers undefined when the build carries no portal', async () => {
    const assets = portalAssetsFrom(join(directory, 'missing'));
    expect(await assets('index.html')).toBeUndefined();
  });
});
