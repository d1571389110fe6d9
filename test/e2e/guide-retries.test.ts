// The guide's retry promises on a shrunk schedule: N failures -> N+1 attempts at the configured
// gaps, at most 5 retries, what counts as a failure, Retry-After within the schedule's bounds,
// and the attempt log with a configured retention. One local run for the file.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { findFreePort } from '../../local/dynamodb-local';
import {
  type Account,
  attemptLog,
  type AttemptView,
  clickData,
  deliveryWithStatus,
  getDelivery,
  getEndpoint,
  type GuideRun,
  sleep,
  startGuideRun,
  waitFor,
} from './guide-harness';
import { type ReceivedRequest, type Script, type ScriptedReceiver, startScriptedReceiver } from './receivers/scripted-receiver';

/** Distinct gaps, so an attempt on the wrong step of the schedule shows. */
const SCHEDULE = [1, 3, 1, 2, 1];
const DELIVERY_TIMEOUT_MS = 1_500;
const RETENTION_DAYS = 7;
/**
 * Receiver-side gaps may exceed the configured delay by the event source mapping's 1 s batching
 * window (the template's MaxBatchingWindow, which a retry also waits out) plus processing (seen
 * here: +1.07 to +1.33 s); they are never shorter. The dispatcher's own plan (nextRetryAt minus
 * the attempt's end) is checked to within 5 ms.
 */
const GAP_TOLERANCE_MS = 2_000;
const WAIT_MS = 30_000;

function gapsMs(requests: readonly ReceivedRequest[]): number[] {
  return requests.slice(1).map((request, index) => request.at - requests[index]!.at);
}

/** The delay the dispatcher planned after a failed attempt: nextRetryAt - (attemptedAt + latency). */
function plannedDelayMs(attempt: AttemptView): number {
  return Date.parse(attempt.nextRetryAt!) - Date.parse(attempt.attemptedAt) - attempt.latencyMs;
}

function expectGaps(requests: readonly ReceivedRequest[], expectedSeconds: readonly number[]): void {
  const measured = gapsMs(requests);
  expect(measured).toHaveLength(expectedSeconds.length);
  measured.forEach((gap, index) => {
    expect(gap).toBeGreaterThanOrEqual(expectedSeconds[index]! * 1000);
    expect(gap).toBeLessThanOrEqual(expectedSeconds[index]! * 1000 + GAP_TOLERANCE_MS);
  });
}

