// The delivery body: the exact bytes every endpoint receives and every signature covers.

/** `2026-02-25T14:30:00Z`: UTC, whole seconds, as in the guide. */
export function formatTimestamp(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('formatTimestamp: invalid date');
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * `JSON.stringify({event, timestamp, data})`, keys in that order and no whitespace. JSON.stringify
 * output is a fixed point of parse+stringify, which the guide's Node receiver relies on: it
 * re-serialises the parsed body before verifying the signature.
 */
export function buildDeliveryBody(eventType: string, timestamp: string, data: unknown): string {
  // JSON.stringify silently drops an undefined property, which would ship a body without `data`.
  if (data === undefined) throw new TypeError('buildDeliveryBody: data is required');
  return JSON.stringify({ event: eventType, timestamp, data });
}
