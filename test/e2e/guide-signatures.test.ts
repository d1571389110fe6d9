// The guide's promises about what a receiver gets: signed payloads its own Express, Flask and PHP
// snippets accept unchanged, Standard Webhooks headers for stock libraries, fan-out by
// subscription and account, and the attempt log's default retention. One local run for the file.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { Webhook } from 'standardwebhooks';
import { findFreePort } from '../../local/dynamodb-local';
import { type Account, clickData, deliveryWithStatus, type GuideRun, sleep, startGuideRun, waitFor } from './guide-harness';
import { type GuideReceiver, type GuideReceiverKind, startGuideReceiver } from './receivers/guide-receivers';
import { type ScriptedReceiver, startScriptedReceiver } from './receivers/scripted-receiver';

/** PutEvents -> receiver takes about 1.1 s locally (the 1 s batching window); this leaves room. */
const DELIVERY_WAIT_MS = 15_000;
/** After the expected deliveries: how long an unexpected one gets to show up. */
const SETTLE_MS = 2_000;

/**
 * Detail `data` as producers' JSON text, sent byte for byte: non-ASCII (raw and as \u escapes),
 * emoji, revenue written 50.0 and 49.99, empty and nested arrays, integers past 2^31 and 2^53,
 * exponents. Each is valid for its type and carries extra fields the catalogue lets through.
 */
const PAYLOADS: ReadonlyArray<{ readonly type: string; readonly id: string; readonly data: string }> = [
  {
    type: 'click',
    id: 'sig-click-sao-paulo',
    data:
      '{"click_id":"sig-click-sao-paulo","link_id":42,"link_slug":"são-paulo-🚀","destination_url":"https://offer.example.com/zürich?q=ü&e=😀",' +
      '"ip":"203.0.113.42","country":"BR","region":"São Paulo","city":"São Paulo","device":"mobile","browser":"Chrome","os":"Android",' +
      '"referer":"https://zürich.example/straße","is_unique":true,"fraud_flags":[],"note":"\\u00e9t\\u00e9 \\ud83c\\udf89 sent as escapes"}',
  },
  {
    type: 'conversion',
    id: 'sig-conversion-50',
    data: '{"conversion_id":"sig-conversion-50","click_id":"sig-click-sao-paulo","link_id":42,"link_slug":"my-offer","revenue":50.0,"currency":"CHF","country":"CH","device":"desktop","city":"Zürich"}',
  },
  {
    type: 'conversion',
    id: 'sig-conversion-49.99',
    data: '{"conversion_id":"sig-conversion-49.99","click_id":"sig-click-2","link_id":42,"link_slug":"my-offer","revenue":49.99,"currency":"EUR","country":"DE","device":"mobile"}',
  },
  {
    type: 'alert.triggered',
    id: 'sig-alert-large-integers',
    data:
      '{"alert_id":2147483648,"alert_name":"Pic de clics 📈 à Zürich","metric":"clicks","condition":"greater_than","threshold":1000,' +
      '"current_value":9007199254740991,"link_id":4294967296,"link_slug":"my-offer","ratio":1e21,"smallest":5e-324}',
  },
  {
    type: 'link.created',
    id: 'sig-link-nested-arrays',
    data:
      '{"link_id":9007199254740991,"name":"Été 2026 — 夏のキャンペーン","slug":"ete-2026","is_active":true,"rules_count":0,"rules":[],' +
      '"matrix":[[],[[]],[1,[2,[3,[]]]]],"targets":[{"country":"BR","cities":["São Paulo","Rio de Janeiro"]},{"country":"CH","cities":["Zürich"]}]}',
  },
  {
    type: 'click',
    id: 'sig-click-flags',
    // 12345678901234567890 is past 2^53: like every JSON parser in JavaScript, the pipeline reads it
    // as the nearest double, so receivers get 12345678901234567000, signed as sent.
    data:
      '{"click_id":"sig-click-flags","link_id":7,"link_slug":"x","destination_url":"https://example.com/","is_unique":false,' +
      '"fraud_flags":["vpn","datacenter"],"ip":null,"visitor_sequence":12345678901234567890}',
  },
];

