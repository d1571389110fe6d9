import { deliveryIdFor, newAccountId, newEndpointId, newId, retryScheduleName } from '../../../lambdas/domain/ids';

describe('deliveryIdFor', () => {
  it('is dlv_ + 32 hex characters and stable', () => {
    const id = deliveryIdFor('acct_1', 'click:abc123def456', 'ep_1');
    expect(id).toMatch(/^dlv_[0-9a-f]{32}$/);
    expect(deliveryIdFor('acct_1', 'click:abc123def456', 'ep_1')).toBe(id);
  });

  it('differs when any part differs', () => {
    const ids = new Set([
      deliveryIdFor('acct_1', 'evt', 'ep_1'),
      deliveryIdFor('acct_2', 'evt', 'ep_1'),
      deliveryIdFor('acct_1', 'evt2', 'ep_1'),
      deliveryIdFor('acct_1', 'evt', 'ep_2'),
    ]);
    expect(ids.size).toBe(4);
  });

  it('cannot be confused by moving a separator between parts', () => {
    expect(deliveryIdFor('a:b', 'c', 'd')).not.toBe(deliveryIdFor('a', 'b:c', 'd'));
    expect(deliveryIdFor('a|b', 'c', 'd')).not.toBe(deliveryIdFor('a', 'b|c', 'd'));
    expect(deliveryIdFor('ab', '', 'c')).not.toBe(deliveryIdFor('a', 'b', 'c'));
    expect(deliveryIdFor('1:a;', 'b', 'c')).not.toBe(deliveryIdFor('', 'a;1:b', 'c'));
  });
});

describe('random ids', () => {
  it('newEndpointId is ep_ + 26 URL-safe characters', () => {
    expect(newEndpointId()).toMatch(/^ep_[0-9a-z]{26}$/);
  });

  it('newAccountId is acct_ + 26 URL-safe characters', () => {
    expect(newAccountId()).toMatch(/^acct_[0-9a-z]{26}$/);
  });

  it('does not repeat and uses the whole alphabet', () => {
    const ids = Array.from({ length: 2000 }, () => newId('x'));
    expect(new Set(ids).size).toBe(ids.length);
    const seen = new Set(ids.join('').replace(/x_/g, ''));
    expect(seen.size).toBe(32);
  });

  it.each(['', 'EP', 'ep_', 'e p', '1ep'])('refuses prefix %p', (prefix) => {
    expect(() => newId(prefix)).toThrow(/prefix/);
  });
});

describe('retryScheduleName', () => {
  it('names one retry of one delivery, within Scheduler limits', () => {
    const deliveryId = deliveryIdFor('acct_1', 'evt', 'ep_1');
    const name = retryScheduleName(deliveryId, 3);
    expect(name).toBe(`retry-${deliveryId}-3`);
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(/^[0-9a-zA-Z_.-]+$/);
  });

  it('refuses names Scheduler would not accept', () => {
    expect(() => retryScheduleName('dlv_' + 'a'.repeat(60), 2)).toThrow(/not a valid schedule name/);
    expect(() => retryScheduleName('dlv/1', 2)).toThrow(/not a valid schedule name/);
  });

  it.each([0, -1, 2.5])('refuses attempt %p', (attempt) => {
    expect(() => retryScheduleName('dlv_1', attempt)).toThrow(RangeError);
  });
});
