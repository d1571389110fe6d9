// What an account chooses per endpoint, seen from the receiving end of a real local run (one for
// the file, npm start's entry as a child process):
// - filter: an EventBridge pattern over `data`; an endpoint gets exactly the events it matches, the
//   rest make no delivery (and the hourly stats count them as filtered);
// - redact: top-level fields left out of the body before it is signed, so the guide's Express,
//   Flask and PHP receivers still verify it, and the delivery log does not keep them either;
// - headers: custom headers on every attempt (a retry included), never shown in the API's answers
//   nor printed in the run's logs;
// - rotate-secret with activateAt: X-GeoRedir-Signature keeps the old secret until the switch and
//   uses the new one from then on, while webhook-signature carries both;
// - and at the end, the run's table holds none of the secrets nor header values in plain text
//   (sealed with the local KMS, docs/architecture.md "Table design").
import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { findFreePort } from '../../local/dynamodb-local';
import { tableText } from '../support/stored-text';
import { type Account, attemptLog, clickData, deliveryWithStatus, type GuideRun, sleep, startGuideRun, waitFor } from './guide-harness';
import { type GuideReceiver, type GuideReceiverKind, startGuideReceiver } from './receivers/guide-receivers';
import { guideSignatureValid, type Script, type ScriptedReceiver, startScriptedReceiver } from './receivers/scripted-receiver';

/** A first retry 1 s after a failure (no jitter under 10 s), a second 1 s later, then the delivery fails. */
const RETRY_SCHEDULE_SECONDS = '1,1';
/** PutEvents -> receiver takes about 1.1 s locally (the 1 s batching window); this leaves room. */
const DELIVERY_WAIT_MS = 15_000;
/** The hourly counts go through the table's stream to the counts aggregator, batched for up to 10 s. */
const STATS_WAIT_MS = 25_000;
/** How far ahead the secret switch is scheduled: room for one delivery before it. */
const SWITCH_AHEAD_MS = 8_000;
/** How long after activateAt the post-switch event is published. */
const SWITCH_MARGIN_MS = 500;
const GUIDE_KINDS: readonly GuideReceiverKind[] = ['express', 'flask', 'php'];

interface CreatedEndpoint {
  readonly id: string;
  readonly secret: string;
  /** The answer's whole text, for checks on what it shows. */
  readonly text: string;
}

interface DeliverySummaryView {
  id: string;
  endpointId: string;
  eventId: string;
  status: 'pending' | 'succeeded' | 'failed' | 'skipped';
}

interface StatsView {
  summary: Array<{ endpointId: string; succeeded: number; failed: number; failedAttempts: number; skipped: number; filtered?: number }>;
}

interface SecretView {
  secret: string;
  previousSecretExpiresAt?: string;
  secretActivatesAt?: string;
}

const hexSignature = (secret: string, body: string) => createHmac('sha256', secret).update(body, 'utf8').digest('hex');

const withoutFields = (data: Record<string, unknown>, fields: readonly string[]) => Object.fromEntries(Object.entries(data).filter(([field]) => !fields.includes(field)));

