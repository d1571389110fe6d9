// A complete .local/outputs.json and a scratch folder per test: shared by the tests of the CLIs
// and of the local run that read or write it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalOutputs } from '../../local/outputs';

export const SAMPLE_LOCAL_OUTPUTS: LocalOutputs = Object.freeze({
  apiUrl: 'http://127.0.0.1:3000',
  awsEndpoint: 'http://127.0.0.1:4566',
  eventBusName: 'bus',
  eventSource: 'georedir',
  region: 'us-east-1',
  accountId: 'acct_1',
  apiKey: 'grw_x',
  tableName: 'table',
  dispatchQueueUrl: 'http://127.0.0.1:4566/000000000000/q',
  retryQueueUrl: 'http://127.0.0.1:4566/000000000000/r',
  stackName: 'Stack',
  awsAccountId: '000000000000',
  pid: 1,
  startedAt: '2026-01-01T00:00:00.000Z',
});

/** A new empty folder for each test, removed after it; read `.path` inside the test. */
export function scratchDirPerTest(prefix = 'outputs-'): { path: string } {
  const dir = { path: '' };
  beforeEach(() => {
    dir.path = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(() => rmSync(dir.path, { recursive: true, force: true }));
  return dir;
}
