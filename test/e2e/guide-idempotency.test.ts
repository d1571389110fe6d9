// The guide's idempotency promises: the same event twice (a duplicate PutEvents, or SQS handing
// the batch out again after the dispatcher died) sends nothing new to an endpoint that already
// answered 2xx, and what is sent again carries the same X-GeoRedir-Delivery to dedupe on. Plus
// isolation: an endpoint that hangs until the timeout holds back nobody else in its batch.
import { readFileSync } from 'node:fs';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { attemptLog, type Account, clickData, deliveryWithStatus, type GuideRun, sleep, startGuideRun, waitFor } from './guide-harness';
import { descendantsOf } from './support/local-run-process';
import { type ScriptedReceiver, startScriptedReceiver } from './receivers/scripted-receiver';

const DELIVERY_TIMEOUT_MS = 3_000;
/**
 * The dispatcher claims an attempt for DELIVERY_TIMEOUT_MS + 30 s (delivery-service.ts), so that
 * only a dead holder's claim is taken over. In AWS the queue's visibility timeout (6 x the function
 * timeout) always outlasts it; here the AWS endpoint's clock is moved instead, so the test waits
 * the lease out in real time first, as the dispatcher's clock is real.
 */
const CLAIM_LEASE_MS = DELIVERY_TIMEOUT_MS + 30_000;
const WAIT_MS = 15_000;
const SETTLE_MS = 2_500;

