// How a delivery and a log page are laid out as items. A delivery is written once per attempt
// and is the bulk of the table's writes, so it is kept small: the body and the attempts (which
// repeat the delivery's own ids) are stored together, deflated, in one binary attribute; what
// conditions and filters need stays as plain attributes.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { LogEntry } from '../delivery/delivery-store';
import type { Attempt, Delivery } from '../domain/model';
import type { FlatItem } from './dynamodb-table';
import { keys, TTL } from './table-keys';

/** An attempt as stored inside its delivery: without the ids it shares with it. */
type StoredAttempt = Omit<Attempt, 'deliveryId' | 'accountId' | 'endpointId' | 'eventId' | 'eventType'>;

interface DeliveryDocument {
  readonly body: string;
  readonly attempts: readonly StoredAttempt[];
}

/** The dispatcher's claim on a pending delivery's next attempt (see DeliveryStore.claimAttempt). */
export interface ClaimAttributes {
  readonly claimedAttempt?: number;
  readonly claimExpiresAt?: number;
}

export function deliveryItem(delivery: Delivery, expiresAt: number, claim: ClaimAttributes = {}): FlatItem {
  const { body, attempts, ...attributes } = delivery;
  const document: DeliveryDocument = {
    body,
    attempts: attempts.map(({ deliveryId: _d, accountId: _a, endpointId: _e, eventId: _i, eventType: _t, ...rest }) => rest),
  };
  return {
    ...keys.delivery(delivery.deliveryId),
    ...attributes,
    ...claim,
    doc: deflateDocument(Buffer.from(JSON.stringify(document), 'utf8')),
    [TTL]: expiresAt,
  };
}

/**
 * Raw deflate at the default level with a window just large enough for the whole document (and
 * a hash table to match): every match the default 32 KB window finds is still found, so the
 * output is as small, but zlib sets up a few KB per call instead of about 256 KB. A document
 * is written once per attempt, so that set-up was most of the codec's cost. inflateRaw reads
 * any window size up to its default.
 */
export function deflateDocument(text: Buffer): Buffer {
  // Matches reach back at most the window minus 262 bytes (zlib's MIN_LOOKAHEAD).
  const windowBits = Math.max(9, Math.min(15, Math.ceil(Math.log2(text.length + 262))));
  return deflateRawSync(text, { windowBits, memLevel: Math.max(1, Math.min(8, windowBits - 7)) });
}

/** A stored delivery item back as the domain record (keys, TTL and claim left behind). */
export function deliveryFromItem(item: Record<string, unknown>): Delivery {
  const { doc, pk: _pk, sk: _sk, [TTL]: _ttl, claimedAttempt: _c, claimExpiresAt: _x, ...attributes } = item;
  const document = JSON.parse(inflateRawSync(doc as Uint8Array).toString('utf8')) as DeliveryDocument;
  const delivery = attributes as unknown as Omit<Delivery, 'body' | 'attempts'>;
  const shared = {
    deliveryId: delivery.deliveryId,
    accountId: delivery.accountId,
    endpointId: delivery.endpointId,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
  };
  return { ...delivery, body: document.body, attempts: document.attempts.map((attempt) => ({ ...shared, ...attempt })) };
}

/** Log entries as one text attribute, a line each: `deliveryId endpointId eventType attempt created`. */
export function encodeLogEntries(entries: readonly LogEntry[]): string {
  return entries
    .map((entry) => [entry.deliveryId, entry.endpointId, entry.eventType || '-', entry.attempt, entry.created ? 1 : 0].join(' '))
    .join('\n');
}

export function decodeLogEntries(text: string): LogEntry[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [deliveryId = '', endpointId = '', eventType = '-', attempt = '0', created = '0'] = line.split(' ');
      return { deliveryId, endpointId, eventType: eventType === '-' ? '' : eventType, attempt: Number(attempt), created: created === '1' };
    });
}
