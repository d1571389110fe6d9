import { createHash } from 'node:crypto';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  ValidationException,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { atExpression, createRetryScheduler, sqsDelaySeconds } from '../../../lambdas/adapters/retry-scheduler';
import type { RetryMessage } from '../../../lambdas/delivery/ports';

// No local SQS or Scheduler exists yet; both clients are used only through `send`, so a recorder stands in.
class RecordingClient {
  readonly commands: unknown[] = [];
  failWith: Error | undefined;

  async send(command: unknown): Promise<object> {
    this.commands.push(command);
    if (this.failWith) throw this.failWith;
    return {};
  }
}

/** A Scheduler error as the SDK would throw it from `send`. */
function serviceError<E>(type: new (options: { message: string; Message: string; $metadata: object }) => E, message: string): E {
  return new type({ message, Message: message, $metadata: {} });
}

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/dispatch';
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:dispatch';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/scheduler-to-dispatch';
const GROUP = 'georedir-webhooks-retries';
const MESSAGE: RetryMessage = { kind: 'retry', deliveryId: 'dlv_0123456789abcdef0123456789abcdef', accountId: 'acct_1', endpointId: 'ep_1', attempt: 3 };
const MESSAGE_JSON = '{"kind":"retry","deliveryId":"dlv_0123456789abcdef0123456789abcdef","accountId":"acct_1","endpointId":"ep_1","attempt":3}';
const SCHEDULE_NAME = 'retry-dlv_0123456789abcdef0123456789abcdef-3';

function setup() {
  const sqs = new RecordingClient();
  const scheduler = new RecordingClient();
  const retryScheduler = createRetryScheduler({
    sqs: sqs as unknown as SQSClient,
    scheduler: scheduler as unknown as SchedulerClient,
    queueUrl: QUEUE_URL,
    scheduleGroupName: GROUP,
    schedules: { queueArn: QUEUE_ARN, schedulerRoleArn: ROLE_ARN },
  });
  return { sqs, scheduler, retryScheduler };
}

function only<T>(commands: unknown[], type: new (...args: never[]) => T): T {
  expect(commands).toHaveLength(1);
  expect(commands[0]).toBeInstanceOf(type);
  return commands[0] as T;
}

