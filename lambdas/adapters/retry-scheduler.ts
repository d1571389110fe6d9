// Hands a retry to the retry queue (the dispatcher's retry lane, apart from producer events, see
// docs/architecture.md): as a delayed SQS message when the wait fits SQS's
// 15-minute DelaySeconds (handovers made together share one SendMessageBatch), otherwise as a one-shot EventBridge Scheduler at() schedule whose
// target is the same queue (it deletes itself after firing). This is the one place that makes
// that choice, and so also the one place that knows which waiting retries have a schedule to
// delete. Redeliveries go on the same queue at once, in the same message shape. It implements the
// RetryScheduler port of delivery/ports.ts.
// Every message SQS takes from here carries its account as MessageGroupId, the tenant of SQS fair
// queues, like the rule's producer events. A Scheduler-sent retry cannot: Scheduler's
// SqsParameters.MessageGroupId is documented for FIFO queues only, so such a retry reaches the
// queue without one and SQS counts it as a tenant of its own.
import { createHash } from 'node:crypto';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { CreateScheduleCommand, DeleteScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import type { RetryMessage, RetryScheduler, WaitingRetry } from '../delivery/ports';
import { retryScheduleName } from '../domain/ids';
import { SQS_BATCH_SIZE, SqsSendBatcher } from './sqs-send-batcher';

export interface RetrySchedulerDeps {
  sqs: Pick<SQSClient, 'send'>;
  scheduler: Pick<SchedulerClient, 'send'>;
  queueUrl: string;
  scheduleGroupName: string;
  /**
   * Where schedules send, the role Scheduler assumes to do so, and the queue it dead-letters a retry
   * to when it cannot send it (so none is dropped silently). Only the dispatcher creates schedules.
   */
  schedules?: { queueArn: string; schedulerRoleArn: string; deadLetterQueueArn?: string };
}

/** SQS DelaySeconds is exact up to 15 minutes; longer waits go through EventBridge Scheduler. */
export const SQS_MAX_DELAY_SECONDS = 900;

/**
 * If the queue is briefly unreachable when the schedule fires, Scheduler keeps retrying (with
 * its own backoff) for up to a day rather than dropping the retry: both at the API maximum.
 */
export const SCHEDULER_TARGET_RETRY_POLICY = { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 } as const;

/** The retry queue's message body, rebuilt from its fields so nothing else rides along. */
export function retryMessageBody(message: RetryMessage): string {
  const { deliveryId, accountId, endpointId, attempt, waitedForRecordSeconds, notBefore } = message;
  return JSON.stringify({
    kind: 'retry',
    deliveryId,
    accountId,
    endpointId,
    attempt,
    ...(waitedForRecordSeconds ? { waitedForRecordSeconds } : {}),
    ...(notBefore === undefined ? {} : { notBefore }),
  });
}

/** Handovers this close together share one SendMessageBatch (see sqs-send-batcher.ts). */
const HANDOVER_LINGER_MS = 5;

export function createRetryScheduler(deps: RetrySchedulerDeps): RetryScheduler {
  const handovers = new SqsSendBatcher(deps.sqs, deps.queueUrl, HANDOVER_LINGER_MS);

  async function schedule(message: RetryMessage, delaySeconds: number, at: Date): Promise<void> {
    const body = retryMessageBody(message);
    if (delaySeconds <= SQS_MAX_DELAY_SECONDS) {
      await handovers.send({ body, delaySeconds: sqsDelaySeconds(delaySeconds), groupId: message.accountId });
      return;
    }
    if (!deps.schedules) throw new Error(`a ${delaySeconds} s retry needs Scheduler, which this function is not set up for`);
    const { queueArn, schedulerRoleArn, deadLetterQueueArn } = deps.schedules;
    const name = retryScheduleName(message.deliveryId, message.attempt);
    try {
      await deps.scheduler.send(
        new CreateScheduleCommand({
          Name: name,
          GroupName: deps.scheduleGroupName,
          ScheduleExpression: atExpression(at),
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Target: {
            Arn: queueArn,
            RoleArn: schedulerRoleArn,
            Input: body,
            RetryPolicy: { ...SCHEDULER_TARGET_RETRY_POLICY },
            ...(deadLetterQueueArn ? { DeadLetterConfig: { Arn: deadLetterQueueArn } } : {}),
          },
          ClientToken: clientTokenFor(name),
        }),
      );
    } catch (error) {
      // The name is unique per delivery and attempt, so an existing schedule is this very retry.
      if (errorName(error) !== 'ConflictException') throw error;
    }
  }

  async function sendNow(messages: readonly RetryMessage[]): Promise<string[]> {
    const refused: string[] = [];
    for (let start = 0; start < messages.length; start += SQS_BATCH_SIZE) {
      const batch = messages.slice(start, start + SQS_BATCH_SIZE);
      const { Failed } = await deps.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: deps.queueUrl,
          Entries: batch.map((message, index) => ({ Id: String(index), MessageBody: retryMessageBody(message), MessageGroupId: message.accountId })),
        }),
      );
      for (const entry of Failed ?? []) {
        const message = batch[Number(entry.Id)];
        if (message) refused.push(message.deliveryId);
      }
    }
    return refused;
  }

  async function cancel(waiting: readonly WaitingRetry[]): Promise<void> {
    const scheduled = waiting.filter((retry) => retry.delaySeconds > SQS_MAX_DELAY_SECONDS);
    await Promise.all(
      scheduled.map(async (retry) => {
        const name = retryScheduleName(retry.deliveryId, retry.attempt);
        try {
          await deps.scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: deps.scheduleGroupName }));
        } catch (error) {
          if (errorName(error) !== 'ResourceNotFoundException') throw error;
        }
      }),
    );
  }

  return { schedule, sendNow, cancel };
}

/** Whole seconds, rounded up so a retry never comes early, within SQS's 0..900. */
export function sqsDelaySeconds(delaySeconds: number): number {
  if (!Number.isFinite(delaySeconds) || delaySeconds <= 0) return 0;
  return Math.min(Math.ceil(delaySeconds), SQS_MAX_DELAY_SECONDS);
}

/** `at(yyyy-mm-ddThh:mm:ss)` in UTC; Scheduler takes no milliseconds, so round up to the next second. */
export function atExpression(at: Date): string {
  const time = at.getTime();
  if (Number.isNaN(time)) throw new RangeError('atExpression: invalid date');
  const roundedUp = new Date(Math.ceil(time / 1000) * 1000);
  return `at(${roundedUp.toISOString().slice(0, 19)})`;
}

/** ClientToken allows only [a-zA-Z0-9-_]{1,64}, schedule names also allow '.': hash to fit. */
function clientTokenFor(name: string): string {
  return createHash('sha256').update(name, 'utf8').digest('hex');
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}
