// What DeliveryService needs of the world beyond storage (that is delivery-store.ts): a way to POST
// to an endpoint, a retry queue, and the platform's own events. Declared here, where they are
// used, so the delivery path depends on no adapter: adapters/http-sender.ts,
// adapters/retry-scheduler.ts and adapters/operational-events.ts implement them on AWS and the
// network, the tests with fakes. eslint.config.mjs keeps lambdas/delivery/ from importing adapters/.
import type { AttemptErrorClass } from '../domain/model';

/** What one POST came to: an answer, or the reason there was none. */
export interface SendResult {
  outcome: 'succeeded' | 'failed';
  statusCode?: number;
  errorClass?: AttemptErrorClass;
  errorMessage?: string;
  latencyMs: number;
  responseExcerpt?: string;
  /** The raw Retry-After response header, if any. */
  retryAfter?: string;
}

export interface HttpSender {
  send(url: string, headers: Record<string, string>, body: string): Promise<SendResult>;
  close(): Promise<void>;
}

/** The JSON body the dispatcher receives on the retry queue for a retry. Ids only, so it stays tiny. */
export interface RetryMessage {
  kind: 'retry';
  deliveryId: string;
  accountId: string;
  endpointId: string;
  attempt: number;
  /**
   * Seconds this retry has already waited for the attempt before it to be recorded (it can arrive
   * first: the dispatcher hands a retry over before it records the failed attempt).
   */
  waitedForRecordSeconds?: number;
  /**
   * A rate-limited endpoint's send slot (epoch ms), already reserved: the attempt is made then, not
   * before, and takes no other slot (see domain/rate-limit.ts).
   */
  notBefore?: number;
}

/** What a queue message carries: an EventBridge envelope from the rule, or a retry we handed over. */
export function isRetryMessage(message: unknown): message is RetryMessage {
  const candidate = message as Partial<RetryMessage> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    candidate.kind === 'retry' &&
    typeof candidate.deliveryId === 'string' &&
    typeof candidate.accountId === 'string' &&
    typeof candidate.endpointId === 'string' &&
    Number.isInteger(candidate.attempt) &&
    (candidate.waitedForRecordSeconds === undefined || typeof candidate.waitedForRecordSeconds === 'number') &&
    (candidate.notBefore === undefined || Number.isFinite(candidate.notBefore))
  );
}

/** A retry handed over and not yet due: which attempt, and how long it was set to wait. */
export interface WaitingRetry {
  readonly deliveryId: string;
  readonly attempt: number;
  readonly delaySeconds: number;
}

export interface RetryScheduler {
  /** Hands `message` to the retry queue, due at `at` (`delaySeconds` from now). */
  schedule(message: RetryMessage, delaySeconds: number, at: Date): Promise<void>;
  /** Sends the messages now (redeliveries); returns the delivery ids whose message SQS did not take. */
  sendNow(messages: readonly RetryMessage[]): Promise<string[]>;
  /** Deletes the schedules of waiting retries that went through Scheduler; ones already gone are fine. */
  cancel(waiting: readonly WaitingRetry[]): Promise<void>;
}

export interface EndpointDisabledEvent {
  readonly accountId: string;
  readonly endpointId: string;
  readonly url: string;
  readonly reason: string;
  readonly disabledAt: string;
}

/** Events for the platform, not for customers' endpoints. */
export interface OperationalEvents {
  endpointDisabled(event: EndpointDisabledEvent): Promise<void>;
}
