import {
  bearerToken,
  generateAdminKey,
  generateApiKey,
  hashApiKey,
  isAdminKeyPrefix,
  isKeyPrefix,
  isWellFormedAdminKey,
  isWellFormedApiKey,
  visiblePrefix,
} from '../../../lambdas/api/api-keys';

describe('generateApiKey', () => {
  it('makes grw_ + 43 url-safe characters, a 12-character visible prefix and the SHA-256 hash', () => {
    const key = generateApiKey();
    expect(key.apiKey).toMatch(/^grw_[A-Za-z0-9_-]{43}$/);
    expect(key.keyPrefix).toBe(key.apiKey.slice(0, 12));
    expect(key.keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(key.keyHash).toBe(hashApiKey(key.apiKey));
    expect(isWellFormedApiKey(key.apiKey)).toBe(true);
    expect(isKeyPrefix(key.keyPrefix)).toBe(true);
  });

  it('never repeats itself', () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey().apiKey));
    expect(keys.size).toBe(200);
  });

  it('hashes known input as SHA-256 hex', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('key checks', () => {
  it.each([
    ['grw_', false],
    [`grw_${'a'.repeat(31)}`, false],
    [`grw_${'a'.repeat(32)}`, true],
    [`grw_${'a'.repeat(129)}`, false],
    [`gr_${'a'.repeat(40)}`, false],
    [`grw_${'a'.repeat(40)}=`, false],
  ])('isWellFormedApiKey(%s) is %s', (value, expected) => {
    expect(isWellFormedApiKey(value)).toBe(expected);
  });

  it('recognises prefixes', () => {
    expect(isKeyPrefix('grw_AbCd12-_')).toBe(true);
    expect(isKeyPrefix('grw_AbCd123')).toBe(false);
    expect(isKeyPrefix('grw_AbCd1234x')).toBe(false);
    expect(isKeyPrefix('xyz_AbCd1234')).toBe(false);
    expect(visiblePrefix('grw_AbCd1234rest')).toBe('grw_AbCd1234');
  });

  it.each([
    [undefined, undefined],
    ['Bearer abc', 'abc'],
    ['bearer   abc  ', 'abc'],
    ['BEARER abc', 'abc'],
    ['Basic abc', undefined],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
  ])('bearerToken(%s) is %s', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});

describe('admin keys', () => {
  it('are gra_ + 43 url-safe characters with a 12-character prefix, and never pass as API keys (or the reverse)', () => {
    const key = generateAdminKey();
    expect(key.key).toMatch(/^gra_[A-Za-z0-9_-]{43}$/);
    expect(key.keyPrefix).toBe(key.key.slice(0, 12));
    expect(key.keyHash).toBe(hashApiKey(key.key));
    expect(isWellFormedAdminKey(key.key)).toBe(true);
    expect(isAdminKeyPrefix(key.keyPrefix)).toBe(true);
    expect(isWellFormedApiKey(key.key)).toBe(false);
    expect(isKeyPrefix(key.keyPrefix)).toBe(false);
    const apiKey = generateApiKey();
    expect(isWellFormedAdminKey(apiKey.apiKey)).toBe(false);
    expect(isAdminKeyPrefix(apiKey.keyPrefix)).toBe(false);
  });
});
