import { MAX_RATE_LIMIT, MIN_RATE_LIMIT } from '../../../lambdas/domain/rate-limit';
import * as portal from '../../../portal/src/rate-limit';

test("the portal's bounds are the API's", () => {
  expect([portal.MIN_RATE_LIMIT, portal.MAX_RATE_LIMIT]).toEqual([MIN_RATE_LIMIT, MAX_RATE_LIMIT]);
});

test('an empty field is no limit (null, which removes one), a whole number in range is the limit', () => {
  expect(portal.parseRateLimit('')).toEqual({ value: null });
  expect(portal.parseRateLimit('   ')).toEqual({ value: null });
  expect(portal.parseRateLimit('20')).toEqual({ value: 20 });
  expect(portal.parseRateLimit(' 1 ')).toEqual({ value: 1 });
  expect(portal.parseRateLimit('10000')).toEqual({ value: 10_000 });
  expect(portal.parseRateLimit('007')).toEqual({ value: 7 });
});

test.each(['0', '10001', '99999999999999999999'])('refuses %s as out of range', (text) => {
  expect(portal.parseRateLimit(text)).toEqual({ error: 'Enter 1 to 10,000 deliveries per second, or leave it empty for no limit.' });
});

test.each(['-5', '2.5', '1e3', '20/s', 'abc', '0x10', '1,000'])('refuses %s as not a whole number', (text) => {
  expect(portal.parseRateLimit(text)).toEqual({ error: 'Enter a whole number of deliveries per second (1 to 10,000), or leave it empty for no limit.' });
});

test('shows a limit in the field and in words', () => {
  expect(portal.rateLimitText(undefined)).toBe('');
  expect(portal.rateLimitText(250)).toBe('250');
  expect(portal.rateLimitLabel(undefined)).toBe('No limit');
  expect(portal.rateLimitLabel(1)).toBe('1 delivery per second');
  expect(portal.rateLimitLabel(10_000)).toBe('10,000 deliveries per second');
});
