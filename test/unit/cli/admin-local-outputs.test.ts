// Which local run the admin CLI talks to: the outputs.json `npm start` wrote, found by the same
// rule as `npm run emit` (LOCAL_OUTPUT_DIR when set, else .local), unless --outputs names a file.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, resolveTable, type TableTarget } from '../../../cli/admin';
import { writeLocalOutputs } from '../../../local/outputs';
import { SAMPLE_LOCAL_OUTPUTS, scratchDirPerTest } from '../../support/local-outputs-fixture';

describe('admin CLI and the local run outputs', () => {
  const scratch = scratchDirPerTest('admin-outputs-');
  const opened: TableTarget[] = [];
  afterEach(() => {
    for (const target of opened.splice(0)) {
      target.client.destroy();
      target.ruleDeadLetterQueue?.client.destroy();
    }
  });

  const resolveWith = async (env: NodeJS.ProcessEnv, ...argv: string[]) => {
    const target = await resolveTable(parseArgs(['list-accounts', ...argv]), { cwd: scratch.path, env });
    opened.push(target);
    return target;
  };

  /** Two local runs: the default one in <cwd>/.local, another in a LOCAL_OUTPUT_DIR. */
  const twoRuns = () => {
    writeLocalOutputs(join(scratch.path, '.local'), { ...SAMPLE_LOCAL_OUTPUTS, tableName: 'default-run-table' });
    const elsewhere = join(scratch.path, 'elsewhere');
    mkdirSync(elsewhere);
    writeLocalOutputs(elsewhere, {
      ...SAMPLE_LOCAL_OUTPUTS,
      tableName: 'other-run-table',
      apiUrl: 'http://127.0.0.1:3999',
      ruleDeadLetterQueueUrl: 'http://127.0.0.1:4999/000000000000/rule-dlq',
    });
    return elsewhere;
  };

  it('reads $LOCAL_OUTPUT_DIR/outputs.json when LOCAL_OUTPUT_DIR is set, .local/outputs.json otherwise', async () => {
    const elsewhere = twoRuns();
    expect((await resolveWith({})).tableName).toBe('default-run-table');
    const other = await resolveWith({ LOCAL_OUTPUT_DIR: elsewhere });
    expect(other).toMatchObject({ tableName: 'other-run-table', apiUrl: 'http://127.0.0.1:3999' });
    expect(other.ruleDeadLetterQueue?.url).toBe('http://127.0.0.1:4999/000000000000/rule-dlq');
  });

  it('--outputs wins over LOCAL_OUTPUT_DIR, and a missing file names the path it looked at', async () => {
    const elsewhere = twoRuns();
    const named = await resolveWith({ LOCAL_OUTPUT_DIR: elsewhere }, '--outputs', join('.local', 'outputs.json'));
    expect(named.tableName).toBe('default-run-table');
    // Without a rule DLQ URL (a run started before it was written) the listing says why.
    expect(named.ruleDeadLetterQueueNote).toMatch(/names no ruleDeadLetterQueueUrl: restart the local run/);
    const empty = join(scratch.path, 'empty');
    await expect(resolveWith({ LOCAL_OUTPUT_DIR: empty })).rejects.toThrow(`cannot read ${join(empty, 'outputs.json')}: start the local run`);
  });
});