describe(`endpoint choices: filter, redact, custom headers, scheduled secret switch (RETRY_SCHEDULE_SECONDS=${RETRY_SCHEDULE_SECONDS})`, () => {
  let run: GuideRun;
  const cleanups: Array<() => Promise<void>> = [];
  /** Custom header values the tests set: the table must never hold them in plain text (the last test). */
  const headerValues: string[] = [];

  beforeAll(async () => {
    run = await startGuideRun({ RETRY_SCHEDULE_SECONDS });
  }, 70_000);

  afterAll(async () => {
    await Promise.all(cleanups.map((cleanup) => cleanup()));
    await run?.stop();
  });

  /** POST /v1/endpoints with any of the endpoint's choices. */
  const createEndpoint = async (account: Account, body: Record<string, unknown>): Promise<CreatedEndpoint> => {
    const created = await run.api<{ id: string; secret: string }>(account, 'POST', '/v1/endpoints', body);
    if (created.status !== 201) throw new Error(`POST /v1/endpoints answered ${created.status}: ${JSON.stringify(created.body)}`);
    return { id: created.body.id, secret: created.body.secret, text: JSON.stringify(created.body) };
  };

  const scriptedEndpoint = async (account: Account, body: Record<string, unknown>, script?: Script): Promise<ScriptedReceiver & { endpointId: string }> => {
    const receiver = await startScriptedReceiver(script);
    cleanups.push(() => receiver.close());
    const endpoint = await createEndpoint(account, { url: receiver.url, ...body });
    receiver.secret = endpoint.secret;
    return Object.assign(receiver, { endpointId: endpoint.id });
  };

  const guideReceiver = async (kind: GuideReceiverKind, port: number, secret: string): Promise<GuideReceiver> => {
    const receiver = await startGuideReceiver(kind, port, secret);
    cleanups.push(() => receiver.stop());
    return receiver;
  };

  /** Waits for a guide receiver's `count`-th answered request. */
  const guideRecords = (receiver: GuideReceiver, count: number) =>
    waitFor(`${receiver.kind}: ${count} requests`, () => (receiver.records().length >= count ? receiver.records() : undefined), DELIVERY_WAIT_MS).catch(
      (error: Error) => {
        throw new Error(`${error.message}\nrecords: ${JSON.stringify(receiver.records())}\noutput:\n${receiver.output()}`);
      },
    );

  /** GET /v1/deliveries?event_id=...: the event's deliveries, one per endpoint. */
  const deliveriesOfEvent = async (account: Account, eventId: string): Promise<DeliverySummaryView[]> => {
    const answer = await run.api<{ data: DeliverySummaryView[] }>(account, 'GET', `/v1/deliveries?event_id=${encodeURIComponent(eventId)}`);
    if (answer.status !== 200) throw new Error(`GET /v1/deliveries?event_id=${eventId} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body.data;
  };

  it('a filtered endpoint gets exactly the events its pattern matches, once each; the others make no delivery and count as filtered', async () => {
    const account = await run.createAccount('filter');
    const filter = { is_unique: [true], country: ['US', 'CA'] };
    const control = await scriptedEndpoint(account, { events: ['click'] });
    const filtered = await scriptedEndpoint(account, { events: ['click'], filter });

    const clicks: ReadonlyArray<{ readonly id: string; readonly data: Record<string, unknown>; readonly matches: boolean }> = [
      { id: 'filter-us-unique', data: { country: 'US', is_unique: true }, matches: true },
      { id: 'filter-ca-unique', data: { country: 'CA', is_unique: true }, matches: true },
      { id: 'filter-fr-unique', data: { country: 'FR', is_unique: true }, matches: false },
      { id: 'filter-us-repeat', data: { country: 'US', is_unique: false }, matches: false },
      { id: 'filter-ca-repeat', data: { country: 'CA', is_unique: false }, matches: false },
      // Exact values: case matters.
      { id: 'filter-us-lower-case', data: { country: 'us', is_unique: true }, matches: false },
      { id: 'filter-no-country', data: { country: null, is_unique: true }, matches: false },
      { id: 'filter-us-unique-austin', data: { country: 'US', is_unique: true, city: 'Austin' }, matches: true },
    ];
    const matching = clicks.filter((click) => click.matches).map((click) => click.id);
    const leftOut = clicks.filter((click) => !click.matches).map((click) => click.id);
    await run.publish(...clicks.map((click) => ({ type: 'click', account, data: clickData(click.id, click.data) })));

    // The control (no filter) gets everything; once each of its deliveries is recorded, the batch
    // that made it has also decided for the filtered endpoint (both are planned together).
    await control.waitForCount(clicks.length, DELIVERY_WAIT_MS);
    const byEvent = await waitFor(
      'every delivery recorded as succeeded',
      async () => {
        const found = new Map<string, DeliverySummaryView[]>();
        for (const click of clicks) {
          const deliveries = await deliveriesOfEvent(account, `click:${click.id}`);
          const expected = click.matches ? 2 : 1;
          if (deliveries.filter((delivery) => delivery.status === 'succeeded').length < expected) return undefined;
          found.set(click.id, deliveries);
        }
        return found;
      },
      DELIVERY_WAIT_MS,
      250,
    );

    for (const click of clicks) {
      const endpoints = byEvent.get(click.id)!.map((delivery) => delivery.endpointId).sort();
      expect({ click: click.id, endpoints }).toEqual({ click: click.id, endpoints: (click.matches ? [control.endpointId, filtered.endpointId] : [control.endpointId]).sort() });
    }
    const ids = (receiver: ScriptedReceiver) => receiver.received.map((request) => String(request.body.data.click_id)).sort();
    expect(ids(control)).toEqual(clicks.map((click) => click.id).sort());
    expect(ids(filtered)).toEqual([...matching].sort());
    expect([...control.received, ...filtered.received].every((request) => request.signatureValid && request.headers['x-georedir-attempt'] === '1')).toBe(true);
    // The filtered endpoint's attempt log holds the matching events only.
    expect((await attemptLog(run, account, filtered.endpointId)).map((attempt) => attempt.eventId).sort()).toEqual(matching.map((id) => `click:${id}`).sort());

    // The hourly stats (through the table's stream) count what the filter left out, and only there.
    const stats = async (endpointId: string) => {
      const answer = await run.api<StatsView>(account, 'GET', `/v1/stats/hourly?endpoint=${endpointId}&hours=2`);
      if (answer.status !== 200) throw new Error(`GET /v1/stats/hourly answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      return answer.body.summary[0]!;
    };
    let last: Array<StatsView['summary'][number]> = [];
    await waitFor(
      `stats: the filtered endpoint ${leftOut.length} filtered and ${matching.length} succeeded, the control ${clicks.length} succeeded`,
      async () => {
        last = [await stats(filtered.endpointId), await stats(control.endpointId)];
        const [ofFiltered, ofControl] = last;
        const counted = ofFiltered!.filtered === leftOut.length && ofFiltered!.succeeded === matching.length && ofControl!.succeeded === clicks.length;
        return counted ? last : undefined;
      },
      STATS_WAIT_MS,
      250,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last summaries: ${JSON.stringify(last)}`);
    });
    expect(last[1]).toMatchObject({ succeeded: clicks.length, filtered: 0 });
  }, 60_000);

  it("a redacting endpoint's bodies lack the redacted fields and still verify in the guide's Express, Flask and PHP receivers; the log lacks them too", async () => {
    const account = await run.createAccount('redact');
    const redact = ['ip', 'destination_url'];
    const receivers: Array<{ receiver: GuideReceiver; endpointId: string; secret: string }> = [];
    for (const kind of GUIDE_KINDS) {
      const port = await findFreePort();
      const endpoint = await createEndpoint(account, { url: `http://127.0.0.1:${port}/webhooks/georedir`, events: ['click'], redact });
      expect(JSON.parse(endpoint.text)).toMatchObject({ redact });
      receivers.push({ receiver: await guideReceiver(kind, port, endpoint.secret), endpointId: endpoint.id, secret: endpoint.secret });
    }

    const published = [
      clickData('redact-full', { ip: '198.51.100.23', destination_url: 'https://offer.example.com/redact-me?utm=zürich', city: 'Zürich', country: 'CH' }),
      // A null field is left out too; fields the catalogue does not document pass through.
      clickData('redact-null-ip', { ip: null, campaign: 'spring-2026' }),
    ];
    await run.publish(...published.map((data) => ({ type: 'click', account, data })));

    for (const { receiver, endpointId, secret } of receivers) {
      const records = await guideRecords(receiver, published.length);
      // Verified (200, not the snippets' 401), first attempts, exactly the published events.
      expect(records.map((record) => ({ status: record.status, attempt: record.attempt }))).toEqual(published.map(() => ({ status: 200, attempt: '1' })));
      for (const data of published) {
        const record = records.find((candidate) => (JSON.parse(candidate.body) as { data: { click_id: string } }).data.click_id === data.click_id)!;
        const body = JSON.parse(record.body) as { event: string; data: Record<string, unknown> };
        expect(body).toEqual({ event: 'click', timestamp: expect.any(String), data: withoutFields(data, redact) });
        expect(record.body).not.toMatch(/198\.51\.100\.23|redact-me|"ip"|"destination_url"/);
        expect(record.signature).toBe(hexSignature(secret, record.body));

        // The delivery log keeps the body as sent: without the redacted fields.
        const delivery = await deliveryWithStatus(run, account, record.delivery!, 'succeeded', 5_000);
        expect(delivery.endpointId).toBe(endpointId);
        expect(delivery.payload).toEqual(body);
        expect(JSON.stringify(delivery)).not.toMatch(/198\.51\.100\.23|redact-me/);
      }
    }
  }, 60_000);

  it('custom headers arrive with every attempt, the retry included, and no answer of the API nor line of the run shows their values', async () => {
    const account = await run.createAccount('custom headers');
    const token = `Bearer ${randomBytes(24).toString('base64url')}`;
    headerValues.push(token.slice('Bearer '.length));
    // The first attempt fails (500), the retry 1 s later succeeds.
    const receiver = await scriptedEndpoint(account, { events: ['click'], headers: { Authorization: token } }, (index) => ({ status: index === 0 ? 500 : 200 }));
    // PATCH merges headers: Authorization stays, X-Route is added.
    const patched = await run.api(account, 'PATCH', `/v1/endpoints/${receiver.endpointId}`, { headers: { 'X-Route': 'eu' } });
    expect(patched.status).toBe(200);
    expect(patched.body.headers).toEqual({ Authorization: `****${token.slice(-4)}`, 'X-Route': '****' });

    await run.publish({ type: 'click', account, data: clickData('headers-1') });
    const requests = await receiver.waitForCount(2, DELIVERY_WAIT_MS);
    expect(requests.map((request) => request.status)).toEqual([500, 200]);
    for (const [index, request] of requests.entries()) {
      expect(request.headers['x-georedir-attempt']).toBe(String(index + 1));
      expect(request.headers.authorization).toBe(token);
      expect(request.headers['x-route']).toBe('eu');
      expect(request.signatureValid).toBe(true);
    }
    const deliveryId = requests[0]!.headers['x-georedir-delivery'] as string;
    expect(requests[1]!.headers['x-georedir-delivery']).toBe(deliveryId);
    const delivery = await deliveryWithStatus(run, account, deliveryId, 'succeeded', DELIVERY_WAIT_MS);
    expect(delivery.attempts.map((attempt) => [attempt.attempt, attempt.outcome, attempt.statusCode])).toEqual([
      [1, 'failed', 500],
      [2, 'succeeded', 200],
    ]);

    const secretPart = token.slice('Bearer '.length);
    const answers: Array<[string, unknown]> = [
      ['GET /v1/deliveries/{id}', delivery],
      ['GET /v1/endpoints/{id}/deliveries', await attemptLog(run, account, receiver.endpointId)],
      ['GET /v1/endpoints/{id}', (await run.api(account, 'GET', `/v1/endpoints/${receiver.endpointId}`)).body],
      ['GET /v1/endpoints', (await run.api(account, 'GET', '/v1/endpoints')).body],
      ['GET /v1/deliveries?endpoint=', (await run.api(account, 'GET', `/v1/deliveries?endpoint=${receiver.endpointId}`)).body],
      ['PATCH /v1/endpoints/{id}', patched.body],
    ];
    for (const [what, answer] of answers) expect({ what, containsValue: JSON.stringify(answer).includes(secretPart) }).toEqual({ what, containsValue: false });
    expect((await run.api(account, 'GET', `/v1/endpoints/${receiver.endpointId}`)).body.headers).toEqual({ Authorization: `****${token.slice(-4)}`, 'X-Route': '****' });
    // Nor does anything the local run printed (every function's log lines).
    expect(run.process.lines.filter((line) => line.includes(secretPart))).toEqual([]);
  }, 60_000);

  it('a scheduled secret switch: X-GeoRedir-Signature uses the old secret until activateAt, the new one from then on; webhook-signature carries both', async () => {
    const account = await run.createAccount('secret switch');
    // Per kind, an endpoint whose receiver holds the original secret (as a customer's would)...
    const sides: Array<{ kind: GuideReceiverKind; endpointId: string; oldSecret: string; old: GuideReceiver; newSecret?: string; fresh?: GuideReceiver }> = [];
    for (const kind of GUIDE_KINDS) {
      const port = await findFreePort();
      const endpoint = await createEndpoint(account, { url: `http://127.0.0.1:${port}/webhooks/georedir`, events: ['click'] });
      sides.push({ kind, endpointId: endpoint.id, oldSecret: endpoint.secret, old: await guideReceiver(kind, port, endpoint.secret) });
    }
    // ...and one that shows the headers (its receiver checks X-GeoRedir-Signature with the original secret).
    const watcher = await scriptedEndpoint(account, { events: ['click'] });
    const originalWatcherSecret = watcher.secret;

    const activateAtMs = Date.now() + SWITCH_AHEAD_MS;
    const activateAt = new Date(activateAtMs).toISOString();
    const rotate = async (endpointId: string): Promise<string> => {
      const rotated = await run.api<SecretView>(account, 'POST', `/v1/endpoints/${endpointId}/rotate-secret`, { activateAt });
      expect(rotated.status).toBe(200);
      expect(rotated.body.secretActivatesAt).toBe(activateAt);
      return rotated.body.secret;
    };
    for (const side of sides) side.newSecret = await rotate(side.endpointId);
    const newWatcherSecret = await rotate(watcher.endpointId);
    expect((await run.api(account, 'GET', `/v1/endpoints/${watcher.endpointId}`)).body.secretActivatesAt).toBe(activateAt);
    // A second rotation while the switch is ahead is refused.
    expect((await run.api(account, 'POST', `/v1/endpoints/${watcher.endpointId}/rotate-secret`, {})).status).toBe(409);

    // Before activateAt: the receivers holding the old secret verify.
    await run.publish({ type: 'click', account, data: clickData('switch-before') });
    for (const side of sides) {
      const [record] = await guideRecords(side.old, 1);
      expect({ kind: side.kind, status: record!.status }).toEqual({ kind: side.kind, status: 200 });
      expect(record!.signature).toBe(hexSignature(side.oldSecret, record!.body));
    }
    const [before] = await watcher.waitForCount(1, DELIVERY_WAIT_MS);
    const beforeHeaders = before!.headers as Record<string, string>;
    expect(before!.signatureValid).toBe(true);
    expect(beforeHeaders['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(originalWatcherSecret).verify(before!.rawBody, beforeHeaders)).toEqual(JSON.parse(before!.rawBody));
    expect(new Webhook(newWatcherSecret).verify(before!.rawBody, beforeHeaders)).toEqual(JSON.parse(before!.rawBody));
    // Every one of these was sent before the switch, or the test proves nothing: room enough?
    expect(Number(beforeHeaders['x-georedir-timestamp']) * 1000).toBeLessThan(activateAtMs);
    if (Date.now() >= activateAtMs) throw new Error(`the deliveries before the switch took longer than ${SWITCH_AHEAD_MS} ms: raise SWITCH_AHEAD_MS`);

    // From activateAt (a wall-clock wait: the dispatcher signs with real time).
    await sleep(activateAtMs + SWITCH_MARGIN_MS - Date.now());
    const afterSwitch = (await run.api<SecretView>(account, 'GET', `/v1/endpoints/${watcher.endpointId}/secret`)).body;
    expect(afterSwitch.secret).toBe(newWatcherSecret);
    expect(afterSwitch.secretActivatesAt).toBeUndefined();
    expect(afterSwitch.previousSecretExpiresAt).toBeDefined();
    await run.publish({ type: 'click', account, data: clickData('switch-after') });

    // The receivers still holding the old secret turn the delivery away: it is signed with the new one.
    const [after] = (await watcher.waitForCount(2, DELIVERY_WAIT_MS)).slice(1);
    const afterHeaders = after!.headers as Record<string, string>;
    expect(after!.body.data.click_id).toBe('switch-after');
    expect(guideSignatureValid(after!.rawBody, afterHeaders['x-georedir-signature'], newWatcherSecret)).toBe(true);
    expect(after!.signatureValid).toBe(false);
    // webhook-signature still carries both (the old secret's grace period).
    expect(afterHeaders['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(newWatcherSecret).verify(after!.rawBody, afterHeaders)).toEqual(JSON.parse(after!.rawBody));
    expect(new Webhook(originalWatcherSecret).verify(after!.rawBody, afterHeaders)).toEqual(JSON.parse(after!.rawBody));
    for (const side of sides) {
      const record = (await guideRecords(side.old, 2))[1]!;
      expect({ kind: side.kind, status: record.status }).toEqual({ kind: side.kind, status: 401 });
      expect(record.signature).toBe(hexSignature(side.newSecret!, record.body));
      // Its retries are turned away too, and the delivery fails; then the receiver is given the new secret.
      const failed = await deliveryWithStatus(run, account, record.delivery!, 'failed', DELIVERY_WAIT_MS);
      expect(failed.attempts.map((attempt) => attempt.statusCode)).toEqual([401, 401, 401]);
    }

    // A receiver given the new secret (the endpoint pointed at it) verifies what is sent now.
    for (const side of sides) {
      const port = await findFreePort();
      const fresh = await guideReceiver(side.kind, port, side.newSecret!);
      const patched = await run.api(account, 'PATCH', `/v1/endpoints/${side.endpointId}`, { url: fresh.url });
      expect(patched.status).toBe(200);
      side.fresh = fresh;
    }
    await run.publish({ type: 'click', account, data: clickData('switch-after-update') });
    for (const side of sides) {
      const [record] = await guideRecords(side.fresh!, 1);
      expect({ kind: side.kind, status: record!.status, attempt: record!.attempt }).toEqual({ kind: side.kind, status: 200, attempt: '1' });
      expect((JSON.parse(record!.body) as { data: { click_id: string } }).data.click_id).toBe('switch-after-update');
      expect(record!.signature).toBe(hexSignature(side.newSecret!, record!.body));
    }
    // The old receivers got nothing more: 1 accepted, then the rejected delivery's 3 attempts.
    for (const side of sides) expect(side.old.records().map((record) => record.status)).toEqual([200, 401, 401, 401]);
  }, 90_000);

  it("leaves no signing secret nor header value in plain text anywhere in the run's table (a Scan of it and its index)", async () => {
    const text = await tableText(run.dynamodb, run.process.outputs.tableName);
    // The endpoints the tests made are there, sealed by the local KMS.
    expect(text).toContain('ENDPOINT#');
    expect(text).toContain('gws1.');
    expect(text).not.toContain('whsec_');
    for (const value of headerValues) expect(text).not.toContain(value);
  });
});
