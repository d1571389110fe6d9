// Every long-delay retry schedule names the Scheduler dead-letter queue, so a retry Scheduler
// cannot put on the dispatch queue is kept (and alarmed on) rather than dropped.
import type { SQSClient } from '@aws-sdk/client-sqs';
import { CreateScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { createRetryScheduler } from '../../../lambdas/adapters/retry-scheduler';

/** Records what is sent; both clients are used only through `send`. */
class RecordingClient {
  readonly commands: unknown[] = [];
  async send(command: unknown): Promise<object> {
    this.commands.push(command);
    return {};
  }
}

const DLQ_ARN = 'arn:aws:sqs:eu-west-1:123456789012:scheduler-dlq';

async function targetOfScheduledRetry(deadLetterQueueArn?: string) {
  const scheduler = new RecordingClient();
  const retries = createRetryScheduler({
    sqs: new RecordingClient() as unknown as SQSClient,
    scheduler: scheduler as unknown as SchedulerClient,
    queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dispatch',
    scheduleGroupName: 'retries',
    schedules: {
      queueArn: 'arn:aws:sqs:eu-west-1:123456789012:dispatch',
      schedulerRoleArn: 'arn:aws:iam::123456789012:role/scheduler',
      ...(deadLetterQueueArn ? { deadLetterQueueArn } : {}),
    },
  });
  await retries.schedule(
    { kind: 'retry', deliveryId: 'dlv_0123456789abcdef0123456789abcdef', accountId: 'acct_1', endpointId: 'ep_1', attempt: 4 },
    1800,
    new Date('2026-11-28T06:00:00Z'),
  );
  expect(scheduler.commands).toHaveLength(1);
  return (scheduler.commands[0] as CreateScheduleCommand).input.Target;
}

it('puts the dead-letter queue on the schedule target, next to its retry policy', async () => {
  expect(await targetOfScheduledRetry(DLQ_ARN)).toMatchObject({
    Arn: 'arn:aws:sqs:eu-west-1:123456789012:dispatch',
    RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
    DeadLetterConfig: { Arn: DLQ_ARN },
  });
});

it('sends no DeadLetterConfig when none is configured', async () => {
  expect(await targetOfScheduledRetry()).not.toHaveProperty('DeadLetterConfig');
});
