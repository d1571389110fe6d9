// Hands a retry back to the dispatch queue: as a delayed SQS message when the wait fits SQS's
// 15-minute DelaySeconds, otherwise as a one-shot EventBridge Scheduler at() schedule whose
// target is the same queue (it deletes itself after firing).
import { createHash } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { CreateScheduleCommand, DeleteScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { retryScheduleName } from '../domain/ids';

/** The JSON body the dispatcher receives on the dispatch queue for a retry. Ids only, so it stays tiny. */
export interface RetryMessage {
  kind: 'retry';
  deliveryId: string;
  accountId: string;
  attempt: number;
}

export interface RetryPlan {
  /** Used by 'sqs-delay'. */
  delaySeconds: number;
  /** Used by 'scheduler'. */
  at: Date;
  via: 'sqs-delay' | 'scheduler';
}

export interface RetryScheduler {
  schedule(message: RetryMessage, plan: RetryPlan): Promise<void>;
  /** Removes a pending scheduler retry; one that already fired or never existed is fine. */
  cancel(deliveryId: string, attempt: number): Promise<void>;
}

export interface RetrySchedulerDeps {
  sqs: Pick<SQSClient, 'send'>;
  scheduler: Pick<SchedulerClient, 'send'>;
  queueUrl: string;
  queueArn: string;
  /** Role EventBridge Scheduler assumes to sqs:SendMessage to the queue. */
  schedulerRoleArn: string;
  scheduleGroupName: string;
  /**
   * SQS queue Scheduler dead-letters a retry to when it cannot send it to the dispatch queue
   * (its own retries exhausted, or a permanent error), so no retry is dropped silently.
   */
  deadLetterQueueArn?: string;
}

export const SQS_MAX_DELAY_SECONDS = 900;

/**
 * If the queue is briefly unreachable when the schedule fires, Scheduler keeps retrying (with
 * its own backoff) for up to a day rather than dropping the retry: both at the API maximum.
 */
export const SCHEDULER_TARGET_RETRY_POLICY = { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 } as const;

/** The dispatch queue's retry message body, rebuilt from its four fields so nothing else rides along. */
export function retryMessageBody(message: RetryMessage): string {
  return JSON.stringify({ kind: 'retry', deliveryId: message.deliveryId, accountId: message.accountId, attempt: message.attempt });
}

export function createRetryScheduler(deps: RetrySchedulerDeps): RetryScheduler {
  async function schedule(message: RetryMessage, plan: RetryPlan): Promise<void> {
    const body = retryMessageBody(message);
    if (plan.via === 'sqs-delay') {
      await deps.sqs.send(new SendMessageCommand({ QueueUrl: deps.queueUrl, MessageBody: body, DelaySeconds: sqsDelaySeconds(plan.delaySeconds) }));
      return;
    }
    const name = retryScheduleName(message.deliveryId, message.attempt);
    try {
      await deps.scheduler.send(
        new CreateScheduleCommand({
          Name: name,
          GroupName: deps.scheduleGroupName,
          ScheduleExpression: atExpression(plan.at),
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Target: {
            Arn: deps.queueArn,
            RoleArn: deps.schedulerRoleArn,
            Input: body,
            RetryPolicy: { ...SCHEDULER_TARGET_RETRY_POLICY },
            ...(deps.deadLetterQueueArn ? { DeadLetterConfig: { Arn: deps.deadLetterQueueArn } } : {}),
          },
          ClientToken: clientTokenFor(name),
        }),
      );
    } catch (error) {
      // The name is unique per delivery and attempt, so an existing schedule is this very retry.
      if (errorName(error) !== 'ConflictException') throw error;
    }
  }

  async function cancel(deliveryId: string, attempt: number): Promise<void> {
    const name = retryScheduleName(deliveryId, attempt);
    try {
      await deps.scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: deps.scheduleGroupName }));
    } catch (error) {
      if (errorName(error) !== 'ResourceNotFoundException') throw error;
    }
  }

  return { schedule, cancel };
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
