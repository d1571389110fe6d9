// .local/outputs.json: written whole, read back, and a clear message when there is none.
import { join } from 'node:path';
import { readLocalOutputs, writeLocalOutputs } from '../../../local/outputs';
import { SAMPLE_LOCAL_OUTPUTS, scratchDirPerTest } from '../../support/local-outputs-fixture';

describe('outputs.json', () => {
  const scratch = scratchDirPerTest();
  const outputs = SAMPLE_LOCAL_OUTPUTS;

  it('round-trips outputs.json and says how to get one when it is missing', () => {
    writeLocalOutputs(scratch.path, outputs);
    expect(readLocalOutputs(scratch.path)).toEqual(outputs);
    expect(() => readLocalOutputs(join(scratch.path, 'none'))).toThrow(/not found.*npm start/);
  });
});