describe('createRetryScheduler', () => {
  describe("via 'sqs-delay'", () => {
    it('sends the retry message to the retry queue with the delay in whole seconds and its account as the tenant', async () => {
      const { sqs, scheduler, retryScheduler } = setup();
      await retryScheduler.schedule(MESSAGE, 59.2, new Date('2026-02-25T14:31:00Z'));
      expect(only(sqs.commands, SendMessageBatchCommand).input).toEqual({
        QueueUrl: QUEUE_URL,
        Entries: [{ Id: '0', MessageBody: MESSAGE_JSON, DelaySeconds: 60, MessageGroupId: 'acct_1' }],
      });
      expect(scheduler.commands).toHaveLength(0);
    });

    it('sends handovers made together in one SendMessageBatch, ten at most, each with its own delay', async () => {
      const { sqs, retryScheduler } = setup();
      const messages = Array.from({ length: 12 }, (_, index) => ({ ...MESSAGE, attempt: index + 2 }));
      await Promise.all(messages.map((message, index) => retryScheduler.schedule(message, index + 1, new Date())));
      const batches = sqs.commands.map((command) => (command as SendMessageBatchCommand).input.Entries ?? []);
      expect(batches.map((entries) => entries.length)).toEqual([10, 2]);
      expect(batches.flat().map((entry) => [JSON.parse(entry.MessageBody!).attempt, entry.DelaySeconds])).toEqual(messages.map((message, index) => [message.attempt, index + 1]));
    });

    it("gives each handover of a shared batch its own account's MessageGroupId", async () => {
      const { sqs, retryScheduler } = setup();
      const accounts = ['acct_a', 'acct_b', 'acct_a', 'acct_c'];
      await Promise.all(accounts.map((accountId, index) => retryScheduler.schedule({ ...MESSAGE, accountId, attempt: index + 2 }, 30, new Date())));
      const entries = only(sqs.commands, SendMessageBatchCommand).input.Entries ?? [];
      expect(entries.map((entry) => [entry.MessageGroupId, JSON.parse(entry.MessageBody!).accountId])).toEqual(accounts.map((account) => [account, account]));
    });

    it('keeps waits up to 900 seconds in SQS and hands longer ones to Scheduler', async () => {
      const { sqs, scheduler, retryScheduler } = setup();
      await retryScheduler.schedule(MESSAGE, 900, new Date('2026-02-25T14:45:00Z'));
      expect(only(sqs.commands, SendMessageBatchCommand).input.Entries?.[0]?.DelaySeconds).toBe(900);
      await retryScheduler.schedule(MESSAGE, 901, new Date('2026-02-25T14:45:01Z'));
      expect(only(scheduler.commands, CreateScheduleCommand).input.ScheduleExpression).toBe('at(2026-02-25T14:45:01)');
    });

    it('refuses a Scheduler retry where no schedule target is configured (the API only sends now)', async () => {
      const retryScheduler = createRetryScheduler({
        sqs: new RecordingClient() as unknown as SQSClient,
        scheduler: new RecordingClient() as unknown as SchedulerClient,
        queueUrl: QUEUE_URL,
        scheduleGroupName: GROUP,
      });
      await expect(retryScheduler.schedule(MESSAGE, 1800, new Date())).rejects.toThrow('needs Scheduler');
    });

    it('carries only the message fields, so the body stays tiny', async () => {
      const { sqs, retryScheduler } = setup();
      const withExtra = { ...MESSAGE, secret: 'whsec_must-not-travel' } as RetryMessage;
      await retryScheduler.schedule(withExtra, 5, new Date());
      expect(only(sqs.commands, SendMessageBatchCommand).input.Entries?.[0]?.MessageBody).toBe(MESSAGE_JSON);
    });

    it('propagates an SQS failure', async () => {
      const { sqs, retryScheduler } = setup();
      sqs.failWith = new Error('throttled');
      await expect(retryScheduler.schedule(MESSAGE, 5, new Date())).rejects.toThrow('throttled');
    });
  });

  describe("via 'scheduler'", () => {
    // No SqsParameters: Scheduler documents MessageGroupId for FIFO targets only, so this retry
    // reaches the (fair) retry queue without a tenant.
    it('creates a self-deleting one-shot schedule targeting the retry queue, without a message group', async () => {
      const { sqs, scheduler, retryScheduler } = setup();
      await retryScheduler.schedule(MESSAGE, 1800, new Date('2026-02-25T15:00:00.000Z'));
      expect(only(scheduler.commands, CreateScheduleCommand).input).toEqual({
        Name: SCHEDULE_NAME,
        GroupName: GROUP,
        ScheduleExpression: 'at(2026-02-25T15:00:00)',
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: {
          Arn: QUEUE_ARN,
          RoleArn: ROLE_ARN,
          Input: MESSAGE_JSON,
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
        },
        ClientToken: createHash('sha256').update(SCHEDULE_NAME).digest('hex'),
      });
      expect(sqs.commands).toHaveLength(0);
    });

    it('rounds the at() time up to the next whole second', async () => {
      const { scheduler, retryScheduler } = setup();
      await retryScheduler.schedule(MESSAGE, 1800, new Date('2026-12-31T23:59:59.001Z'));
      expect(only(scheduler.commands, CreateScheduleCommand).input.ScheduleExpression).toBe('at(2027-01-01T00:00:00)');
    });

    it('uses the same name and client token every time, so a repeat is recognised', async () => {
      const { scheduler, retryScheduler } = setup();
      const at = new Date('2026-02-25T17:00:00Z');
      await retryScheduler.schedule(MESSAGE, 7200, at);
      await retryScheduler.schedule(MESSAGE, 7200, at);
      const [first, second] = scheduler.commands as CreateScheduleCommand[];
      expect(first?.input.ClientToken).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
      expect(second?.input.ClientToken).toBe(first?.input.ClientToken);
      expect(second?.input.Name).toBe(first?.input.Name);
    });

    it('treats an existing schedule (ConflictException) as already scheduled', async () => {
      const { scheduler, retryScheduler } = setup();
      scheduler.failWith = serviceError(ConflictException, 'Schedule retry-... already exists.');
      await expect(
        retryScheduler.schedule(MESSAGE, 1800, new Date('2026-02-25T15:00:00Z')),
      ).resolves.toBeUndefined();
      expect(scheduler.commands).toHaveLength(1);
    });

    it('propagates any other Scheduler error', async () => {
      const { scheduler, retryScheduler } = setup();
      scheduler.failWith = serviceError(ValidationException, 'bad expression');
      await expect(
        retryScheduler.schedule(MESSAGE, 1800, new Date('2026-02-25T15:00:00Z')),
      ).rejects.toBeInstanceOf(ValidationException);
    });
  });

  describe('cancel', () => {
    const waiting = { deliveryId: MESSAGE.deliveryId, attempt: 3, delaySeconds: 1800 };

    it('deletes the schedule of a retry that went to Scheduler, and leaves SQS-delayed ones alone', async () => {
      const { scheduler, retryScheduler } = setup();
      await retryScheduler.cancel([waiting, { deliveryId: 'dlv_other', attempt: 2, delaySeconds: 60 }]);
      expect(only(scheduler.commands, DeleteScheduleCommand).input).toEqual({ Name: SCHEDULE_NAME, GroupName: GROUP });
    });

    it('ignores a schedule that no longer exists', async () => {
      const { scheduler, retryScheduler } = setup();
      scheduler.failWith = serviceError(ResourceNotFoundException, 'Schedule not found.');
      await expect(retryScheduler.cancel([waiting])).resolves.toBeUndefined();
    });

    it('propagates any other error', async () => {
      const { scheduler, retryScheduler } = setup();
      scheduler.failWith = serviceError(ConflictException, 'conflict');
      await expect(retryScheduler.cancel([waiting])).rejects.toBeInstanceOf(ConflictException);
    });
  });

  describe('sendNow', () => {
    it('sends redeliveries in batches of ten and returns the ids SQS refused', async () => {
      const sqs = new (class extends RecordingClient {
        override async send(command: unknown): Promise<object> {
          await super.send(command);
          return { Failed: [{ Id: '1', SenderFault: false, Code: 'InternalError' }] };
        }
      })();
      const retryScheduler = createRetryScheduler({
        sqs: sqs as unknown as SQSClient,
        scheduler: new RecordingClient() as unknown as SchedulerClient,
        queueUrl: QUEUE_URL,
        scheduleGroupName: GROUP,
      });
      const messages = Array.from({ length: 12 }, (_, i) => ({ ...MESSAGE, deliveryId: `dlv_${i}` }));
      expect(await retryScheduler.sendNow(messages)).toEqual(['dlv_1', 'dlv_11']);
      expect(sqs.commands).toHaveLength(2);
      expect((sqs.commands[0] as SendMessageBatchCommand).input.Entries?.[0]?.MessageBody).toBe(MESSAGE_JSON.replace(MESSAGE.deliveryId, 'dlv_0'));
    });

    it('puts each redelivery on the queue with its account as MessageGroupId', async () => {
      const { sqs, retryScheduler } = setup();
      await retryScheduler.sendNow([MESSAGE, { ...MESSAGE, accountId: 'acct_2', deliveryId: 'dlv_2' }]);
      const entries = only(sqs.commands, SendMessageBatchCommand).input.Entries ?? [];
      expect(entries.map((entry) => entry.MessageGroupId)).toEqual(['acct_1', 'acct_2']);
    });
  });
});

describe('atExpression', () => {
  it.each([
    ['2026-02-25T14:30:00.000Z', 'at(2026-02-25T14:30:00)'],
    ['2026-02-25T14:30:00.001Z', 'at(2026-02-25T14:30:01)'],
    ['2026-02-25T14:30:00.999Z', 'at(2026-02-25T14:30:01)'],
    ['2026-02-28T23:59:59.500Z', 'at(2026-03-01T00:00:00)'],
  ])('%s -> %s', (iso, expected) => {
    expect(atExpression(new Date(iso))).toBe(expected);
  });

  it('rejects an invalid date', () => {
    expect(() => atExpression(new Date('not a date'))).toThrow(RangeError);
  });
});

describe('sqsDelaySeconds', () => {
  it.each([
    [0, 0],
    [-5, 0],
    [Number.NaN, 0],
    [0.1, 1],
    [60, 60],
    [899.5, 900],
    [900, 900],
    [901, 900],
  ])('%d -> %d', (input, expected) => {
    expect(sqsDelaySeconds(input)).toBe(expected);
  });
});
