// First contact with an endpoint: until it has answered a delivery with 2xx, nothing is known of
// how fast it answers, and every batch of new events that sends to it inline may be held for as long
// as its answer takes. A burst to a new, slow endpoint took every event-lane invocation at once this
// way (the tenants run: a 4.5 s endpoint held them all for its first answer, and every other
// account's events waited). So a not-yet-proven endpoint gets one batch in the event lane at a time,
// the pilot, claimed on an item of its own; a batch that finds the pilot taken hands its first
// attempts to the retry lane, as for a slow endpoint. The pilot's sends decide: one that finishes
// within the slow mark, whatever its outcome (a 500 in 5 ms holds nobody up), proves the endpoint
// (provenAt); a slow one marks it slow.
import type { Endpoint } from './model';

/** An endpoint seen answering quickly (or 2xx, before provenAt existed) sends inline without a pilot. */
export function isProven(endpoint: Pick<Endpoint, 'lastSuccessAt' | 'provenAt'>): boolean {
  return endpoint.provenAt !== undefined || endpoint.lastSuccessAt !== undefined;
}
