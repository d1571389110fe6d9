import { attemptHeaders, attemptRecord, bodyFor, secretsInForce } from '../../../lambdas/domain/delivery-request';
import { EVENT_CATALOGUE } from '../../../lambdas/domain/event-catalogue';
import { buildDeliveryBody } from '../../../lambdas/domain/payload';
import { signBody, standardWebhookSignature } from '../../../lambdas/domain/signing';

const NEW = 'whsec_bmV3c2VjcmV0bmV3c2VjcmV0bmV3c2VjcmV0';
const OLD = 'whsec_b2xkc2VjcmV0b2xkc2VjcmV0b2xkc2VjcmV0';
const at = new Date('2026-12-06T12:00:00Z');
const hour = (hours: number) => new Date(at.getTime() + hours * 3_600_000).toISOString();

describe('secretsInForce', () => {
  it('signs with the current secret alone when no rotation is in its grace period', () => {
    expect(secretsInForce({ secret: NEW }, at)).toEqual({ secret: NEW, additionalSecrets: [] });
    expect(secretsInForce({ secret: NEW, previousSecret: { secret: OLD, expiresAt: hour(-1) } }, at)).toEqual({ secret: NEW, additionalSecrets: [] });
  });

  it('after an immediate rotation: the new secret signs X-GeoRedir-Signature, both sign webhook-signature', () => {
    expect(secretsInForce({ secret: NEW, previousSecret: { secret: OLD, expiresAt: hour(24) } }, at)).toEqual({ secret: NEW, additionalSecrets: [OLD] });
  });

  it('before a scheduled switch the previous secret still signs X-GeoRedir-Signature; from the switch on, the new one', () => {
    const endpoint = { secret: NEW, previousSecret: { secret: OLD, expiresAt: hour(25) }, secretActivatesAt: hour(1) };
    expect(secretsInForce(endpoint, at)).toEqual({ secret: OLD, additionalSecrets: [NEW] });
    expect(secretsInForce(endpoint, new Date(hour(1)))).toEqual({ secret: NEW, additionalSecrets: [OLD] });
  });
});

describe('attemptHeaders', () => {
  const input = { body: '{"a":1}', eventType: 'click', deliveryId: 'dlv_1', attempt: 2, at, userAgent: 'GeoRedir-Webhooks/1' };

  it("puts the endpoint's custom headers beside the signed ones", () => {
    const headers = attemptHeaders({ secret: NEW, headers: { Authorization: 'Bearer x', 'X-Route': 'eu' } }, input);
    expect(headers).toMatchObject({ Authorization: 'Bearer x', 'X-Route': 'eu', 'X-GeoRedir-Attempt': '2', 'X-GeoRedir-Signature': signBody(NEW, input.body) });
  });

  it('carries both secrets in webhook-signature while a switch is scheduled, the one in force first', () => {
    const headers = attemptHeaders({ secret: NEW, previousSecret: { secret: OLD, expiresAt: hour(25) }, secretActivatesAt: hour(1) }, input);
    const seconds = Math.floor(at.getTime() / 1000);
    expect(headers['X-GeoRedir-Signature']).toBe(signBody(OLD, input.body));
    expect(headers['webhook-signature']).toBe(
      `${standardWebhookSignature(OLD, 'dlv_1', seconds, input.body)} ${standardWebhookSignature(NEW, 'dlv_1', seconds, input.body)}`,
    );
  });

  it('marks test sends', () => {
    expect(attemptHeaders({ secret: NEW }, { ...input, test: true })['X-GeoRedir-Test']).toBe('true');
    expect(attemptHeaders({ secret: NEW }, input)).not.toHaveProperty('X-GeoRedir-Test');
  });
});

describe('bodyFor', () => {
  const data = { ...EVENT_CATALOGUE.click.example };
  const event = { eventType: 'click', timestamp: '2026-12-06T12:00:00Z', data, body: buildDeliveryBody('click', '2026-12-06T12:00:00Z', data) };

  it("is the event's own body when the endpoint redacts nothing, or nothing the event has", () => {
    expect(bodyFor({}, event)).toBe(event.body);
    expect(bodyFor({ redact: ['revenue'] }, event)).toBe(event.body);
  });

  it('drops the redacted fields and keeps every other field in its order', () => {
    const body = bodyFor({ redact: ['ip', 'fraud_flags'] }, event);
    const { ip: _ip, fraud_flags: _flags, ...rest } = data;
    expect(body).toBe(JSON.stringify({ event: 'click', timestamp: '2026-12-06T12:00:00Z', data: rest }));
  });
});

describe('attemptRecord', () => {
  const names = { deliveryId: 'dlv_1', accountId: 'acct_1', endpointId: 'ep_1', eventId: 'evt_1', eventType: 'click' };

  it('keeps what the answer said, latency in whole milliseconds, and nothing it left out', () => {
    const answer = { outcome: 'failed', statusCode: 503, errorClass: 'http_status', errorMessage: 'HTTP 503', latencyMs: 12.6, responseExcerpt: '' } as const;
    // A whole delivery goes in; only its names come out on the attempt.
    const delivery = { ...names, status: 'pending', body: '{"a":1}' };
    expect(attemptRecord(delivery, 2, at, answer)).toEqual({
      ...names,
      attempt: 2,
      attemptedAt: at.toISOString(),
      outcome: 'failed',
      latencyMs: 13,
      statusCode: 503,
      errorClass: 'http_status',
      errorMessage: 'HTTP 503',
      responseExcerpt: '',
    });
    expect(attemptRecord(names, 1, at, { outcome: 'failed', errorClass: 'timeout', latencyMs: 30_000 })).toEqual({
      ...names,
      attempt: 1,
      attemptedAt: at.toISOString(),
      outcome: 'failed',
      latencyMs: 30_000,
      errorClass: 'timeout',
    });
  });

  it('marks test sends', () => {
    expect(attemptRecord(names, 1, at, { outcome: 'succeeded', statusCode: 200, latencyMs: 5 }, { test: true })).toMatchObject({ test: true });
    expect(attemptRecord(names, 1, at, { outcome: 'succeeded', statusCode: 200, latencyMs: 5 })).not.toHaveProperty('test');
  });
});
