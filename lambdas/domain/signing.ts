// Secrets and signatures. X-GeoRedir-Signature is the guide's contract (hex HMAC with the whole
// secret string as key); webhook-* headers follow Standard Webhooks v1 so stock libraries verify.
import { createHmac, randomBytes } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;

/** `whsec_` + base64 of `byteLength` random bytes (Standard Webhooks secret format). */
export function generateSecret(byteLength = 32): string {
  if (!Number.isInteger(byteLength) || byteLength < MIN_SECRET_BYTES || byteLength > MAX_SECRET_BYTES) {
    throw new RangeError(`generateSecret: byteLength must be an integer from ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES}, got ${byteLength}`);
  }
  return SECRET_PREFIX + randomBytes(byteLength).toString('base64');
}

/** Lowercase hex HMAC-SHA256 of the body, keyed with the whole secret string as UTF-8. */
export function signBody(secret: string, body: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(body, 'utf8').digest('hex');
}

/** The key Standard Webhooks uses: the base64-decoded part after `whsec_`. */
export function standardWebhookKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0) throw new Error('standardWebhookKey: the secret holds no base64 key material');
  return key;
}

/** `v1,<base64 HMAC-SHA256(key, "${webhookId}.${timestampSeconds}.${body}")>` */
export function standardWebhookSignature(secret: string, webhookId: string, timestampSeconds: number, body: string): string {
  assertUnixSeconds(timestampSeconds);
  const mac = createHmac('sha256', standardWebhookKey(secret))
    .update(`${webhookId}.${timestampSeconds}.${body}`, 'utf8')
    .digest('base64');
  return `v1,${mac}`;
}

export interface DeliveryHeadersInput {
  readonly body: string;
  readonly eventType: string;
  readonly deliveryId: string;
  /** 1 for the first try, 2 for the first retry, ... */
  readonly attempt: number;
  /** Unix seconds of this attempt. */
  readonly timestampSeconds: number;
  readonly secret: string;
  /** Secrets that keep signing webhook-signature during a rotation (the previous secret). */
  readonly additionalSecrets?: readonly string[];
  /** `GeoRedir-Webhooks/<version>` */
  readonly userAgent: string;
  /** Marks sends from `POST /v1/endpoints/{id}/test`. */
  readonly test?: boolean;
}

export function buildDeliveryHeaders(input: DeliveryHeadersInput): Record<string, string> {
  if (!Number.isInteger(input.attempt) || input.attempt < 1) {
    throw new RangeError(`buildDeliveryHeaders: attempt must be a positive integer, got ${input.attempt}`);
  }
  assertUnixSeconds(input.timestampSeconds);
  const secrets = [...new Set([input.secret, ...(input.additionalSecrets ?? [])])];
  const timestamp = String(input.timestampSeconds);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': input.userAgent,
    'X-GeoRedir-Signature': signBody(input.secret, input.body),
    'X-GeoRedir-Event': input.eventType,
    'X-GeoRedir-Delivery': input.deliveryId,
    'X-GeoRedir-Attempt': String(input.attempt),
    'X-GeoRedir-Timestamp': timestamp,
    'webhook-id': input.deliveryId,
    'webhook-timestamp': timestamp,
    'webhook-signature': secrets
      .map((secret) => standardWebhookSignature(secret, input.deliveryId, input.timestampSeconds, input.body))
      .join(' '),
  };
  if (input.test === true) headers['X-GeoRedir-Test'] = 'true';
  return headers;
}

function assertUnixSeconds(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`timestamp must be whole unix seconds, got ${value}`);
  }
}
