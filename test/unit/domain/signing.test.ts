import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { EVENT_CATALOGUE } from '../../../lambdas/domain/event-catalogue';
import { buildDeliveryBody } from '../../../lambdas/domain/payload';
import {
  buildDeliveryHeaders,
  generateSecret,
  signBody,
  standardWebhookSignature,
} from '../../../lambdas/domain/signing';

const BODY = buildDeliveryBody('conversion', '2026-02-25T15:45:00Z', EVENT_CATALOGUE.conversion.example);
const UNICODE_BODY = buildDeliveryBody('click', '2026-02-25T14:30:00Z', { city: 'São Paulo', region: 'Zürich', note: '😀' });
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** Python's hmac, as in the guide's Python snippet; body passed on stdin as UTF-8. */
function pythonHexHmac(secret: string, body: string): string {
  const script =
    'import sys,hmac,hashlib;print(hmac.new(sys.argv[1].encode("utf-8"), sys.stdin.buffer.read(), hashlib.sha256).hexdigest())';
  const run = spawnSync('python3', ['-c', script, secret], { input: Buffer.from(body, 'utf8') });
  if (run.status !== 0) throw new Error(`python3 failed: ${String(run.stderr)}`);
  return String(run.stdout).trim();
}

function pythonStandardWebhook(secret: string, msgId: string, ts: number, body: string): string {
  const script = [
    'import sys,hmac,hashlib,base64',
    'key=base64.b64decode(sys.argv[1].split("_",1)[1])',
    'msg=(sys.argv[2]+"."+sys.argv[3]+".").encode()+sys.stdin.buffer.read()',
    'print("v1,"+base64.b64encode(hmac.new(key,msg,hashlib.sha256).digest()).decode())',
  ].join('\n');
  const run = spawnSync('python3', ['-c', script, secret, msgId, String(ts)], { input: Buffer.from(body, 'utf8') });
  if (run.status !== 0) throw new Error(`python3 failed: ${String(run.stderr)}`);
  return String(run.stdout).trim();
}

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

describe('generateSecret', () => {
  it('is whsec_ + base64 of 32 random bytes by default', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(generateSecret()).not.toBe(secret);
  });

  it.each([24, 64])('accepts %i bytes', (bytes) => {
    expect(Buffer.from(generateSecret(bytes).slice(6), 'base64')).toHaveLength(bytes);
  });

  it.each([23, 65, 0, 32.5, Number.NaN])('refuses %p bytes', (bytes) => {
    expect(() => generateSecret(bytes)).toThrow(RangeError);
  });

  it('is accepted by the standardwebhooks library', () => {
    expect(() => new Webhook(generateSecret())).not.toThrow();
  });
});

