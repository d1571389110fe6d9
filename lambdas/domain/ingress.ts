// Validation of what producers publish (see "How producers publish" in README.md): the EventBridge envelope as the rule hands it
// to SQS. Anything invalid is rejected with a reason a person can act on; nothing invalid is delivered.
import { EVENT_TYPES, isEventType, parseEventData, type EventType } from './event-catalogue';
import { buildDeliveryBody, formatTimestamp } from './payload';

export interface IngressEvent {
  readonly accountId: string;
  /** Identity used to deliver the event at most once per endpoint. */
  readonly eventId: string;
  readonly eventType: EventType;
  /** `2026-02-25T14:30:00Z` */
  readonly timestamp: string;
  readonly data: Record<string, unknown>;
  /** The exact body every endpoint receives. */
  readonly body: string;
}

export type ParseIngressResult = { ok: true; event: IngressEvent } | { ok: false; reason: string };

const ACCOUNT_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
/** Printable ASCII without spaces: ids end up in DynamoDB keys and log lines. */
const EVENT_ID_PATTERN = /^[\x21-\x7e]{1,256}$/;

/** Accepts the envelope as an object, or as the JSON text of an SQS message body. */
export function parseIngressEvent(envelope: unknown, expectedSource: string): ParseIngressResult {
  const parsedEnvelope = typeof envelope === 'string' ? parseJson(envelope) : envelope;
  if (!isPlainObject(parsedEnvelope)) return reject('the message is not an EventBridge event (expected a JSON object)');

  const source = parsedEnvelope['source'];
  if (source !== expectedSource) {
    return reject(`source ${describe(source)} is not accepted; expected "${expectedSource}"`);
  }
  const detailType = parsedEnvelope['detail-type'];
  if (!isEventType(detailType)) {
    return reject(`unknown event type ${describe(detailType)} (detail-type); expected one of ${EVENT_TYPES.join(', ')}`);
  }
  const detail = parsedEnvelope['detail'];
  if (!isPlainObject(detail)) return reject('detail must be a JSON object with account_id and data');

  const accountId = detail['account_id'];
  if (typeof accountId !== 'string' || accountId.trim() === '') {
    return reject('detail.account_id is required (a non-blank string)');
  }
  if (!ACCOUNT_ID_PATTERN.test(accountId)) {
    return reject('detail.account_id must be 1-128 characters of letters, digits, "_", "-", "." or ":"');
  }

  if (!('data' in detail) || detail['data'] === undefined) return reject('detail.data is required');
  const parsedData = parseEventData(detailType, detail['data']);
  if (!parsedData.ok) {
    return reject(`detail.data is not a valid ${detailType} payload: ${parsedData.issues.join('; ')}`);
  }

  const explicitId = detail['id'];
  if (explicitId !== undefined && explicitId !== null && (typeof explicitId !== 'string' || !EVENT_ID_PATTERN.test(explicitId))) {
    return reject('detail.id must be 1-256 printable ASCII characters without spaces');
  }
  const givenId = typeof explicitId === 'string' ? explicitId : undefined;
  const eventId = givenId ?? derivedEventId(detailType, parsedData.data) ?? envelopeId(parsedEnvelope['id']);
  if (eventId === undefined) return reject('the event has no identity: no detail.id, no id in the data, no EventBridge id');

  const timestamp = resolveTimestamp(detail['timestamp'], parsedEnvelope['time']);
  if (!timestamp.ok) return timestamp;

  return {
    ok: true,
    event: {
      accountId,
      eventId,
      eventType: detailType,
      timestamp: timestamp.value,
      data: parsedData.data,
      body: buildDeliveryBody(detailType, timestamp.value, parsedData.data),
    },
  };
}

/** The guide tells receivers to use click_id / conversion_id as idempotency keys; so do we. */
function derivedEventId(type: EventType, data: Record<string, unknown>): string | undefined {
  if (type === 'click') return `click:${String(data['click_id'])}`;
  if (type === 'conversion') return `conversion:${String(data['conversion_id'])}`;
  return undefined; // link and alert events carry no field that is unique per occurrence
}

function envelopeId(value: unknown): string | undefined {
  return typeof value === 'string' && EVENT_ID_PATTERN.test(value) ? value : undefined;
}

function resolveTimestamp(
  detailTimestamp: unknown,
  envelopeTime: unknown,
): { ok: true; value: string } | { ok: false; reason: string } {
  if (detailTimestamp !== undefined && detailTimestamp !== null) {
    const date = typeof detailTimestamp === 'string' ? parseIsoDateTime(detailTimestamp) : undefined;
    if (date === undefined) {
      return reject(
        `detail.timestamp ${describe(detailTimestamp)} is not an ISO-8601 date-time with a time zone, such as "2026-02-25T14:30:00Z"`,
      );
    }
    return { ok: true, value: formatTimestamp(date) };
  }
  const date = typeof envelopeTime === 'string' ? parseIsoDateTime(envelopeTime) : undefined;
  if (date === undefined) return reject(`the EventBridge time ${describe(envelopeTime)} is not an ISO-8601 date-time`);
  return { ok: true, value: formatTimestamp(date) };
}

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Strict RFC 3339 / ISO-8601 extended date-time with an explicit zone. Date.parse alone would
 * accept "2026-02-30" (rolling over into March) and zone-less times read in local time.
 */
export function parseIsoDateTime(value: string): Date | undefined {
  const match = ISO_DATE_TIME.exec(value);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zulu, sign, offsetHours, offsetMinutes] = match;
  const fields = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  const [y, mo, d, h, mi, s] = fields;
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  if (d > daysInMonth(y, mo)) return undefined;
  let offsetMs = 0;
  if (zulu === undefined) {
    const oh = Number(offsetHours);
    const om = Number(offsetMinutes);
    if (oh > 23 || om > 59) return undefined;
    offsetMs = (sign === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  const millis = fraction === undefined ? 0 : Number(fraction.padEnd(3, '0').slice(0, 3));
  const utc = new Date(0);
  utc.setUTCFullYear(y, mo - 1, d); // setUTCFullYear keeps years 0-99 literal, unlike Date.UTC
  utc.setUTCHours(h, mi, s, millis);
  return new Date(utc.getTime() - offsetMs);
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

function reject(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return '(missing)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
