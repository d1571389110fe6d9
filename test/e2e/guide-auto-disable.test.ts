// The guide's auto-disable: 10 consecutive failed deliveries (a delivery fails once its last retry
// fails), or one 410 Gone, disable an endpoint; failed attempts that are retried do not count; any
// success resets the count; a disabled endpoint's events are skipped (logged, not
// sent), re-enabling resumes, and the platform hears of it through an `endpoint.disabled` event
// on the bus. The template has no rule for that event (the platform's consumer lives elsewhere),
// so the proof is the local-only GET /_local/events of the AWS endpoint: what PutEvents accepted.
import { maxJitterSeconds } from '../../lambdas/domain/retry-policy';
import { attemptLog, type Account, clickData, getDelivery, getEndpoint, type GuideRun, sleep, startGuideRun, waitFor } from './guide-harness';
import { type ScriptedReceiver, startScriptedReceiver } from './receivers/scripted-receiver';

/** One retry, 10 minutes out: it only comes when the test moves the AWS endpoint's clock. */
const RETRY_SCHEDULE = '600';
/** Past the retry's delay and its jitter (up to 10% later): every retry handed over before is due. */
const RETRY_DUE_SECONDS = 600 + maxJitterSeconds(600) + 1;
const WAIT_MS = 15_000;
const OPERATIONAL_SOURCE = 'georedir.webhooks';

