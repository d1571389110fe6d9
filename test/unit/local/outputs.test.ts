// .local/outputs.json: written whole, read back, and a clear message when there is none.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalOutputs, readLocalOutputs, writeLocalOutputs } from '../../../local/outputs';

describe('outputs.json', () => {
  let dir: string;
  const outputs: LocalOutputs = {
    apiUrl: 'http://127.0.0.1:3000',
    awsEndpoint: 'http://127.0.0.1:4566',
    eventBusName: 'bus',
    eventSource: 'georedir',
    region: 'us-east-1',
    accountId: 'acct_1',
    apiKey: 'grw_x',
    tableName: 'table',
    dispatchQueueUrl: 'http://127.0.0.1:4566/000000000000/q',
    stackName: 'Stack',
    awsAccountId: '000000000000',
    pid: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'outputs-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips outputs.json and says how to get one when it is missing', () => {
    writeLocalOutputs(dir, outputs);
    expect(readLocalOutputs(dir)).toEqual(outputs);
    expect(() => readLocalOutputs(join(dir, 'none'))).toThrow(/not found.*npm start/);
  });
});
