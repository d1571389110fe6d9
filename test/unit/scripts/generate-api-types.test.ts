// The API types the portal and the CLIs use are generated from the OpenAPI document and committed:
// this fails when a route or a schema changed and `npm run generate:api-types` was not run. The
// generator runs as its own process: jest cannot load openapi-typescript's ES modules on Node 20.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// Type-only, so erased at run time: it type-checks the generator with the tests and ties the command below to it.
import type { GENERATE_COMMAND } from '../../../scripts/generate-api-types';

const ROOT = join(__dirname, '..', '..', '..');
const COMMITTED = join(ROOT, 'portal', 'src', 'generated', 'api-schema.ts');
const COMMAND: typeof GENERATE_COMMAND = 'npm run generate:api-types';

/** `generate-api-types --check`: its exit code and what it said. */
function check(...args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'generate-api-types.ts'), '--check', ...args], { cwd: ROOT }, (error, _stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
    );
  });
}

let directory: string;
beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'api-types-'));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

test('the committed API types are what the current OpenAPI document generates', async () => {
  const { code, stderr } = await check();
  // The generator's own words name the file and the command to run.
  if (code !== 0) throw new Error(stderr.trim() || `generate-api-types --check exited with ${code}`);
});

test('a file that differs fails the check, naming the command to run', async () => {
  const stale = join(directory, 'api-schema.ts');
  copyFileSync(COMMITTED, stale);
  writeFileSync(stale, '// edited by hand\n', { flag: 'a' });
  const { code, stderr } = await check('--file', stale);
  expect(code).toBe(1);
  expect(stderr).toContain(COMMAND);
});
