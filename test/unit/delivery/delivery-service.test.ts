// DeliveryService against an in-memory store, a scripted sender and a recording retry queue.
import { retryMessageBody } from '../../../lambdas/adapters/retry-scheduler';
import { DeliveryService, type QueueMessage } from '../../../lambdas/delivery/delivery-service';
import type { HttpSender, RetryMessage, RetryScheduler, SendResult } from '../../../lambdas/delivery/ports';
import { recordWaitLimitSeconds } from '../../../lambdas/dispatcher/config';
import { EVENT_CATALOGUE } from '../../../lambdas/domain/event-catalogue';
import { deliveryIdFor } from '../../../lambdas/domain/ids';
import type { Endpoint } from '../../../lambdas/domain/model';
import { signBody } from '../../../lambdas/domain/signing';
import { InMemoryDeliveryStore } from '../../support/in-memory-delivery-store';

const ACCOUNT = 'acct_1';
const SECRET = 'whsec_dGVzdHNlY3JldHRlc3RzZWNyZXR0ZXN0c2VjcmV0';

type Script = (url: string, attempt: number) => SendResult | Promise<SendResult>;
const ok: SendResult = { outcome: 'succeeded', statusCode: 200, latencyMs: 5, responseExcerpt: '{"received":true}' };
const serverError: SendResult = { outcome: 'failed', statusCode: 500, errorClass: 'http_status', errorMessage: 'HTTP 500', latencyMs: 5 };
const timeout: SendResult = { outcome: 'failed', errorClass: 'timeout', errorMessage: 'no answer in time', latencyMs: 30_000 };

