import {
  type CreateScheduleCommandInput,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { ManualClock } from '../../../../local/aws-endpoint/clock';
import { parseAtExpression } from '../../../../local/aws-endpoint/scheduler';
import { type AwsEndpoint, startAwsEndpoint } from '../../../../local/aws-endpoint/server';
import { rejectionOf, type SdkClients, sdkClients } from '../../../support/sdk-clients';

const DISPATCH_ARN = 'arn:aws:sqs:us-east-1:000000000000:dispatch';
const GROUP = 'georedir-retries';
const START = Date.UTC(2026, 1, 25, 14, 30, 0);

/** `at()` expression for an epoch-millisecond time (seconds precision). */
const at = (epochMs: number) => `at(${new Date(epochMs).toISOString().slice(0, 19)})`;

const request = (name: string, fireAt: number, extra: Partial<CreateScheduleCommandInput> = {}): CreateScheduleCommandInput => ({
  Name: name,
  GroupName: GROUP,
  ScheduleExpression: at(fireAt),
  ScheduleExpressionTimezone: 'UTC',
  FlexibleTimeWindow: { Mode: 'OFF' },
  Target: { Arn: DISPATCH_ARN, RoleArn: 'arn:aws:iam::000000000000:role/scheduler', Input: JSON.stringify({ retry: name }) },
  ActionAfterCompletion: 'DELETE',
  ...extra,
});

describe('local EventBridge Scheduler through the AWS SDK', () => {
  let endpoint: AwsEndpoint;
  let clients: SdkClients;
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock(START);
    endpoint = await startAwsEndpoint({ port: 0, clock, queues: [{ name: 'dispatch' }], buses: [], scheduleGroups: [GROUP] });
    clients = sdkClients(endpoint.url);
  });

  afterEach(async () => {
    clients.destroy();
    await endpoint.close();
  });

  const bodies = () => endpoint.sqs.peekMessages('dispatch').map((message) => message.body);

  it('creates, gets, lists and deletes schedules', async () => {
    const fireAt = START + 3_600_000;
    const created = await clients.scheduler.send(new CreateScheduleCommand(request('retry-1', fireAt, { Description: 'first' })));
    expect(created.ScheduleArn).toBe(`arn:aws:scheduler:us-east-1:000000000000:schedule/${GROUP}/retry-1`);
    await clients.scheduler.send(new CreateScheduleCommand(request('retry-2', fireAt, { State: 'DISABLED' })));
    await clients.scheduler.send(new CreateScheduleCommand(request('other', fireAt, { GroupName: undefined })));

    const schedule = await clients.scheduler.send(new GetScheduleCommand({ Name: 'retry-1', GroupName: GROUP }));
    expect(schedule).toMatchObject({
      Arn: created.ScheduleArn,
      Name: 'retry-1',
      GroupName: GROUP,
      ScheduleExpression: 'at(2026-02-25T15:30:00)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      Description: 'first',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: DISPATCH_ARN, Input: '{"retry":"retry-1"}' },
    });
    expect(schedule.CreationDate).toEqual(new Date(START));

    const inGroup = await clients.scheduler.send(new ListSchedulesCommand({ GroupName: GROUP }));
    expect(inGroup.Schedules!.map((item) => item.Name)).toEqual(['retry-1', 'retry-2']);
    expect(inGroup.Schedules![0]).toMatchObject({ Arn: created.ScheduleArn, State: 'ENABLED', Target: { Arn: DISPATCH_ARN } });
    const enabled = await clients.scheduler.send(new ListSchedulesCommand({ State: 'ENABLED' }));
    expect(enabled.Schedules!.map((item) => `${item.GroupName}/${item.Name}`)).toEqual(['default/other', `${GROUP}/retry-1`]);
    const prefixed = await clients.scheduler.send(new ListSchedulesCommand({ NamePrefix: 'retry-', MaxResults: 1 }));
    expect(prefixed.Schedules!.map((item) => item.Name)).toEqual(['retry-1']);
    const nextPage = await clients.scheduler.send(new ListSchedulesCommand({ NamePrefix: 'retry-', MaxResults: 1, NextToken: prefixed.NextToken }));
    expect(nextPage.Schedules!.map((item) => item.Name)).toEqual(['retry-2']);
    expect(nextPage.NextToken).toBeUndefined();

    await clients.scheduler.send(new DeleteScheduleCommand({ Name: 'retry-1', GroupName: GROUP }));
    const gone = await rejectionOf(clients.scheduler.send(new GetScheduleCommand({ Name: 'retry-1', GroupName: GROUP })));
    expect(gone.name).toBe('ResourceNotFoundException');
    expect(gone.$metadata).toMatchObject({ httpStatusCode: 404 });
    const deleteAgain = await rejectionOf(clients.scheduler.send(new DeleteScheduleCommand({ Name: 'retry-1', GroupName: GROUP })));
    expect(deleteAgain.name).toBe('ResourceNotFoundException');
  });

  it('answers a duplicate name with ConflictException, and a retried request (same ClientToken) with the original', async () => {
    const first = request('dup', START + 3_600_000, { ClientToken: 'token-1' });
    const created = await clients.scheduler.send(new CreateScheduleCommand(first));
    expect((await clients.scheduler.send(new CreateScheduleCommand(first))).ScheduleArn).toBe(created.ScheduleArn);

    const conflict = await rejectionOf(clients.scheduler.send(new CreateScheduleCommand(request('dup', START + 3_600_000))));
    expect(conflict.name).toBe('ConflictException');
    expect(conflict.$metadata).toMatchObject({ httpStatusCode: 409 });
  });

  it('validates what it cannot emulate with clear ValidationExceptions', async () => {
    const cases: Array<[Partial<CreateScheduleCommandInput>, string]> = [
      [{ ScheduleExpression: 'rate(5 minutes)' }, 'only one-time schedules at(yyyy-mm-ddThh:mm:ss)'],
      [{ ScheduleExpression: 'at(2026-02-30T10:00:00)' }, 'not a valid date'],
      [{ ScheduleExpressionTimezone: 'Europe/Paris' }, 'UTC only'],
      [{ Target: { Arn: 'arn:aws:lambda:us-east-1:000000000000:function:x', RoleArn: 'arn:aws:iam::000000000000:role/r' } }, 'SQS queues it hosts'],
      [{ FlexibleTimeWindow: { Mode: 'FLEXIBLE' } }, 'MaximumWindowInMinutes'],
    ];
    for (const [change, message] of cases) {
      const error = await rejectionOf(clients.scheduler.send(new CreateScheduleCommand(request('bad', START + 60_000, change))));
      expect(error.name).toBe('ValidationException');
      expect(error.message).toContain(message);
    }
    const noGroup = await rejectionOf(clients.scheduler.send(new CreateScheduleCommand(request('x', START + 60_000, { GroupName: 'nope' }))));
    expect(noGroup.name).toBe('ResourceNotFoundException');
  });

  it('fires at its at() time, sends the Input to the target queue and deletes the schedule (ActionAfterCompletion DELETE)', async () => {
    const fireAt = START + 30 * 60_000;
    await clients.scheduler.send(new CreateScheduleCommand(request('retry-3', fireAt)));

    clock.set(fireAt - 1);
    expect(bodies()).toEqual([]);
    clock.set(fireAt);
    expect(bodies()).toEqual(['{"retry":"retry-3"}']);
    expect(endpoint.sqs.peekMessages('dispatch')[0]!.sentTimestamp).toBe(fireAt);

    const gone = await rejectionOf(clients.scheduler.send(new GetScheduleCommand({ Name: 'retry-3', GroupName: GROUP })));
    expect(gone.name).toBe('ResourceNotFoundException');
  });

  it('keeps a fired schedule with ActionAfterCompletion NONE and never fires it twice', async () => {
    const fireAt = START + 60_000;
    await clients.scheduler.send(new CreateScheduleCommand(request('keep', fireAt, { ActionAfterCompletion: 'NONE' })));
    clock.set(fireAt + 5_000);
    clock.advance(60_000);
    expect(bodies()).toEqual(['{"retry":"keep"}']);
    const kept = await clients.scheduler.send(new GetScheduleCommand({ Name: 'keep', GroupName: GROUP }));
    expect(kept.ActionAfterCompletion).toBe('NONE');
  });

  it('does not fire a disabled schedule', async () => {
    await clients.scheduler.send(new CreateScheduleCommand(request('off', START + 60_000, { State: 'DISABLED' })));
    clock.advance(120_000);
    expect(bodies()).toEqual([]);
  });

  it('names a Scheduler operation it does not implement', async () => {
    const error = await rejectionOf(clients.scheduler.send(new UpdateScheduleCommand(request('x', START + 60_000))));
    expect(error.name).toBe('UnknownOperationException');
    expect(error.message).toBe('local AWS endpoint does not implement Scheduler.UpdateSchedule');
  });
});

