// The portal's build: three files, the page naming the others' versions, nothing inline.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assetVersion, PORTAL_FILE_NAMES } from '../../../lambdas/api/portal-assets';
import { USER_AGENT } from '../../../lambdas/shared/version';
import { buildPortal } from '../../../portal/build';

let directory: string;
let built: ReturnType<typeof buildPortal>;
beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'portal-build-'));
  built = buildPortal(directory);
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const read = (file: string) => readFileSync(join(directory, file), 'utf8');

test('writes exactly the files the function serves', () => {
  expect(Object.keys(built.bytes).sort()).toEqual([...PORTAL_FILE_NAMES].sort());
  for (const file of PORTAL_FILE_NAMES) expect(built.bytes[file]).toBe(readFileSync(join(directory, file)).length);
});

test('the page loads the bundle and stylesheet by version, relative to itself, with no inline script or style', () => {
  const page = read('index.html');
  expect(page).toContain(`<script src="portal/app.js?v=${assetVersion(readFileSync(join(directory, 'app.js')))}" defer></script>`);
  expect(page).toContain(`<link rel="stylesheet" href="portal/app.css?v=${assetVersion(readFileSync(join(directory, 'app.css')))}">`);
  expect(page.match(/<script/g)).toHaveLength(1);
  expect(page).not.toMatch(/<style|\sstyle=|\son[a-z]+=|javascript:/i);
  expect(page).not.toContain('{{');
});

test('the bundle is minified, carries the service User-Agent, and uses no eval', () => {
  const script = read('app.js');
  expect(script).toContain(JSON.stringify(USER_AGENT));
  expect(script).not.toMatch(/\beval\(|new Function\(/);
  // Minified: long lines (the htm templates keep their own line breaks).
  expect(script.length / script.split('\n').length).toBeGreaterThan(200);
  // uPlot's stylesheet is bundled with the portal's own.
  expect(read('app.css')).toContain('.uplot');
});

test('the same sources build the same bytes (stable asset hashes)', () => {
  const again = mkdtempSync(join(tmpdir(), 'portal-build-'));
  try {
    buildPortal(again);
    for (const file of PORTAL_FILE_NAMES) expect(readFileSync(join(again, file))).toEqual(readFileSync(join(directory, file)));
  } finally {
    rmSync(again, { recursive: true, force: true });
  }
});
