import { AdminError, parseArgs } from '../../../cli/admin';

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
});