describe('local Scheduler in real time', () => {
  it('fires a schedule in its second, delivering to a waiting consumer', async () => {
    const endpoint = await startAwsEndpoint({ port: 0, queues: [{ name: 'dispatch' }], buses: [], scheduleGroups: [] });
    const clients = sdkClients(endpoint.url);
    try {
      const fireAt = Math.ceil((Date.now() + 1_000) / 1000) * 1000;
      await clients.scheduler.send(
        new CreateScheduleCommand({
          Name: 'soon',
          ScheduleExpression: at(fireAt),
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: { Arn: DISPATCH_ARN, RoleArn: 'arn:aws:iam::000000000000:role/scheduler', Input: 'payload' },
          ActionAfterCompletion: 'DELETE',
        }),
      );
      const { Messages } = await clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: endpoint.sqs.queueUrl('dispatch'), WaitTimeSeconds: 5, MessageSystemAttributeNames: ['SentTimestamp'] }),
      );
      expect(Messages![0]!.Body).toBe('payload');
      const sent = Number(Messages![0]!.Attributes!.SentTimestamp);
      expect(sent).toBeGreaterThanOrEqual(fireAt);
      expect(sent).toBeLessThan(fireAt + 1_000);
      expect(endpoint.scheduler.listSchedules()).toEqual([]);
    } finally {
      clients.destroy();
      await endpoint.close();
    }
  });
});

describe('at() expressions', () => {
  it('are read as UTC', () => {
    expect(parseAtExpression('at(2026-02-25T14:30:00)')).toBe(Date.UTC(2026, 1, 25, 14, 30, 0));
    expect(() => parseAtExpression('at(2026-02-25 14:30:00)')).toThrow('only one-time schedules');
    expect(() => parseAtExpression('at(2026-02-25T24:00:00)')).toThrow('not a valid date');
  });
});