describe(`guide: retries (RETRY_SCHEDULE_SECONDS=${SCHEDULE.join(',')}, DELIVERY_TIMEOUT_MS=${DELIVERY_TIMEOUT_MS})`, () => {
  let run: GuideRun;
  const accounts: Account[] = [];
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    run = await startGuideRun({
      RETRY_SCHEDULE_SECONDS: SCHEDULE.join(','),
      DELIVERY_TIMEOUT_MS: String(DELIVERY_TIMEOUT_MS),
      ATTEMPT_RETENTION_DAYS: String(RETENTION_DAYS),
    });
    // One account per test, so no test's endpoints see another test's events.
    // The failure-kinds test registers 13 endpoints, more than the default plan's 10.
    accounts.push(...(await Promise.all(['n-failures', 'gives-up', 'failure-kinds', 'retry-after', 'attempt-log'].map((name) => run.createAccount(name, 20)))));
  }, 90_000);

  afterAll(async () => {
    await Promise.all(cleanups.map((cleanup) => cleanup()));
    await run?.stop();
  });

  const receiverFor = async (account: Account, script: Script): Promise<ScriptedReceiver & { endpointId: string }> => {
    const receiver = await startScriptedReceiver(script);
    cleanups.push(() => receiver.close());
    const endpoint = await run.registerEndpoint(account, receiver.url, ['click']);
    receiver.secret = endpoint.secret;
    return Object.assign(receiver, { endpointId: endpoint.id });
  };

  it('a receiver failing N times sees exactly N+1 attempts at the configured gaps, attempts 1..N+1, one delivery id', async () => {
    const account = accounts[0]!;
    const failures = [500, 502, 503];
    const receiver = await receiverFor(account, (index) => ({ status: failures[index] ?? 200 }));
    await run.publish({ type: 'click', account, data: clickData('retry-n-failures') });

    const requests = await receiver.waitForCount(failures.length + 1, WAIT_MS);
    expect(requests.map((request) => request.headers['x-georedir-attempt'])).toEqual(['1', '2', '3', '4']);
    expect(requests.map((request) => request.status)).toEqual([500, 502, 503, 200]);
    expect(new Set(requests.map((request) => request.headers['x-georedir-delivery'])).size).toBe(1);
    expect(requests.every((request) => request.signatureValid)).toBe(true);
    console.log(`N=3 gaps (ms) for schedule ${SCHEDULE.slice(0, 3).join(',')} s: ${gapsMs(requests).join(', ')}`);
    expectGaps(requests, SCHEDULE.slice(0, 3));

    const log = (await attemptLog(run, account, receiver.endpointId)).reverse();
    expect(log.map((attempt) => [attempt.attempt, attempt.outcome, attempt.statusCode])).toEqual([
      [1, 'failed', 500],
      [2, 'failed', 502],
      [3, 'failed', 503],
      [4, 'succeeded', 200],
    ]);
    log.slice(0, 3).forEach((attempt, index) => expect(Math.abs(plannedDelayMs(attempt) - SCHEDULE[index]! * 1000)).toBeLessThanOrEqual(5));
    expect(log[3]!.nextRetryAt).toBeUndefined();
    // The success ends it: nothing after, even past the next gap of the schedule.
    await sleep(SCHEDULE[3]! * 1000 + GAP_TOLERANCE_MS);
    expect(receiver.received).toHaveLength(4);
    expect((await getDelivery(run, account, requests[0]!.headers['x-georedir-delivery'] as string)).status).toBe('succeeded');
  }, 60_000);

  it('after the 5th retry fails the delivery is failed and nothing more is sent', async () => {
    const account = accounts[1]!;
    const receiver = await receiverFor(account, () => ({ status: 500 }));
    await run.publish({ type: 'click', account, data: clickData('retry-gives-up') });

    const requests = await receiver.waitForCount(SCHEDULE.length + 1, WAIT_MS);
    expect(requests.map((request) => request.headers['x-georedir-attempt'])).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(new Set(requests.map((request) => request.headers['x-georedir-delivery'])).size).toBe(1);
    console.log(`5 retries, gaps (ms) for schedule ${SCHEDULE.join(',')} s: ${gapsMs(requests).join(', ')}`);
    expectGaps(requests, SCHEDULE);

    const deliveryId = requests[0]!.headers['x-georedir-delivery'] as string;
    const delivery = await deliveryWithStatus(run, account, deliveryId, 'failed', 5_000);
    expect(delivery).toMatchObject({ status: 'failed', attemptCount: 6, reason: 'all 6 attempts failed' });
    expect(delivery.nextAttemptAt).toBeUndefined();
    expect(delivery.attempts.map((attempt) => attempt.nextRetryAt === undefined)).toEqual([false, false, false, false, false, true]);
    // Longer than any gap of the schedule plus the batching window: no 7th attempt comes.
    await sleep(Math.max(...SCHEDULE) * 1000 + GAP_TOLERANCE_MS + 1_000);
    expect(receiver.received).toHaveLength(6);
    // Six failed attempts are one failed delivery, fewer than ten: the endpoint stays active.
    expect(await getEndpoint(run, account, receiver.endpointId)).toMatchObject({ status: 'active', consecutiveFailures: 1 });
  }, 60_000);

  it('timeouts, refused connections, 3xx (not followed), 4xx and 5xx are failures and retried; any 2xx is a success', async () => {
    const account = accounts[2]!;
    const witness = await startScriptedReceiver();
    cleanups.push(() => witness.close());
    const failFirst = (answer: ReturnType<Script>): Script => (index) => (index === 0 ? answer : { status: 200 });
    const failing: Record<string, { script: Script; expected: Partial<AttemptView> }> = {
      '301': { script: failFirst({ status: 301, headers: { location: witness.url } }), expected: { statusCode: 301, errorClass: 'redirect' } },
      '307': { script: failFirst({ status: 307, headers: { location: witness.url } }), expected: { statusCode: 307, errorClass: 'redirect' } },
      '400': { script: failFirst({ status: 400 }), expected: { statusCode: 400, errorClass: 'http_status' } },
      '404': { script: failFirst({ status: 404 }), expected: { statusCode: 404, errorClass: 'http_status' } },
      '500': { script: failFirst({ status: 500 }), expected: { statusCode: 500, errorClass: 'http_status' } },
      '503': { script: failFirst({ status: 503 }), expected: { statusCode: 503, errorClass: 'http_status' } },
      timeout: { script: failFirst({ status: 200, delayMs: DELIVERY_TIMEOUT_MS * 2 }), expected: { errorClass: 'timeout' } },
    };
    const receivers = new Map<string, ScriptedReceiver & { endpointId: string }>();
    for (const [name, { script }] of Object.entries(failing)) receivers.set(name, await receiverFor(account, script));
    const successes = [200, 201, 202, 204, 299];
    for (const status of successes) receivers.set(String(status), await receiverFor(account, () => ({ status })));
    // Nothing listens on this port: every attempt is refused.
    const refused = await run.registerEndpoint(account, `http://127.0.0.1:${await findFreePort()}/webhooks/georedir`, ['click']);

    await run.publish({ type: 'click', account, data: clickData('retry-failure-kinds') });
    for (const name of Object.keys(failing)) await receivers.get(name)!.waitForCount(2, WAIT_MS);
    const refusedLog = await waitFor('two refused attempts', async () => {
      const log = await attemptLog(run, account, refused.id);
      return log.length >= 2 ? log.reverse() : undefined;
    }, WAIT_MS);
    await sleep(GAP_TOLERANCE_MS);

    for (const [name, { expected }] of Object.entries(failing)) {
      const receiver = receivers.get(name)!;
      expect({ name, attempts: receiver.received.map((request) => request.headers['x-georedir-attempt']) }).toEqual({ name, attempts: ['1', '2'] });
      const log = (await attemptLog(run, account, receiver.endpointId)).reverse();
      expect({ name, first: log[0] }).toMatchObject({ name, first: { attempt: 1, outcome: 'failed', ...expected, nextRetryAt: expect.any(String) } });
      expect({ name, second: log[1] }).toMatchObject({ name, second: { attempt: 2, outcome: 'succeeded', statusCode: 200 } });
    }
    const timedOut = (await attemptLog(run, account, receivers.get('timeout')!.endpointId)).reverse()[0]!;
    expect(timedOut.statusCode).toBeUndefined();
    expect(timedOut.latencyMs).toBeGreaterThanOrEqual(DELIVERY_TIMEOUT_MS - 50);
    expect(timedOut.latencyMs).toBeLessThan(DELIVERY_TIMEOUT_MS + 1_000);
    expect(refusedLog.slice(0, 2)).toMatchObject([
      { attempt: 1, outcome: 'failed', errorClass: 'connection_refused' },
      { attempt: 2, outcome: 'failed', errorClass: 'connection_refused' },
    ]);
    // Redirects are not followed.
    expect(witness.received).toEqual([]);
    for (const status of successes) {
      const receiver = receivers.get(String(status))!;
      expect({ status, requests: receiver.received.length }).toEqual({ status, requests: 1 });
      const log = await attemptLog(run, account, receiver.endpointId);
      expect(log).toMatchObject([{ attempt: 1, outcome: 'succeeded', statusCode: status }]);
      expect((await getDelivery(run, account, log[0]!.deliveryId)).status).toBe('succeeded');
    }
  }, 60_000);

  it('Retry-After on 429 and 503 is honoured within the schedule: longer waits up to its longest delay, never shorter', async () => {
    const account = accounts[3]!;
    const longest = Math.max(...SCHEDULE);
    const httpDate = () => new Date(Date.now() + 3_000).toUTCString();
    const cases = [
      { name: '429 Retry-After: 2', answer: () => ({ status: 429, headers: { 'retry-after': '2' } }), delay: 2 },
      { name: `503 Retry-After: 120 (capped at ${longest})`, answer: () => ({ status: 503, headers: { 'retry-after': '120' } }), delay: longest },
      { name: '429 Retry-After: 0 (schedule wins)', answer: () => ({ status: 429, headers: { 'retry-after': '0' } }), delay: SCHEDULE[0]! },
      { name: '503 Retry-After: HTTP-date in 3 s', answer: () => ({ status: 503, headers: { 'retry-after': httpDate() } }), delay: undefined },
    ];
    const receivers = [];
    for (const entry of cases) receivers.push(await receiverFor(account, (index) => (index === 0 ? entry.answer() : { status: 200 })));
    await run.publish({ type: 'click', account, data: clickData('retry-after') });
    await Promise.all(receivers.map((receiver) => receiver.waitForCount(2, WAIT_MS)));

    for (const [index, entry] of cases.entries()) {
      const receiver = receivers[index]!;
      const [first] = (await attemptLog(run, account, receiver.endpointId)).reverse();
      const planned = plannedDelayMs(first!);
      const gap = gapsMs(receiver.received)[0]!;
      console.log(`${entry.name}: planned ${planned} ms, receiver saw ${gap} ms`);
      if (entry.delay === undefined) {
        // An HTTP-date has whole seconds: 2 to 3 s from the answer.
        expect(planned).toBeGreaterThanOrEqual(2_000);
        expect(planned).toBeLessThanOrEqual(3_000);
      } else {
        expect(Math.abs(planned - entry.delay * 1000)).toBeLessThanOrEqual(5);
        expect(gap).toBeGreaterThanOrEqual(entry.delay * 1000);
        expect(gap).toBeLessThanOrEqual(entry.delay * 1000 + GAP_TOLERANCE_MS);
      }
      expect(receiver.received.map((request) => request.status)).toEqual([cases[index]!.answer().status, 200]);
    }
  }, 60_000);

  it(`logs every attempt with the fields the README lists, a bounded response excerpt, and keeps it ATTEMPT_RETENTION_DAYS (${RETENTION_DAYS})`, async () => {
    const account = accounts[4]!;
    const receiver = await receiverFor(account, (index) =>
      index === 0 ? { status: 500, body: 'x'.repeat(10_000) } : { status: 200, body: '{"ok":"été ✓"}' },
    );
    const [published] = await run.publish({ type: 'click', account, data: clickData('retry-attempt-log') });
    await receiver.waitForCount(2, WAIT_MS);
    const deliveryId = receiver.received[0]!.headers['x-georedir-delivery'] as string;
    const delivery = await deliveryWithStatus(run, account, deliveryId, 'succeeded', 5_000);

    const log = await attemptLog(run, account, receiver.endpointId);
    // Newest first; both attempts, with delivery id, event, attempt number, time, status or
    // error class, latency, bounded excerpt and next retry time.
    expect(log).toEqual([
      {
        deliveryId,
        eventId: 'click:retry-attempt-log',
        eventType: 'click',
        attempt: 2,
        attemptedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        outcome: 'succeeded',
        statusCode: 200,
        latencyMs: expect.any(Number),
        responseExcerpt: '{"ok":"été ✓"}',
      },
      {
        deliveryId,
        eventId: 'click:retry-attempt-log',
        eventType: 'click',
        attempt: 1,
        attemptedAt: expect.any(String),
        outcome: 'failed',
        statusCode: 500,
        errorClass: 'http_status',
        errorMessage: 'HTTP 500',
        latencyMs: expect.any(Number),
        responseExcerpt: 'x'.repeat(4096),
        nextRetryAt: expect.any(String),
      },
    ]);
    // The same attempts on the delivery, which names the endpoint and the event.
    expect(delivery).toMatchObject({ id: deliveryId, endpointId: receiver.endpointId, eventId: 'click:retry-attempt-log', status: 'succeeded', attemptCount: 2 });
    expect(delivery.attempts).toEqual([...log].reverse());
    expect(published!.EventId).toEqual(expect.any(String));

    // Retention: DynamoDB's TTL attribute, read from DynamoDB Local through the AWS endpoint. The
    // attempts live in their delivery, which each attempt's record keeps for the full period again.
    const { Item } = await run.dynamodb.send(
      new GetItemCommand({ TableName: run.process.outputs.tableName, Key: { pk: { S: `DELIVERY#${deliveryId}` }, sk: { S: 'DELIVERY' } } }),
    );
    const lastAttempt = delivery.attempts[delivery.attempts.length - 1]!;
    const expiresAt = Number(Item?.expiresAt?.N);
    expect(Math.abs(expiresAt - (Date.parse(lastAttempt.attemptedAt) / 1000 + RETENTION_DAYS * 86_400))).toBeLessThan(60);
  }, 30_000);
});