describe('guide: auto-disable after 10 consecutive failures', () => {
  let run: GuideRun;
  let accounts: Account[] = [];
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    run = await startGuideRun({ RETRY_SCHEDULE_SECONDS: RETRY_SCHEDULE });
    accounts = await Promise.all(['disable', 'reset', 'gone'].map((name) => run.createAccount(name)));
  }, 90_000);

  afterAll(async () => {
    await Promise.all(cleanups.map((cleanup) => cleanup()));
    await run?.stop();
  });

  const receiverFor = async (account: Account, status: (index: number) => number): Promise<ScriptedReceiver & { endpointId: string }> => {
    const receiver = await startScriptedReceiver((index) => ({ status: status(index) }));
    cleanups.push(() => receiver.close());
    const endpoint = await run.registerEndpoint(account, receiver.url, ['click']);
    receiver.secret = endpoint.secret;
    return Object.assign(receiver, { endpointId: endpoint.id });
  };

  const clicks = (account: Account, prefix: string, count: number) =>
    Array.from({ length: count }, (_, index) => ({ type: 'click', account, data: clickData(`${prefix}-${index + 1}`) }));

  const disabledEvents = async (endpointId: string) =>
    (await run.busEvents({ source: OPERATIONAL_SOURCE, detailType: 'endpoint.disabled' })).filter((entry) => entry.event.detail.endpoint_id === endpointId);

  let failing: ScriptedReceiver & { endpointId: string };

  /**
   * Waits until `count` failed attempts are recorded with their retry: a dispatcher hands a retry
   * over before it records the attempt, so the clock may move on only after that.
   */
  const retriesHandedOver = (account: Account, endpointId: string, count: number) =>
    waitFor(`${count} retries handed over`, async () => {
      const log = await attemptLog(run, account, endpointId);
      return log.filter((attempt) => attempt.nextRetryAt !== undefined).length >= count ? true : undefined;
    }, WAIT_MS);

  it('10 consecutive failed deliveries disable the endpoint with reason and time, and put endpoint.disabled on the bus', async () => {
    const account = accounts[0]!;
    failing = await receiverFor(account, () => 500);
    const startedAt = new Date().toISOString();
    // Ten deliveries whose first attempts fail: retried, not failed, so nothing is counted yet.
    await run.publish(...clicks(account, 'disable-a', 5));
    await retriesHandedOver(account, failing.endpointId, 5);
    await run.advanceClock(300);
    await run.publish(...clicks(account, 'disable-b', 5));
    await retriesHandedOver(account, failing.endpointId, 10);
    expect(await getEndpoint(run, account, failing.endpointId)).toMatchObject({ status: 'active', consecutiveFailures: 0 });

    // The first five retries (due 600-660 s after the start) fail: five deliveries have failed. The
    // next five are due 900-960 s after it.
    await run.advanceClock(400);
    await failing.waitForCount(15, WAIT_MS);
    await waitFor('five failed deliveries counted', async () => ((await getEndpoint(run, account, failing.endpointId)).consecutiveFailures === 5 ? true : undefined), WAIT_MS);
    // One more delivery, whose retry is still waiting when the endpoint is disabled.
    await run.publish({ type: 'click', account, data: clickData('disable-pending') });
    await retriesHandedOver(account, failing.endpointId, 11);

    await run.advanceClock(300);
    await failing.waitForCount(21, WAIT_MS);
    const endpoint = await waitFor('the endpoint to be disabled', async () => {
      const found = await getEndpoint(run, account, failing.endpointId);
      return found.status === 'disabled' ? found : undefined;
    }, WAIT_MS);
    expect(endpoint).toMatchObject({ status: 'disabled', disabledReason: '10 consecutive failed deliveries', consecutiveFailures: 10 });
    expect(endpoint.disabledAt! >= startedAt && endpoint.disabledAt! <= new Date().toISOString()).toBe(true);
    const log = await attemptLog(run, account, failing.endpointId);
    expect(log).toHaveLength(21);
    expect(log.every((attempt) => attempt.outcome === 'failed' && attempt.statusCode === 500)).toBe(true);

    const announced = await waitFor('endpoint.disabled on the bus', async () => {
      const found = await disabledEvents(failing.endpointId);
      return found.length > 0 ? found : undefined;
    }, 5_000);
    expect(announced).toHaveLength(1);
    expect(announced[0]).toMatchObject({
      busName: run.process.outputs.eventBusName,
      // No rule of the template matches it: the dispatch rule only takes the producers' source.
      matchedRules: [],
      event: {
        source: OPERATIONAL_SOURCE,
        'detail-type': 'endpoint.disabled',
        detail: {
          account_id: account.accountId,
          endpoint_id: failing.endpointId,
          url: failing.url,
          reason: '10 consecutive failed deliveries',
          disabled_at: endpoint.disabledAt,
        },
      },
    });
  }, 60_000);

  it('events for a disabled endpoint are logged as skipped and not sent; so are its pending retries', async () => {
    const account = accounts[0]!;
    await run.publish({ type: 'click', account, data: clickData('disable-while-disabled') });
    const skipped = await waitFor('a skipped delivery in the dispatcher log', () =>
      run.dispatcherLogs().find((line) => line.message === 'delivery skipped: endpoint disabled' && line.eventId === 'click:disable-while-disabled'),
    WAIT_MS);
    expect(skipped).toMatchObject({ endpointId: failing.endpointId, accountId: account.accountId });
    expect(await getDelivery(run, account, skipped.deliveryId as string)).toMatchObject({ status: 'skipped', reason: 'endpoint disabled', attemptCount: 0, attempts: [] });

    // The delivery whose retry was still waiting is skipped when it comes due.
    const pending = (await attemptLog(run, account, failing.endpointId)).find((attempt) => attempt.eventId === 'click:disable-pending');
    expect(pending?.nextRetryAt).toBeDefined();
    await run.advanceClock(RETRY_DUE_SECONDS);
    await waitFor('the waiting retry skipped', async () => {
      const delivery = await getDelivery(run, account, pending!.deliveryId);
      return delivery.status === 'skipped' ? delivery : undefined;
    }, WAIT_MS);
    await sleep(1_000);
    expect(failing.received).toHaveLength(21);
  }, 30_000);

  it('re-enabling (POST /v1/endpoints/{id}/enable) resets the count and resumes delivery', async () => {
    const account = accounts[0]!;
    const enabled = await run.api(account, 'POST', `/v1/endpoints/${failing.endpointId}/enable`);
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ status: 'active', consecutiveFailures: 0 });
    expect(enabled.body.disabledReason).toBeUndefined();
    failing.script = () => ({ status: 200 });
    await run.publish({ type: 'click', account, data: clickData('disable-after-enable') });
    const request = (await failing.waitForCount(22, WAIT_MS))[21]!;
    expect(request.body.data.click_id).toBe('disable-after-enable');
    expect(request.signatureValid).toBe(true);
    expect(request.status).toBe(200);
  }, 30_000);

  it('a success in between resets the count: 9 failed deliveries, 1 success, 9 failed stay active; the 10th in a row disables', async () => {
    const account = accounts[1]!;
    // Every request fails but the 19th: the first attempt of the 10th delivery.
    const receiver = await receiverFor(account, (index) => (index === 18 ? 200 : 500));
    const failuresOf = async () => (await getEndpoint(run, account, receiver.endpointId)).consecutiveFailures;
    const settled = async (requests: number, failures: number) => {
      await receiver.waitForCount(requests, WAIT_MS);
      await waitFor(`consecutiveFailures ${failures}`, async () => ((await failuresOf()) === failures ? true : undefined), WAIT_MS);
    };
    /** `count` deliveries that fail their first attempt and their one retry. */
    const failedDeliveries = async (prefix: string, count: number, requestsBefore: number, failuresAfter: number) => {
      const handedOverBefore = (await attemptLog(run, account, receiver.endpointId)).filter((attempt) => attempt.nextRetryAt !== undefined).length;
      await run.publish(...clicks(account, prefix, count));
      await retriesHandedOver(account, receiver.endpointId, handedOverBefore + count);
      await run.advanceClock(RETRY_DUE_SECONDS);
      await settled(requestsBefore + 2 * count, failuresAfter);
    };

    await failedDeliveries('reset-a', 9, 0, 9);
    await run.publish({ type: 'click', account, data: clickData('reset-success') });
    await settled(19, 0);
    expect(receiver.received[18]!.body.data.click_id).toBe('reset-success');
    await failedDeliveries('reset-b', 9, 19, 9);
    // 36 failed attempts and 18 failed deliveries, never 10 deliveries in a row: still active.
    expect(await getEndpoint(run, account, receiver.endpointId)).toMatchObject({ status: 'active', consecutiveFailures: 9 });
    expect(await disabledEvents(receiver.endpointId)).toEqual([]);

    await failedDeliveries('reset-tenth', 1, 37, 10);
    expect(await getEndpoint(run, account, receiver.endpointId)).toMatchObject({ status: 'disabled', disabledReason: '10 consecutive failed deliveries' });
    await waitFor('endpoint.disabled on the bus', async () => ((await disabledEvents(receiver.endpointId)).length === 1 ? true : undefined), 5_000);
  }, 90_000);

  it('410 Gone disables the endpoint at once: one attempt, no retry, endpoint.disabled on the bus', async () => {
    const account = accounts[2]!;
    const receiver = await receiverFor(account, () => 410);
    await run.publish({ type: 'click', account, data: clickData('gone-1') });
    await receiver.waitForCount(1, WAIT_MS);
    const endpoint = await waitFor('the endpoint to be disabled', async () => {
      const found = await getEndpoint(run, account, receiver.endpointId);
      return found.status === 'disabled' ? found : undefined;
    }, WAIT_MS);
    expect(endpoint).toMatchObject({ disabledReason: 'endpoint answered 410 Gone', consecutiveFailures: 1 });
    const delivery = await getDelivery(run, account, receiver.received[0]!.headers['x-georedir-delivery'] as string);
    expect(delivery).toMatchObject({ status: 'failed', reason: 'endpoint answered 410 Gone', attemptCount: 1 });
    expect(delivery.attempts[0]!.nextRetryAt).toBeUndefined();
    const announced = await waitFor('endpoint.disabled on the bus', async () => {
      const found = await disabledEvents(receiver.endpointId);
      return found.length > 0 ? found : undefined;
    }, 5_000);
    expect(announced.map((entry) => entry.event.detail.reason)).toEqual(['endpoint answered 410 Gone']);

    // Past the schedule's only delay: no retry comes.
    await run.advanceClock(RETRY_DUE_SECONDS);
    await sleep(2_000);
    expect(receiver.received).toHaveLength(1);
  }, 30_000);
});
