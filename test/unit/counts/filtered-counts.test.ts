// The `filtered` attribute of a log page: what the dispatcher writes and the counts aggregator reads.
import { keys, PK } from '../../../lambdas/adapters/table-keys';
import { LOG_KEY_PREFIX } from '../../../lambdas/adapters/table-keys';
import { decodeFilteredCounts, encodeFilteredCounts, logPageAccount } from '../../../lambdas/counts/filtered-counts';

test('a line per endpoint with events left out; zeros and nonsense counts are not written', () => {
  const text = encodeFilteredCounts(new Map([['ep_a', 3], ['ep_zero', 0], ['ep_b', 1], ['ep_odd', 1.5], ['ep_minus', -2]]));
  expect(text).toBe('ep_a 3\nep_b 1');
  expect(decodeFilteredCounts(text)).toEqual(new Map([['ep_a', 3], ['ep_b', 1]]));
});

test('nothing to note is the empty text, so no attribute is written', () => {
  expect(encodeFilteredCounts(undefined)).toBe('');
  expect(encodeFilteredCounts(new Map())).toBe('');
  expect(encodeFilteredCounts(new Map([['ep_a', 0]]))).toBe('');
});

test('a text not as written is unreadable as a whole, never half counted', () => {
  for (const text of ['', 'ep_a', 'ep_a 3 4', 'ep_a 3\n', 'ep_a 03', 'ep_a 0', 'ep_a -1', 'ep_a 1e3', ' 3', 'ep_a 3\nep_b x']) {
    expect({ text, counts: decodeFilteredCounts(text) }).toEqual({ text, counts: undefined });
  }
});

test('the log key prefix is the one the table keys use, and a log page key names its account', () => {
  const pk = keys.logPage('acct_1', 7, '2026-11-28T10:00:00.000Z#abc')[PK]!;
  expect(pk.startsWith(LOG_KEY_PREFIX)).toBe(true);
  expect(logPageAccount(pk)).toBe('acct_1');
  expect(logPageAccount(keys.logShard('acct#odd', 0))).toBe('acct#odd');
  expect(logPageAccount(keys.delivery('dlv_1')[PK]!)).toBeUndefined();
  expect(logPageAccount('LOG#acct_1')).toBeUndefined();
  expect(logPageAccount('LOG##3')).toBeUndefined();
});