describe('signBody (X-GeoRedir-Signature)', () => {
  it('matches a fixed HMAC-SHA256 vector (RFC 4231 test case 2)', () => {
    expect(signBody('Jefe', 'what do ya want for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it.each([
    ['ascii body', BODY],
    ['non-ASCII body', UNICODE_BODY],
  ])('matches Python hmac for the %s', (_label, body) => {
    expect(signBody(SECRET, body)).toBe(pythonHexHmac(SECRET, body));
  });

  it('uses the whole secret string, prefix included, as a UTF-8 key', () => {
    expect(signBody(SECRET, BODY)).toBe(crypto.createHmac('sha256', SECRET).update(BODY).digest('hex'));
    expect(signBody(SECRET, BODY)).not.toBe(signBody(SECRET.slice(6), BODY));
    expect(signBody('clé-ü', BODY)).toBe(pythonHexHmac('clé-ü', BODY));
  });

  (hasOpenssl ? it : it.skip)('matches openssl dgst -sha256 -hmac', () => {
    for (const body of [BODY, UNICODE_BODY]) {
      const run = spawnSync('openssl', ['dgst', '-sha256', '-hmac', SECRET], { input: Buffer.from(body, 'utf8') });
      expect(run.status).toBe(0);
      const hex = String(run.stdout).trim().split(/\s+/).pop();
      expect(signBody(SECRET, body)).toBe(hex);
    }
  });

  it('passes the guide Node verifySignature snippet on the re-serialised body', () => {
    // Verbatim from the guide.
    function verifySignature(payload: string, signature: string, secret: string) {
      const expected = crypto.createHmac('sha256', secret).update(payload, 'utf8').digest('hex');
      return crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
    }
    for (const body of [BODY, UNICODE_BODY]) {
      const rawBody = JSON.stringify(JSON.parse(body));
      expect(verifySignature(rawBody, signBody(SECRET, body), SECRET)).toBe(true);
    }
    expect(verifySignature(BODY.replace('50', '51'), signBody(SECRET, BODY), SECRET)).toBe(false);
  });
});

describe('standardWebhookSignature', () => {
  it('matches an independent Python implementation', () => {
    expect(standardWebhookSignature(SECRET, 'dlv_1', 1772029800, UNICODE_BODY)).toBe(
      pythonStandardWebhook(SECRET, 'dlv_1', 1772029800, UNICODE_BODY),
    );
  });

  it('matches the standardwebhooks library sign()', () => {
    const ts = 1772029800;
    expect(standardWebhookSignature(SECRET, 'msg_1', ts, BODY)).toBe(new Webhook(SECRET).sign('msg_1', new Date(ts * 1000), BODY));
  });

  it('refuses a non-integer timestamp', () => {
    expect(() => standardWebhookSignature(SECRET, 'id', 1.5, BODY)).toThrow(RangeError);
  });
});

describe('buildDeliveryHeaders', () => {
  const now = Math.floor(Date.now() / 1000);
  const base = {
    body: BODY,
    eventType: 'conversion',
    deliveryId: 'dlv_0123456789abcdef0123456789abcdef',
    attempt: 2,
    timestampSeconds: now,
    secret: SECRET,
    userAgent: 'GeoRedir-Webhooks/1.0.0',
  };

  it('sets every contract header', () => {
    expect(buildDeliveryHeaders(base)).toEqual({
      'Content-Type': 'application/json',
      'User-Agent': 'GeoRedir-Webhooks/1.0.0',
      'X-GeoRedir-Signature': signBody(SECRET, BODY),
      'X-GeoRedir-Event': 'conversion',
      'X-GeoRedir-Delivery': base.deliveryId,
      'X-GeoRedir-Attempt': '2',
      'X-GeoRedir-Timestamp': String(now),
      'webhook-id': base.deliveryId,
      'webhook-timestamp': String(now),
      'webhook-signature': standardWebhookSignature(SECRET, base.deliveryId, now, BODY),
    });
  });

  it('marks test sends', () => {
    expect(buildDeliveryHeaders({ ...base, test: true })['X-GeoRedir-Test']).toBe('true');
    expect(buildDeliveryHeaders({ ...base, test: false })).not.toHaveProperty('X-GeoRedir-Test');
  });

  it('verifies with the standardwebhooks library', () => {
    const headers = buildDeliveryHeaders(base);
    expect(new Webhook(SECRET).verify(BODY, headers)).toEqual(JSON.parse(BODY));
  });

  it('is rejected by the standardwebhooks library when replayed ten minutes later', () => {
    const headers = buildDeliveryHeaders({ ...base, timestampSeconds: now - 600 });
    expect(() => new Webhook(SECRET).verify(BODY, headers)).toThrow(/timestamp/i);
  });

  it('is rejected by the standardwebhooks library when the body is altered', () => {
    const headers = buildDeliveryHeaders(base);
    expect(() => new Webhook(SECRET).verify(BODY.replace('USD', 'EUR'), headers)).toThrow();
  });

  it('signs with the current and the previous secret during rotation', () => {
    const previous = generateSecret();
    const headers = buildDeliveryHeaders({ ...base, additionalSecrets: [previous, SECRET] });
    const signatures = headers['webhook-signature']?.split(' ') ?? [];
    expect(signatures).toEqual([
      standardWebhookSignature(SECRET, base.deliveryId, now, BODY),
      standardWebhookSignature(previous, base.deliveryId, now, BODY),
    ]);
    expect(() => new Webhook(SECRET).verify(BODY, headers)).not.toThrow();
    expect(() => new Webhook(previous).verify(BODY, headers)).not.toThrow();
    expect(() => new Webhook(generateSecret()).verify(BODY, headers)).toThrow();
    // X-GeoRedir-Signature carries only the current secret's signature.
    expect(headers['X-GeoRedir-Signature']).toBe(signBody(SECRET, BODY));
  });

  it.each([0, -1, 1.5])('refuses attempt %p', (attempt) => {
    expect(() => buildDeliveryHeaders({ ...base, attempt })).toThrow(RangeError);
  });
});