describe('guide: payloads, signatures and subscriptions', () => {
  let run: GuideRun;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    run = await startGuideRun({});
  }, 70_000);

  afterAll(async () => {
    await Promise.all(cleanups.map((cleanup) => cleanup()));
    await run?.stop();
  });

  const scripted = async (account: Account, events: string[]): Promise<ScriptedReceiver & { endpointId: string }> => {
    const receiver = await startScriptedReceiver();
    cleanups.push(() => receiver.close());
    const endpoint = await run.registerEndpoint(account, receiver.url, events);
    receiver.secret = endpoint.secret;
    return Object.assign(receiver, { endpointId: endpoint.id });
  };

  it("the guide's Express, Flask and PHP receivers, unchanged, accept every delivery: non-ASCII, emoji, 50.0 and 49.99, arrays, large integers", async () => {
    const receivers: GuideReceiver[] = [];
    for (const kind of ['express', 'flask', 'php'] as GuideReceiverKind[]) {
      const port = await findFreePort();
      const endpoint = await run.registerEndpoint(run.devAccount, `http://127.0.0.1:${port}/webhooks/georedir`, ['*']);
      const receiver = await startGuideReceiver(kind, port, endpoint.secret);
      cleanups.push(() => receiver.stop());
      receivers.push(receiver);
    }
    const { accountId } = run.devAccount;
    await run.publish(
      ...PAYLOADS.map((payload) => ({
        type: payload.type,
        account: run.devAccount,
        rawDetail: `{"account_id":"${accountId}","id":"${payload.id}","data":${payload.data}}`,
      })),
    );

    for (const receiver of receivers) {
      await waitFor(`${receiver.kind}: ${PAYLOADS.length} requests`, () => (receiver.records().length >= PAYLOADS.length ? true : undefined), DELIVERY_WAIT_MS).catch(
        (error: Error) => {
          throw new Error(`${error.message}\nrecords: ${JSON.stringify(receiver.records())}\noutput:\n${receiver.output()}`);
        },
      );
    }
    await sleep(SETTLE_MS);

    for (const receiver of receivers) {
      const records = receiver.records();
      // Every delivery accepted (200, not the snippets' 401), each exactly once.
      expect(records.map((record) => record.status)).toEqual(PAYLOADS.map(() => 200));
      expect(records.every((record) => record.attempt === '1')).toBe(true);
      // What each receiver verified and parsed is what the producer published.
      const received = records.map((record) => JSON.parse(record.body) as { event: string; data: unknown });
      for (const payload of PAYLOADS) {
        expect(received).toContainEqual({ event: payload.type, timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), data: JSON.parse(payload.data) });
      }
    }
    // The raw bytes Flask and PHP verified are exactly what Express re-serialised: the body is a
    // fixed point of parse + JSON.stringify, which is why the guide's Node snippet works.
    const byEvent = new Map<string, Set<string>>();
    for (const receiver of receivers) {
      for (const record of receiver.records()) {
        const key = JSON.stringify((JSON.parse(record.body) as { data: unknown }).data);
        byEvent.set(key, (byEvent.get(key) ?? new Set()).add(record.body));
      }
    }
    expect(byEvent.size).toBe(PAYLOADS.length);
    for (const [, variants] of byEvent) expect(variants.size).toBe(1);
    expect(receivers[2]!.records().find((record) => record.body.includes('visitor_sequence'))!.body).toContain('"visitor_sequence":12345678901234567000');

    // And they do verify: a forged signature and a tampered body are both turned away.
    const original = receivers[1]!.records().find((record) => record.body.includes('"revenue":50'))!;
    for (const receiver of receivers) {
      const forged = await fetch(receiver.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-georedir-signature': '0'.repeat(64) },
        body: original.body,
      });
      expect(forged.status).toBe(401);
      const tampered = await fetch(receiver.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-georedir-signature': original.signature! },
        body: original.body.replace('"revenue":50', '"revenue":5000'),
      });
      expect(tampered.status).toBe(401);
    }
  }, 60_000);

  it('Standard Webhooks headers verify with the standardwebhooks library, and a replay after 5 minutes is rejected by it', async () => {
    const receiver = await scripted(run.devAccount, ['click']);
    await run.publish({ type: 'click', account: run.devAccount, data: clickData('sig-standard-1', { city: 'Zürich 🏔️' }) });
    const [delivery] = await receiver.waitForCount(1, DELIVERY_WAIT_MS);
    const headers = delivery!.headers as Record<string, string>;

    expect(headers['webhook-id']).toBe(headers['x-georedir-delivery']);
    expect(headers['webhook-timestamp']).toBe(headers['x-georedir-timestamp']);
    expect(Math.abs(Number(headers['webhook-timestamp']) - delivery!.at / 1000)).toBeLessThan(5);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(headers['user-agent']).toMatch(/^GeoRedir-Webhooks\/\d+\.\d+\.\d+/);
    expect(delivery!.signatureValid).toBe(true);

    const webhook = new Webhook(receiver.secret);
    expect(webhook.verify(delivery!.rawBody, headers)).toEqual(JSON.parse(delivery!.rawBody));
    expect(() => webhook.verify(delivery!.rawBody.replace('Zürich', 'Zurich'), headers)).toThrow('No matching signature found');

    // The same request, captured and presented again six minutes later: the library's 5-minute
    // tolerance on webhook-timestamp turns it away.
    const now = jest.spyOn(Date, 'now').mockReturnValue(delivery!.at + 6 * 60_000);
    try {
      expect(() => webhook.verify(delivery!.rawBody, headers)).toThrow('Message timestamp too old');
    } finally {
      now.mockRestore();
    }
  }, 30_000);

  it('fans an event out to every active endpoint of its account subscribed to its type or *, nothing to other accounts, no clicks to link.created', async () => {
    const [first, second] = await Promise.all([run.createAccount('fan-out A'), run.createAccount('fan-out B')]);
    const clicks = await scripted(first!, ['click']);
    const everything = await scripted(first!, ['*']);
    const clicksAndConversions = await scripted(first!, ['click', 'conversion']);
    const linkCreated = await scripted(first!, ['link.created']);
    const paused = await scripted(first!, ['click']);
    expect((await run.api(first!, 'PATCH', `/v1/endpoints/${paused.endpointId}`, { status: 'disabled' })).status).toBe(200);
    const otherEverything = await scripted(second!, ['*']);
    const otherClicks = await scripted(second!, ['click']);

    await run.publish(
      { type: 'click', account: first!, data: clickData('fan-a-click') },
      { type: 'link.created', account: first!, id: 'fan-a-link', data: { link_id: 1, name: 'Zürich', slug: 'zurich', is_active: true, rules_count: 1 } },
      { type: 'click', account: second!, data: clickData('fan-b-click') },
    );
    await Promise.all([clicks, everything, clicksAndConversions, linkCreated, otherEverything, otherClicks].map((receiver, index) => receiver.waitForCount(index === 1 ? 2 : 1, DELIVERY_WAIT_MS)));
    await sleep(SETTLE_MS);

    const seen = (receiver: ScriptedReceiver) => receiver.received.map((request) => `${request.body.event}:${String(request.body.data.click_id ?? request.body.data.slug)}`).sort();
    expect(seen(clicks)).toEqual(['click:fan-a-click']);
    expect(seen(everything)).toEqual(['click:fan-a-click', 'link.created:zurich']);
    expect(seen(clicksAndConversions)).toEqual(['click:fan-a-click']);
    expect(seen(linkCreated)).toEqual(['link.created:zurich']);
    expect(seen(paused)).toEqual([]);
    expect(seen(otherEverything)).toEqual(['click:fan-b-click']);
    expect(seen(otherClicks)).toEqual(['click:fan-b-click']);
    const all = [clicks, everything, clicksAndConversions, linkCreated, otherEverything, otherClicks].flatMap((receiver) => receiver.received);
    expect(all.every((request) => request.signatureValid)).toBe(true);
    // One delivery id per event x endpoint.
    expect(new Set(all.map((request) => request.headers['x-georedir-delivery'])).size).toBe(all.length);
  }, 60_000);

  it('keeps a delivery (its attempts are inside it) for 30 days by default: DynamoDB TTL expiresAt', async () => {
    const receiver = await scripted(run.devAccount, ['conversion']);
    await run.publish({ type: 'conversion', account: run.devAccount, data: { conversion_id: 'sig-ttl-1', click_id: 'c', link_id: 1, link_slug: 's', revenue: 49.99, currency: 'EUR' } });
    const [request] = await receiver.waitForCount(1, DELIVERY_WAIT_MS);
    const deliveryId = request!.headers['x-georedir-delivery'] as string;
    const delivery = await deliveryWithStatus(run, run.devAccount, deliveryId, 'succeeded', 5_000);
    const attemptedAt = Date.parse(delivery.attempts[0]!.attemptedAt) / 1000;
    // The API does not show expiresAt; DynamoDB Local, through the AWS endpoint, does.
    const item = (await run.dynamodb.send(new GetItemCommand({ TableName: run.process.outputs.tableName, Key: { pk: { S: `DELIVERY#${deliveryId}` }, sk: { S: 'DELIVERY' } } }))).Item;
    const expiresAt = Number(item?.expiresAt?.N);
    expect(Math.abs(expiresAt - (attemptedAt + 30 * 86_400))).toBeLessThan(60);
  }, 30_000);
});
