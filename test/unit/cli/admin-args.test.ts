// The admin CLI's command line: options, and the command itself, refused before any table is read.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AdminError, parseArgs } from '../../../cli/admin';

const repositoryRoot = join(__dirname, '..', '..', '..');

describe('parseArgs', () => {
  it('reads the command, values (spaced or with =) and switches', () => {
    const args = parseArgs(['create-account', '--name', 'Acme Inc', '--max-endpoints=5', '--json']);
    expect(args.command).toBe('create-account');
    expect(Object.fromEntries(args.flags)).toEqual({ name: 'Acme Inc', 'max-endpoints': '5', json: true });
    expect(Object.fromEntries(parseArgs(['x', '--name=a=b']).flags)).toEqual({ name: 'a=b' });
  });

  it('refuses unknown options, missing values and a second command', () => {
    expect(() => parseArgs(['list-accounts', '--force'])).toThrow(new AdminError('unknown option --force'));
    expect(() => parseArgs(['create-key', '--account'])).toThrow('--account needs a value');
    expect(() => parseArgs(['create-key', 'revoke-key'])).toThrow('unexpected argument revoke-key');
  });

  it('names an unknown command and exits non-zero, without looking for a table', async () => {
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'cli/admin.ts', 'frobnicate', '--outputs', 'no-such-file.json'], {
      cwd: repositoryRoot,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    await expect(run).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/^unknown command "frobnicate"\nusage: admin <command>/) });
  }, 30_000);
});
