// Two accounts on the local run: one floods a slow endpoint, the other publishes a few events just
// after. The quiet account's events must not wait behind the flood's backlog (fair queues, the slow
// lane, first contact one batch at a time), and the flood is delivered in full all the same. The
// assertion is on order, not on milliseconds: each quiet event arrives before the flood's first
// answer. Were the flood holding the event lane, every invocation would be waiting on a slow answer
// and the quiet event could only be sent once one came back.
import { clickData, type GuideRun, startGuideRun } from './guide-harness';
import { type ScriptedReceiver, startScriptedReceiver } from './receivers/scripted-receiver';

const FLOOD = 400;
const QUIET = 3;
/** Far slower than anything the quiet account waits for (its events wait out the 1 s batching window), below the delivery timeout. */
const SLOW_ANSWER_MS = 12_000;
const WAIT_MS = 60_000;

describe('tenants: one account\'s flood to a slow endpoint does not hold up another account', () => {
  let run: GuideRun;
  const receivers: ScriptedReceiver[] = [];

  beforeAll(async () => {
    run = await startGuideRun({ DELIVERY_TIMEOUT_MS: '20000' });
  }, 90_000);

  afterAll(async () => {
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await run?.stop();
  });

  it('delivers the quiet account\'s events while the flood is still answered, and every flood event once', async () => {
    const [noisy, quiet] = await Promise.all([run.createAccount('tenants noisy'), run.createAccount('tenants quiet')]);
    const slow = await startScriptedReceiver(() => ({ status: 200, delayMs: SLOW_ANSWER_MS }));
    const fast = await startScriptedReceiver(() => ({ status: 200 }));
    receivers.push(slow, fast);
    slow.secret = (await run.registerEndpoint(noisy!, slow.url, ['click'])).secret;
    fast.secret = (await run.registerEndpoint(quiet!, fast.url, ['click'])).secret;

    // The flood: PutEvents takes 10 entries a call.
    const calls = Array.from({ length: FLOOD / 10 }, (_, call) =>
      run.publish(...Array.from({ length: 10 }, (_, index) => ({ type: 'click', account: noisy!, data: clickData(`flood-${call * 10 + index}`) }))),
    );
    await Promise.all(calls);
    // The quiet account's events, right behind the flood in the same queue.
    await run.publish(...Array.from({ length: QUIET }, (_, index) => ({ type: 'click', account: quiet!, data: clickData(`quiet-${index}`) })));
    const quietArrivals = (await fast.waitForCount(QUIET, WAIT_MS)).map((request) => request.at);
    // Each quiet event arrived before the flood's first answer went out.
    const firstFloodAnswer = Math.min(...slow.received.map((request) => request.at)) + SLOW_ANSWER_MS;
    for (const at of quietArrivals) expect(at).toBeLessThan(firstFloodAnswer);
    expect(fast.received.every((request) => request.signatureValid && request.headers['x-georedir-attempt'] === '1')).toBe(true);

    // The flood all arrives, once per event, as first attempts (waiting in the slow lane is no attempt).
    const flood = await slow.waitForCount(FLOOD, WAIT_MS);
    expect(new Set(flood.map((request) => request.headers['x-georedir-delivery'])).size).toBe(FLOOD);
    expect(flood.every((request) => request.signatureValid && request.headers['x-georedir-attempt'] === '1')).toBe(true);
  }, 170_000);
});
