// AccountDirectory: one read of an account and its endpoint list per cache period, both at once.
import { AccountDirectory } from '../../../lambdas/delivery/account-directory';
import type { Account, Endpoint } from '../../../lambdas/domain/model';

const account = { accountId: 'acct_1', webhooksEnabled: true } as Account;
const endpoint = { accountId: 'acct_1', endpointId: 'ep_1' } as Endpoint;

/** A store whose reads finish only when the test says so, recording which started. */
function gatedStore(known: boolean) {
  const started: string[] = [];
  const gates: Array<() => void> = [];
  const gated = <T>(name: string, value: T) => {
    started.push(name);
    return new Promise<T>((resolve) => gates.push(() => resolve(value)));
  };
  return {
    started,
    release: () => gates.splice(0).forEach((open) => open()),
    store: {
      getAccount: () => gated('getAccount', known ? account : undefined),
      listEndpoints: () => gated('listEndpoints', known ? [endpoint] : []),
    },
  };
}

describe('AccountDirectory', () => {
  it('reads the account and its endpoint list at once, not one after the other', async () => {
    const { store, started, release } = gatedStore(true);
    const view = new AccountDirectory(store, 5_000, () => 0).get('acct_1');
    await Promise.resolve();
    expect(started).toEqual(['getAccount', 'listEndpoints']);
    release();
    await expect(view).resolves.toEqual({ account, endpoints: [endpoint] });
  });

  it('gives an unknown account no endpoints', async () => {
    const { store, release } = gatedStore(false);
    const view = new AccountDirectory(store, 5_000, () => 0).get('acct_unknown');
    release();
    await expect(view).resolves.toEqual({ endpoints: [] });
  });

  it('reuses a view until it expires, and does not keep a failed read', async () => {
    let now = 0;
    let reads = 0;
    let fail = true;
    const directory = new AccountDirectory(
      {
        getAccount: async () => {
          reads += 1;
          if (fail) throw new Error('throttled');
          return account;
        },
        listEndpoints: async () => [endpoint],
      },
      5_000,
      () => now,
    );
    await expect(directory.get('acct_1')).rejects.toThrow('throttled');
    fail = false;
    await expect(directory.get('acct_1')).resolves.toEqual({ account, endpoints: [endpoint] });
    now = 4_999;
    await directory.get('acct_1');
    expect(reads).toBe(2);
    now = 5_001;
    await directory.get('acct_1');
    expect(reads).toBe(3);
  });
});
