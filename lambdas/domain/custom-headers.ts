// The headers an account adds to every attempt to an endpoint (an Authorization or a routing header
// its gateway demands). They may not replace what the service sends or how HTTP frames the request.

export const MAX_CUSTOM_HEADERS = 10;
export const MAX_CUSTOM_HEADER_VALUE_BYTES = 1024;

/** RFC 9110 token characters. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,256}$/;
/** Visible ASCII, spaces and tabs: no CR, LF, NUL or other control characters (no header injection). */
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;

/** Set by the service on every attempt, or by HTTP itself (hop-by-hop, framing). Lower case. */
const RESERVED_NAMES = new Set([
  'host',
  'content-length',
  'content-type',
  'content-encoding',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'user-agent',
]);
const RESERVED_PREFIXES = ['x-georedir-', 'webhook-'];

/** Why a header name may not be used, or undefined when it may. */
export function customHeaderNameProblem(name: string): string | undefined {
  if (!HEADER_NAME.test(name)) return 'must be an HTTP token: letters, digits and !#$%&\'*+-.^_`|~';
  const lower = name.toLowerCase();
  if (RESERVED_NAMES.has(lower)) return 'is set by the service or by HTTP itself and cannot be replaced';
  if (RESERVED_PREFIXES.some((prefix) => lower.startsWith(prefix))) return 'X-GeoRedir-* and webhook-* headers are the service\'s own';
  return undefined;
}

/** Why a header value may not be used, or undefined when it may. */
export function customHeaderValueProblem(value: string): string | undefined {
  if (!HEADER_VALUE.test(value)) return 'may hold only visible ASCII characters, spaces and tabs (no CR, LF or NUL)';
  if (Buffer.byteLength(value, 'utf8') > MAX_CUSTOM_HEADER_VALUE_BYTES) return `must be at most ${MAX_CUSTOM_HEADER_VALUE_BYTES} bytes`;
  return undefined;
}

/** Problems with a whole set of headers: a bad name or value, two names differing only in case, too many. */
export function customHeadersProblems(headers: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(headers)) {
    const nameProblem = customHeaderNameProblem(name);
    if (nameProblem) problems.push(`${name} ${nameProblem}`);
    const valueProblem = customHeaderValueProblem(value);
    if (valueProblem) problems.push(`the value of ${name} ${valueProblem}`);
    if (seen.has(name.toLowerCase())) problems.push(`${name} is named twice (header names ignore case)`);
    seen.add(name.toLowerCase());
  }
  if (seen.size > MAX_CUSTOM_HEADERS) problems.push(`at most ${MAX_CUSTOM_HEADERS} headers, got ${seen.size}`);
  return problems;
}

/**
 * Applies a PATCH (JSON merge patch: a value sets the header, null removes it) to the stored
 * headers; names match whatever their case.
 */
export function mergeCustomHeaders(
  stored: Readonly<Record<string, string>> | undefined,
  patch: Readonly<Record<string, string | null>>,
): Record<string, string> {
  const merged = new Map(Object.entries(stored ?? {}).map(([name, value]) => [name.toLowerCase(), { name, value }]));
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) merged.delete(name.toLowerCase());
    else merged.set(name.toLowerCase(), { name, value });
  }
  return Object.fromEntries([...merged.values()].map(({ name, value }) => [name, value]));
}

/** What answers show of a value: never the whole of it; the last 4 characters of a long one, to tell keys apart. */
export function maskHeaderValue(value: string): string {
  return value.length >= 16 ? `****${value.slice(-4)}` : '****';
}