describe(`guide: idempotency and isolation (DELIVERY_TIMEOUT_MS=${DELIVERY_TIMEOUT_MS})`, () => {
  let run: GuideRun;
  let accounts: Account[] = [];
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    run = await startGuideRun({ DELIVERY_TIMEOUT_MS: String(DELIVERY_TIMEOUT_MS), RETRY_SCHEDULE_SECONDS: '1,1' });
    accounts = await Promise.all(['duplicates', 'crash', 'isolation'].map((name) => run.createAccount(name)));
  }, 90_000);

  afterAll(async () => {
    await Promise.all(cleanups.map((cleanup) => cleanup()));
    await run?.stop();
  });

  const receiverFor = async (account: Account, events: string[], script: Parameters<typeof startScriptedReceiver>[0]): Promise<ScriptedReceiver & { endpointId: string }> => {
    const receiver = await startScriptedReceiver(script);
    cleanups.push(() => receiver.close());
    const endpoint = await run.registerEndpoint(account, receiver.url, events);
    receiver.secret = endpoint.secret;
    return Object.assign(receiver, { endpointId: endpoint.id });
  };

  it('a duplicate PutEvents of the same event (same id, or same click_id) sends nothing new to an endpoint that answered 2xx', async () => {
    const account = accounts[0]!;
    const receiver = await receiverFor(account, ['click'], () => ({ status: 200 }));
    const withId = { type: 'click', account, id: 'idem-explicit-1', data: clickData('idem-explicit-click') };
    await run.publish(withId);
    await receiver.waitForCount(1, WAIT_MS);

    // Again, later; twice in one PutEvents (the same batch, handled concurrently); and an event
    // whose identity is its click_id, published twice at once.
    await run.publish(withId);
    await run.publish(withId, { ...withId, data: clickData('idem-explicit-click', { city: 'changed' }) });
    const byClickId = { type: 'click', account, data: clickData('idem-derived-click') };
    await run.publish(byClickId, byClickId);
    await receiver.waitForCount(2, WAIT_MS);
    await sleep(SETTLE_MS);

    expect(receiver.received.map((request) => request.body.data.click_id)).toEqual(['idem-explicit-click', 'idem-derived-click']);
    // The first body is the event: a later duplicate with other data changes nothing.
    expect(receiver.received[0]!.body.data.city).toBe('Los Angeles');
    const log = await attemptLog(run, account, receiver.endpointId);
    expect(log.map((attempt) => [attempt.eventId, attempt.attempt, attempt.outcome]).sort()).toEqual([
      ['click:idem-derived-click', 1, 'succeeded'],
      ['idem-explicit-1', 1, 'succeeded'],
    ]);
  }, 30_000);

  it('an SQS redelivery after the dispatcher dies mid-batch sends nothing new to an endpoint that answered 2xx; the one it held gets the same delivery id', async () => {
    const account = accounts[1]!;
    const answered = await receiverFor(account, ['click'], () => ({ status: 200 }));
    const held = await receiverFor(account, ['click'], () => 'hold');
    await run.publish({ type: 'click', account, data: clickData('idem-crash') });
    await answered.waitForCount(1, WAIT_MS);
    await held.waitForCount(1, WAIT_MS);
    await waitFor('the 2xx attempt in the log', async () => ((await attemptLog(run, account, answered.endpointId)).length === 1 ? true : undefined), WAIT_MS);

    // The dispatcher dies while `held` still holds its request: every dispatcher execution
    // environment (a child process of the local run) is killed.
    const dispatchers = descendantsOf(run.process.child.pid!).filter((child) => functionNameOf(child.pid)?.includes('Dispatcher'));
    expect(dispatchers.length).toBeGreaterThan(0);
    for (const dispatcher of dispatchers) process.kill(dispatcher.pid, 'SIGKILL');
    await waitFor('the held request to be abandoned', () => held.received[0]!.abandonedAt, WAIT_MS);
    held.script = () => ({ status: 200 });

    // The batch was not deleted: SQS gives it out again after the visibility timeout.
    const { Attributes } = await run.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: run.process.outputs.dispatchQueueUrl, AttributeNames: ['VisibilityTimeout', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    expect(Number(Attributes?.ApproximateNumberOfMessagesNotVisible)).toBe(1);
    await sleep(Math.max(0, held.received[0]!.at + CLAIM_LEASE_MS + 500 - Date.now()));
    expect(held.received).toHaveLength(1);
    await run.advanceClock(Number(Attributes?.VisibilityTimeout) + 1);

    const [, again] = await held.waitForCount(2, WAIT_MS);
    await sleep(SETTLE_MS);
    // Nothing new for the endpoint that had answered 2xx.
    expect(answered.received).toHaveLength(1);
    expect(await attemptLog(run, account, answered.endpointId)).toHaveLength(1);
    // The unanswered send is made again, as the same delivery: a receiver that saw the first
    // one dedupes on X-GeoRedir-Delivery (also webhook-id).
    const first = held.received[0]!;
    expect(held.received).toHaveLength(2);
    expect(again!.headers['x-georedir-delivery']).toBe(first.headers['x-georedir-delivery']);
    expect(again!.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(again!.rawBody).toBe(first.rawBody);
    expect(again!.signatureValid).toBe(true);
    const delivery = await deliveryWithStatus(run, account, again!.headers['x-georedir-delivery'] as string, 'succeeded', WAIT_MS);
    expect(delivery.attempts.map((attempt) => [attempt.attempt, attempt.outcome])).toEqual([[1, 'succeeded']]);
  }, CLAIM_LEASE_MS + 40_000);

  it('an endpoint that hangs until the timeout does not hold back the other deliveries of its batch', async () => {
    const account = accounts[2]!;
    const hanging = await receiverFor(account, ['click'], (index) => (index === 0 ? 'hold' : { status: 200 }));
    const fast = await receiverFor(account, ['*'], () => ({ status: 200 }));
    // Two events in one PutEvents land in one batch: the click fans out to both endpoints, the
    // link.created only to the fast one.
    await run.publish(
      { type: 'click', account, data: clickData('isolation-click') },
      { type: 'link.created', account, id: 'isolation-link', data: { link_id: 5, name: 'n', slug: 's', is_active: true, rules_count: 0 } },
    );
    await fast.waitForCount(2, WAIT_MS);
    // Both of the fast endpoint's deliveries are in while the hanging one is still waiting.
    const hung = hanging.received[0]!;
    expect(hung.abandonedAt).toBeUndefined();
    for (const request of fast.received) expect(Math.abs(request.at - hung.at)).toBeLessThan(1_000);
    console.log(`fast endpoint: ${fast.received.map((request) => request.at - hung.at).join(', ')} ms after the hanging one's request`);

    await waitFor('the hanging request to be given up', () => hanging.received[0]!.abandonedAt, DELIVERY_TIMEOUT_MS + WAIT_MS);
    const [timedOut] = (await attemptLog(run, account, hanging.endpointId)).reverse();
    expect(timedOut).toMatchObject({ attempt: 1, outcome: 'failed', errorClass: 'timeout' });
    expect(timedOut!.latencyMs).toBeGreaterThanOrEqual(DELIVERY_TIMEOUT_MS - 50);
  }, 40_000);
});

/** AWS_LAMBDA_FUNCTION_NAME of a local Lambda execution environment (a process of the local run). */
function functionNameOf(pid: number): string | undefined {
  try {
    const variables = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return variables.find((variable) => variable.startsWith('AWS_LAMBDA_FUNCTION_NAME='))?.slice('AWS_LAMBDA_FUNCTION_NAME='.length);
  } catch {
    return undefined;
  }
}
