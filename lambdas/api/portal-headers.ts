// The security headers of the customer portal's page and files. The portal holds an account-scoped
// token, so its page runs only our own script and style (no inline code, nothing from elsewhere),
// talks only to this API, never sends a Referer, and may be framed only by the origins the
// deployment names (GeoRedir's dashboard), none by default.

/** `'none'` alone, or a list of `'self'` and origins (`https://*.example.com`). */
export const DEFAULT_FRAME_ANCESTORS = "'none'";

/**
 * On every answer of the API and the portal (app.ts): browsers reach both over HTTPS only for a
 * year, subdomains included, so a token or key never travels in clear after a first visit.
 */
export const STRICT_TRANSPORT_SECURITY = 'max-age=31536000; includeSubDomains';

const KEYWORDS = new Set(["'none'", "'self'"]);
/**
 * An http(s) origin (a leading `*.` and a port allowed): no path, nothing that could end the
 * directive. Never a bare scheme (`https:`): that lets every site of the scheme frame the portal.
 */
const SOURCE = /^https?:\/\/(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::(?:\d{1,5}|\*))?$/i;

export class FrameAncestorsError extends Error {
  override readonly name = 'FrameAncestorsError';
}

/**
 * Checks a frame-ancestors source list and returns it as the directive's value (space separated).
 * Thrown at synth time by the construct and at cold start by the function, so a typo never
 * reaches a browser and a `;` can never smuggle in another directive.
 */
export function parseFrameAncestors(sources: readonly string[] | string): string {
  const list = (typeof sources === 'string' ? sources.split(/\s+/) : [...sources]).map((source) => source.trim()).filter((source) => source !== '');
  if (list.length === 0) throw new FrameAncestorsError(`frame-ancestors needs at least one source, e.g. ${DEFAULT_FRAME_ANCESTORS}`);
  for (const source of list) {
    if (!KEYWORDS.has(source) && !SOURCE.test(source)) {
      throw new FrameAncestorsError(
        `frame-ancestors source ${JSON.stringify(source)} is not 'none', 'self' or an origin (https://dashboard.example.com, https://*.example.com); a bare scheme such as https: would let any site frame the portal`,
      );
    }
  }
  if (list.includes("'none'") && list.length > 1) throw new FrameAncestorsError("frame-ancestors 'none' must be the only source");
  return list.join(' ');
}

export function portalContentSecurityPolicy(frameAncestors: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${frameAncestors}`,
  ].join('; ');
}

/** Headers every portal answer carries (the page and its files alike). */
export function portalSecurityHeaders(frameAncestors: string): Record<string, string> {
  return {
    'content-security-policy': portalContentSecurityPolicy(frameAncestors),
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    // For browsers that predate frame-ancestors; left out when embedding is allowed, since
    // X-Frame-Options cannot name an origin list.
    ...(frameAncestors === DEFAULT_FRAME_ANCESTORS ? { 'x-frame-options': 'DENY' } : {}),
  };
}
