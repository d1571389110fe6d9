// What `npm start` prints about its outputs: where the API key is and its prefix, never the key.
import { join } from 'node:path';
import type { LocalOutputs } from '../../../local/outputs';
import { outputsLine } from '../../../local/start';

describe('outputsLine', () => {
  const apiKey = 'grw_AbCdEfGh0123456789abcdefghijklmnopqrstuvwxyzAB';
  const outputs = { accountId: 'acct_1', apiKey } as LocalOutputs;

  it('names the file (relative inside the working directory) and the key prefix only', () => {
    const line = outputsLine({ outputs, outputsPath: '/repo/.local/outputs.json' }, '/repo');
    expect(line).toBe('[local] outputs in .local/outputs.json: account acct_1, API key grw_AbCdEfGh... (the full key is the file\'s "apiKey")');
    expect(line).not.toContain(apiKey.slice(12));
  });

  it('keeps an absolute path outside the working directory', () => {
    const outputsPath = join('/tmp', 'run-1', 'outputs.json');
    expect(outputsLine({ outputs, outputsPath }, '/repo')).toContain(`outputs in ${outputsPath}:`);
  });
});