function setup(options: { schedule?: number[]; script?: Script; random?: () => number; oversleepMs?: (ms: number) => number } = {}) {
  let now = Date.parse('2026-11-28T10:00:00Z');
  const clock = { now: () => new Date(now), advance: (ms: number) => (now += ms) };
  // A fake sleep on the fake clock: sleepers wake in the order of their times, each with the clock at its time.
  const sleepers: { until: number; wake: () => void }[] = [];
  const wakeNext = () => {
    sleepers.sort((a, b) => a.until - b.until);
    const next = sleepers.shift();
    if (!next) return;
    now = Math.max(now, next.until);
    next.wake();
    if (sleepers.length > 0) setImmediate(wakeNext);
  };
  const sleep = (ms: number) =>
    new Promise<void>((wake) => {
      sleepers.push({ until: now + ms + (options.oversleepMs?.(ms) ?? 0), wake });
      if (sleepers.length === 1) setImmediate(wakeNext);
    });
  const sentAt: number[] = [];
  const store = new InMemoryDeliveryStore();
  store.putAccount({ accountId: ACCOUNT, name: 'A', webhooksEnabled: true, maxEndpoints: 10, endpointCount: 0, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' });
  const sends: { url: string; attempt: number; deliveryId: string }[] = [];
  /** What each send carried, for the tests about bodies and headers. */
  const requests: { url: string; headers: Record<string, string>; body: string }[] = [];
  let script: Script = options.script ?? (() => ok);
  const sender: HttpSender = {
    async send(url, headers, body) {
      requests.push({ url, headers, body });
      const attempt = Number(headers['X-GeoRedir-Attempt'] ?? headers['x-georedir-attempt']);
      sends.push({ url, attempt, deliveryId: String(headers['X-GeoRedir-Delivery'] ?? headers['x-georedir-delivery']) });
      sentAt.push(now);
      return script(url, attempt);
    },
    close: async () => undefined,
  };
  const scheduled: { message: RetryMessage; delaySeconds: number }[] = [];
  const retries: RetryScheduler = {
    async schedule(message, delaySeconds) {
      scheduled.push({ message, delaySeconds });
    },
    sendNow: async () => [],
    cancel: async () => undefined,
  };
  const disabledEvents: unknown[] = [];
  const metrics: string[] = [];
  const build = () =>
    new DeliveryService({
      store,
      sender,
      retries,
      operationalEvents: { endpointDisabled: async (event) => void disabledEvents.push(event) },
      retrySchedule: options.schedule ?? [60, 300],
      eventSource: 'georedir',
      deliveryTimeoutMs: 30_000,
      recordWaitLimitSeconds: recordWaitLimitSeconds(30_000),
      userAgent: 'test',
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
      count: (metric, value = 1) => metrics.push(...Array<string>(value).fill(metric)),
      now: clock.now,
      // The schedule's own delays unless a test asks for jitter.
      random: options.random ?? (() => 0),
      sleep,
      // Reservations take no time on the fake clock.
      firstReservationLeadMs: 0,
    });
  const service = build();
  let messageIds = 0;
  const message = (body: unknown): QueueMessage => ({ id: `m${(messageIds += 1)}`, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return {
    store,
    clock,
    sends,
    requests,
    sentAt,
    scheduled,
    disabledEvents,
    metrics,
    service,
    build,
    setScript: (next: Script) => (script = next),
    message,
    endpoint(id: string, extra: Partial<Endpoint> = {}): Endpoint {
      const endpoint: Endpoint = {
        accountId: ACCOUNT,
        endpointId: id,
        url: `https://${id}.example.com/hook`,
        events: ['*'],
        status: 'active',
        secret: SECRET,
        consecutiveFailures: 0,
        createdAt: '2026-01-01T00:00:00Z',
        updatedAt: '2026-01-01T00:00:00Z',
        ...extra,
      };
      store.putEndpoint(endpoint);
      return endpoint;
    },
    click(id: string, data: Record<string, unknown> = {}) {
      return message({
        id: `eb-${id}`,
        source: 'georedir',
        'detail-type': 'click',
        time: '2026-11-28T10:00:00Z',
        detail: { account_id: ACCOUNT, id, data: { ...EVENT_CATALOGUE.click.example, click_id: id, ...data } },
      });
    },
    /** The retry message the last failed attempt handed over, as SQS would deliver it. */
    due(index = scheduled.length - 1): QueueMessage {
      const entry = scheduled[index];
      if (!entry) throw new Error('nothing scheduled');
      return message(retryMessageBody(entry.message));
    },
  };
}

const idOf = (event: string, endpoint: string) => deliveryIdFor(ACCOUNT, event, endpoint);

describe('first attempt', () => {
  it('sends once, records the delivery in one write with its attempt, and logs it', async () => {
    const t = setup();
    t.endpoint('ep_a');
    expect(await t.service.handleBatch([t.click('c1')])).toEqual([]);
    expect(t.sends).toEqual([{ url: 'https://ep_a.example.com/hook', attempt: 1, deliveryId: idOf('c1', 'ep_a') }]);
    const delivery = t.store.deliveries.get(idOf('c1', 'ep_a'));
    expect(delivery).toMatchObject({ status: 'succeeded', attemptCount: 1, eventType: 'click' });
    expect(delivery?.attempts).toHaveLength(1);
    expect(JSON.parse(delivery?.body ?? '')).toMatchObject({ event: 'click', data: { click_id: 'c1' } });
    expect(t.store.log).toEqual([{ accountId: ACCOUNT, entries: [{ deliveryId: idOf('c1', 'ep_a'), endpointId: 'ep_a', eventType: 'click', attempt: 1, created: true }] }]);
  });

  it('records the new deliveries of a batch in one write, skipped ones included', async () => {
    const t = setup();
    t.endpoint('ep_a');
    t.endpoint('ep_b');
    t.endpoint('ep_off', { status: 'disabled' });
    await t.service.handleBatch(['c1', 'c2', 'c3', 'c4', 'c5'].map((id) => t.click(id)));
    expect(t.store.createCalls).toEqual([15]);
    expect(t.sends).toHaveLength(10);
    expect(t.store.deliveries.get(idOf('c5', 'ep_off'))).toMatchObject({ status: 'skipped' });
  });

  it('does not hold a fast delivery\'s record for a slow send in the same batch', async () => {
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const t = setup({ script: async (url) => (url.includes('ep_slow') ? (await slow, ok) : ok) });
    t.endpoint('ep_fast');
    t.endpoint('ep_slow');
    const batch = t.service.handleBatch([t.click('c1')]);
    // The fast record is written after the linger, while the slow send is still out.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(t.store.deliveries.get(idOf('c1', 'ep_fast'))).toMatchObject({ status: 'succeeded' });
    expect(t.store.deliveries.has(idOf('c1', 'ep_slow'))).toBe(false);
    release();
    expect(await batch).toEqual([]);
    expect(t.store.createCalls).toEqual([1, 1]);
  });

  it('does not write the endpoint item for a success while nothing about it changes', async () => {
    const t = setup();
    t.endpoint('ep_a');
    await t.service.handleBatch([t.click('c1'), t.click('c2')]);
    expect(t.store.endpointWrites).toBe(1); // lastSuccessAt stamped once
    t.clock.advance(1_000);
    await t.service.handleBatch([t.click('c3'), t.click('c4'), t.click('c5')]);
    expect(t.store.endpointWrites).toBe(1);
    expect(t.sends).toHaveLength(5);
  });

  it('sends nothing new for a second copy of the event', async () => {
    const t = setup();
    t.endpoint('ep_a');
    await t.service.handleBatch([t.click('c1')]);
    await t.service.handleBatch([t.click('c1'), t.click('c1')]);
    expect(t.sends).toHaveLength(1);
    expect(t.metrics.filter((metric) => metric === 'DuplicateEvents')).toHaveLength(2);
  });

  it('sends once when two copies of an event arrive in the same batch', async () => {
    const t = setup();
    t.endpoint('ep_a');
    await t.service.handleBatch([t.click('c1'), t.click('c1')]);
    expect(t.sends).toHaveLength(1);
    expect(t.metrics).not.toContain('DuplicateSends');
  });

  it('fans out to subscribed endpoints only, and rejects what it cannot deliver with a reason', async () => {
    const t = setup();
    t.endpoint('ep_all');
    t.endpoint('ep_links', { events: ['link.created'] });
    await t.service.handleBatch([t.click('c1'), t.message('not json'), t.message({ source: 'georedir', 'detail-type': 'click', time: '2026-11-28T10:00:00Z', detail: { account_id: 'acct_nobody', data: EVENT_CATALOGUE.click.example } })]);
    expect(t.sends.map((send) => send.url)).toEqual(['https://ep_all.example.com/hook']);
    expect(t.store.rejected.map((rejected) => rejected.reason)).toEqual(['message body is not JSON', 'unknown account acct_nobody']);
  });

  it('sends again after a dispatcher died between the send and its record (the one allowed duplicate)', async () => {
    const t = setup();
    t.endpoint('ep_a');
    const create = t.store.createDeliveries.bind(t.store);
    t.store.createDeliveries = async () => {
      throw new Error('died');
    };
    const message = t.click('c1');
    expect(await t.service.handleBatch([message])).toEqual([message.id]);
    t.store.createDeliveries = create;
    expect(await t.service.handleBatch([message])).toEqual([]);
    expect(t.sends.map((send) => send.attempt)).toEqual([1, 1]);
    expect(t.store.deliveries.get(idOf('c1', 'ep_a'))).toMatchObject({ status: 'succeeded', attemptCount: 1 });
  });
});

describe('retries', () => {
  it('hands a failed attempt over before recording it, then makes the retry when it is due', async () => {
    const t = setup({ script: (_url, attempt) => (attempt === 1 ? serverError : ok) });
    t.endpoint('ep_a');
    await t.service.handleBatch([t.click('c1')]);
    expect(t.scheduled).toEqual([{ message: { kind: 'retry', deliveryId: idOf('c1', 'ep_a'), accountId: ACCOUNT, endpointId: 'ep_a', attempt: 2 }, delaySeconds: 60 }]);
    expect(t.store.deliveries.get(idOf('c1', 'ep_a'))).toMatchObject({ status: 'pending', attemptCount: 1, nextAttemptAt: '2026-11-28T10:01:00.005Z' }); // 60 s after the 5 ms answer
    t.clock.advance(60_000);
    await t.service.handleBatch([t.due()]);
    expect(t.sends.map((send) => send.attempt)).toEqual([1, 2]);
    const delivery = t.store.deliveries.get(idOf('c1', 'ep_a'));
    expect(delivery).toMatchObject({ status: 'succeeded', attemptCount: 2 });
    expect(delivery?.attempts.map((attempt) => attempt.outcome)).toEqual(['failed', 'succeeded']);
    expect(delivery?.attempts[0]?.nextRetryAt).toBe('2026-11-28T10:01:00.005Z');
  });

  it('jitters each retry 0 to 10% later than the schedule, and says so in nextAttemptAt and nextRetryAt', async () => {
    const t = setup({ script: () => serverError, random: () => 0.99 });
    t.endpoint('ep_a');
    await t.service.handleBatch([t.click('c1'), t.click('c2')]);
    expect(t.scheduled.map((handover) => handover.delaySeconds)).toEqual([66, 66]);
    const delivery = t.store.deliveries.get(idOf('c1', 'ep_a'));
    expect(delivery).toMatchObject({ nextAttemptAt: '2026-11-28T10:01:06.005Z' });
    expect(delivery?.attempts[0]?.nextRetryAt).toBe('2026-11-28T10:01:06.005Z');
  });

  it('gives up after the last retry', async () => {
    const t = setup({ schedule: [1, 2], script: () => serverError });
    t.endpoint('ep_a');
    await t.service.handleBatch([t.click('c1')]);
    await t.service.handleBatch([t.due()]);
    await t.service.handleBatch([t.due()]);
    expect(t.sends.map((send) => send.attempt)).toEqual([1, 2, 3]);
    expect(t.store.deliveries.get(idOf('c1', 'ep_a'))).toMatchObject({ status: 'failed', reason: 'all 3 attempts failed' });
    expect(t.scheduled).toHaveLength(2);
  });

  it('makes one attempt when a retry message arrives twice (the claim)', async () => {
    const t = setup({ script: (_url, attempt) => (attempt === 1 ? serverError : ok) });
    t.endpoint('ep_a');
    await t.service.handleBatch([t.click('c1')]);
    const due = t.due();
    const results = await Promise.all([t.service.handleBatch([due]), t.build().handleBatch([due])]);
    expect(t.sends.map((send) => send.attempt)).toEqual([1, 2]);
    // The copy that found the attempt claimed goes back to SQS rather than vanish...
    expect(results.flat()).toEqual([due.id]);
    // ...and, when it comes back after the attempt was recorded, is ignored.
    expect(await t.service.handleBatch([due])).toEqual([]);
    expect(t.sends).toHaveLength(2);
  });

  it('resumes a claimed retry whose dispatcher died, once its lease has run out', async () => {
    const t = setup({ script: (_url, attempt) => (attempt === 1 ? serverError : ok) });
    t.endpoint('ep_a');
    await t.service.handleBatch([t.click('c1')]);
    const due = t.due();
    const record = t.store.recordAttempt.bind(t.store);
    t.store.recordAttempt = async () => {
      throw new Error('died');
    };
    expect(await t.service.handleBatch([due])).toEqual([due.id]);
    t.store.recordAttempt = record;
    // Still within the lease: someone else may hold it, so the message goes back to SQS.
    expect(await t.service.handleBatch([due])).toEqual([due.id]);
    expect(t.sends).toHaveLength(2);
    t.clock.advance(61_000);
    await t.service.handleBatch([due]);
    expect(t.sends.map((send) => send.attempt)).toEqual([1, 2, 2]);
    expect(t.store.deliveries.get(idOf('c1', 'ep_a'))).toMatchObject({ status: 'succeeded', attemptCount: 2 });
  });

  it('keeps a retry that arrives before the failed attempt is recorded, and makes it once the record is there', async () => {
    const t = setup({ script: (_url, attempt) => (attempt === 1 ? serverError : ok) });
    t.endpoint('ep_a');
    // The retry SQS brings back while the dispatcher that handed it over is still writing its record.
    const early: RetryMessage = { kind: 'retry', deliveryId: idOf('c1', 'ep_a'), accountId: ACCOUNT, endpointId: 'ep_a', attempt: 2 };
    expect(await t.service.handleBatch([t.message(retryMessageBody(early))])).toEqual([]);
    expect(t.sends).toHaveLength(0);
    expect(t.scheduled).toEqual([{ message: { ...early, waitedForRecordSeconds: 1 }, delaySeconds: 1 }]);
    await t.service.handleBatch([t.click('c1')]);
    t.clock.advance(60_000);
    await t.service.handleBatch([t.due(0)]);
    await t.service.handleBatch([t.due(1)]); // the regular copy: the attempt is made already
    expect(t.sends.map((send) => send.attempt)).toEqual([1, 2]);
    expect(t.store.deliveries.get(idOf('c1', 'ep_a'))).toMatchObject({ status: 'succeeded', attemptCount: 2 });
  });

  it('waits for a record every second for 10 s, then with growing pauses, and gives up after 15 minutes', async () => {
    const t = setup();
    t.endpoint('ep_a');
    const never: RetryMessage = { kind: 'retry', deliveryId: idOf('c9', 'ep_a'), accountId: ACCOUNT, endpointId: 'ep_a', attempt: 3 };
    await t.service.handleBatch([t.message(retryMessageBody(never))]);
    while (t.scheduled.length < 40) {
      const before = t.scheduled.length;
      await t.service.handleBatch([t.due()]);
      if (t.scheduled.length === before) break;
    }
    const delays = t.scheduled.map((entry) => entry.delaySeconds);
    expect(delays.slice(0, 15)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 10, 20, 40, 60, 60]);
    expect(delays.reduce((sum, delay) => sum + delay, 0)).toBeGreaterThanOrEqual(900);
    expect(delays.length).toBeLessThan(30);
    expect(t.sends).toHaveLength(0);
  });

  it('reads the endpoint again when a slow claim left its read stale, and skips if it was disabled meanwhile', async () => {
    const t = setup({ script: (_url, attempt) => (attempt === 1 ? serverError : ok) });
    t.endpoint('ep_a');
    await t.service.handleBatch([t.click('c1')]);
    const claim = t.store.claimAttempt.bind(t.store);
    t.store.claimAttempt = async (...args) => {
      // Throttled: the SDK's backoff takes seconds, during which the customer disables the endpoint.
      t.clock.advance(2_000);
      t.store.patchEndpoint(ACCOUNT, 'ep_a', { status: 'disabled' });
      return claim(...args);
    };
    await t.service.handleBatch([t.due()]);
    expect(t.sends.map((send) => send.attempt)).toEqual([1]);
    expect(t.store.deliveries.get(idOf('c1', 'ep_a'))).toMatchObject({ status: 'skipped', reason: 'endpoint disabled' });
  });

  it('redelivers a finished delivery with the same id and the next attempt number', async () => {
    const t = setup({ schedule: [], script: () => serverError });
    t.endpoint('ep_a');
    await t.service.handleBatch([t.click('c1')]);
    expect(t.store.deliveries.get(idOf('c1', 'ep_a'))?.status).toBe('failed');
    t.setScript(() => ok);
    t.store.reopen(idOf('c1', 'ep_a'));
    await t.service.handleBatch([t.message(retryMessageBody({ kind: 'retry', deliveryId: idOf('c1', 'ep_a'), accountId: ACCOUNT, endpointId: 'ep_a', attempt: 2 }))]);
    expect(t.sends.map((send) => [send.deliveryId, send.attempt])).toEqual([
      [idOf('c1', 'ep_a'), 1],
      [idOf('c1', 'ep_a'), 2],
    ]);
    expect(t.store.deliveries.get(idOf('c1', 'ep_a'))).toMatchObject({ status: 'succeeded', attemptCount: 2 });
  });
});

describe('disabled and deleted endpoints are never sent to', () => {
  it('skips a new event for a disabled endpoint and logs it as skipped', async () => {
    const t = setup();
    t.endpoint('ep_off', { status: 'disabled' });
    await t.service.handleBatch([t.click('c1')]);
    expect(t.sends).toEqual([]);
    expect(t.store.deliveries.get(idOf('c1', 'ep_off'))).toMatchObject({ status: 'skipped', reason: 'endpoint disabled', attemptCount: 0 });
  });

  it('skips a due retry once the endpoint is disabled or deleted', async () => {
    const t = setup({ script: () => serverError });
    t.endpoint('ep_a');
    t.endpoint('ep_b');
    await t.service.handleBatch([t.click('c1')]);
    t.store.patchEndpoint(ACCOUNT, 'ep_a', { status: 'disabled' });
    t.store.endpoints.delete(`${ACCOUNT}/ep_b`);
    await t.service.handleBatch([t.due(0), t.due(1)]);
    expect(t.sends).toHaveLength(2);
    expect(t.store.deliveries.get(idOf('c1', 'ep_a'))).toMatchObject({ status: 'skipped', reason: 'endpoint disabled' });
    expect(t.store.deliveries.get(idOf('c1', 'ep_b'))).toMatchObject({ status: 'skipped', reason: 'endpoint deleted' });
  });

  it('does not resend to an endpoint disabled while its dispatcher was dead mid-send (issue reproduction)', async () => {
    const t = setup();
    t.endpoint('ep_a');
    let release: () => void = () => undefined;
    t.setScript(() => new Promise((resolve) => (release = () => resolve(ok))));
    const message = t.click('c1');
    const dying = t.service.handleBatch([message]); // the receiver holds the response: this dispatcher "dies" here
    await new Promise((resolve) => setImmediate(resolve));
    t.store.patchEndpoint(ACCOUNT, 'ep_a', { status: 'disabled' });
    t.clock.advance(10 * 60_000);
    await t.build().handleBatch([message]); // SQS hands the message to another dispatcher
    expect(t.sends).toHaveLength(1);
    expect(t.store.deliveries.get(idOf('c1', 'ep_a'))).toMatchObject({ status: 'skipped' });
    release();
    await dying;
  });
});

describe('auto-disable: 10 consecutive failed deliveries', () => {
  it('disables after the 10th delivery whose last retry failed, and announces it once', async () => {
    const t = setup({ schedule: [], script: () => serverError });
    t.endpoint('ep_a');
    for (let i = 1; i <= 9; i += 1) await t.service.handleBatch([t.click(`c${i}`)]);
    expect(t.store.endpoint(ACCOUNT, 'ep_a')).toMatchObject({ status: 'active', consecutiveFailures: 9 });
    await t.service.handleBatch([t.click('c10')]);
    expect(t.store.endpoint(ACCOUNT, 'ep_a')).toMatchObject({ status: 'disabled', disabledReason: '10 consecutive failed deliveries' });
    expect(t.disabledEvents).toHaveLength(1);
  });

  it('does not count failed attempts that are retried: a short blip disables nothing', async () => {
    const t = setup({ schedule: [1, 1, 1], script: (_url, attempt) => (attempt <= 2 ? serverError : ok) });
    t.endpoint('ep_a');
    await t.service.handleBatch(Array.from({ length: 10 }, (_, i) => t.click(`c${i}`)));
    await t.service.handleBatch(t.scheduled.map((_, index) => t.due(index)));
    const secondRetries = t.scheduled.slice(10).map((_, index) => t.due(10 + index));
    await t.service.handleBatch(secondRetries);
    expect(t.store.endpoint(ACCOUNT, 'ep_a')).toMatchObject({ status: 'active', consecutiveFailures: 0 });
    expect([...t.store.deliveries.values()].every((delivery) => delivery.status === 'succeeded')).toBe(true);
  });

  it('a success resets the count', async () => {
    const t = setup({ schedule: [] });
    t.endpoint('ep_a');
    t.setScript(() => serverError);
    for (let i = 1; i <= 9; i += 1) await t.service.handleBatch([t.click(`f${i}`)]);
    t.setScript(() => ok);
    await t.service.handleBatch([t.click('ok')]);
    expect(t.store.endpoint(ACCOUNT, 'ep_a')?.consecutiveFailures).toBe(0);
    t.setScript(() => serverError);
    await t.service.handleBatch([t.click('f10')]);
    expect(t.store.endpoint(ACCOUNT, 'ep_a')).toMatchObject({ status: 'active', consecutiveFailures: 1 });
  });

  it('disables at once on 410 Gone, without retrying', async () => {
    const t = setup({ script: () => ({ outcome: 'failed', statusCode: 410, errorClass: 'http_status', latencyMs: 3 }) });
    t.endpoint('ep_a');
    await t.service.handleBatch([t.click('c1')]);
    expect(t.scheduled).toEqual([]);
    expect(t.store.deliveries.get(idOf('c1', 'ep_a'))).toMatchObject({ status: 'failed', reason: 'endpoint answered 410 Gone' });
    expect(t.store.endpoint(ACCOUNT, 'ep_a')).toMatchObject({ status: 'disabled', disabledReason: 'endpoint answered 410 Gone' });
  });
});

describe('slow endpoints: marked while the answer is still awaited', () => {
  it('stores the endpoint as slow half a second into a send that has no answer yet, so other batches defer at once', async () => {
    const t = setup();
    t.endpoint('ep_slow');
    let release: (result: SendResult) => void = () => undefined;
    const answered = new Promise<SendResult>((resolve) => (release = resolve));
    t.setScript(() => answered as unknown as SendResult);
    const batch = t.service.handleBatch([t.click('c1')]);
    // Real time: the mark is a timer on the send, not the fake clock.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(t.store.endpoint(ACCOUNT, 'ep_slow')?.slowUntil).toBe('2026-11-28T10:01:00.000Z');
    // Another instance's batch reads it and defers, while the first send still waits.
    await t.build().handleBatch([t.click('c2')]);
    expect(t.sends.map((send) => send.deliveryId)).toEqual([idOf('c1', 'ep_slow')]);
    expect(t.store.deliveries.get(idOf('c2', 'ep_slow'))).toMatchObject({ status: 'pending', attemptCount: 0, retryScheduledFor: 1 });
    release({ ...ok, latencyMs: 700 });
    await batch;
    expect(t.store.deliveries.get(idOf('c1', 'ep_slow'))).toMatchObject({ status: 'succeeded', attemptCount: 1 });
  });

  it('leaves an endpoint that answers within half a second alone', async () => {
    const t = setup({ script: () => ({ ...ok, latencyMs: 499 }) });
    t.endpoint('ep_a');
    await t.service.handleBatch([t.click('c1')]);
    await t.service.handleBatch([t.click('c2')]);
    expect(t.store.endpoint(ACCOUNT, 'ep_a')?.slowUntil).toBeUndefined();
    expect(t.sends).toHaveLength(2);
  });
});

describe('first contact: one batch at a time sends inline to an endpoint that never answered 2xx', () => {
  it('lets one of two concurrent batches send to a new endpoint and hands the other\'s first attempts to the retry lane', async () => {
    const t = setup();
    t.endpoint('ep_new');
    t.endpoint('ep_known', { lastSuccessAt: '2026-11-28T09:00:00Z' });
    await Promise.all([t.service.handleBatch([t.click('a1'), t.click('a2')]), t.build().handleBatch([t.click('b1')])]);
    const toNew = t.sends.filter((send) => send.url.includes('ep_new')).map((send) => send.deliveryId);
    const deferred = t.scheduled.map((entry) => entry.message);
    // Either batch may win the pilot; the loser's deliveries wait in the retry lane as attempt 1, due now, counting nothing.
    expect(toNew.length + deferred.length).toBe(3);
    expect(deferred.every((message) => message.attempt === 1 && message.endpointId === 'ep_new')).toBe(true);
    expect(t.scheduled.every((entry) => entry.delaySeconds === 0)).toBe(true);
    for (const message of deferred) expect(t.store.deliveries.get(message.deliveryId)).toMatchObject({ status: 'pending', attemptCount: 0, retryScheduledFor: 1 });
    expect(t.metrics).not.toContain('AttemptsFailed');
    // A proven endpoint needs no pilot: every batch sends to it. The winner's 2xx proved ep_new: its claim is left to run out.
    expect(t.sends.filter((send) => send.url.includes('ep_known'))).toHaveLength(3);
    expect([...t.store.pilots.keys()]).toEqual([`${ACCOUNT}/ep_new`]);
    expect(t.store.endpoint(ACCOUNT, 'ep_new')?.lastSuccessAt).toBeDefined();
  });

  it('after a 2xx the endpoint is proven: later batches send inline without claiming anything', async () => {
    const t = setup();
    t.endpoint('ep_new');
    await t.service.handleBatch([t.click('c1')]);
    expect(t.store.endpoint(ACCOUNT, 'ep_new')?.lastSuccessAt).toBeDefined();
    const writes = t.store.pilotWrites;
    await Promise.all([t.service.handleBatch([t.click('c2')]), t.build().handleBatch([t.click('c3')])]);
    expect(t.sends).toHaveLength(3);
    expect(t.store.pilotWrites).toBe(writes);
  });

  it('any quick answer proves the endpoint, a 500 too: later batches send inline without claiming anything', async () => {
    const t = setup({ script: () => serverError });
    t.endpoint('ep_failing');
    await t.service.handleBatch([t.click('c1')]);
    expect(t.store.endpoint(ACCOUNT, 'ep_failing')?.provenAt).toBe('2026-11-28T10:00:00.000Z');
    const writes = t.store.pilotWrites;
    await Promise.all([t.service.handleBatch([t.click('c2')]), t.build().handleBatch([t.click('c3')])]);
    expect(t.sends.map((send) => send.attempt)).toEqual([1, 1, 1]);
    expect(t.store.pilotWrites).toBe(writes);
  });

  it('a pilot batch that proved nothing (no answer in time) gives the pilot back; a dead holder\'s runs out', async () => {
    const t = setup({ script: () => (t.sends.length === 1 ? timeout : ok) });
    t.endpoint('ep_new');
    await t.service.handleBatch([t.click('c1')]);
    expect(t.store.endpoint(ACCOUNT, 'ep_new')?.provenAt).toBeUndefined();
    expect([...t.store.pilots.keys()]).toEqual([]);
    // A holder that died: its claim lasts one send and its margin; meanwhile first attempts wait in the retry lane.
    await t.store.claimPilot(ACCOUNT, 'ep_new', 'dead-dispatcher', new Date(t.clock.now().getTime() + 60_000), t.clock.now());
    await t.service.handleBatch([t.click('c2')]);
    expect(t.sends).toHaveLength(1);
    expect(t.scheduled.at(-1)?.message).toMatchObject({ attempt: 1, deliveryId: idOf('c2', 'ep_new') });
    t.clock.advance(60_001);
    await t.service.handleBatch([t.click('c3')]);
    expect(t.sends).toHaveLength(2);
    expect(t.store.endpoint(ACCOUNT, 'ep_new')?.provenAt).toBeDefined();
  });

  it('a pilot claim that fails counts as taken: the first attempts wait in the retry lane, and the event is not sent back', async () => {
    const t = setup();
    t.endpoint('ep_new');
    t.store.claimPilot = async () => Promise.reject(new Error('ProvisionedThroughputExceededException'));
    expect(await t.service.handleBatch([t.click('c1')])).toEqual([]);
    expect(t.sends).toHaveLength(0);
    expect(t.scheduled.map((entry) => entry.message)).toEqual([expect.objectContaining({ attempt: 1, deliveryId: idOf('c1', 'ep_new') })]);
  });
});

describe('per-endpoint rate limit: every dispatcher keeps to one schedule of slots', () => {
  const start = Date.parse('2026-11-28T10:00:00Z');

  it('a send woken well after its slot (a stalled instance) takes a new slot instead of crowding the ones after it', async () => {
    let stalls = 1;
    // The first wait overruns by 400 ms, as a busy event loop can.
    const t = setup({ oversleepMs: () => (stalls-- > 0 ? 400 : 0) });
    t.endpoint('ep_a', { rateLimit: 4 });
    await t.service.handleBatch(['c1', 'c2'].map((id) => t.click(id)));
    // Slots 0 and +250; the second woke at +650, 400 ms late, so it reserved a new slot and was sent at that.
    expect(t.store.slotReservations).toBe(2);
    const times = t.sentAt.map((at) => at - start);
    expect(times[0]).toBe(0);
    expect(times[1]).toBeGreaterThanOrEqual(650);
    // Never two sends closer than a slot apart.
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(250);
    expect(t.sends).toHaveLength(2);
  });

  it('sends a batch at its slots (one reservation), waits for near ones and hands later ones to the retry lane, counting nothing', async () => {
    const t = setup();
    t.endpoint('ep_a', { rateLimit: 4 });
    t.endpoint('ep_free');
    await t.service.handleBatch(['c1', 'c2', 'c3', 'c4', 'c5'].flatMap((id) => [t.click(id)]));
    // 250 ms apart: now and +250 sent here (the batch's read is fresh for 500 ms), +500 too; the rest wait on the queue.
    expect(t.store.slotReservations).toBe(1);
    const toA = t.sends.filter((send) => send.url.includes('ep_a'));
    expect(toA).toHaveLength(3);
    expect(t.sentAt.filter((_, index) => t.sends[index]!.url.includes('ep_a')).map((at) => at - start)).toEqual([0, 250, 500]);
    // The endpoint without a limit is neither reserved for nor held back.
    expect(t.sends.filter((send) => send.url.includes('ep_free'))).toHaveLength(5);
    expect(t.scheduled.map(({ message, delaySeconds }) => ({ attempt: message.attempt, notBefore: (message.notBefore ?? 0) - start, delaySeconds }))).toEqual([
      { attempt: 1, notBefore: 750, delaySeconds: 0 },
      { attempt: 1, notBefore: 1000, delaySeconds: 0 },
    ]);
    const waiting = t.store.deliveries.get(idOf('c5', 'ep_a'));
    expect(waiting).toMatchObject({ status: 'pending', attemptCount: 0, nextAttemptAt: '2026-11-28T10:00:01.000Z', retryScheduledFor: 1 });
    expect(t.metrics.filter((metric) => metric === 'SendsRateLimited')).toHaveLength(2);
    expect(t.metrics).not.toContain('AttemptsFailed');
    expect(t.store.endpoint(ACCOUNT, 'ep_a')).toMatchObject({ consecutiveFailures: 0 });
    expect(t.store.sendSchedules.get(`${ACCOUNT}/ep_a`)).toBe(start + 1250);

    // The retry lane makes them at their slots as attempt 1, without reserving again.
    await t.service.handleBatch([t.due(0), t.due(1)]);
    expect(t.store.slotReservations).toBe(1);
    expect(t.sentAt.slice(-2).map((at) => at - start)).toEqual([750, 1000]);
    expect(t.sends.slice(-2).map((send) => send.attempt)).toEqual([1, 1]);
    expect(t.store.deliveries.get(idOf('c5', 'ep_a'))).toMatchObject({ status: 'succeeded', attemptCount: 1 });
  });

  it('keeps to the limit across dispatchers sharing the endpoint, and an idle endpoint earns no burst', async () => {
    const t = setup();
    // Established (it has answered 2xx before): both batches send inline, with no pilot between them.
    t.endpoint('ep_a', { rateLimit: 10, lastSuccessAt: '2026-11-28T09:00:00Z' });
    const other = t.build();
    await Promise.all([t.service.handleBatch([t.click('a1'), t.click('a2'), t.click('a3')]), other.handleBatch([t.click('b1'), t.click('b2'), t.click('b3')])]);
    for (const due of t.scheduled.map((_, index) => t.due(index))) await t.service.handleBatch([due]);
    const times = [...t.sentAt].sort((a, b) => a - b);
    expect(times).toHaveLength(6);
    times.slice(1).forEach((at, index) => expect(at - times[index]!).toBeGreaterThanOrEqual(100));
    expect(t.store.slotReservations).toBe(2);

    // A minute of quiet: the schedule restarts at now, and the next batch is spaced again from there.
    t.clock.advance(60_000);
    const sentBefore = t.sentAt.length;
    await t.service.handleBatch([t.click('q1'), t.click('q2')]);
    expect(t.sentAt.slice(sentBefore).map((at) => at - t.sentAt[sentBefore]!)).toEqual([0, 100]);
  });

  it('a retry to a limited endpoint takes a slot; one far off goes back on the queue unclaimed, and keeps its slot', async () => {
    const t = setup({ script: (_url, attempt) => (attempt === 1 ? serverError : ok) });
    t.endpoint('ep_a', { rateLimit: 1 });
    await t.service.handleBatch([t.click('c1')]);
    expect(t.scheduled).toHaveLength(1);
    // Someone else took the next 10 s of the schedule meanwhile.
    t.store.sendSchedules.set(`${ACCOUNT}/ep_a`, t.clock.now().getTime() + 70_000);
    t.clock.advance(60_000);
    await t.service.handleBatch([t.due(0)]);
    expect(t.sends).toHaveLength(1);
    const [, back] = t.scheduled;
    expect(back?.message).toMatchObject({ attempt: 2, notBefore: t.clock.now().getTime() + 10_000 });
    expect(back?.delaySeconds).toBe(9);
    expect(t.store.deliveries.get(idOf('c1', 'ep_a'))).toMatchObject({ status: 'pending', attemptCount: 1 });
    expect(t.store.deliveries.get(idOf('c1', 'ep_a'))).not.toHaveProperty('claimedAttempt', 2);
    t.clock.advance(9_000);
    await t.service.handleBatch([t.due(1)]);
    expect(t.sends.map((send) => send.attempt)).toEqual([1, 2]);
    expect(t.sentAt[1]).toBe(Date.parse('2026-11-28T10:01:10.000Z'));
    expect(t.store.deliveries.get(idOf('c1', 'ep_a'))).toMatchObject({ status: 'succeeded', attemptCount: 2 });
  });
});

describe('slow endpoints: first attempts deferred to the retry lane', () => {
  const slowOk: SendResult = { ...ok, latencyMs: 6_000 };
  const slowError: SendResult = { ...serverError, latencyMs: 6_000 };

  it('defers a slow endpoint\'s first attempts to the retry lane (every instance, through the endpoint item), counting nothing', async () => {
    const t = setup({ script: (url) => (url.includes('ep_slow') ? slowOk : ok) });
    t.endpoint('ep_slow');
    t.endpoint('ep_fast');
    await t.service.handleBatch([t.click('c1')]); // the slow answer arrives; both sent inline
    expect(t.store.endpoint(ACCOUNT, 'ep_slow')?.slowUntil).toBe('2026-11-28T10:01:00.000Z');
    expect(t.store.endpoint(ACCOUNT, 'ep_fast')?.slowUntil).toBeUndefined();

    await t.build().handleBatch([t.click('c2')]); // another instance reads slowUntil from the endpoint item
    expect(t.sends.map((send) => send.deliveryId).sort()).toEqual([idOf('c1', 'ep_slow'), idOf('c1', 'ep_fast'), idOf('c2', 'ep_fast')].sort());
    expect(t.scheduled).toEqual([{ message: { kind: 'retry', deliveryId: idOf('c2', 'ep_slow'), accountId: ACCOUNT, endpointId: 'ep_slow', attempt: 1 }, delaySeconds: 0 }]);
    const deferred = t.store.deliveries.get(idOf('c2', 'ep_slow'));
    expect(deferred).toMatchObject({ status: 'pending', attemptCount: 0, attempts: [], nextAttemptAt: '2026-11-28T10:00:00.000Z', retryScheduledFor: 1 });
    expect(t.metrics.filter((metric) => metric === 'FirstAttemptsDeferred')).toHaveLength(1);
    expect(t.metrics).not.toContain('AttemptsFailed');

    // The retry lane makes attempt 1 and records it like any first attempt.
    await t.service.handleBatch([t.due()]);
    expect(t.sends.at(-1)).toEqual({ url: 'https://ep_slow.example.com/hook', attempt: 1, deliveryId: idOf('c2', 'ep_slow') });
    expect(t.store.deliveries.get(idOf('c2', 'ep_slow'))).toMatchObject({ status: 'succeeded', attemptCount: 1 });
  });

  it('runs the retry table from the deferred attempt\'s own answer', async () => {
    const t = setup({ script: () => slowError });
    t.endpoint('ep_slow');
    await t.service.handleBatch([t.click('c1')]);
    await t.service.handleBatch([t.click('c2')]);
    expect(t.scheduled.map((entry) => [entry.message.deliveryId, entry.message.attempt, entry.delaySeconds])).toEqual([
      [idOf('c1', 'ep_slow'), 2, 60],
      [idOf('c2', 'ep_slow'), 1, 0],
    ]);
    await t.service.handleBatch([t.due(1)]);
    expect(t.store.deliveries.get(idOf('c2', 'ep_slow'))).toMatchObject({ status: 'pending', attemptCount: 1, retryScheduledFor: 2 });
    expect(t.scheduled.at(-1)).toMatchObject({ message: { deliveryId: idOf('c2', 'ep_slow'), attempt: 2 }, delaySeconds: 60 });
  });

  it('never sends a deferred attempt to an endpoint disabled meanwhile', async () => {
    const t = setup({ script: () => slowOk });
    t.endpoint('ep_slow');
    await t.service.handleBatch([t.click('c1')]);
    await t.service.handleBatch([t.click('c2')]);
    t.store.patchEndpoint(ACCOUNT, 'ep_slow', { status: 'disabled' });
    await t.service.handleBatch([t.due()]);
    expect(t.sends).toHaveLength(1);
    expect(t.store.deliveries.get(idOf('c2', 'ep_slow'))).toMatchObject({ status: 'skipped', reason: 'endpoint disabled', attemptCount: 0 });
  });

  it('renews the stored deferral only past half of it, and sends inline again once answers are quick', async () => {
    const t = setup({ script: () => slowOk });
    t.endpoint('ep_slow');
    await t.service.handleBatch([t.click('c1')]);
    const writes = t.store.endpointWrites;
    await t.service.handleBatch([t.click('c2')]);
    t.clock.advance(10_000);
    await t.service.handleBatch([t.due()]); // slow again 10 s later: the stored 60 s still has 50 to run
    expect(t.store.endpointWrites).toBe(writes);
    t.clock.advance(25_000);
    await t.service.handleBatch([t.click('c3')]);
    await t.service.handleBatch([t.due()]); // slow again with 25 s left: renewed
    expect(t.store.endpoint(ACCOUNT, 'ep_slow')?.slowUntil).toBe('2026-11-28T10:01:35.000Z');

    t.setScript(() => ok);
    t.clock.advance(61_000);
    const sent = t.sends.length;
    await t.service.handleBatch([t.click('c4')]);
    expect(t.sends.slice(sent)).toEqual([{ url: 'https://ep_slow.example.com/hook', attempt: 1, deliveryId: idOf('c4', 'ep_slow') }]);
  });

  it('leaves timeouts to the circuit breaker: a timed-out endpoint is not deferred', async () => {
    const t = setup({ script: () => timeout });
    t.endpoint('ep_a');
    await t.service.handleBatch([t.click('c1')]);
    expect(t.store.endpoint(ACCOUNT, 'ep_a')?.slowUntil).toBeUndefined();
    await t.service.handleBatch([t.click('c2')]);
    expect(t.sends).toHaveLength(2);
  });
});

describe('circuit breaker', () => {
  it('stops sending to an endpoint that keeps timing out, keeps the retry schedule, and tells other dispatchers', async () => {
    const t = setup({ script: (url) => (url.includes('ep_slow') ? timeout : ok) });
    t.endpoint('ep_slow');
    await t.service.handleBatch([t.click('c1')]);
    await t.service.handleBatch([t.click('c2')]); // the second timeout opens the circuit
    const stored = t.store.endpoint(ACCOUNT, 'ep_slow');
    expect(stored?.circuitOpenUntil).toBe('2026-11-28T10:00:30.000Z');
    await t.service.handleBatch([t.click('c3')]);
    await t.build().handleBatch([t.click('c4')]); // another instance reads the open circuit from the endpoint
    expect(t.sends).toHaveLength(2);
    const refused = t.store.deliveries.get(idOf('c4', 'ep_slow'));
    expect(refused).toMatchObject({ status: 'pending', attemptCount: 1 });
    expect(refused?.attempts[0]).toMatchObject({ outcome: 'failed', errorClass: 'circuit_open', latencyMs: 0 });
    expect(t.scheduled.map((entry) => entry.delaySeconds)).toEqual([60, 60, 60, 60]);
  });

  it('refuses a retry due in a cool-down without claiming it, and keeps the retry schedule', async () => {
    const t = setup({ script: () => timeout });
    t.endpoint('ep_a');
    await t.service.handleBatch([t.click('c1')]);
    await t.service.handleBatch([t.click('c2')]); // open for 30 s
    let claims = 0;
    const claim = t.store.claimAttempt.bind(t.store);
    t.store.claimAttempt = async (...args) => ((claims += 1), claim(...args));
    await t.service.handleBatch([t.due(0), t.due(1)]);
    expect(claims).toBe(0);
    expect(t.store.refusalsRecorded).toBe(2);
    expect(t.sends).toHaveLength(2);
    expect(t.store.deliveries.get(idOf('c1', 'ep_a'))).toMatchObject({ status: 'pending', attemptCount: 2 });
    expect(t.store.deliveries.get(idOf('c1', 'ep_a'))?.attempts[1]).toMatchObject({ attempt: 2, outcome: 'failed', errorClass: 'circuit_open' });
    expect(t.scheduled.slice(2).map((entry) => [entry.message.attempt, entry.delaySeconds])).toEqual([[3, 300], [3, 300]]);
  });

  it('leaves an attempt another dispatcher holds to that dispatcher, even in a cool-down', async () => {
    const t = setup({ script: () => timeout });
    t.endpoint('ep_a');
    await t.service.handleBatch([t.click('c1')]);
    await t.service.handleBatch([t.click('c2')]); // open for 30 s
    const deliveryId = idOf('c1', 'ep_a');
    // Another dispatcher claimed attempt 2 before the circuit opened and is still sending it.
    expect(await t.store.claimAttempt(deliveryId, { attempt: 2, leaseUntil: new Date(t.clock.now().getTime() + 60_000) }, t.clock.now())).toBe(true);
    await t.service.handleBatch([t.due(0)]);
    expect(t.store.refusalsRecorded).toBe(0);
    expect(t.store.deliveries.get(deliveryId)).toMatchObject({ status: 'pending', attemptCount: 1 });
    expect(t.metrics).not.toContain('DuplicateSends');
  });

  it('probes a half-open circuit with a retry only, never with a first attempt, and closes on its success', async () => {
    const t = setup({ script: () => timeout });
    t.endpoint('ep_a');
    await t.service.handleBatch([t.click('c1')]);
    await t.service.handleBatch([t.click('c2')]);
    t.clock.advance(31_000);
    t.setScript(() => ok);
    // Half-open: a first attempt is not the probe (it would hold a batch of producer events for the
    // whole timeout); it is recorded not sent, and its retry goes on the retry lane.
    await t.service.handleBatch([t.click('c3')]);
    expect(t.sends).toHaveLength(2);
    expect(t.store.probeClaims).toBe(0);
    expect(t.store.deliveries.get(idOf('c3', 'ep_a'))?.attempts[0]).toMatchObject({ attempt: 1, errorClass: 'circuit_open' });
    // c1's retry is the probe; c2's, in the same batch, waits for it (not sent).
    await t.service.handleBatch([t.due(0), t.due(1)]);
    expect(t.sends.map((send) => send.deliveryId)).toEqual([idOf('c1', 'ep_a'), idOf('c2', 'ep_a'), idOf('c1', 'ep_a')]);
    expect(t.store.probeClaims).toBe(1);
    expect(t.store.endpoint(ACCOUNT, 'ep_a')?.circuitOpenUntil).toBeUndefined(); // closed for every instance
    await t.service.handleBatch([t.click('c5')]);
    expect(t.sends).toHaveLength(4);
  });

  it('lets one instance probe a half-open circuit, however many there are', async () => {
    const t = setup({ script: () => timeout });
    t.endpoint('ep_a');
    await t.service.handleBatch([t.click('c1')]);
    await t.service.handleBatch([t.click('c2')]);
    await t.service.handleBatch([t.click('c3'), t.click('c4')]); // open: refused, retries scheduled
    expect(t.scheduled).toHaveLength(4);
    t.clock.advance(31_000);
    const others = [t.build(), t.build(), t.build()];
    // Instances that never saw the circuit open read it from the endpoint: half-open for them too.
    await Promise.all([t.service.handleBatch([t.due(0)]), ...others.map((other, index) => other.handleBatch([t.due(index + 1)]))]);
    expect(t.sends).toHaveLength(3);
    expect(t.store.probeClaims).toBe(1);
    // The probe timed out: open again for everyone.
    expect(Date.parse(t.store.endpoint(ACCOUNT, 'ep_a')?.circuitOpenUntil ?? '')).toBeGreaterThan(t.clock.now().getTime());
    await Promise.all(others.map((other, index) => other.handleBatch([t.click(`e${index}`)])));
    expect(t.sends).toHaveLength(3);
  });
});

describe('what each endpoint chooses to receive', () => {
  it("sends only the events an endpoint's filter matches; the others make no delivery and no write, only a count on the log page", async () => {
    const t = setup();
    t.endpoint('ep_all');
    t.endpoint('ep_us_unique', { filter: { is_unique: [true], country: ['US', 'CA'] } });
    await t.service.handleBatch([t.click('c1', { country: 'US' }), t.click('c2', { country: 'FR' }), t.click('c3', { country: 'CA', is_unique: false })]);
    expect(t.sends.filter((send) => send.url.includes('ep_us_unique')).map((send) => send.deliveryId)).toEqual([idOf('c1', 'ep_us_unique')]);
    expect(t.sends.filter((send) => send.url.includes('ep_all'))).toHaveLength(3);
    expect(t.store.deliveries.has(idOf('c2', 'ep_us_unique'))).toBe(false);
    expect(t.store.deliveries.has(idOf('c3', 'ep_us_unique'))).toBe(false);
    expect(t.store.createCalls).toEqual([4]);
    expect(t.store.log).toHaveLength(1);
    expect(t.store.log[0]?.entries).toHaveLength(4);
    expect(t.store.log[0]?.filtered).toEqual(new Map([['ep_us_unique', 2]]));
    expect(t.metrics.filter((metric) => metric === 'EventsFiltered')).toHaveLength(2);
  });

  it('writes only the log page (no read, no delivery) for a batch whose every event a filter left out', async () => {
    const t = setup();
    t.endpoint('ep_big', { filter: { revenue: [{ numeric: ['>=', 100] }] }, events: ['conversion'] });
    const conversion = (id: string, revenue: number) =>
      t.message({
        source: 'georedir',
        'detail-type': 'conversion',
        time: '2026-11-28T10:00:00Z',
        detail: { account_id: ACCOUNT, data: { ...EVENT_CATALOGUE.conversion.example, conversion_id: id, revenue } },
      });
    expect(await t.service.handleBatch([conversion('v1', 50), conversion('v2', 99.5)])).toEqual([]);
    expect(t.sends).toEqual([]);
    expect(t.store.createCalls).toEqual([]);
    expect(t.store.log).toEqual([{ accountId: ACCOUNT, entries: [], filtered: new Map([['ep_big', 2]]) }]);
    await t.service.handleBatch([conversion('v3', 150)]);
    expect(t.sends.map((send) => send.deliveryId)).toEqual([deliveryIdFor(ACCOUNT, 'conversion:v3', 'ep_big')]);
  });

  it('counts two copies of one left-out event in a batch once', async () => {
    const t = setup();
    t.endpoint('ep_ca', { filter: { country: ['CA'] } });
    await t.service.handleBatch([t.click('c1'), t.click('c1')]);
    expect(t.store.log[0]?.filtered).toEqual(new Map([['ep_ca', 1]]));
  });

  it('applies a filter changed since the endpoint list was cached: the fresh read of the endpoint decides', async () => {
    const t = setup();
    const endpoint = t.endpoint('ep_a');
    await t.service.handleBatch([t.click('c1')]);
    t.store.putEndpoint({ ...endpoint, filter: { country: ['CA'] } });
    await t.service.handleBatch([t.click('c2', { country: 'US' })]);
    expect(t.sends.map((send) => send.deliveryId)).toEqual([idOf('c1', 'ep_a')]);
    expect(t.store.deliveries.has(idOf('c2', 'ep_a'))).toBe(false);
  });

  it('delivers everything when a stored filter no longer compiles (nothing is lost)', async () => {
    const t = setup();
    t.endpoint('ep_a', { filter: { country: [{ 'no-such-operator': 1 }] } });
    await t.service.handleBatch([t.click('c1')]);
    expect(t.sends).toHaveLength(1);
  });

  it('removes the redacted fields from the body it signs, sends and keeps; other endpoints get them', async () => {
    const t = setup();
    t.endpoint('ep_private', { redact: ['ip', 'destination_url'] });
    t.endpoint('ep_full');
    await t.service.handleBatch([t.click('c1')]);
    const sent = (id: string) => t.requests.find((request) => request.url.includes(id));
    const privateBody = JSON.parse(sent('ep_private')?.body ?? '{}') as { data: Record<string, unknown> };
    expect(privateBody.data).not.toHaveProperty('ip');
    expect(privateBody.data).not.toHaveProperty('destination_url');
    expect(privateBody.data).toMatchObject({ click_id: 'c1', country: 'US' });
    expect(Object.keys(privateBody)).toEqual(['event', 'timestamp', 'data']);
    expect(sent('ep_private')?.headers['X-GeoRedir-Signature']).toBe(signBody(SECRET, sent('ep_private')?.body ?? ''));
    expect(t.store.deliveries.get(idOf('c1', 'ep_private'))?.body).toBe(sent('ep_private')?.body);
    expect(JSON.parse(sent('ep_full')?.body ?? '{}')).toMatchObject({ data: { ip: '203.0.113.42' } });
  });

  it("sends the endpoint's custom headers with every attempt, beside its own", async () => {
    const t = setup({ script: (_url, attempt) => (attempt === 1 ? serverError : ok) });
    t.endpoint('ep_a', { headers: { Authorization: 'Bearer s3cret-token-value', 'X-Route': 'eu' } });
    await t.service.handleBatch([t.click('c1')]);
    t.clock.advance(61_000);
    await t.service.handleBatch([t.due()]);
    expect(t.requests).toHaveLength(2);
    for (const request of t.requests) {
      expect(request.headers).toMatchObject({ Authorization: 'Bearer s3cret-token-value', 'X-Route': 'eu', 'X-GeoRedir-Event': 'click' });
    }
  });

  it('signs X-GeoRedir-Signature with the previous secret until a scheduled switch, and with the new one from then on', async () => {
    const t = setup();
    const OLD = 'whsec_b2xkc2VjcmV0b2xkc2VjcmV0b2xkc2VjcmV0';
    t.endpoint('ep_a', {
      previousSecret: { secret: OLD, expiresAt: '2026-11-29T11:00:00Z' },
      secretActivatesAt: '2026-11-28T11:00:00Z',
    });
    await t.service.handleBatch([t.click('c1')]);
    t.clock.advance(3_600_000);
    await t.service.handleBatch([t.click('c2')]);
    const [before, after] = t.requests;
    expect(before?.headers['X-GeoRedir-Signature']).toBe(signBody(OLD, before?.body ?? ''));
    expect(before?.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(after?.headers['X-GeoRedir-Signature']).toBe(signBody(SECRET, after?.body ?? ''));
  });
});
