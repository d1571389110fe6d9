// The local Scheduler's failure path: a schedule whose target send fails goes to the target's
// DeadLetterConfig queue with the error, instead of vanishing.
import { CreateScheduleCommand, type CreateScheduleCommandInput } from '@aws-sdk/client-scheduler';
import { ManualClock } from '../../../../local/aws-endpoint/clock';
import { type AwsEndpoint, startAwsEndpoint } from '../../../../local/aws-endpoint/server';
import { rejectionOf, type SdkClients, sdkClients } from '../../../support/sdk-clients';

const DISPATCH_ARN = 'arn:aws:sqs:us-east-1:000000000000:dispatch';
const DLQ_ARN = 'arn:aws:sqs:us-east-1:000000000000:scheduler-dlq';
const GROUP = 'georedir-retries';
const START = Date.UTC(2026, 1, 25, 14, 30, 0);
const FIRE_AT = START + 1_800_000;
const INPUT = JSON.stringify({ kind: 'retry', deliveryId: 'dlv_1', accountId: 'acct_1', attempt: 4 });

const request = (name: string, target: Partial<CreateScheduleCommandInput['Target']> = {}): CreateScheduleCommandInput => ({
  Name: name,
  GroupName: GROUP,
  ScheduleExpression: `at(${new Date(FIRE_AT).toISOString().slice(0, 19)})`,
  ScheduleExpressionTimezone: 'UTC',
  FlexibleTimeWindow: { Mode: 'OFF' },
  Target: { Arn: DISPATCH_ARN, RoleArn: 'arn:aws:iam::000000000000:role/scheduler', Input: INPUT, ...target },
  ActionAfterCompletion: 'DELETE',
});

describe('local Scheduler dead-letter queue', () => {
  let endpoint: AwsEndpoint;
  let clients: SdkClients;
  let clock: ManualClock;
  let logLines: string[];

  beforeEach(async () => {
    clock = new ManualClock(START);
    logLines = [];
    endpoint = await startAwsEndpoint({
      port: 0,
      clock,
      queues: [{ name: 'dispatch' }, { name: 'scheduler-dlq' }],
      buses: [],
      scheduleGroups: [GROUP],
      log: (line) => logLines.push(line),
    });
    clients = sdkClients(endpoint.url);
  });

  afterEach(async () => {
    clients.destroy();
    await endpoint.close();
  });

  it('a send that succeeds leaves the dead-letter queue empty', async () => {
    await clients.scheduler.send(new CreateScheduleCommand(request('retry-ok', { DeadLetterConfig: { Arn: DLQ_ARN } })));
    clock.advance(1_800_000);
    expect(endpoint.sqs.peekMessages('dispatch').map((message) => message.body)).toEqual([INPUT]);
    expect(endpoint.sqs.peekMessages('scheduler-dlq')).toEqual([]);
  });

  it('a send that fails goes to DeadLetterConfig with the input and the error', async () => {
    await clients.scheduler.send(new CreateScheduleCommand(request('retry-lost', { DeadLetterConfig: { Arn: DLQ_ARN } })));
    endpoint.sqs.deleteQueue('dispatch');
    clock.advance(1_800_000);

    const [dead, ...more] = endpoint.sqs.peekMessages('scheduler-dlq');
    expect(more).toEqual([]);
    expect(dead?.body).toBe(INPUT);
    expect(dead?.messageAttributes).toMatchObject({
      ERROR_CODE: { DataType: 'String', StringValue: 'QueueDoesNotExist' },
      ERROR_MESSAGE: { DataType: 'String', StringValue: expect.stringContaining(DISPATCH_ARN) },
      SCHEDULE_ARN: { StringValue: `arn:aws:scheduler:us-east-1:000000000000:schedule/${GROUP}/retry-lost` },
      TARGET_ARN: { StringValue: DISPATCH_ARN },
    });
    expect(logLines.join('\n')).toContain('dead-lettered to scheduler-dlq');
    // ActionAfterCompletion DELETE still applies: the retry now lives in the dead-letter queue.
    expect(endpoint.scheduler.listSchedules({ groupName: GROUP })).toEqual([]);
  });

  it('without a dead-letter queue a failed send is dropped with a log line, as in AWS', async () => {
    await clients.scheduler.send(new CreateScheduleCommand(request('retry-dropped')));
    endpoint.sqs.deleteQueue('dispatch');
    clock.advance(1_800_000);
    expect(endpoint.sqs.peekMessages('scheduler-dlq')).toEqual([]);
    expect(logLines.join('\n')).toContain('no dead-letter queue, dropped');
  });

  it('refuses a DeadLetterConfig that is not an SQS queue ARN', async () => {
    const error = await rejectionOf(
      clients.scheduler.send(new CreateScheduleCommand(request('retry-bad', { DeadLetterConfig: { Arn: 'arn:aws:sns:us-east-1:000000000000:topic' } }))),
    );
    expect(error).toMatchObject({ name: 'ValidationException', message: expect.stringContaining('DeadLetterConfig.Arn') });
  });
});
