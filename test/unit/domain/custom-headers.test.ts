import { customHeaderNameProblem, customHeadersProblems, customHeaderValueProblem, maskHeaderValue, mergeCustomHeaders } from '../../../lambdas/domain/custom-headers';

describe('custom header names', () => {
  it.each(['Authorization', 'X-Api-Key', 'x-route', "X!#$%&'*+-.^_`|~9"])('accepts the HTTP token %s', (name) => {
    expect(customHeaderNameProblem(name)).toBeUndefined();
  });

  it.each(['', 'X Api', 'X:Api', 'X-Ä', 'X\r\nInjected'])('refuses %j: not an HTTP token', (name) => {
    expect(customHeaderNameProblem(name)).toMatch(/HTTP token/);
  });

  it.each(['Host', 'content-length', 'Transfer-Encoding', 'Connection', 'Keep-Alive', 'TE', 'Upgrade', 'Content-Type', 'User-Agent'])(
    'refuses %s: HTTP or the service sets it',
    (name) => expect(customHeaderNameProblem(name)).toMatch(/set by the service or by HTTP/),
  );

  it.each(['X-GeoRedir-Signature', 'x-georedir-anything', 'webhook-id', 'Webhook-Signature'])("refuses %s: the service's own", (name) => {
    expect(customHeaderNameProblem(name)).toMatch(/service's own/);
  });
});

describe('custom header values', () => {
  it('accepts visible ASCII, spaces and tabs up to 1 KB', () => {
    expect(customHeaderValueProblem('Bearer abc.DEF-123 \t x')).toBeUndefined();
    expect(customHeaderValueProblem('a'.repeat(1024))).toBeUndefined();
  });

  it.each(['a\rb', 'a\nb', 'a\0b', 'a\x7fb', 'é'])('refuses %j: no CR, LF, NUL or other controls', (value) => {
    expect(customHeaderValueProblem(value)).toMatch(/visible ASCII/);
  });

  it('refuses a value over 1 KB', () => expect(customHeaderValueProblem('a'.repeat(1025))).toMatch(/at most 1024 bytes/));
});

describe('a set of custom headers', () => {
  it('refuses more than 10, and a name given twice in different case', () => {
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, index) => [`X-H${index}`, 'v']));
    expect(customHeadersProblems(eleven)).toEqual(['at most 10 headers, got 11']);
    expect(customHeadersProblems({ 'X-A': '1', 'x-a': '2' })).toEqual(['x-a is named twice (header names ignore case)']);
  });

  it('merges a patch: a value sets, null removes, names match whatever their case, others stay', () => {
    expect(mergeCustomHeaders({ Authorization: 'old', 'X-Keep': 'k', 'X-Drop': 'd' }, { authorization: 'new', 'X-Drop': null, 'X-Add': 'a' })).toEqual({
      authorization: 'new',
      'X-Keep': 'k',
      'X-Add': 'a',
    });
    expect(mergeCustomHeaders(undefined, { 'X-A': '1' })).toEqual({ 'X-A': '1' });
  });
});

describe('maskHeaderValue', () => {
  it('never shows a short value; shows the last 4 characters of one of 16 or more', () => {
    expect(maskHeaderValue('short')).toBe('****');
    expect(maskHeaderValue('Bearer 0123456789abcdef')).toBe('****cdef');
  });
});
