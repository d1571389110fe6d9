// The guide's retry table as deployed (60, 300, 1800, 7200, 28800 s), walked through in seconds:
// the local run's AWS endpoint clock is moved ahead with POST /_local/clock, which ends SQS delays
// and fires Scheduler at() schedules early. The dispatcher keeps real time, so its at() times are
// real time plus the delay, and a schedule fires once the endpoint's clock passes that time.
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { GetScheduleCommand, ListSchedulesCommand } from '@aws-sdk/client-scheduler';
import { maxJitterSeconds } from '../../lambdas/domain/retry-policy';
import { attemptLog, type AttemptView, clickData, getDelivery, type GuideRun, sleep, startGuideRun, waitFor } from './guide-harness';
import { type ScriptedReceiver, startScriptedReceiver } from './receivers/scripted-receiver';

const GUIDE_SCHEDULE = [60, 300, 1800, 7200, 28800];
/** Time for a due message to reach the receiver (long poll wake-up, 1 s batching window, send). */
const ARRIVAL_MS = 10_000;
/** Real time given to a retry that must not come yet, before saying it did not. */
const QUIET_MS = 1_500;

describe('guide: the default retry schedule, through SQS DelaySeconds and Scheduler one-shot schedules', () => {
  let run: GuideRun;
  let receiver: ScriptedReceiver;

  beforeAll(async () => {
    run = await startGuideRun({});
    receiver = await startScriptedReceiver(() => ({ status: 500 }));
  }, 70_000);

  afterAll(async () => {
    await receiver?.close();
    await run?.stop();
  });

  /** Both queues the dispatcher consumes: producer events and (where every retry waits) retries. */
  const queueCounts = async () => {
    const [events, retries] = await Promise.all(
      [run.process.outputs.dispatchQueueUrl, run.process.outputs.retryQueueUrl].map(
        async (QueueUrl) =>
          (
            await run.sqs.send(
              new GetQueueAttributesCommand({
                QueueUrl,
                AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed', 'QueueArn'],
              }),
            )
          ).Attributes ?? {},
      ),
    );
    const total = (name: 'ApproximateNumberOfMessages' | 'ApproximateNumberOfMessagesNotVisible' | 'ApproximateNumberOfMessagesDelayed') =>
      Number(events?.[name]) + Number(retries?.[name]);
    return {
      visible: total('ApproximateNumberOfMessages'),
      inFlight: total('ApproximateNumberOfMessagesNotVisible'),
      delayed: Number(retries?.ApproximateNumberOfMessagesDelayed),
      retryQueueArn: retries?.QueueArn,
    };
  };

  const schedulesOf = async (deliveryId: string) =>
    (await run.scheduler.send(new ListSchedulesCommand({ GroupName: run.process.outputs.scheduleGroupName, NamePrefix: `retry-${deliveryId}` }))).Schedules ?? [];

  /** Attempt `n` logged, and its queue message handled (nothing received and not yet deleted). */
  const settledAfterAttempt = async (n: number, expectedDelayed: number): Promise<AttemptView> => {
    const attempt = await waitFor(`attempt ${n} in the log`, async () => {
      const log = await attemptLog(run, run.devAccount, endpointId);
      return log.length >= n ? log.find((entry) => entry.attempt === n) : undefined;
    }, ARRIVAL_MS);
    await waitFor('the queues to settle', async () => {
      const counts = await queueCounts();
      return counts.visible === 0 && counts.inFlight === 0 && counts.delayed === expectedDelayed ? true : undefined;
    }, ARRIVAL_MS);
    return attempt;
  };

  let endpointId = '';

  it('retries after 60 and 300 s through SQS DelaySeconds, after 1800, 7200 and 28800 s through at() schedules that fire and delete themselves, then gives up', async () => {
    const endpoint = await run.registerEndpoint(run.devAccount, receiver.url, ['click']);
    endpointId = endpoint.id;
    receiver.secret = endpoint.secret;
    await run.publish({ type: 'click', account: run.devAccount, data: clickData('schedule-default') });
    await receiver.waitForCount(1, ARRIVAL_MS);
    const deliveryId = receiver.received[0]!.headers['x-georedir-delivery'] as string;
    const { retryQueueArn: queueArn } = await queueCounts();

    for (const [index, delay] of GUIDE_SCHEDULE.entries()) {
      const failed = index + 1;
      const viaSqs = delay <= 900;
      const attempt = await settledAfterAttempt(failed, viaSqs ? 1 : 0);
      const plannedMs = Date.parse(attempt.nextRetryAt!) - Date.parse(attempt.attemptedAt) - attempt.latencyMs;
      // The schedule's delay, jittered up to 10% later (whole seconds), never earlier.
      expect(plannedMs).toBeGreaterThanOrEqual(delay * 1000 - 5);
      expect(plannedMs).toBeLessThanOrEqual((delay + maxJitterSeconds(delay)) * 1000 + 5);
      const schedules = await schedulesOf(deliveryId);
      let dueAt: number;
      let scheduleName: string | undefined;
      if (viaSqs) {
        // A delayed message on the retry queue, no schedule.
        expect(schedules).toEqual([]);
        dueAt = Date.parse((await run.clock()).now) + plannedMs;
      } else {
        const name = `retry-${deliveryId}-${failed + 1}`;
        scheduleName = name;
        expect(schedules.map((schedule) => schedule.Name)).toEqual([name]);
        const schedule = await run.scheduler.send(new GetScheduleCommand({ Name: name, GroupName: run.process.outputs.scheduleGroupName }));
        // at() is the planned retry time, rounded up to the second (Scheduler has no milliseconds).
        const at = new Date(Math.ceil(Date.parse(attempt.nextRetryAt!) / 1000) * 1000).toISOString().slice(0, 19);
        expect(schedule).toMatchObject({
          ScheduleExpression: `at(${at})`,
          ScheduleExpressionTimezone: 'UTC',
          State: 'ENABLED',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Target: { Arn: queueArn, RoleArn: expect.stringMatching(/^arn:aws:iam::\d{12}:role\//) },
        });
        expect(JSON.parse(schedule.Target!.Input!)).toEqual({ kind: 'retry', deliveryId, accountId: run.devAccount.accountId, endpointId, attempt: failed + 1 });
        dueAt = Date.parse(`${at}Z`);
      }
      // Just short of due: nothing yet (and the schedule is still there).
      const emulatorNow = Date.parse((await run.clock()).now);
      await run.advanceClock(Math.max(0, (dueAt - emulatorNow) / 1000 - 10));
      await sleep(QUIET_MS);
      expect(receiver.received).toHaveLength(failed);
      if (!viaSqs) expect(await schedulesOf(deliveryId)).toHaveLength(1);
      // Due: the retry arrives, and a fired schedule is gone.
      await run.advanceClock(11);
      await receiver.waitForCount(failed + 1, ARRIVAL_MS);
      expect(receiver.received[failed]!.headers['x-georedir-attempt']).toBe(String(failed + 1));
      expect(receiver.received[failed]!.headers['x-georedir-delivery']).toBe(deliveryId);
      // Only the fired one: the dispatcher may already have scheduled the next retry for this failure.
      if (scheduleName) expect((await schedulesOf(deliveryId)).map((schedule) => schedule.Name)).not.toContain(scheduleName);
    }

    // The 5th retry (6th attempt) failed: the delivery is failed, nothing is left to fire.
    await settledAfterAttempt(6, 0);
    const delivery = await getDelivery(run, run.devAccount, deliveryId);
    expect(delivery).toMatchObject({ status: 'failed', attemptCount: 6 });
    expect(delivery.attempts[5]!.nextRetryAt).toBeUndefined();
    expect(await schedulesOf(deliveryId)).toEqual([]);
    await run.advanceClock(2 * 86_400);
    await sleep(QUIET_MS);
    expect(receiver.received).toHaveLength(6);
    expect(receiver.received.every((request) => request.signatureValid)).toBe(true);
  }, 120_000);
});
