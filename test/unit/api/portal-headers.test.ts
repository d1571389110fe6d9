import { DEFAULT_FRAME_ANCESTORS, parseFrameAncestors, portalContentSecurityPolicy, portalSecurityHeaders } from '../../../lambdas/api/portal-headers';

describe('parseFrameAncestors', () => {
  it.each([
    [["'none'"], "'none'"],
    [["'self'"], "'self'"],
    [['https://dashboard.georedir.com'], 'https://dashboard.georedir.com'],
    [['https://*.georedir.com', "'self'"], "https://*.georedir.com 'self'"],
    [['http://localhost:5173', "'self'"], "http://localhost:5173 'self'"],
    ["  https://a.example   https://b.example:8443 ", 'https://a.example https://b.example:8443'],
  ] as [string[] | string, string][])('accepts %p', (input, expected) => {
    expect(parseFrameAncestors(input)).toBe(expected);
  });

  it.each([
    [[], /at least one source/],
    [' ', /at least one source/],
    [["'none'", "'self'"], /'none' must be the only source/],
    [['https://a.example; script-src *'], /is not 'none', 'self'/],
    [['https://a.example,https://b.example'], /is not/],
    [['https://a.example/embed'], /is not/],
    [['*'], /is not/],
    [['javascript:'], /is not/],
    [['data:'], /is not/],
    // Bare schemes: any site of the scheme could frame the portal.
    [['https:'], /is not 'none', 'self' or an origin.*bare scheme/],
    [['http:'], /is not/],
    [['https://a.example', 'https:'], /is not/],
    ['https: http:', /is not/],
    [['none'], /is not/],
    [["'unsafe-inline'"], /is not/],
  ] as [string[] | string, RegExp][])('refuses %p', (input, message) => {
    expect(() => parseFrameAncestors(input)).toThrow(message);
  });
});

describe('the portal headers', () => {
  it('allow only our own script, style and API, no base or form targets, and the configured framers', () => {
    expect(portalContentSecurityPolicy("'none'")).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(portalContentSecurityPolicy('https://dashboard.georedir.com')).toMatch(/; frame-ancestors https:\/\/dashboard\.georedir\.com$/);
  });

  it('never send a Referer, never sniff, and say DENY to old browsers only when nobody may frame the page', () => {
    expect(portalSecurityHeaders(DEFAULT_FRAME_ANCESTORS)).toEqual({
      'content-security-policy': portalContentSecurityPolicy(DEFAULT_FRAME_ANCESTORS),
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
    });
    expect(portalSecurityHeaders('https://dashboard.georedir.com')['x-frame-options']).toBeUndefined();
  });
});
