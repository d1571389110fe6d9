import { endSession, linkScope, type SessionEnvironment, startSession, TOKEN_STORAGE_KEY } from '../../../portal/src/session';

function environment(hash: string, stored?: string) {
  const items = new Map<string, string>(stored === undefined ? [] : [[TOKEN_STORAGE_KEY, stored]]);
  const replaced: string[] = [];
  const env: SessionEnvironment = {
    location: { hash, pathname: '/portal', search: '' },
    history: { replaceState: (_data, _unused, url) => replaced.push(url) },
    storage: { getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, value), removeItem: (key) => void items.delete(key) },
  };
  return { env, items, replaced };
}

const TOKEN = 'grp_AbCdEf0123456789_-xyz';

describe('startSession', () => {
  it('takes the token from the fragment, removes it from the address bar and keeps it for this tab', () => {
    const { env, items, replaced } = environment(`#token=${TOKEN}`);
    expect(startSession(env)).toEqual({ kind: 'token', token: TOKEN });
    expect(replaced).toEqual(['/portal']);
    expect(items.get(TOKEN_STORAGE_KEY)).toBe(TOKEN);
  });

  it('a new link replaces the token of an earlier one', () => {
    const { env, items } = environment(`#token=${TOKEN}`, 'grp_older_token_0000');
    expect(startSession(env)).toEqual({ kind: 'token', token: TOKEN });
    expect(items.get(TOKEN_STORAGE_KEY)).toBe(TOKEN);
  });

  it('after a reload (no token in the fragment, a page route maybe) uses the kept token', () => {
    const { env, replaced } = environment('#/deliveries?status=failed', TOKEN);
    expect(startSession(env)).toEqual({ kind: 'token', token: TOKEN });
    expect(replaced).toEqual([]);
  });

  it('without a token anywhere, or with one that cannot be ours, there is no session', () => {
    expect(startSession(environment('').env)).toEqual({ kind: 'missing' });
    expect(startSession(environment('#/endpoints').env)).toEqual({ kind: 'missing' });
    const bad = environment('#token=%3Cscript%3E', TOKEN);
    expect(startSession(bad.env)).toEqual({ kind: 'missing' });
    // Even a bad token is taken out of the address bar, and the kept one is not silently reused.
    expect(bad.replaced).toEqual(['/portal']);
    expect(bad.items.has(TOKEN_STORAGE_KEY)).toBe(false);
  });

  it('works where storage is refused or throws (some embedded frames): the token lives in memory only', () => {
    const { env } = environment(`#token=${TOKEN}`);
    expect(startSession({ ...env, storage: undefined })).toEqual({ kind: 'token', token: TOKEN });
    const throwing = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('SecurityError');
      },
      removeItem: () => {
        throw new Error('SecurityError');
      },
    };
    expect(startSession({ ...env, storage: throwing })).toEqual({ kind: 'token', token: TOKEN });
    expect(startSession({ ...environment('').env, storage: throwing })).toEqual({ kind: 'missing' });
  });
});

test('endSession forgets the token', () => {
  const { env, items } = environment('', TOKEN);
  endSession(env);
  expect(items.has(TOKEN_STORAGE_KEY)).toBe(false);
});

describe('linkScope', () => {
  const token = (claims: unknown) => `grp_${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${'s'.repeat(43)}`;

  it("reads the token payload's scope: read links are read-only, everything else manages", () => {
    expect(linkScope(token({ a: 'acct_1', s: 'read', m: 'cli' }))).toBe('read');
    expect(linkScope(token({ a: 'acct_1', s: 'manage' }))).toBe('manage');
    // A payload whose base64url needs padding, and characters - and _.
    expect(linkScope(token({ a: 'acct_1?>>>', s: 'read', n: '~~~~' }))).toBe('read');
  });

  it('counts an unreadable or older token as manage: the API decides anyway', () => {
    for (const candidate of [token({ a: 'acct_1' }), token(null), 'grp_%%%.x', 'grp_bm90IGpzb24.x', 'grw_abc', '']) {
      expect({ candidate, scope: linkScope(candidate) }).toEqual({ candidate, scope: 'manage' });
    }
  });
});
