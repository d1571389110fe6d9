// An endpoint's rate limit as the portal's form field reads and shows it: a whole number of
// deliveries per second, 1 to 10,000 (the API's bounds), and an empty field for no limit.

export const MIN_RATE_LIMIT = 1;
export const MAX_RATE_LIMIT = 10_000;

export type RateLimitInput = { readonly value: number | null; readonly error?: undefined } | { readonly value?: undefined; readonly error: string };

const RANGE = `${MIN_RATE_LIMIT} to ${MAX_RATE_LIMIT.toLocaleString('en-US')}`;

/** The field's text as the API takes it: null (no limit) for an empty field, else a whole number in range. */
export function parseRateLimit(text: string): RateLimitInput {
  const trimmed = text.trim();
  if (trimmed === '') return { value: null };
  // Digits only: "2.5", "1e3" or "20/s" would otherwise be read as some other number.
  if (!/^\d+$/.test(trimmed)) return { error: `Enter a whole number of deliveries per second (${RANGE}), or leave it empty for no limit.` };
  const value = Number(trimmed);
  if (value < MIN_RATE_LIMIT || value > MAX_RATE_LIMIT) return { error: `Enter ${RANGE} deliveries per second, or leave it empty for no limit.` };
  return { value };
}

/** The field's text for a stored limit. */
export function rateLimitText(limit: number | undefined): string {
  return limit === undefined ? '' : String(limit);
}

/** The limit in words, for the endpoint's facts. */
export function rateLimitLabel(limit: number | undefined): string {
  return limit === undefined ? 'No limit' : `${limit.toLocaleString('en-US')} ${limit === 1 ? 'delivery' : 'deliveries'} per second`;
}
